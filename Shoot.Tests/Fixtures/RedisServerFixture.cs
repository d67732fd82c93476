using System.Net.Sockets;
using System.Text;

namespace Shoot.Tests.Fixtures;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, without persistence, in its own temp directory.
/// One server per fixture instance: use it as a class fixture for a class of its own, or through
/// <see cref="RedisCollection"/> to share one among several classes.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private TempDirectory? _directory;
    private ServerProcess? _server;

    public int Port { get; private set; }

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6390</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        _directory = await TempDirectory.CreateAsync("shoot-redis-");
        (_server, Port) = await FreePort.StartOnFreePortAsync(async port => (await StartServerAsync(port), port));
    }

    /// <summary>Kills the server (SIGKILL: no shutdown, no save); <see cref="StartAgainAsync"/> brings up an empty one on the same port.</summary>
    public async Task KillAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _server = null;
    }

    /// <summary>A fresh server on the same port: without persistence it starts empty, as after a crash.</summary>
    public async Task StartAgainAsync() => _server = await StartServerAsync(Port);

    private Task<ServerProcess> StartServerAsync(int port) => ServerProcess.StartReadyAsync(
        "redis-server",
        [
            "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", _directory!.Path, "--protected-mode", "no",
        ],
        () => PingAsync(port),
        TimeSpan.FromSeconds(30));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _directory?.Dispose();
    }

    private static async Task<bool> PingAsync(int port)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }
}

/// <summary>Test classes marked <c>[Collection(RedisCollection.Name)]</c> share one Redis server (and run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "Redis server";
}
