using System.Collections.Concurrent;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The accepted messages this instance has not handed over yet (in flight, or in the spill): their seqs are handed
/// out but not stored, so a room's counter lost with Redis restarts above them. Kept apart from
/// <see cref="PersistenceHandOff"/> because the sequencers need it and the hand-off's observers need the sequencer.
/// </summary>
public sealed class MessagesOnTheirWay(PipelineSpill? spill = null) : ISeqFloorSource
{
    private readonly ConcurrentDictionary<string, StoredMessage> _inFlight = new(StringComparer.Ordinal);

    public int InFlight => _inFlight.Count;

    public void Add(StoredMessage message) => _inFlight[message.Id] = message;

    public void Remove(StoredMessage message) => _inFlight.TryRemove(message.Id, out _);

    public async Task<long> HighestSeqAsync(long roomId, CancellationToken cancellationToken)
    {
        // A scan: it runs only when a room's counter is missing, over at most Shoot:Pipeline:MaxInFlight messages.
        var highest = _inFlight.Values.Where(m => m.RoomId == roomId).Select(m => m.Seq).DefaultIfEmpty(0).Max();
        return spill is null ? highest : Math.Max(highest, await spill.MaxSeqAsync(roomId, cancellationToken));
    }
}
