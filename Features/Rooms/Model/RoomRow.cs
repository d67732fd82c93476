using Shoot.Infrastructure.Security;

namespace Shoot.Features.Rooms;

/// <summary>A rooms row plus, for lists, the caller's own favorite flag (columns snake_case; times Unix ms).</summary>
public sealed class RoomRow
{
    public long Id { get; set; }
    public string Type { get; set; } = RoomNames.Group;
    public string? Title { get; set; }
    public string? Announcement { get; set; }
    public string? LastMessageId { get; set; }
    public string? LastMessageText { get; set; }
    public long? LastMessageSenderId { get; set; }
    public long? LastMessageAt { get; set; }
    public long LastActiveAt { get; set; }
    public long CreatedAt { get; set; }
    public bool Favorite { get; set; }

    /// <summary>
    /// An INDIVIDUAL room has no title of its own: each side sees the other's nickname. @caller names the viewer. The
    /// other side is read from the pair's key ("lowId:highId"), so the one who stays still sees the nickname of the one
    /// who left: ":low:high:" with ":caller:" replaced by ":" and the colons dropped is the other id, in both dialects
    /// (and a lookup by primary key).
    /// </summary>
    public const string Columns = """
        r.id, r.type,
        COALESCE(r.title, CASE WHEN r.type = 'INDIVIDUAL' THEN (SELECT u.nickname FROM users u
            WHERE u.id = CAST(replace(replace(':' || r.individual_key || ':', ':' || @caller || ':', ':'), ':', '') AS BIGINT)) END) AS title,
        r.announcement, r.last_message_id, r.last_message_text, r.last_message_sender_id, r.last_message_at,
        r.last_active_at, r.created_at
        """;

    /// <summary>
    /// The room's lastMessage; its text is message text at rest, sealed like the message's own (bound to the message
    /// id) when <c>Shoot:Encryption</c> is on, so it is opened here — the placeholder when it cannot be.
    /// </summary>
    public LastMessage? ToLastMessage(MessageTextCodec codec) => LastMessageId is null
        ? null
        : new LastMessage(LastMessageId, OpenText(codec, LastMessageText ?? "", LastMessageId), LastMessageSenderId ?? 0,
            RoomNames.Time(LastMessageAt ?? LastActiveAt));

    /// <summary>The text the rooms table keeps for a room's lastMessage (sealed when encryption at rest is on).</summary>
    public static string SealText(MessageTextCodec codec, string text, string messageId) => codec.Protect(text, messageId);

    private static string OpenText(MessageTextCodec codec, string stored, string messageId) =>
        codec.TryUnprotect(stored, messageId, out var text, out _) ? text : MessageTextCodec.UnreadablePlaceholder;

    /// <summary>The unread count comes from the unread ledger (<see cref="Messages.UnreadCounts"/>), so the caller gives it.</summary>
    public RoomSummary ToSummary(long unreadCount, MessageTextCodec codec) =>
        new(Id, RoomNames.ParseType(Type), Title, unreadCount, ToLastMessage(codec), RoomNames.Time(LastActiveAt), Favorite);

    public Room ToRoom(IReadOnlyList<Participant> participants, MessageTextCodec codec) =>
        new(Id, RoomNames.ParseType(Type), Title, participants, Announcement, ToLastMessage(codec),
            RoomNames.Time(LastActiveAt), RoomNames.Time(CreatedAt));
}
