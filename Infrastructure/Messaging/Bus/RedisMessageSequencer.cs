using System.Globalization;
using Shoot.Infrastructure.Messaging.Store;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// The shared sequencer: one Lua script checks the send key, takes the room's next seq, keeps the message in the room's
/// ring (stream ids are the seqs, so a resume is one XRANGE) and appends it to the bus stream. Redis runs scripts one at
/// a time, so two instances can never publish a room's seq 6 before its seq 5.
/// When the room's counter is missing (first message, or expired, or Redis lost it) the script asks for a floor — the
/// store's highest seq — and never goes below the ring's newest seq either, so seqs are not reused. The same script
/// records the sender's own seq for the unread ledger (<see cref="Unread.RedisUnreadLedger"/>).
/// </summary>
public sealed class RedisMessageSequencer(IConnectionMultiplexer redis, IMessageStore store, IEnumerable<ISeqFloorSource>? floors = null)
    : IMessageSequencer
{
    private readonly ISeqFloorSource[] _floors = floors?.ToArray() ?? [];
    private readonly StepGroups<StatusStep, bool> _singleSteps = new(steps => AdvanceInCallsAsync(redis, steps));

    private const string NoSendKey = "shoot:send:none";

    // KEYS: seq, ring, send record, bus stream, notify channel, base, own, gone. A new send is recorded as SENDING, and
    // its SENDING status is appended to the bus right after the message (ARGV 11 to 13: its destination and halves).
    private const string AcceptScript = """
        if ARGV[1] == '1' then
          local earlier = redis.call('HMGET', KEYS[3], 'id', 'seq', 'status', 'error')
          if earlier[1] then return {'dup', earlier[1], earlier[2], earlier[3], earlier[4] or ''} end
        end
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[6]) == 0 then return {'floor'} end
        local seq = redis.call('INCR', KEYS[1])
        local payload = ARGV[3] .. seq .. ARGV[4]
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], seq .. '-1', 'p', payload)
        redis.call('ZADD', KEYS[7], 0, ARGV[5] .. string.format('%020d', seq))
        for i = 1, 2 do redis.call('PEXPIRE', KEYS[i], ARGV[10]) end
        for i = 6, 8 do redis.call('PEXPIRE', KEYS[i], ARGV[10]) end
        if ARGV[1] == '1' then
          redis.call('HSET', KEYS[3], 'id', ARGV[2], 'seq', seq, 'status', 'SENDING', 'error', '')
          redis.call('PEXPIRE', KEYS[3], ARGV[9])
        end
        redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'd', ARGV[6], 'p', payload, 'u', '', 's', seq)
        redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[8], '*', 'd', ARGV[11], 'p', ARGV[12] .. seq .. ARGV[13], 'u', '', 's', '')
        redis.call('PUBLISH', KEYS[5], '1')
        return {'new', seq}
        """;

    // A room's counter starts from the floor (the store's highest seq), and never below the ring's newest seq, so seqs
    // are not reused; the unread ledger's base starts where the counter is. KEYS: seq, ring, base.
    private const string InitializeRoomScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then
          local floor = tonumber(ARGV[1])
          local top = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
          if #top > 0 then
            local topSeq = tonumber(string.match(top[1][1], '^(%d+)'))
            if topSeq > floor then floor = topSeq end
          end
          redis.call('SET', KEYS[1], floor)
        end
        if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], redis.call('GET', KEYS[1])) end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        return 1
        """;

    // An existing record moves only forward; a missing one (no tempId, or past the 24-hour window) is not resurrected,
    // and the status is published all the same. KEYS: bus stream, notify channel, then one send record per step
    // ('shoot:send:none' for a send without a TempId). ARGV: the stream's length, then per step: message id, seq,
    // status, error, the status's rank, destination, payload. Answers 1 or 0 per step (moved forward and published, or
    // not); one notification for all that were published.
    private const string AdvanceScript = """
        local rank = { ACCEPTED = 0, SENDING = 1, SENT_TO_KAFKA = 2, PROCESSING = 3, SAVED = 4, FAILED = 5 }
        local out = {}
        local published = false
        for i = 3, #KEYS do
          local a = 2 + (i - 3) * 7
          local moved = 1
          if KEYS[i] ~= 'shoot:send:none' and redis.call('EXISTS', KEYS[i]) == 1 then
            local current = rank[redis.call('HGET', KEYS[i], 'status')] or 0
            if tonumber(ARGV[a + 4]) <= current then
              moved = 0
            else
              redis.call('HSET', KEYS[i], 'id', ARGV[a], 'seq', ARGV[a + 1], 'status', ARGV[a + 2], 'error', ARGV[a + 3])
            end
          end
          if moved == 1 then
            redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[a + 5], 'p', ARGV[a + 6], 'u', '', 's', '')
            published = true
          end
          out[#out + 1] = moved
        end
        if published then redis.call('PUBLISH', KEYS[2], '1') end
        return out
        """;

    // Steps per script call: bounds how long one call holds Redis (every other client waits while a script runs).
    private const int StepsPerCall = 200;

    public async Task<AcceptOutcome> AcceptAsync(AcceptRequest request, CancellationToken cancellationToken = default)
    {
        var result = await RunAcceptAsync(request);
        if ((string?)result[0] == "floor")
        {
            await InitializeRoomAsync(redis.GetDatabase(), store, _floors, request.Key.RoomId, cancellationToken);
            result = await RunAcceptAsync(request);
        }
        return (string?)result[0] switch
        {
            "dup" => new AcceptOutcome(true, new SendRecord((string)result[1]!, (long)result[2], MessageSequencerDefaults.Visible((string)result[3]!),
                string.IsNullOrEmpty((string?)result[4]) ? null : (string?)result[4])),
            "new" => new AcceptOutcome(false, new SendRecord(request.MessageId, (long)result[1], "SENDING")),
            var other => throw new InvalidOperationException($"Unexpected answer from the accept script: {other}"),
        };
    }

    /// <summary>
    /// Creates a room's counter (and its unread ledger's base) when Redis has none: the first message, a room quiet for
    /// longer than <see cref="RedisBusKeys.RoomKeysLifetime"/>, or a Redis that lost its data. Safe to run concurrently.
    /// The floor is the highest seq the store or any <paramref name="floors"/> source (messages still on their way:
    /// in flight, spilled) knows, so a Redis restarted empty never hands out a seq again.
    /// </summary>
    internal static async Task InitializeRoomAsync(IDatabase database, IMessageStore store, IReadOnlyList<ISeqFloorSource> floors, long roomId,
        CancellationToken cancellationToken)
    {
        var floor = await SeqFloors.HighestAsync(store, floors, roomId, cancellationToken);
        await database.ScriptEvaluateAsync(InitializeRoomScript,
            [RedisBusKeys.RoomSeq(roomId), RedisBusKeys.RoomRing(roomId), RedisBusKeys.RoomBase(roomId)],
            [floor, (long)RedisBusKeys.RoomKeysLifetime.TotalMilliseconds]);
    }

    private async Task<RedisResult[]> RunAcceptAsync(AcceptRequest request)
    {
        var key = request.Key;
        var dedupe = key.TempId is not null;
        RedisKey[] keys =
        [
            RedisBusKeys.RoomSeq(key.RoomId), RedisBusKeys.RoomRing(key.RoomId), dedupe ? RedisBusKeys.Send(key) : NoSendKey,
            RedisBusKeys.Stream, RedisBusKeys.Notify, RedisBusKeys.RoomBase(key.RoomId), RedisBusKeys.RoomOwn(key.RoomId),
            RedisBusKeys.RoomGone(key.RoomId),
        ];
        RedisValue[] values =
        [
            dedupe ? "1" : "0", request.MessageId, request.Message.BeforeSeq, request.Message.AfterSeq,
            RedisBusKeys.OwnPrefix(key.SenderId), request.Message.Destination,
            MessageSequencerDefaults.RingLength, RedisBusKeys.StreamLength,
            (long)MessageSequencerDefaults.DedupeWindow.TotalMilliseconds, (long)RedisBusKeys.RoomKeysLifetime.TotalMilliseconds,
            request.Sending.Destination, request.Sending.BeforeSeq, request.Sending.AfterSeq,
        ];
        return (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AcceptScript, keys, values))!;
    }

    public async Task<IReadOnlyList<SequencedPayload>> RecentAsync(long roomId, long afterSeq, CancellationToken cancellationToken = default)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(RedisBusKeys.RoomRing(roomId), $"{afterSeq + 1}-0", "+");
        return entries.Select(Sequenced).ToList();
    }

    /// <summary>A ring entry: its stream id is "{seq}-1", its field "p" the payload.</summary>
    private static SequencedPayload Sequenced(StreamEntry entry)
    {
        var id = entry.Id.ToString();
        return new SequencedPayload(long.Parse(id.AsSpan(0, id.IndexOf('-')), CultureInfo.InvariantCulture), entry.Values.First(v => v.Name == "p").Value.ToString());
    }

    public async Task<SequencedPayload?> LatestAsync(long roomId, CancellationToken cancellationToken = default)
    {
        var newest = await redis.GetDatabase().StreamRangeAsync(RedisBusKeys.RoomRing(roomId), "-", "+", count: 1, messageOrder: Order.Descending);
        return newest.Length == 0 ? null : Sequenced(newest[0]);
    }

    /// <summary>
    /// Single steps arriving together (the producer's SENT_TO_KAFKA, one per message) share script calls: one call per
    /// group instead of one round trip per message (docs/performance.md, "Ninth profile"). Each step is still atomic
    /// and answered on its own.
    /// </summary>
    public Task<bool> AdvanceStatusAsync(SendKey key, SendRecord record, BusEvent statusEvent, CancellationToken cancellationToken = default) =>
        _singleSteps.RunAsync(new StatusStep(key, record, statusEvent));

    public Task<IReadOnlyList<bool>> AdvanceStatusesAsync(IReadOnlyList<StatusStep> steps, CancellationToken cancellationToken = default) =>
        AdvanceInCallsAsync(redis, steps);

    private static async Task<IReadOnlyList<bool>> AdvanceInCallsAsync(IConnectionMultiplexer redis, IReadOnlyList<StatusStep> steps)
    {
        var moved = new List<bool>(steps.Count);
        foreach (var chunk in steps.Chunk(StepsPerCall))
        {
            RedisKey[] keys = [RedisBusKeys.Stream, RedisBusKeys.Notify, .. chunk.Select(step => step.Key.TempId is null ? NoSendKey : RedisBusKeys.Send(step.Key))];
            RedisValue[] values =
            [
                RedisBusKeys.StreamLength,
                .. chunk.SelectMany(step => new RedisValue[]
                {
                    step.Record.MessageId, step.Record.Seq, step.Record.Status, step.Record.ErrorMessage ?? "",
                    MessageSequencerDefaults.RankOf(step.Record.Status), step.StatusEvent.Destination, step.StatusEvent.Payload,
                }),
            ];
            var answers = (long[])(await redis.GetDatabase().ScriptEvaluateAsync(AdvanceScript, keys, values))!;
            moved.AddRange(answers.Select(answer => answer == 1));
        }
        return moved;
    }
}
