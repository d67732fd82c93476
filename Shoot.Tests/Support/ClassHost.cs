namespace Shoot.Tests.Support;

/// <summary>
/// The real app (<see cref="ShootAppFactory"/>, with its own data directory), one per test class, on the backend its
/// settings choose. Take it as a class fixture; it starts on first use, so a class can hand it settings that only an
/// instance of the class knows (its own PostgreSQL database, a Redis server). Tests of the class share the host, so each
/// makes its own users and rooms: starting a host (migrations, Hangfire, the STOMP server) costs far more than a test.
/// </summary>
public sealed class ClassHost : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ShootAppFactory? _factory;

    /// <param name="settings">Asked once, by the first test that starts the host.</param>
    /// <param name="kestrel">Serve on a real loopback port (for WebSocket clients), as <see cref="ShootAppFactory"/> says.</param>
    public async Task<ShootAppFactory> StartAsync(Func<Task<IReadOnlyDictionary<string, string?>>> settings, bool kestrel = false)
    {
        await _gate.WaitAsync();
        try
        {
            return _factory ??= new ShootAppFactory(await settings(), kestrel);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
    }
}
