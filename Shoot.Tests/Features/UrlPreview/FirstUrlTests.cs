using Shoot.Features.Messages;

namespace Shoot.Tests.Features.Messages;

[Trait("Category", "Unit")]
public sealed class FirstUrlTests
{
    [Theory]
    [InlineData("see https://example.com/a?b=c#d for more", "https://example.com/a?b=c#d")]
    [InlineData("HTTP://Example.com/x.", "HTTP://Example.com/x")]
    [InlineData("look: http://example.com/path, and then", "http://example.com/path")]
    [InlineData("(see https://example.com/a)", "https://example.com/a")]
    [InlineData("https://en.wikipedia.org/wiki/Foo_(bar)!", "https://en.wikipedia.org/wiki/Foo_(bar)")]
    [InlineData("\"https://example.com/q\"", "https://example.com/q")]
    [InlineData("<https://example.com/>", "https://example.com/")]
    [InlineData("first https://one.test then https://two.test", "https://one.test")]
    [InlineData("wow!!! https://example.com/?!...", "https://example.com/")]
    public void The_first_http_url_is_taken_without_the_punctuation_around_it(string text, string expected) =>
        Assert.Equal(expected, MessagePreviews.FirstUrl(text));

    [Theory]
    [InlineData("no link here")]
    [InlineData("ftp://example.com/file")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://")]
    [InlineData("http://...")]
    [InlineData("example.com")]
    public void Text_without_an_http_url_has_none(string text) => Assert.Null(MessagePreviews.FirstUrl(text));
}
