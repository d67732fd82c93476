using System.Text.Json;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Web;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Reading a recent-ring entry: mark-read finds a message not stored yet by the id of each entry, which must be the
/// message's own top-level id, never one quoted in its text or carried in forwardedFrom, threadId or replyToMessageId.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AcceptedMessageTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_id_of_an_entry_is_the_messages_own_not_one_it_mentions()
    {
        var own = MessageId.New(At);
        var other = MessageId.New(At.AddSeconds(-5));
        var message = new StoredMessage
        {
            Id = own, RoomId = 7, Seq = 3, SenderId = 2, Text = $"{{\"id\":\"{other}\"}}", CreatedAt = At, UpdatedAt = At,
            ThreadId = other, ReplyToMessageId = other, ForwardedFrom = new ForwardedFrom(other, 8, 9),
        };
        var payload = Message.Template(message, "SENDING").With(3);

        Assert.Equal(own, AcceptedMessage.IdOf(payload));
        var read = AcceptedMessage.From(7, new SequencedPayload(3, payload));
        Assert.Equal((own, 3L, 2L), (read.Id, read.Seq, read.SenderId));
    }

    [Fact]
    public void The_id_is_found_wherever_it_stands_at_the_top_level()
    {
        var own = MessageId.New(At);
        var payload = JsonSerializer.Serialize(new { content = new { text = "hi", id = "nested" }, seq = 4, id = own }, ShootJson.Options);

        Assert.Equal(own, AcceptedMessage.IdOf(payload));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"seq\":1}")]
    [InlineData("{\"id\":42}")]
    [InlineData("{\"content\":{\"id\":\"0123456789abcdef01234567\"}}")]
    public void An_entry_without_a_top_level_string_id_has_none(string payload) =>
        Assert.Null(AcceptedMessage.IdOf(payload));
}
