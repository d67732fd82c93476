using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Shoot.Infrastructure.Stomp.Server.Direct;

namespace Shoot.Tests.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// The direct path's reading of client frames (RFC 6455 §5), fed the bytes a real client WebSocket
/// (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>, client side: masked) puts on the wire,
/// in one piece and cut at every byte.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WebSocketFrameDecoderTests
{
    /// <summary>The wire bytes of a client's messages, each (type, bytes, endOfMessage) one frame.</summary>
    internal static async Task<byte[]> ClientWireAsync(params (WebSocketMessageType Type, byte[] Bytes, bool EndOfMessage)[] frames)
    {
        var wire = new MemoryStream();
        using var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions());
        foreach (var (type, bytes, end) in frames)
            await client.SendAsync(bytes, type, end, CancellationToken.None);
        return wire.ToArray();
    }

    /// <summary>Decodes <paramref name="wire"/> delivered in pieces of <paramref name="piece"/> bytes: the payload and the frames stopped at.</summary>
    private static (string Payload, List<WebSocketFrame> Stops) Decode(byte[] wire, int piece, WebSocketFrameDecoder? decoder = null)
    {
        decoder ??= new WebSocketFrameDecoder();
        var payload = new ArrayBufferWriter<byte>();
        var stops = new List<WebSocketFrame>();
        var pending = Array.Empty<byte>();
        for (var at = 0; at < wire.Length; at += piece)
        {
            var buffer = new ReadOnlySequence<byte>(pending.Concat(wire.Skip(at).Take(piece)).ToArray());
            WebSocketFrame frame;
            while ((frame = decoder.Decode(ref buffer, payload)).Kind != WebSocketFrameKind.NeedMore)
            {
                stops.Add(frame);
                if (frame.Kind is WebSocketFrameKind.Close or WebSocketFrameKind.Violation)
                    return (Encoding.UTF8.GetString(payload.WrittenSpan), stops);
            }
            pending = buffer.ToArray();
        }
        return (Encoding.UTF8.GetString(payload.WrittenSpan), stops);
    }

    public static TheoryData<int> Pieces => [1, 2, 3, 7, 100_000];

    [Theory]
    [MemberData(nameof(Pieces))]
    public async Task Messages_fragments_and_pings_come_out_unmasked_in_order_however_the_bytes_arrive(int piece)
    {
        var wire = (await ClientWireAsync(
            (WebSocketMessageType.Text, "CONNECT\n"u8.ToArray(), false),
            (WebSocketMessageType.Text, "host:é\n\n\0"u8.ToArray(), true),
            (WebSocketMessageType.Text, Encoding.UTF8.GetBytes(new string('x', 70_000)), true))).ToList();
        // A ping between two messages, as a client may send one (the managed client has no API to send one).
        wire.InsertRange(0, MaskedControlFrame(0x9, "are you there"u8.ToArray()));

        var (payload, stops) = Decode(wire.ToArray(), piece);

        Assert.Equal("CONNECT\nhost:é\n\n\0" + new string('x', 70_000), payload);
        var ping = Assert.Single(stops);
        Assert.Equal(WebSocketFrameKind.Ping, ping.Kind);
        Assert.Equal("are you there"u8.ToArray(), ping.Payload);
    }

    [Fact]
    public async Task A_binary_message_is_remembered_as_not_text()
    {
        var decoder = new WebSocketFrameDecoder();
        Decode(await ClientWireAsync((WebSocketMessageType.Binary, [0xFF, 0x00], true)), 100, decoder);
        Assert.False(decoder.LastMessageIsText);
        Decode(await ClientWireAsync((WebSocketMessageType.Text, "a"u8.ToArray(), true)), 100, decoder);
        Assert.True(decoder.LastMessageIsText);
    }

    [Theory]
    [MemberData(nameof(Pieces))]
    public async Task Text_that_is_not_utf8_is_refused_with_1007_even_when_a_character_is_cut_between_frames(int piece)
    {
        var euro = "€"u8.ToArray(); // three bytes
        var valid = await ClientWireAsync((WebSocketMessageType.Text, euro[..1], false), (WebSocketMessageType.Text, euro[1..], true));
        Assert.Equal("€", Decode(valid, piece).Payload);

        var cutShort = await ClientWireAsync((WebSocketMessageType.Text, euro[..2], true));
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, Assert.Single(Decode(cutShort, piece).Stops).Status);
        var overlong = await ClientWireAsync((WebSocketMessageType.Text, [0xC0, 0x80], true));
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, Assert.Single(Decode(overlong, piece).Stops).Status);
    }

    [Fact]
    public async Task A_close_frame_gives_its_status()
    {
        var wire = new MemoryStream();
        using (var client = WebSocket.CreateFromStream(wire, new WebSocketCreationOptions()))
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        var close = Assert.Single(Decode(wire.ToArray(), 100).Stops);
        Assert.Equal(WebSocketFrameKind.Close, close.Kind);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.Status);
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x01, (byte)'a' }, "unmasked")]
    [InlineData(new byte[] { 0xC1, 0x80, 0, 0, 0, 0 }, "reserved bit")]
    [InlineData(new byte[] { 0x83, 0x80, 0, 0, 0, 0 }, "unknown data opcode")]
    [InlineData(new byte[] { 0x8B, 0x80, 0, 0, 0, 0 }, "unknown control opcode")]
    [InlineData(new byte[] { 0x80, 0x80, 0, 0, 0, 0 }, "continuation without a message")]
    [InlineData(new byte[] { 0x01, 0x80, 0, 0, 0, 0, 0x81, 0x80, 0, 0, 0, 0 }, "a message inside another")]
    [InlineData(new byte[] { 0x09, 0x80, 0, 0, 0, 0 }, "a fragmented ping")]
    [InlineData(new byte[] { 0x89, 0xFE, 0, 126, 0, 0, 0, 0 }, "a ping over 125 bytes")]
    [InlineData(new byte[] { 0x88, 0x81, 0, 0, 0, 0, 3 }, "a close body of one byte")]
    [InlineData(new byte[] { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xED }, "close code 1005, which is never sent")]
    [InlineData(new byte[] { 0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "a length with its top bit set")]
    public void A_protocol_violation_stops_with_1002(byte[] wire, string what)
    {
        var stop = Assert.Single(Decode(wire, 100).Stops);
        Assert.True(stop.Kind == WebSocketFrameKind.Violation && stop.Status == WebSocketCloseStatus.ProtocolError, what);
    }

    /// <summary>A masked control frame (mask 0x01020304) with a payload of at most 125 bytes.</summary>
    internal static byte[] MaskedControlFrame(byte opcode, byte[] payload)
    {
        byte[] mask = [1, 2, 3, 4];
        return [(byte)(0x80 | opcode), (byte)(0x80 | payload.Length), .. mask, .. payload.Select((b, i) => (byte)(b ^ mask[i % 4]))];
    }
}
