using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The seqs of the sends (room, sender, tempId) stored within the last <c>window</c>, in 11 to 22 bytes per send: open
/// addressing tables of 8-byte slots, each holding a 24-bit fingerprint of the send and its 40-bit seq. A lookup answers
/// the seqs whose fingerprint matches (almost always none or the right one); the caller reads the message at (room, seq)
/// from the store and checks that it is that send, so a fingerprint shared by chance costs a read, never a wrong answer.
/// A send added within the window is always among the candidates.
/// <para>
/// Keys go into generations by the time they are added, so a whole generation is forgotten once its newest key is
/// older than the window. A generation that fills up before its time slice (a sixteenth of the window) is over is
/// followed by one twice its size, and one that ends less than half full by one half its size, so a busy server keeps
/// about as many generations as a quiet one, each sized for its traffic (a table at capacity holds a send in 11 bytes,
/// one that ends half full in 22).
/// </para>
/// Thread-safe: adds take a lock; lookups read a snapshot of the generations without one. A lookup racing the add of
/// the same key may miss it, which the caller covers (the sequencer keeps a send's record in memory for a while after
/// it is added here).
/// </summary>
internal sealed class StoredSendIndex(TimeSpan window)
{
    private const int MinCapacity = 1 << 12;
    private const int MaxCapacity = 1 << 23;
    private const int SlicesPerWindow = 16;
    private const int SeqBits = 40;
    private const ulong SeqMask = (1UL << SeqBits) - 1;

    private readonly long _windowTicks = window.Ticks;
    private readonly long _sliceTicks = window.Ticks / SlicesPerWindow;
    private readonly Lock _gate = new();

    // Oldest first. Replaced as a whole when a generation starts or is dropped; only the newest one's slots change in place.
    private Generation[] _generations = [];

    /// <summary>Generations held (tests).</summary>
    internal int GenerationCount => Volatile.Read(ref _generations).Length;

    /// <summary>Bytes held by the generations' slots (tests, measurements).</summary>
    internal long Bytes => Volatile.Read(ref _generations).Sum(g => (long)g.Slots.Length * sizeof(ulong));

    /// <summary>Records a stored send. A seq beyond 40 bits (a trillion messages in one room) is not recorded.</summary>
    public void Add(SendKey key, long seq, DateTimeOffset now)
    {
        if ((ulong)seq > SeqMask)
            return;
        var hash = Hash(key);
        var at = now.UtcTicks;
        lock (_gate)
        {
            var generations = _generations;
            var current = generations.Length == 0 ? null : generations[^1];
            if (current is null || current.Count >= current.Capacity || at - current.Start >= _sliceTicks)
            {
                current = new Generation(NextCapacity(current), at);
                Volatile.Write(ref _generations, [.. generations.Where(g => !IsForgotten(g, at)), current]);
            }
            current.Add(hash, (ulong)seq);
            if (at > current.Newest)
                Volatile.Write(ref current.Newest, at);
        }
    }

    /// <summary>False when the send is certainly not stored within the window (what nearly every new send hears, without allocating).</summary>
    public bool MightContain(SendKey key, DateTimeOffset now) => Probe(key, now, candidates: null);

    /// <summary>The seqs that may be this send's, newest generation first; empty when it is certainly not stored within the window.</summary>
    public List<long> Candidates(SendKey key, DateTimeOffset now)
    {
        var candidates = new List<long>(0);
        Probe(key, now, candidates);
        return candidates;
    }

    /// <summary>Looks the send up in every generation not yet forgotten, newest first: the first match ends it unless <paramref name="candidates"/> collects them all.</summary>
    private bool Probe(SendKey key, DateTimeOffset now, List<long>? candidates)
    {
        var hash = Hash(key);
        var at = now.UtcTicks;
        var generations = Volatile.Read(ref _generations);
        var found = false;
        for (var i = generations.Length - 1; i >= 0 && !(found && candidates is null); i--)
        {
            if (!IsForgotten(generations[i], at))
                found |= generations[i].Find(hash, candidates);
        }
        return found;
    }

    /// <summary>
    /// Writes the generations (a snapshot a restarted server reads instead of the whole window from the store). The caller
    /// keeps adds away meanwhile, or accepts that a concurrent add may be missing from the snapshot.
    /// </summary>
    public void WriteTo(BinaryWriter writer)
    {
        var generations = Volatile.Read(ref _generations);
        writer.Write(_windowTicks);
        writer.Write(generations.Length);
        foreach (var generation in generations)
        {
            writer.Write(generation.Capacity);
            writer.Write(generation.Start);
            writer.Write(Volatile.Read(ref generation.Newest));
            writer.Write(generation.Count);
            writer.Write(MemoryMarshal.AsBytes(generation.Slots.AsSpan()));
        }
    }

    /// <summary>
    /// Adds the generations of a snapshot written by <see cref="WriteTo"/> before the ones held (they are older). Throws
    /// (<see cref="InvalidDataException"/>, <see cref="EndOfStreamException"/>) for a snapshot of another window or a
    /// damaged one, and adds nothing then.
    /// </summary>
    public void ReadFrom(BinaryReader reader)
    {
        if (reader.ReadInt64() != _windowTicks)
            throw new InvalidDataException("The snapshot is of another dedupe window.");
        var count = reader.ReadInt32();
        if (count is < 0 or > 10_000)
            throw new InvalidDataException($"The snapshot claims {count} generations.");
        var restored = new List<Generation>(count);
        for (var i = 0; i < count; i++)
        {
            var capacity = reader.ReadInt32();
            if (capacity is < MinCapacity or > MaxCapacity)
                throw new InvalidDataException($"The snapshot holds a generation of capacity {capacity}.");
            var generation = new Generation(capacity, reader.ReadInt64()) { Newest = reader.ReadInt64(), Count = reader.ReadInt32() };
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(generation.Slots.AsSpan()));
            restored.Add(generation);
        }
        lock (_gate)
            Volatile.Write(ref _generations, [.. restored, .. _generations]);
    }

    /// <summary>Every key of the generation was added more than a window ago.</summary>
    private bool IsForgotten(Generation generation, long now) => Volatile.Read(ref generation.Newest) + _windowTicks <= now;

    private static int NextCapacity(Generation? ended) => ended switch
    {
        null => MinCapacity,
        _ when ended.Count >= ended.Capacity => Math.Min(ended.Capacity * 2, MaxCapacity),
        _ when ended.Count < ended.Capacity / 2 => Math.Max(ended.Capacity / 2, MinCapacity),
        _ => ended.Capacity,
    };

    /// <summary>
    /// 64 bits of XXH3 over the tempId's characters, seeded with the room and the sender: the high half places the send
    /// in a table, the low 24 bits are its fingerprint. A collision only costs a store read.
    /// </summary>
    internal static ulong Hash(SendKey key) =>
        XxHash3.HashToUInt64(MemoryMarshal.AsBytes((key.TempId ?? "").AsSpan()),
            unchecked(key.RoomId * -7046029254386353131L ^ key.SenderId));

    /// <summary>
    /// One table: capacity keys in slots at most three quarters full, linear probing. A slot is fingerprint (24 bits,
    /// never 0) | seq (40 bits); 0 is empty.
    /// </summary>
    private sealed class Generation(int capacity, long start)
    {
        public readonly ulong[] Slots = new ulong[capacity + capacity / 3 + 1];
        public readonly int Capacity = capacity;
        public readonly long Start = start;
        public int Count;
        public long Newest = start;

        public void Add(ulong hash, ulong seq)
        {
            var slot = (ulong)Fingerprint(hash) << SeqBits | seq;
            for (var i = Home(hash); ; i = Next(i))
            {
                if (Slots[i] == slot)
                    return;
                if (Slots[i] == 0)
                {
                    Volatile.Write(ref Slots[i], slot);
                    Count++;
                    return;
                }
            }
        }

        /// <summary>Whether a slot holds the hash's fingerprint; with <paramref name="candidates"/>, every such slot's seq goes there.</summary>
        public bool Find(ulong hash, List<long>? candidates)
        {
            var fingerprint = (ulong)Fingerprint(hash);
            var found = false;
            for (var i = Home(hash); ; i = Next(i))
            {
                var slot = Volatile.Read(ref Slots[i]);
                if (slot == 0)
                    return found;
                if (slot >> SeqBits != fingerprint)
                    continue;
                found = true;
                if (candidates is null)
                    return true;
                candidates.Add((long)(slot & SeqMask));
            }
        }

        /// <summary>The first slot to look at: the hash's high half mapped onto the table (multiply-shift).</summary>
        private int Home(ulong hash) => (int)(((hash >> 32) * (ulong)Slots.Length) >> 32);

        private int Next(int slot) => slot + 1 == Slots.Length ? 0 : slot + 1;

        private static uint Fingerprint(ulong hash) => Math.Max(1u, (uint)hash & 0xFFFFFF);
    }
}
