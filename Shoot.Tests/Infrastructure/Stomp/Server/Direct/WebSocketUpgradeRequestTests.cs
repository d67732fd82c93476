using System.Buffers;
using System.Text;
using Shoot.Infrastructure.Stomp.Server.Direct;

namespace Shoot.Tests.Infrastructure.Stomp.Server.Direct;

/// <summary>
/// Which first bytes of a connection the direct WebSocket path takes: a plain HTTP/1.1 upgrade for its path, and
/// nothing it would have to refuse or interpret differently from ASP.NET Core (those go to the HTTP stack).
/// </summary>
[Trait("Category", "Unit")]
public sealed class WebSocketUpgradeRequestTests
{
    private const string Path = "/ws/chat";

    // The handshake of RFC 6455 §1.3, whose accept key the RFC gives.
    private const string Handshake =
        "GET /ws/chat?token=a%2Bb+c HTTP/1.1\r\n" +
        "Host: server.example.com\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        "Origin: http://example.com\r\n" +
        "Sec-WebSocket-Protocol: v10.stomp, v12.stomp\r\n" +
        "Sec-WebSocket-Protocol: chat\r\n" +
        "Authorization: Bearer abc\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "\r\n";

    private static UpgradeParse Parse(string text, out WebSocketUpgradeRequest? request, out long consumed)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        var parse = WebSocketUpgradeRequest.Parse(buffer, Path, out request, out var end);
        consumed = buffer.Slice(buffer.Start, end).Length;
        return parse;
    }

    private static UpgradeParse Parse(string text) => Parse(text, out _, out _);

    [Fact]
    public void A_plain_handshake_is_read_whole_and_its_bytes_end_at_the_blank_line()
    {
        Assert.Equal(UpgradeParse.Upgrade, Parse(Handshake + "\n\nCONNECT", out var request, out var consumed));
        Assert.Equal(Handshake.Length, consumed);
        Assert.Equal("server.example.com", request!.Host);
        Assert.Equal("http://example.com", request.Origin);
        Assert.Equal("Bearer abc", request.Authorization);
        Assert.Equal(["v10.stomp", "v12.stomp", "chat"], request.SubProtocols);
        Assert.Equal("a+b c", request.QueryToken);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", request.AcceptKey);
    }

    [Fact]
    public void Any_other_request_leaves_at_its_first_differing_byte_without_waiting_for_its_headers()
    {
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse("POST /api/v1/messages HTTP/1.1\r\nHost: a\r\n"));
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse("GET /api/v1/rooms HTTP/1.1\r\n"));
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse("PRI * HTTP/2.0\r\n"));
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse("\x16\x03\x01\x02\x00\x01"));
    }

    [Theory]
    [InlineData("G")]
    [InlineData("GET /ws/c")]
    [InlineData("GET /ws/chat HTTP/1.1\r\nHost: a\r\n")]
    public void A_start_that_may_still_become_the_handshake_waits_for_more(string start) =>
        Assert.Equal(UpgradeParse.Incomplete, Parse(start));

    [Fact]
    public void Headers_longer_than_the_limit_go_to_the_http_stack()
    {
        var padded = "GET /ws/chat HTTP/1.1\r\nX-Pad: " + new string('a', WebSocketUpgradeRequest.MaxBytes) + "\r\n";
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse(padded));
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse(padded + "\r\n"));
    }

    [Theory]
    [InlineData("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost")]
    [InlineData("GET /ws/chat?", "GET /ws/chat/info?")]
    [InlineData("GET /ws/chat?", "GET /ws/chatty?")]
    [InlineData("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")]
    [InlineData("Upgrade: websocket", "Upgrade: h2c")]
    [InlineData("Connection: keep-alive, Upgrade", "Connection: keep-alive")]
    [InlineData("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: c2hvcnQ=")]
    [InlineData("Host: server.example.com\r\n", "")]
    [InlineData("Host: server.example.com", "Host: server.example.com\r\nHost: other.example.com")]
    [InlineData("Origin: http://example.com", "Origin: http://example.com\r\nOrigin: http://evil.example")]
    [InlineData("Origin: http://example.com", "Origin: http://example.com\r\nContent-Length: 0")]
    [InlineData("Origin: http://example.com", "Origin: http://example.com\r\n folded")]
    [InlineData("Origin: http://example.com", "Origin : http://example.com")]
    [InlineData("Origin: http://example.com", "Origin: http://exämple.com")]
    public void A_handshake_with_anything_unusual_goes_to_the_http_stack(string part, string replacement)
    {
        Assert.Contains(part, Handshake);
        Assert.Equal(UpgradeParse.NotThisEndpoint, Parse(Handshake.Replace(part, replacement), out var request, out var consumed));
        Assert.Null(request);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Without_a_token_parameter_there_is_no_query_token()
    {
        Assert.Equal(UpgradeParse.Upgrade, Parse(Handshake.Replace("?token=a%2Bb+c", "?x=1&token="), out var request, out _));
        Assert.Null(request!.QueryToken);
        Assert.Equal(UpgradeParse.Upgrade, Parse(Handshake.Replace("?token=a%2Bb+c", ""), out request, out _));
        Assert.Null(request!.QueryToken);
    }
}
