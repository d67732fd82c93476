using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using StackExchange.Redis;

namespace Shoot.Infrastructure.Messaging.Unread;

/// <summary>
/// The shared ledger. A room's side (<c>shoot:room:{id}:seq</c>, <c>:base</c>, <c>:own</c>, <c>:gone</c>) is written by
/// the accept script of <see cref="RedisMessageSequencer"/> and by <see cref="MarkGoneAsync"/>; a user's side is one hash
/// (<c>shoot:user:{id}:unread</c>: <c>r:{room}</c> position, <c>c:{room}</c> count, <c>m:{room}</c> membership, <c>x:{room}</c>
/// the membership left, <c>t</c> total,
/// <c>p</c> primed). Every count is computed and kept inside one script, so deliveries, reads and deletes on any
/// instance never interleave half-way. The part of a position older than the room's base is counted by the store first
/// and handed to the script, which takes it only if the position is still the one it was counted for.
/// All keys of a call are used by one script, so this needs a single Redis (not Redis Cluster), like the bus.
/// </summary>
public sealed class RedisUnreadLedger(IConnectionMultiplexer redis, IMessageStore store, IEnumerable<ISeqFloorSource>? floors = null) : IUnreadLedger
{
    private readonly ISeqFloorSource[] _floors = floors?.ToArray() ?? [];

    private const int Attempts = 5;

    // One reader's count, shared by both refresh scripts as a Lua function. Answers {status, count, total, position}:
    // status 0 counted, 1 left the room, 2 the store's part is needed for `position` up to the base (given in place of
    // the count; the room's version in place of the total). `below`, `belowFor`, `belowBase`, `belowVersion`: the
    // store's count under the base, and the position, base and version it was counted for (-1: not counted). That part is kept in the user's hash (b:{room} = "position:base:version:count")
    // until the reader moves or a message under the base is deleted (which bumps the room's `version`).
    private const string CountFunction = """
        local function count_reader(h, room, prefix, given, member, below, belowFor, belowBase, belowVersion, last, base, version, own, gone, life)
          local left = tonumber(redis.call('HGET', h, 'x:' .. room) or '-1')
          local held = tonumber(redis.call('HGET', h, 'm:' .. room) or '-1')
          if member <= left or member < held then return {1, 0, -1, 0} end
          redis.call('HDEL', h, 'x:' .. room)
          local r = given
          if member == held then r = math.max(given, tonumber(redis.call('HGET', h, 'r:' .. room) or '0')) end
          local stored = 0
          if r < base then
            local key = string.format('%d:%d:%d:', r, base, version)
            if below >= 0 and belowFor == r and belowBase == base and belowVersion == version then
              stored = below
              redis.call('HSET', h, 'b:' .. room, key .. below)
            else
              local held = redis.call('HGET', h, 'b:' .. room)
              if not held or string.sub(held, 1, #key) ~= key then return {2, base, version, r} end
              stored = tonumber(string.sub(held, #key + 1))
            end
          end
          local from = math.max(r, base)
          local owned = redis.call('ZLEXCOUNT', own, '(' .. prefix .. string.format('%020d', from), '[' .. prefix .. '~')
          redis.call('ZREMRANGEBYLEX', own, '[' .. prefix, '[' .. prefix .. string.format('%020d', r))
          local gones = redis.call('ZCOUNT', gone, '(' .. from, '+inf')
          local count = stored + (last - from) - owned - gones
          if count < 0 then count = 0 end
          local before = tonumber(redis.call('HGET', h, 'c:' .. room) or '0')
          redis.call('HSET', h, 'r:' .. room, r, 'c:' .. room, count, 'm:' .. room, member)
          local total = -1
          if redis.call('HEXISTS', h, 'p') == 1 then total = redis.call('HINCRBY', h, 't', count - before) end
          redis.call('PEXPIRE', h, life)
          return {0, count, total, r}
        end
        """;

    // KEYS: seq, base, own, gone, version, then one user hash per reader. ARGV: room, lifetime, then per reader prefix,
    // position, membership, below, belowFor, belowBase, belowVersion. Answers 'init' when the room has no counter yet, else 4 values per reader.
    private const string RefreshRoomScript = CountFunction + "\n" + """
        local last = redis.call('GET', KEYS[1])
        local base = redis.call('GET', KEYS[2])
        if not last or not base then return {'init'} end
        last = tonumber(last)
        base = tonumber(base)
        local version = tonumber(redis.call('GET', KEYS[5]) or '0')
        local out = {}
        for i = 1, #KEYS - 5 do
          local a = 3 + (i - 1) * 7
          local one = count_reader(KEYS[5 + i], ARGV[1], ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]),
            tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), last, base, version, KEYS[3], KEYS[4], ARGV[2])
          for _, v in ipairs(one) do table.insert(out, v) end
        end
        return out
        """;

    // KEYS: the user hash, then seq, base, own, gone, version per room. ARGV: prefix, lifetime, then per room: room, position,
    // membership, below, belowFor, belowBase, belowVersion. Counts every room (status 3: the room has no counter yet); when all are counted, drops the rooms
    // the user is no longer in and holds the total.
    private const string RefreshUserScript = CountFunction + "\n" + """
        local h = KEYS[1]
        local out = {}
        local listed = {}
        local complete = true
        for i = 1, (#KEYS - 1) / 5 do
          local k = 1 + (i - 1) * 5
          local a = 3 + (i - 1) * 7
          listed[ARGV[a]] = true
          local last = redis.call('GET', KEYS[k + 1])
          local base = redis.call('GET', KEYS[k + 2])
          local one
          if not last or not base then
            one = {3, 0, -1, 0}
          else
            one = count_reader(h, ARGV[a], ARGV[1], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]),
              tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6]), tonumber(last), tonumber(base),
              tonumber(redis.call('GET', KEYS[k + 5]) or '0'), KEYS[k + 3], KEYS[k + 4], ARGV[2])
          end
          if one[1] ~= 0 then complete = false end
          for _, v in ipairs(one) do table.insert(out, v) end
        end
        if not complete then return out end
        local fields = redis.call('HKEYS', h)
        local total = 0
        for _, f in ipairs(fields) do
          local kind, room = string.match(f, '^([rcbm]):(.+)$')
          if kind and not listed[room] then
            redis.call('HDEL', h, f)
          elseif kind == 'c' then
            total = total + tonumber(redis.call('HGET', h, f))
          end
        end
        redis.call('HSET', h, 't', total, 'p', 1)
        redis.call('PEXPIRE', h, ARGV[2])
        for i = 3, #out, 4 do out[i] = total end
        return out
        """;

    // KEYS: own, gone, base, version. ARGV: the sender's own member, seq, lifetime. Under the base the store counts,
    // so its counts kept by readers are dropped (version) instead.
    private const string MarkGoneScript = """
        local base = redis.call('GET', KEYS[3])
        if base and tonumber(ARGV[2]) <= tonumber(base) then
          redis.call('INCR', KEYS[4])
          redis.call('PEXPIRE', KEYS[4], ARGV[3])
          return 0
        end
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return 1
        """;

    // KEYS: the user hash. ARGV: room. Remembers the membership left (x:{room}), so a count from before the leave is refused.
    private const string ForgetScript = """
        local count = tonumber(redis.call('HGET', KEYS[1], 'c:' .. ARGV[1]) or '0')
        local member = tonumber(redis.call('HGET', KEYS[1], 'm:' .. ARGV[1]) or '0')
        local left = tonumber(redis.call('HGET', KEYS[1], 'x:' .. ARGV[1]) or '0')
        redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1], 'c:' .. ARGV[1], 'b:' .. ARGV[1], 'm:' .. ARGV[1])
        redis.call('HSET', KEYS[1], 'x:' .. ARGV[1], math.max(member, left))
        if redis.call('HEXISTS', KEYS[1], 'p') == 0 then return -1 end
        -- Not HINCRBY by -count: Lua's -0 reaches Redis as "-0", which is not an integer to it.
        return redis.call('HINCRBY', KEYS[1], 't', 0 - count)
        """;

    private static long Lifetime => (long)RedisBusKeys.RoomKeysLifetime.TotalMilliseconds;

    public async Task<IReadOnlyList<UnreadCount>> RefreshRoomAsync(long roomId, IReadOnlyList<ReaderSeq> readers, CancellationToken cancellationToken = default)
    {
        var database = redis.GetDatabase();
        var pending = readers.Select(r => new Pending(r.UserId, roomId, r.ReadSeq, r.MemberId)).ToList();
        var counted = new List<UnreadCount>(readers.Count);
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            ThrowIfStuck(attempt, roomId);
            RedisKey[] keys = [RedisBusKeys.RoomSeq(roomId), RedisBusKeys.RoomBase(roomId), RedisBusKeys.RoomOwn(roomId), RedisBusKeys.RoomGone(roomId),
                RedisBusKeys.RoomBelowVersion(roomId), .. pending.Select(p => (RedisKey)RedisBusKeys.UserUnread(p.UserId))];
            RedisValue[] values = [roomId, Lifetime,
                .. pending.SelectMany(p => new RedisValue[] { RedisBusKeys.OwnPrefix(p.UserId), p.ReadSeq, p.MemberId, p.Below, p.BelowFor, p.BelowBase, p.BelowVersion })];
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(RefreshRoomScript, keys, values))!;
            if (result.Length == 1 && (string?)result[0] == "init")
            {
                await RedisMessageSequencer.InitializeRoomAsync(database, store, _floors, roomId, cancellationToken);
                continue;
            }
            pending = await SettleAsync(pending, result, counted, database, cancellationToken);
        }
        return counted;
    }

    public async Task<IReadOnlyList<UnreadCount>> RefreshUserAsync(long userId, IReadOnlyList<RoomReadSeq> rooms, CancellationToken cancellationToken = default)
    {
        var database = redis.GetDatabase();
        var pending = rooms.Select(r => new Pending(userId, r.RoomId, r.ReadSeq, r.MemberId)).ToList();
        for (var attempt = 0; ; attempt++)
        {
            ThrowIfStuck(attempt, null);
            RedisKey[] keys = [RedisBusKeys.UserUnread(userId), .. pending.SelectMany(p => new RedisKey[]
            {
                RedisBusKeys.RoomSeq(p.RoomId), RedisBusKeys.RoomBase(p.RoomId), RedisBusKeys.RoomOwn(p.RoomId), RedisBusKeys.RoomGone(p.RoomId),
                RedisBusKeys.RoomBelowVersion(p.RoomId),
            })];
            RedisValue[] values = [RedisBusKeys.OwnPrefix(userId), Lifetime,
                .. pending.SelectMany(p => new RedisValue[] { p.RoomId, p.ReadSeq, p.MemberId, p.Below, p.BelowFor, p.BelowBase, p.BelowVersion })];
            var result = (RedisResult[])(await database.ScriptEvaluateAsync(RefreshUserScript, keys, values))!;
            var counted = new List<UnreadCount>(pending.Count);
            var unsettled = await SettleAsync(pending, result, counted, database, cancellationToken);
            if (unsettled.Count == 0)
                return counted;
            // Not primed yet: run the whole list again, with the store's parts and the rooms' counters now in place.
            var retry = unsettled.ToDictionary(p => p.RoomId);
            pending = pending.Select(p => retry.GetValueOrDefault(p.RoomId, p)).ToList();
        }
    }

    public async Task MarkGoneAsync(long roomId, long seq, long senderId, CancellationToken cancellationToken = default) =>
        await redis.GetDatabase().ScriptEvaluateAsync(MarkGoneScript,
            [RedisBusKeys.RoomOwn(roomId), RedisBusKeys.RoomGone(roomId), RedisBusKeys.RoomBase(roomId), RedisBusKeys.RoomBelowVersion(roomId)],
            [RedisBusKeys.OwnPrefix(senderId) + seq.ToString("D20", System.Globalization.CultureInfo.InvariantCulture), seq, Lifetime]);

    public async Task<long?> ForgetAsync(long userId, long roomId, CancellationToken cancellationToken = default)
    {
        var total = (long)(await redis.GetDatabase().ScriptEvaluateAsync(ForgetScript, [RedisBusKeys.UserUnread(userId)], [roomId]));
        return total < 0 ? null : total;
    }

    /// <summary>
    /// Reads the script's four values per reader: counted ones go to <paramref name="counted"/>; the ones that need the
    /// store's part (or their room's counter created) come back, ready for the next attempt.
    /// </summary>
    private async Task<List<Pending>> SettleAsync(List<Pending> pending, RedisResult[] result, List<UnreadCount> counted, IDatabase database,
        CancellationToken cancellationToken)
    {
        var next = new List<Pending>();
        for (var i = 0; i < pending.Count; i++)
        {
            var p = pending[i];
            var (status, count, total, position) = ((long)result[i * 4], (long)result[i * 4 + 1], (long)result[i * 4 + 2], (long)result[i * 4 + 3]);
            switch (status)
            {
                case 0:
                    counted.Add(new UnreadCount(p.UserId, p.RoomId, count, total < 0 ? null : total));
                    break;
                case 2:
                    var (baseSeq, version) = (count, total);
                    var below = await store.CountUnreadAsync(p.RoomId, position, baseSeq, p.UserId, cancellationToken);
                    next.Add(p with { ReadSeq = position, Below = below, BelowFor = position, BelowBase = baseSeq, BelowVersion = version });
                    break;
                case 3:
                    await RedisMessageSequencer.InitializeRoomAsync(database, store, _floors, p.RoomId, cancellationToken);
                    next.Add(p);
                    break;
            }
        }
        return next;
    }

    private static void ThrowIfStuck(int attempt, long? roomId)
    {
        // Each attempt settles what the previous one asked for; only positions moving faster than the store counts keep it going.
        if (attempt >= Attempts)
            throw new InvalidOperationException($"Unread counts did not settle after {Attempts} attempts (room {roomId?.ToString() ?? "any"}).");
    }

    /// <summary>
    /// A reader still to count: the position to count from, and the store's part under the base (-1: not counted yet)
    /// with the position, base and version it was counted for.
    /// </summary>
    private sealed record Pending(long UserId, long RoomId, long ReadSeq, long MemberId, long Below = -1, long BelowFor = -1, long BelowBase = -1,
        long BelowVersion = -1);
}
