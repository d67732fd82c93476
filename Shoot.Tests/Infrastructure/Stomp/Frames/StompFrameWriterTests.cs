using System.Buffers;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;

namespace Shoot.Tests.Infrastructure.Stomp.Frames;

[Trait("Category", "Unit")]
public class StompFrameWriterTests
{
    private static string Write(StompCommand command, ReadOnlySpan<byte> body, params (string Key, string Value)[] headers)
    {
        var output = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(output, command, headers.Select(h => new KeyValuePair<string, string>(h.Key, h.Value)), body);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Escapes_every_special_character_outside_connect_frames()
    {
        Assert.Equal("RECEIPT\nreceipt-id:a\\cb\\\\c\\nd\\re\n\n\0", Write(StompCommand.Receipt, default, ("receipt-id", "a:b\\c\nd\re")));
        Assert.Equal("MESSAGE\nk\\c1:v\n\n\0", Write(StompCommand.Message, default, ("k:1", "v")));
    }

    [Fact]
    public void Does_not_escape_connected() =>
        Assert.Equal("CONNECTED\nserver:a:b\n\n\0", Write(StompCommand.Connected, default, ("server", "a:b")));

    [Fact]
    public void Adds_content_length_for_bodies_and_replaces_a_given_one() =>
        Assert.Equal("SEND\ndestination:/d\ncontent-length:3\n\na\0b\0",
            Write(StompCommand.Send, "a\0b"u8, ("destination", "/d"), ("content-length", "99")));

    [Fact]
    public void Drops_bodies_of_frames_that_may_not_have_one() =>
        Assert.Equal("RECEIPT\nreceipt-id:1\n\n\0", Write(StompCommand.Receipt, "x"u8, ("receipt-id", "1")));

    [Fact]
    public void Round_trips_through_the_parser_in_every_split()
    {
        var output = new ArrayBufferWriter<byte>();
        var headers = new KeyValuePair<string, string>[] { new("destination", "/t/ü:\\\r\n"), new("x", ""), new("x", "second") };
        var body = new byte[] { 0, 10, 13, 0, 58, 92 };
        StompFrameWriter.Write(output, StompCommand.Message, headers, body);
        StompFrameWriter.WriteHeartBeat(output);
        StompFrameWriter.Write(output, StompCommand.Error, [new("message", "bad\nthing")], "details"u8);
        foreach (var chunks in FrameFeeder.Splits(output.WrittenSpan.ToArray()))
        {
            var frames = FrameFeeder.Feed(chunks);
            Assert.Equal(2, frames.Count);
            Assert.Equal(headers, frames[0].Headers.Where(h => h.Key != "content-length"));
            Assert.Equal(body, frames[0].Body.ToArray());
            Assert.Equal("bad\nthing", frames[1]["message"]);
            Assert.Equal("details", Encoding.UTF8.GetString(frames[1].Body.Span));
        }
    }

    [Fact]
    public void Heart_beat_header_negotiation_takes_the_larger_interval_and_zero_means_off()
    {
        Assert.True(StompHeartBeat.TryParse("4000,0", out var client));
        Assert.Equal((0, 10000), StompHeartBeat.Negotiate(client, new StompHeartBeat(10000, 10000)));
        Assert.True(StompHeartBeat.TryParse("20000,500", out client));
        Assert.Equal((10000, 20000), StompHeartBeat.Negotiate(client, new StompHeartBeat(10000, 10000)));
        Assert.False(StompHeartBeat.TryParse("1,x", out _));
        Assert.False(StompHeartBeat.TryParse("-1,5", out _));
    }

    [Theory]
    [InlineData(null, StompVersion.V10)]
    [InlineData("1.1,1.2", StompVersion.V12)]
    [InlineData("1.0,1.1", StompVersion.V11)]
    [InlineData("2.0,1.0", StompVersion.V10)]
    public void Version_negotiation_picks_the_highest_shared(string? accept, StompVersion expected) =>
        Assert.Equal(expected, StompVersions.Negotiate(accept));

    [Fact]
    public void Version_negotiation_fails_without_a_shared_version() => Assert.Null(StompVersions.Negotiate("2.0,3.1"));
}
