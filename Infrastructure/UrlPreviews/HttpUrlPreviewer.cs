using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoot.Infrastructure.Messaging;

namespace Shoot.Infrastructure.UrlPreviews;

/// <summary>
/// Fetches a page for its preview, defended against server-side request forgery: http/https only (ports 80/443 unless
/// allowed otherwise), every address the host resolves to must be public, checked in the connect callback — the
/// addresses checked are the ones connected to, so a DNS answer that changes between a check and the connect (DNS
/// rebinding) cannot slip a private address through. No proxy, no cookies, no automatic redirects: each redirect is
/// re-checked here, at most <see cref="UrlPreviewOptions.MaxRedirects"/>. Only HTML is read, at most
/// <see cref="UrlPreviewOptions.MaxBytes"/>, all within <see cref="UrlPreviewOptions.Timeout"/>.
/// </summary>
public sealed partial class HttpUrlPreviewer : IUrlPreviewer, IDisposable
{
    public const string UserAgent = "ShootBot/1.0 (URL preview; +https://github.com/shoot-chat)";
    private const int MaxUrlLength = 2048;

    private readonly UrlPreviewOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger<HttpUrlPreviewer> _logger;

    public HttpUrlPreviewer(IOptions<UrlPreviewOptions> options, ILogger<HttpUrlPreviewer> logger)
    {
        _options = options.Value;
        _logger = logger;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = _options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectToCheckedAddressAsync,
        };
        _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public async Task<UrlPreview?> PreviewAsync(string url, CancellationToken cancellationToken = default)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.Timeout);
        try
        {
            return await FetchAsync(url, budget.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogGaveUp(_logger, url, "timed out");
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UriFormatException or RefusedAddressException
                                      or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            LogGaveUp(_logger, url, e.Message);
            return null;
        }
    }

    private async Task<UrlPreview?> FetchAsync(string url, CancellationToken ct)
    {
        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var current) || !IsAllowed(current))
        {
            LogGaveUp(_logger, url, "not an allowed http(s) URL");
            return null;
        }
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.UserAgent.ParseAdd(UserAgent);
            request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (IsRedirect(response.StatusCode))
            {
                var location = response.Headers.Location;
                if (location is null || redirects >= _options.MaxRedirects)
                {
                    LogGaveUp(_logger, url, location is null ? "redirect without Location" : "too many redirects");
                    return null;
                }
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (next.OriginalString.Length > MaxUrlLength || !IsAllowed(next))
                {
                    LogGaveUp(_logger, url, "redirect to a URL that is not allowed");
                    return null;
                }
                current = next;
                continue;
            }
            if (!response.IsSuccessStatusCode || !IsHtml(response.Content.Headers.ContentType))
            {
                LogGaveUp(_logger, url, $"status {(int)response.StatusCode}, {response.Content.Headers.ContentType?.MediaType ?? "no content type"}");
                return null;
            }
            var body = await ReadHeadAsync(response.Content, ct);
            return OpenGraph.Extract(body, response.Content.Headers.ContentType?.CharSet, current, url);
        }
    }

    /// <summary>At most MaxBytes of the body; whatever follows is never read (the connection is dropped with the response).</summary>
    private async Task<byte[]> ReadHeadAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[_options.MaxBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            if (read == 0)
                break;
            filled += read;
        }
        return buffer.AsSpan(0, filled).ToArray();
    }

    private bool IsAllowed(Uri uri) =>
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.IsNullOrEmpty(uri.UserInfo)
        && (_options.AllowNonDefaultPorts || uri.IsDefaultPort);

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool IsHtml(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media
        && (media.Equals("text/html", StringComparison.OrdinalIgnoreCase) || media.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Every connection of the client, the first request's and each redirect's, is made here: the host is resolved once,
    /// every address it gave is checked, and the socket connects to one of exactly those addresses.
    /// </summary>
    private async ValueTask<Stream> ConnectToCheckedAddressAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0)
            throw new RefusedAddressException($"{host} resolves to no address.");
        if (!_options.AllowPrivateAddresses && addresses.FirstOrDefault(a => !PublicAddress.IsPublic(a)) is { } refused)
            throw new RefusedAddressException($"{host} resolves to {refused}, which is not a public address.");
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new HttpRequestException($"Could not connect to {host}.", last);
    }

    public void Dispose() => _http.Dispose();

    private sealed class RefusedAddressException(string message) : Exception(message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No preview for {Url}: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string url, string reason);
}
