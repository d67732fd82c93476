using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Web;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Web;

/// <summary>
/// Kestrel's 2 KB-block memory pool (docs/performance.md, "Eleventh profile"): blocks are reused, those that stayed free
/// through a whole eviction period are dropped, and a real Kestrel server takes its pools from it.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SmallBlockMemoryPoolTests
{
    [Fact]
    public void A_returned_block_is_rented_again()
    {
        using var pool = new SmallBlockMemoryPool();
        var first = pool.Rent(100);
        Assert.Equal(SmallBlockMemoryPool.BlockSize, first.Memory.Length);
        var memory = first.Memory;
        first.Dispose();
        Assert.Equal(1, pool.FreeCount);
        using var second = pool.Rent();
        Assert.True(second.Memory.Span == memory.Span, "the free block is reused rather than a new one allocated");
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void Asking_for_more_than_a_block_is_refused()
    {
        using var pool = new SmallBlockMemoryPool();
        Assert.Equal(SmallBlockMemoryPool.BlockSize, pool.MaxBufferSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(SmallBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Eviction_drops_the_blocks_no_one_needed_during_the_period_and_keeps_the_ones_in_use()
    {
        using var pool = new SmallBlockMemoryPool();
        var burst = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();
        burst.ForEach(block => block.Dispose());
        Assert.Equal(10, pool.FreeCount);
        pool.Evict(); // ends the burst's period: all ten were rented in it, so none was idle for all of it
        Assert.Equal(10, pool.FreeCount);

        // The next period a steady load uses three at once; seven are never touched.
        var steady = Enumerable.Range(0, 3).Select(_ => pool.Rent()).ToList();
        steady.ForEach(block => block.Dispose());
        pool.Evict();
        Assert.Equal(3, pool.FreeCount);

        // A period with nothing rented: everything left was idle through it.
        pool.Evict();
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void A_block_returned_after_the_pool_is_disposed_is_let_go()
    {
        var pool = new SmallBlockMemoryPool();
        var block = pool.Rent();
        pool.Dispose();
        block.Dispose();
        Assert.Equal(0, pool.FreeCount);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }
}

[Trait("Category", "Integration")]
public sealed class KestrelMemoryPoolTests
{
    [Fact]
    public async Task Kestrel_takes_its_memory_pools_from_the_small_block_factory()
    {
        await using var factory = new ShootAppFactory(kestrel: true);
        using var http = new HttpClient { BaseAddress = factory.ServerAddress };
        using var response = await http.GetAsync("/health/live");
        response.EnsureSuccessStatusCode();
        var pools = Assert.IsType<SmallBlockMemoryPoolFactory>(factory.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.True(pools.PoolsCreated > 0, "Kestrel's socket transport made its pools from the registered factory");
    }
}
