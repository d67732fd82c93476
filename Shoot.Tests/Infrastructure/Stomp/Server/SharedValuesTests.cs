using Shoot.Infrastructure.Stomp.Server;

namespace Shoot.Tests.Infrastructure.Stomp.Server;

/// <summary>The bounded sharing of strings and subscription ids between sessions (docs/performance.md, "Eleventh profile").</summary>
[Trait("Category", "Unit")]
public sealed class SharedValuesTests
{
    [Fact]
    public void Equal_strings_come_back_as_one_instance()
    {
        var shared = new SharedStrings(capacity: 10, maxLength: 64);
        var first = shared.Intern(new string("/topic/rooms/42".ToCharArray()));
        var second = shared.Intern(new string("/topic/rooms/42".ToCharArray()));
        Assert.Same(first, second);
        Assert.Equal(1, shared.Count);
    }

    [Fact]
    public void Past_its_capacity_or_its_key_length_nothing_more_is_shared_and_every_value_is_still_right()
    {
        var shared = new SharedStrings(capacity: 2, maxLength: 8);
        shared.Intern("a");
        shared.Intern("b");
        var third = new string("c".ToCharArray());
        Assert.Same(third, shared.Intern(third));
        Assert.NotSame(shared.Intern(new string("c".ToCharArray())), shared.Intern(new string("c".ToCharArray())));
        var longKey = new string('x', 9);
        Assert.Equal(longKey, shared.Intern(new string('x', 9)));
        Assert.NotSame(shared.Intern(new string('x', 9)), shared.Intern(new string('x', 9)));
        Assert.Equal(2, shared.Count);
    }

    [Fact]
    public void A_subscription_id_is_shared_with_its_message_prefix()
    {
        var ids = new SharedValues<SubscriptionId>(capacity: 10, maxKeyLength: 64);
        var room = ids.GetOrAdd("room", SubscriptionId.Create);
        Assert.Same(room, ids.GetOrAdd(new string("room".ToCharArray()), SubscriptionId.Create));
        Assert.Equal("MESSAGE\nsubscription:room\n"u8.ToArray(), room.MessagePrefix);
    }
}
