namespace Shoot.Infrastructure.Messaging;

/// <summary>
/// A message as the stores keep it and the persistence pipeline carries it: the API's Message (docs/api.md §5) without the
/// values computed per reader (readCount). One shape for SQLite, MongoDB and the Kafka record, so a record can be
/// replayed into any store unchanged.
/// </summary>
public sealed record StoredMessage
{
    /// <summary>24 hex characters, ObjectId layout (<see cref="MessageId"/>); assigned when the message is accepted.</summary>
    public required string Id { get; init; }

    public required long RoomId { get; init; }

    /// <summary>Per-room sequence number, assigned when accepted: 1, 2, 3 … in the order subscribers see.</summary>
    public required long Seq { get; init; }

    public required long SenderId { get; init; }

    /// <summary>The sender's own id for the send, echoed in statuses; null for messages the server made (scheduled, forwarded).</summary>
    public string? TempId { get; init; }

    public required string Text { get; init; }

    /// <summary>TEXT, URL, EMOTICON or FILE.</summary>
    public string Type { get; init; } = "TEXT";

    public bool IsEdited { get; init; }
    public bool IsDeleted { get; init; }
    public UrlPreview? UrlPreview { get; init; }
    public string? ThreadId { get; init; }
    public string? ReplyToMessageId { get; init; }
    public ForwardedFrom? ForwardedFrom { get; init; }

    /// <summary>Reaction name → user ids holding it (each user at most once per reaction).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Reactions { get; init; } = new Dictionary<string, IReadOnlyList<long>>();

    public IReadOnlyList<long> Mentions { get; init; } = [];
    public bool IsPinned { get; init; }
    public long? PinnedBy { get; init; }
    public DateTimeOffset? PinnedAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

public sealed record UrlPreview(string Url, string? Title, string? Description, string? ImageUrl, string? SiteName);

public sealed record ForwardedFrom(string MessageId, long RoomId, long SenderId);
