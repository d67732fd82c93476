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

    public LastMessage? ToLastMessage() => LastMessageId is null
        ? null
        : new LastMessage(LastMessageId, LastMessageText ?? "", LastMessageSenderId ?? 0, RoomNames.Time(LastMessageAt ?? LastActiveAt));

    /// <summary>The unread count comes from the unread ledger (<see cref="Messages.UnreadCounts"/>), so the caller gives it.</summary>
    public RoomSummary ToSummary(long unreadCount) =>
        new(Id, RoomNames.ParseType(Type), Title, unreadCount, ToLastMessage(), RoomNames.Time(LastActiveAt), Favorite);

    public Room ToRoom(IReadOnlyList<Participant> participants) =>
        new(Id, RoomNames.ParseType(Type), Title, participants, Announcement, ToLastMessage(),
            RoomNames.Time(LastActiveAt), RoomNames.Time(CreatedAt));
}
