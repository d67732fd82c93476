using System.IO.Pipelines;
using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Benchmarks.Stomp;

/// <summary>
/// An in-process transport: inbound bytes come from a pipe the benchmark writes to, outbound batches are counted and
/// dropped. It doubles as proof that sessions run on any <see cref="IStompTransport"/>, not only WebSockets.
/// </summary>
internal sealed class MemoryTransport(DeliveryCounter counter) : IStompTransport
{
    private readonly Pipe _inbound = new();

    public string Name => "memory";

    public PipeReader Input => _inbound.Reader;

    public PipeWriter ClientOutput => _inbound.Writer;

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames, bool isUtf8, CancellationToken cancellationToken)
    {
        // Each frame ends in exactly one NUL (benchmark bodies hold none), so NULs count frames.
        counter.Add(frames.Span.Count((byte)0));
        return ValueTask.CompletedTask;
    }

    public Task CloseAsync(StompCloseReason reason, CancellationToken cancellationToken) => _inbound.Writer.CompleteAsync().AsTask();

    public void Abort() => _inbound.Writer.Complete();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Counts frames sent by all sessions and wakes the benchmark when a target is reached.</summary>
internal sealed class DeliveryCounter
{
    private readonly ManualResetEventSlim _reached = new();
    private long _count;
    private long _target = long.MaxValue;

    public void Add(long frames)
    {
        if (Interlocked.Add(ref _count, frames) >= Volatile.Read(ref _target)) _reached.Set();
    }

    /// <summary>Arms the counter for <paramref name="more"/> frames beyond what has been counted.</summary>
    public void Expect(long more)
    {
        _reached.Reset();
        Volatile.Write(ref _target, Interlocked.Read(ref _count) + more);
        if (Interlocked.Read(ref _count) >= _target) _reached.Set();
    }

    public void Wait()
    {
        if (!_reached.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException($"only {Interlocked.Read(ref _count)} of {_target} frames delivered");
    }
}
