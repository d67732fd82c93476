using System.Text.Json;
using Shoot.Infrastructure.Stomp.SockJs;

namespace Shoot.Tests.Infrastructure.Stomp.SockJs;

/// <summary>The JSON quoting and parsing of SockJS frames (sockjs-protocol's JSONEncoding cases).</summary>
[Trait("Category", "Unit")]
public sealed class SockJsFramesTests
{
    // The characters the protocol makes servers escape (its escapable_by_server).
    private static IEnumerable<char> ServerEscapes() =>
        Enumerable.Range(0, 0x10000).Select(i => (char)i).Where(c =>
            c < 0x20 || c is >= '\u200c' and <= '\u200f' || c is >= '\u2028' and <= '\u202f' || c is >= '\u2060' and <= '\u206f' || c >= '\ufff0');

    [Fact]
    public void Quote_escapes_every_character_the_protocol_lists_and_round_trips()
    {
        var killer = new string(ServerEscapes().ToArray()) + "\"\\ plain ✓ 😀";
        var quoted = SockJsFrames.Quote(killer);
        foreach (var c in ServerEscapes()) Assert.DoesNotContain(c, quoted);
        Assert.Equal(killer, JsonSerializer.Deserialize<string>(quoted));
        // Other non-ASCII text stays as it is (no six-byte escapes for ordinary text).
        Assert.Contains("✓ 😀", quoted);
    }

    [Fact]
    public void Message_and_close_frames_have_the_protocols_shape()
    {
        Assert.Equal("a[\"a\",\"b\\n\"]", SockJsFrames.Messages([SockJsFrames.Quote("a"), SockJsFrames.Quote("b\n")]));
        Assert.Equal("c[3000,\"Go away!\"]", SockJsFrames.Close(3000, "Go away!"));
        Assert.Equal("c[2010,\"Another connection still open\"]", SockJsFrames.AnotherConnectionOpen);
        Assert.Equal("a[\"100%25\"]", SockJsFrames.EscapeForEventSource("a[\"100%\"]"));
    }

    [Fact]
    public void Client_payloads_decode_including_escapes_clients_add()
    {
        // sockjs-client escapes a long list of characters; every escape must decode back.
        var escaped = "[\"" + string.Concat(Enumerable.Range(0, 0x10000).Where(i => i is < 0xd800 or > 0xdfff).Select(i => $"\\u{i:x4}")) + "\",\"x\"]";
        var messages = new List<string>();
        Assert.True(SockJsFrames.TryParseMessageArray(System.Text.Encoding.UTF8.GetBytes(escaped), messages));
        Assert.Equal(0x10000 - 0x800, messages[0].Length);
        Assert.Equal("x", messages[1]);

        messages.Clear();
        Assert.True(SockJsFrames.TryParseWebSocketMessage("\"one\""u8, messages));
        Assert.True(SockJsFrames.TryParseWebSocketMessage("[\"two\",\"three\"]"u8, messages));
        Assert.Equal(["one", "two", "three"], messages);
        foreach (var bad in new[] { "", "[", "[1]", "{}", "[\"a\"]x", "null", "\"a\" \"b\"" })
            Assert.False(SockJsFrames.TryParseWebSocketMessage(System.Text.Encoding.UTF8.GetBytes(bad), []), bad);
    }
}
