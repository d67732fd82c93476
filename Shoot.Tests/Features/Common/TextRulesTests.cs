using System.Net;
using Shoot.Features.Common;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Common;

/// <summary>Issue 14, item 3: names and room texts refuse control and bidi override characters with 400; usernames are validated as sent.</summary>
[Trait("Category", "Integration")]
public sealed class TextRulesTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private readonly ShootClient _client = app.Factory.CreateShootClient();

    [Theory]
    [InlineData('\0')]
    [InlineData('\u0007')]
    [InlineData('\u001B')]
    [InlineData('\u007F')]
    [InlineData('\u0085')]
    [InlineData('\u009B')]
    [InlineData('\u202A')]
    [InlineData('\u202E')]
    [InlineData('\u2066')]
    [InlineData('\u2069')]
    public void Control_and_bidi_override_characters_are_forbidden_everywhere(char c)
    {
        Assert.True(TextRules.HasForbidden("a" + c + "b", multiLine: false));
        Assert.True(TextRules.HasForbidden("a" + c + "b", multiLine: true));
    }

    [Fact]
    public void Multi_line_texts_keep_tab_and_line_breaks_and_ordinary_text_passes()
    {
        Assert.False(TextRules.HasForbidden("line one\r\n\tline two", multiLine: true));
        Assert.True(TextRules.HasForbidden("line one\nline two", multiLine: false));
        // Right-to-left text itself, emoji with joiners and the left-to-right mark are ordinary text.
        Assert.False(TextRules.HasForbidden("שלום عليكم 👨‍👩‍👧 \u200E", multiLine: false));
    }

    [Theory]
    [InlineData("xy\n")]
    [InlineData("abc\n")]
    [InlineData(" abc")]
    [InlineData("abc ")]
    [InlineData("ab\0c")]
    public async Task Usernames_are_validated_exactly_as_sent(string username)
    {
        var response = await _client.PostAsync("/api/v1/auth/signup", new { username, nickname = "N", password = "secret123" });
        Assert.NotNull(response.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["username"]);
    }

    [Fact]
    public async Task Nicknames_titles_notices_and_announcements_refuse_them_with_400_naming_the_field()
    {
        var nul = await _client.PostAsync("/api/v1/auth/signup",
            new { username = "n" + Guid.NewGuid().ToString("N")[..8], nickname = "Ali\0ce", password = "secret123" });
        Assert.NotNull(nul.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["nickname"]);

        var owner = await _client.CreateUserAsync("tr");
        var other = await _client.CreateUserAsync("tr");
        (await _client.PutAsync("/api/v1/users/me", new { nickname = "evil\u202Etxt.exe" }, owner.AccessToken))
            .AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        var created = await _client.PostAsync("/api/v1/chatrooms",
            new { type = "GROUP", title = "ti\u2066tle", participantIds = new[] { other.Id } }, owner.AccessToken);
        Assert.NotNull(created.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["title"]);

        var room = (await _client.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "ok", participantIds = new[] { other.Id } }, owner.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        var title = await _client.PutAsync($"/api/v1/chatrooms/{room}", new { title = "bad\u0085" }, owner.AccessToken);
        Assert.NotNull(title.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["title"]);
        var announcement = await _client.PutAsync($"/api/v1/chatrooms/{room}", new { announcement = "read\u001B[2Jme" }, owner.AccessToken);
        Assert.NotNull(announcement.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["announcement"]);
        var notice = await _client.PostAsync($"/api/v1/chatrooms/{room}/notice", new { text = "no\0tice" }, owner.AccessToken);
        Assert.NotNull(notice.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED").Body["errors"]!["text"]);

        // Multi-line texts keep their line breaks.
        (await _client.PostAsync($"/api/v1/chatrooms/{room}/notice", new { text = "line one\nline two" }, owner.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await _client.PutAsync($"/api/v1/chatrooms/{room}", new { announcement = "a\r\n\tb" }, owner.AccessToken)).AssertStatus(HttpStatusCode.OK);
    }
}
