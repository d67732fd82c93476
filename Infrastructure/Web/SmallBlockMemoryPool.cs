using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// Kestrel's memory pool with 2 KB blocks instead of its default 4 KB (registered as the server's
/// <see cref="IMemoryPoolFactory{T}"/>, which the socket transport takes its pools from).
/// <para>
/// Why: a chat server's connections are mostly idle, and an idle connection's cost is dominated by what it holds between
/// messages. Kestrel's receive loop holds one block while it waits for bytes whenever a readiness wake-up came without
/// data (about one idle connection in five, docs/performance.md, "Tenth profile"), and a burst of handshakes leaves its
/// blocks in the pool. STOMP frames of a chat are far smaller than 2 KB; larger reads and writes simply take more blocks
/// (a pipe chains them), so the price is a few more segments per large message, not a limit.
/// </para>
/// <para>
/// Blocks are pinned arrays of their own (so a free one can be given back to the GC). Every
/// <see cref="EvictionPeriod"/>, the blocks that stayed free through the whole period are dropped: a burst's blocks go
/// away once the burst is over, and a steady load keeps what it uses.
/// </para>
/// </summary>
internal sealed class SmallBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 2048;

    internal static readonly TimeSpan EvictionPeriod = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<Block> _free = new();
    private readonly Timer _eviction;
    // Free blocks now, and the fewest there were since the last eviction: that many were never needed in the period.
    private int _freeCount;
    private int _fewestFree;
    private volatile bool _disposed;

    public SmallBlockMemoryPool()
    {
        _eviction = new Timer(static pool => ((SmallBlockMemoryPool)pool!).Evict(), this, EvictionPeriod, EvictionPeriod);
    }

    public override int MaxBufferSize => BlockSize;

    /// <summary>Free blocks held by the pool (for tests).</summary>
    internal int FreeCount => Volatile.Read(ref _freeCount);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // A pipe asks for at most MaxBufferSize here and takes larger buffers elsewhere; anyone else asking for more
        // than a block is a bug, not something to serve with a short buffer.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_free.TryDequeue(out var block))
            return new Block(this);
        var left = Interlocked.Decrement(ref _freeCount);
        // A racy minimum is fine: it only decides how many idle blocks the next eviction drops.
        if (left < Volatile.Read(ref _fewestFree))
            Volatile.Write(ref _fewestFree, left);
        return block;
    }

    private void Return(Block block)
    {
        if (_disposed)
            return; // the pool is gone: the block goes to the GC
        _free.Enqueue(block);
        Interlocked.Increment(ref _freeCount);
    }

    /// <summary>Drops the blocks that stayed free through the whole period (internal for tests).</summary>
    internal void Evict()
    {
        var idle = Volatile.Read(ref _fewestFree);
        for (var i = 0; i < idle && _free.TryDequeue(out _); i++)
            Interlocked.Decrement(ref _freeCount);
        Volatile.Write(ref _fewestFree, Volatile.Read(ref _freeCount));
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _eviction.Dispose();
        _free.Clear();
        Volatile.Write(ref _freeCount, 0);
        Volatile.Write(ref _fewestFree, 0);
    }

    private sealed class Block(SmallBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        // Pinned: the socket layer hands these to the kernel, and a pinned array on the pinned heap costs the GC nothing.
        // Created as pinned memory, so pinning it for a socket operation takes no GC handle.
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool.Return(this);
    }
}

/// <summary>Gives Kestrel <see cref="SmallBlockMemoryPool"/>s (one per I/O queue, as it asks).</summary>
internal sealed class SmallBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private int _created;

    /// <summary>
    /// Makes Kestrel's socket transport take its pools from here. Kestrel resolves the factory when it starts, and the
    /// last registration wins: so this must come after Kestrel's own (<c>UseKestrel</c>), as the application's services do.
    /// </summary>
    public static void Register(IServiceCollection services) =>
        services.AddSingleton<IMemoryPoolFactory<byte>, SmallBlockMemoryPoolFactory>();

    /// <summary>Pools made so far (for tests: Kestrel asks for its pools when it starts listening).</summary>
    internal int PoolsCreated => Volatile.Read(ref _created);

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        Interlocked.Increment(ref _created);
        return new SmallBlockMemoryPool();
    }
}
