using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Frames;

[Trait("Category", "Unit")]
public class StompFrameParserTests
{
    // A stream covering the grammar: LF and CRLF lines, heart-beat EOLs between frames, escapes, a repeated header,
    // a body holding NULs framed by content-length, a body ended by NUL, and a trailing EOL after a frame.
    private static readonly byte[] Stream = Encoding.UTF8.GetBytes(
        "\n\r\nCONNECT\naccept-version:1.2\nhost:a:b\\n\n\n\0" +
        "SEND\r\ndestination:/topic/a\\cb\r\nx:1\r\nx:2\r\ncontent-length:5\r\n\r\na\0b\0c\0\n\n" +
        "SUBSCRIBE\nid:0\ndestination:/q\\\\x\\ny\\rz\n\n\0\r\n" +
        "MESSAGE\nsubscription:0\nmessage-id:ü\n\nhello wörld\0");

    private static void AssertStream(List<StompFrame> frames)
    {
        Assert.Equal([StompCommand.Connect, StompCommand.Send, StompCommand.Subscribe, StompCommand.Message], frames.Select(f => f.Command));
        Assert.Equal("a:b\\n", frames[0]["host"]); // CONNECT is never unescaped
        Assert.Equal("/topic/a:b", frames[1]["destination"]);
        Assert.Equal("1", frames[1]["x"]); // first of repeated headers wins
        Assert.Equal(2, frames[1].Headers.Count(h => h.Key == "x"));
        Assert.Equal("a\0b\0c"u8.ToArray(), frames[1].Body.ToArray());
        Assert.Equal("/q\\x\ny\rz", frames[2]["destination"]);
        Assert.Equal("ü", frames[3]["message-id"]);
        Assert.Equal("hello wörld", Encoding.UTF8.GetString(frames[3].Body.Span));
    }

    [Fact]
    public void Parses_the_whole_stream() => AssertStream(FrameFeeder.Feed([Stream]));

    [Fact]
    public void Parses_every_split_including_one_byte_per_segment()
    {
        foreach (var chunks in FrameFeeder.Splits(Stream)) AssertStream(FrameFeeder.Feed(chunks, out var leftover));
    }

    [Fact]
    public void Every_prefix_yields_only_the_complete_frames_and_keeps_the_rest()
    {
        var complete = FrameFeeder.Feed([Stream]);
        var ends = new List<int>();
        for (var length = 0; length <= Stream.Length; length++)
        {
            var frames = FrameFeeder.Feed([Stream[..length]], out var leftover);
            Assert.True(frames.Count <= complete.Count);
            for (var i = 0; i < frames.Count; i++) Assert.Equal(complete[i].Command, frames[i].Command);
            if (frames.Count > ends.Count) ends.Add(length);
            Assert.True(leftover <= length);
        }
        Assert.Equal(4, ends.Count); // each frame appeared exactly when its NUL arrived
    }

    [Theory]
    [InlineData("\\r", "\r")]
    [InlineData("\\n", "\n")]
    [InlineData("\\c", ":")]
    [InlineData("\\\\", "\\")]
    [InlineData("a\\\\n", "a\\n")]
    public void Decodes_each_escape(string raw, string decoded)
    {
        var frame = Assert.Single(FrameFeeder.FeedWhole($"SEND\ndestination:/d\nk{raw}:v{raw}\n\n\0"));
        Assert.Equal("v" + decoded, frame["k" + decoded]);
    }

    [Theory]
    [InlineData("\\t")]
    [InlineData("\\")]
    [InlineData("\\x")]
    public void Rejects_undefined_escapes(string raw) =>
        Assert.Throws<StompProtocolException>(() => FrameFeeder.FeedWhole($"SEND\ndestination:/d{raw}\n\n\0"));

    [Fact]
    public void Carriage_return_escape_is_1_2_only()
    {
        Assert.Throws<StompProtocolException>(() => FrameFeeder.FeedWhole("SEND\nd:\\r\n\n\0", StompVersion.V11));
        Assert.Equal("\\r", FrameFeeder.FeedWhole("SEND\nd:\\r\n\n\0", StompVersion.V10)[0]["d"]); // 1.0 has no escapes
    }

    [Fact]
    public void Honours_content_length_over_nul()
    {
        var body = new byte[] { 0, 1, 0, 255, 0 };
        var frame = Assert.Single(FrameFeeder.Feed([[.. "SEND\ndestination:/d\ncontent-length:5\n\n"u8, .. body, 0]]));
        Assert.Equal(body, frame.Body.ToArray());
    }

    [Theory]
    [InlineData("FOO\n\n\0", "Unknown command")]
    [InlineData("send\n\n\0", "Unknown command")]
    [InlineData("\0", "NUL inside frame headers")]
    [InlineData("\n\nSEND\n\0", "NUL inside frame headers")]
    [InlineData("SUBSCRIBE\nid:1\0\n\n", "NUL inside frame headers")]
    [InlineData("\n\n\0\n", "NUL inside frame headers")]
    [InlineData("SEND\ndestination\n\n\0", "Header without a colon")]
    [InlineData("SEND\n:x\n\n\0", "Empty header name")]
    [InlineData("SEND\ncontent-length:abc\n\n\0", "Invalid content-length")]
    [InlineData("SEND\ncontent-length:-1\n\n\0", "Invalid content-length")]
    [InlineData("SEND\ncontent-length:\n\n\0", "Invalid content-length")]
    [InlineData("SEND\ncontent-length:2\n\nabc\0", "Body longer than content-length (no NUL after it)")]
    [InlineData("SUBSCRIBE\nid:1\n\nbody\0", "SUBSCRIBE frames must not have a body")]
    [InlineData("ACK\nid:1\n\nx\0", "ACK frames must not have a body")]
    [InlineData("\rSEND\n\n\0", "CR not followed by LF")]
    [InlineData("SEND\na:b\rc\n\n\0", "CR inside a header line")]
    [InlineData("SEND\ncontent-length:999999999\n\n\0", "Frame too large")]
    public void Rejects_malformed_frames(string text, string message)
    {
        var input = Encoding.UTF8.GetBytes(text);
        // Malformed input is refused however it arrives.
        foreach (var chunks in FrameFeeder.Splits(input))
        {
            var error = Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed(chunks));
            Assert.Equal(message, error.Message);
        }
    }

    [Fact]
    public void Rejects_headers_that_are_not_utf8() =>
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([[.. "SEND\nd:"u8, 0xC3, 0x28, .. "\n\n\0"u8]]));

    [Fact]
    public void Enforces_header_count_and_line_length()
    {
        var limits = new StompParserLimits(1024, 3, 32);
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([Encoding.UTF8.GetBytes("SEND\na:1\nb:2\nc:3\nd:4\n\n\0")], limits: limits));
        Assert.Single(FrameFeeder.Feed([Encoding.UTF8.GetBytes("SEND\na:1\nb:2\nc:3\n\n\0")], limits: limits));
        var longLine = "SEND\nk:" + new string('v', 40) + "\n\n\0";
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([Encoding.UTF8.GetBytes(longLine)], limits: limits));
        // An unterminated line is refused as soon as it is too long, before the rest arrives.
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([Encoding.UTF8.GetBytes(longLine[..45])], limits: limits));
    }

    [Fact]
    public void Enforces_frame_size_before_the_frame_is_complete()
    {
        var limits = new StompParserLimits(100, 10, 1000);
        var body = new string('x', 200);
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([Encoding.UTF8.GetBytes("SEND\n\n" + body)], limits: limits));
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([Encoding.UTF8.GetBytes("SEND\ncontent-length:200\n\n")], limits: limits));
        Assert.Throws<StompProtocolException>(() => FrameFeeder.Feed([Encoding.UTF8.GetBytes("SEND\n" + new string('h', 150))], limits: limits));
        Assert.Single(FrameFeeder.Feed([Encoding.UTF8.GetBytes("SEND\n\n" + body[..80] + "\0")], limits: limits));
    }

    [Fact]
    public void Heart_beats_alone_are_consumed()
    {
        var frames = FrameFeeder.Feed([Encoding.UTF8.GetBytes("\n\n\r\n\n")], out var leftover);
        Assert.Empty(frames);
        Assert.Equal(0, leftover);
        // A CR waiting for its LF stays in the buffer.
        FrameFeeder.Feed([Encoding.UTF8.GetBytes("\n\r")], out leftover);
        Assert.Equal(1, leftover);
    }
}
