using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;

namespace Shoot.Tests.Features.Messages;

/// <summary>readCount from read positions (docs/api.md §5): others than the sender, at or past the message, by id order.</summary>
[Trait("Category", "Unit")]
public sealed class ReadCountRuleTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counts_other_participants_at_or_past_the_message_and_never_the_sender()
    {
        var older = MessageId.New(At);
        var message = new StoredMessage { Id = MessageId.New(At.AddSeconds(1)), RoomId = 1, Seq = 2, SenderId = 1, Text = "t", CreatedAt = At, UpdatedAt = At };
        var newer = MessageId.New(At.AddSeconds(2));

        var readers = new List<ReaderPosition>
        {
            new(1, newer),        // the sender: never counted
            new(2, message.Id),   // exactly at it
            new(3, newer),        // past it
            new(4, older),        // before it
            new(5, null),         // no position yet
        };

        Assert.Equal(2, ReadPositions.ReadCount(message, readers));
        Assert.Equal(0, ReadPositions.ReadCount(message, []));
    }
}
