using System.Buffers;
using System.Text;
using Shoot.Infrastructure.Stomp.Frames;
using Shoot.LoadTest;

namespace Shoot.Tests.LoadTest;

/// <summary>The load client's allocation-free MESSAGE reader agrees with the full STOMP parser and waits for whole frames.</summary>
[Trait("Category", "Unit")]
public sealed class MessageFrameScannerTests
{
    private static byte[] Frame(StompCommand command, string body, params (string Name, string Value)[] headers)
    {
        var output = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(output, command, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)), Encoding.UTF8.GetBytes(body));
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void A_message_frame_gives_the_same_subscription_and_body_as_the_full_parser()
    {
        var frame = Frame(StompCommand.Message, """{"seq":1}""",
            ("destination", "/topic/messages/7"), ("subscription", "room"), ("message-id", "m-1"), ("content-type", "application/json"));
        var next = Frame(StompCommand.Message, "second", ("subscription", "status"));
        var buffer = frame.Concat(next).ToArray();

        Assert.Equal(MessageFrameScanner.Outcome.Message, MessageFrameScanner.Scan(buffer, out var length, out var subscription, out var body));
        var sequence = new ReadOnlySequence<byte>(buffer);
        Assert.True(StompFrameParser.TryParse(ref sequence, StompVersion.V12, new StompParserLimits(1 << 20, 100, 1 << 16), out var parsed));
        Assert.Equal(frame.Length, length);
        Assert.Equal(buffer.Length - sequence.Length, length);
        Assert.Equal(parsed!["subscription"], Encoding.UTF8.GetString(subscription));
        Assert.Equal(parsed.Body.ToArray(), body.ToArray());

        Assert.Equal(MessageFrameScanner.Outcome.Message, MessageFrameScanner.Scan(buffer.AsSpan(length), out var secondLength, out subscription, out body));
        Assert.Equal(next.Length, secondLength);
        Assert.Equal("status", Encoding.UTF8.GetString(subscription));
        Assert.Equal("second", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void Without_content_length_the_body_ends_at_the_NUL_and_CRLF_lines_and_heart_beats_are_read()
    {
        var buffer = "\n\r\nMESSAGE\r\nsubscription:errors\r\nsubscription:later\r\n\r\n{\"code\":1}\0MESSAGE"u8.ToArray();

        Assert.Equal(MessageFrameScanner.Outcome.Message, MessageFrameScanner.Scan(buffer, out var length, out var subscription, out var body));
        Assert.Equal(buffer.Length - "MESSAGE".Length, length);
        Assert.Equal("errors", Encoding.UTF8.GetString(subscription)); // the first of repeated headers wins
        Assert.Equal("{\"code\":1}", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void Every_cut_short_message_frame_waits_for_more()
    {
        var frame = Frame(StompCommand.Message, "0123456789", ("subscription", "room"));
        for (var cut = "MESSAGE\n".Length; cut < frame.Length; cut++)
            Assert.Equal(MessageFrameScanner.Outcome.Incomplete, MessageFrameScanner.Scan(frame.AsSpan(0, cut), out _, out _, out _));
    }

    [Theory]
    [InlineData("RECEIPT\nreceipt-id:subscribed\n\n\0")]
    [InlineData("ERROR\nmessage:bad\n\n\0")]
    [InlineData("MESS")] // too short to tell: the full parser waits for more
    [InlineData("\n\n")] // heart-beats alone
    [InlineData("MESSAGES\n\n\0")]
    public void Anything_but_a_message_frame_is_left_to_the_full_parser(string received) =>
        Assert.Equal(MessageFrameScanner.Outcome.Other, MessageFrameScanner.Scan(Encoding.UTF8.GetBytes(received), out _, out _, out _));

    [Theory]
    [InlineData("MESSAGE\ncontent-length:2\n\nabc\0")]
    [InlineData("MESSAGE\ncontent-length:x\n\nab\0")]
    [InlineData("MESSAGE\ncontent-length:-1\n\nab\0")]
    public void A_body_that_does_not_match_its_content_length_is_a_protocol_error(string received) =>
        Assert.Throws<StompProtocolException>(() => MessageFrameScanner.Scan(Encoding.UTF8.GetBytes(received), out _, out _, out _));
}
