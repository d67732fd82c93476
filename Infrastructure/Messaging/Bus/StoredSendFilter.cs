using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// Which sends (room, sender, tempId) were stored within the last <c>window</c>, in about 2 bytes per send: a Bloom
/// filter. It may say yes for a send it never saw (about 1 in 100 over all generations; the caller then asks the store,
/// which has the last word), never no for one it did within the window.
/// <para>
/// Keys go into generations by the time they are added, so a whole generation is forgotten once its newest key is
/// older than the window. A generation that fills up before its time slice (a sixteenth of the window) is over is
/// followed by one twice its size, and one that ends a quarter full by one half its size, so a busy server keeps about
/// as many generations as a quiet one, each sized for its traffic.
/// </para>
/// Thread-safe: adds take a lock; lookups read a snapshot of the generations without one. A lookup racing the add of
/// the same key may miss it, which the caller covers (the sequencer keeps a send's record in memory for a while after
/// it is added here).
/// </summary>
internal sealed class StoredSendFilter(TimeSpan window)
{
    // A key sets Probes bits within one 512-bit block (one cache line), so a lookup reads one line per generation. With
    // 16 bits per key that is about 0.1 % false positives per generation at its capacity, fewer below it; a lookup asks
    // every generation, so a dozen full ones make about 1 %.
    private const int BlockWords = 8;
    private const int BitsPerKey = 16;
    private const int Probes = 7;
    private const int MinCapacity = 1 << 12;
    private const int MaxCapacity = 1 << 22;
    private const int SlicesPerWindow = 16;

    private readonly long _windowTicks = window.Ticks;
    private readonly long _sliceTicks = window.Ticks / SlicesPerWindow;
    private readonly Lock _gate = new();

    // Oldest first. Replaced as a whole when a generation starts or is dropped; only the newest one's bits change in place.
    private Generation[] _generations = [];

    /// <summary>Generations held (tests).</summary>
    internal int GenerationCount => Volatile.Read(ref _generations).Length;

    /// <summary>Bytes held by the generations' bits (tests, measurements).</summary>
    internal long Bytes => Volatile.Read(ref _generations).Sum(g => (long)g.Bits.Length * sizeof(ulong));

    public void Add(SendKey key, DateTimeOffset now) => Add(Hash(key), now.UtcTicks);

    public bool MightContain(SendKey key, DateTimeOffset now) => MightContain(Hash(key), now.UtcTicks);

    private void Add(ulong hash, long now)
    {
        lock (_gate)
        {
            var generations = _generations;
            var current = generations.Length == 0 ? null : generations[^1];
            if (current is null || current.Count >= current.Capacity || now - current.Start >= _sliceTicks)
            {
                current = new Generation(NextCapacity(current), now);
                Volatile.Write(ref _generations, [.. generations.Where(g => !IsForgotten(g, now)), current]);
            }
            current.Set(hash);
            current.Count++;
            if (now > current.Newest)
                Volatile.Write(ref current.Newest, now);
        }
    }

    private bool MightContain(ulong hash, long now)
    {
        foreach (var generation in Volatile.Read(ref _generations))
        {
            if (!IsForgotten(generation, now) && generation.Contains(hash))
                return true;
        }
        return false;
    }

    /// <summary>Every key of the generation was added more than a window ago.</summary>
    private bool IsForgotten(Generation generation, long now) => Volatile.Read(ref generation.Newest) + _windowTicks <= now;

    private static int NextCapacity(Generation? ended) => ended switch
    {
        null => MinCapacity,
        _ when ended.Count >= ended.Capacity => Math.Min(ended.Capacity * 2, MaxCapacity),
        _ when ended.Count < ended.Capacity / 4 => Math.Max(ended.Capacity / 2, MinCapacity),
        _ => ended.Capacity,
    };

    /// <summary>
    /// 64 bits of XXH3 over the tempId's characters, seeded with the room and the sender. A collision only costs a store
    /// lookup, so the seed's mixing need not be perfect.
    /// </summary>
    internal static ulong Hash(SendKey key) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes((key.TempId ?? "").AsSpan()),
            unchecked(key.RoomId * -7046029254386353131L ^ key.SenderId));

    private sealed class Generation(int capacity, long start)
    {
        public readonly ulong[] Bits = new ulong[Math.Max(1, (int)((long)capacity * BitsPerKey / (BlockWords * 64))) * BlockWords];
        public readonly int Capacity = capacity;
        public readonly long Start = start;
        public int Count;
        public long Newest = start;

        public void Set(ulong hash)
        {
            var (block, positions) = Locate(hash);
            for (var i = 0; i < Probes; i++, positions >>= 9)
                Bits[block + (int)((positions & 511) >> 6)] |= 1UL << (int)(positions & 63);
        }

        public bool Contains(ulong hash)
        {
            var (block, positions) = Locate(hash);
            for (var i = 0; i < Probes; i++, positions >>= 9)
            {
                if ((Volatile.Read(ref Bits[block + (int)((positions & 511) >> 6)]) & (1UL << (int)(positions & 63))) == 0)
                    return false;
            }
            return true;
        }

        /// <summary>
        /// The block from the hash's high half (multiply-shift onto the block count), the bit positions within it from
        /// a remix of the whole hash, nine bits each, so the two do not move together.
        /// </summary>
        private (int Block, ulong Positions) Locate(ulong hash)
        {
            var blocks = (ulong)(Bits.Length / BlockWords);
            var block = (int)(((hash >> 32) * blocks) >> 32) * BlockWords;
            var mixed = (hash ^ (hash >> 31)) * 0xBF58476D1CE4E5B9UL;
            return (block, mixed ^ (mixed >> 29));
        }
    }
}
