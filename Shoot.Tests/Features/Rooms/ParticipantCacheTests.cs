using Shoot.Features.Rooms;

namespace Shoot.Tests.Features.Rooms;

[Trait("Category", "Unit")]
public sealed class ParticipantCacheTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Now { get; set; } = 1_000;
        public override long GetTimestamp() => Now;
        public override long TimestampFrequency => 1_000; // milliseconds
    }

    private readonly ManualClock _clock = new();

    [Fact]
    public void A_remembered_participant_is_known_until_the_user_is_forgotten()
    {
        var cache = new ParticipantCache(_clock);
        Assert.False(cache.IsKnownParticipant(1, 10));
        cache.Remember(1, 10, cache.VersionOf(10));
        Assert.True(cache.IsKnownParticipant(1, 10));
        Assert.False(cache.IsKnownParticipant(2, 10));
        Assert.False(cache.IsKnownParticipant(1, 11));

        cache.Forget(10);
        Assert.False(cache.IsKnownParticipant(1, 10));
    }

    [Fact]
    public void An_answer_read_before_a_removal_that_was_announced_meanwhile_is_not_kept()
    {
        var cache = new ParticipantCache(_clock);
        var before = cache.VersionOf(10); // the membership query starts
        cache.Forget(10);                  // the removal is announced while it runs
        cache.Remember(1, 10, before);     // the query's (stale) "participant" comes back
        Assert.False(cache.IsKnownParticipant(1, 10));

        cache.Remember(1, 10, cache.VersionOf(10)); // a query that started after the removal may be kept
        Assert.True(cache.IsKnownParticipant(1, 10));
    }

    [Fact]
    public void Entries_expire_after_their_lifetime()
    {
        var cache = new ParticipantCache(_clock);
        cache.Remember(1, 10, cache.VersionOf(10));
        _clock.Now += (long)ParticipantCache.Lifetime.TotalMilliseconds - 1;
        Assert.True(cache.IsKnownParticipant(1, 10));
        _clock.Now += 1;
        Assert.False(cache.IsKnownParticipant(1, 10));
    }
}
