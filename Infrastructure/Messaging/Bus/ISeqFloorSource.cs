namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// Knows seqs handed out that the message store may not have yet (a message on its way: in flight, spilled, in the
/// outbox). When a room's counter is missing (Redis restarted empty, or a restart of the embedded sequencer), the
/// counter restarts above the store's highest seq and above every source's, so no seq is handed out twice.
/// </summary>
public interface ISeqFloorSource
{
    /// <summary>The highest seq of <paramref name="roomId"/> this source holds; 0 when none.</summary>
    Task<long> HighestSeqAsync(long roomId, CancellationToken cancellationToken);
}

public static class SeqFloors
{
    /// <summary>The highest seq the store and every source know of: where a missing counter restarts.</summary>
    public static async Task<long> HighestAsync(Store.IMessageStore store, IEnumerable<ISeqFloorSource> sources, long roomId, CancellationToken ct)
    {
        var floor = await store.MaxSeqAsync(roomId, ct);
        foreach (var source in sources)
            floor = Math.Max(floor, await source.HighestSeqAsync(roomId, ct));
        return floor;
    }
}
