using System.Text.Json;
using Shoot.Infrastructure.Messaging;

namespace Shoot.Tests.Support;

/// <summary>Messages to store in the store suites, and their comparison by value.</summary>
public static class TestMessages
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 17, 45, 3, 120, TimeSpan.Zero);

    public static StoredMessage Message(long room, long seq, int offsetSeconds = 0, int stepSeconds = 1)
    {
        // One second apart, so ids order like seqs whatever the id counter does.
        var at = Start.AddSeconds(offsetSeconds + stepSeconds * seq);
        return new StoredMessage
        {
            Id = MessageId.New(at),
            RoomId = room,
            Seq = seq,
            SenderId = 100 + room,
            Text = $"room {room} message {seq}",
            CreatedAt = at,
            UpdatedAt = at,
        };
    }

    public static List<StoredMessage> Messages(long room, int count, int offsetSeconds = 0, int stepSeconds = 1) =>
        Enumerable.Range(1, count).Select(seq => Message(room, seq, offsetSeconds, stepSeconds)).ToList();

    public static Dictionary<string, IReadOnlyList<long>> ReactionsOf(params (string Name, long[] Users)[] reactions) =>
        reactions.ToDictionary(r => r.Name, IReadOnlyList<long> (r) => r.Users);

    /// <summary>Every field, compared by value (records compare collections by reference).</summary>
    public static void AssertSame(StoredMessage? expected, StoredMessage? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
    }
}
