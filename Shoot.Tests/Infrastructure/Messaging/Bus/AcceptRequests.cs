using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>Accept requests for the sequencer tests: a minimal message JSON and its SENDING status, both around the seq.</summary>
internal static class AcceptRequests
{
    public static AcceptRequest For(SendKey key, string? messageId = null, string? destination = null) =>
        new(key, messageId ?? MessageId.New(DateTimeOffset.UtcNow),
            new SeqTemplate(destination ?? $"/topic/messages/{key.RoomId}", "{\"seq\":", "}"),
            new SeqTemplate($"/topic/message/status/{key.RoomId}", $"{{\"tempId\":\"{key.TempId}\",\"status\":\"SENDING\",\"seq\":", "}"));
}
