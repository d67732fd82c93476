using Shoot.Infrastructure.Messaging.Unread;

namespace Shoot.Tests.Infrastructure.Messaging.Unread;

[Trait("Category", "Unit")]
public sealed class SeqSetTests
{
    [Fact]
    public void Counts_above_a_position_like_a_sorted_set_under_random_adds_removals_and_trims()
    {
        var random = new Random(7);
        var set = new SeqSet();
        var reference = new SortedSet<long>();
        long next = 0;
        for (var step = 0; step < 20_000; step++)
        {
            switch (random.Next(10))
            {
                case < 6: // mostly the newest seq, as the sequencer hands them out
                    next += random.Next(1, 3);
                    set.Add(next);
                    reference.Add(next);
                    break;
                case 6: // an older seq (a delete or a failure marks an earlier message gone)
                    var older = random.NextInt64(0, next + 1);
                    set.Add(older);
                    reference.Add(older);
                    break;
                case 7:
                    var victim = random.NextInt64(0, next + 1);
                    Assert.Equal(reference.Remove(victim), set.Remove(victim));
                    break;
                case 8: // a reader's position passes some of them
                    var upTo = random.NextInt64(0, next + 1);
                    set.RemoveUpTo(upTo);
                    reference.RemoveWhere(seq => seq <= upTo);
                    break;
                default:
                    var position = random.NextInt64(-1, next + 2);
                    Assert.Equal(reference.Count(seq => seq > position), set.CountAbove(position));
                    break;
            }
            Assert.Equal(reference.Count, set.Count);
        }
    }

    [Fact]
    public void Adding_a_seq_twice_keeps_one()
    {
        var set = new SeqSet();
        set.Add(5);
        set.Add(3);
        set.Add(5);
        set.Add(3);
        Assert.Equal(2, set.Count);
        Assert.Equal(1, set.CountAbove(3));
        Assert.Equal(2, set.CountAbove(2));
    }
}
