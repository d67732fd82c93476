namespace Shoot.Features.Rooms;

public enum RoomType
{
    Individual,
    Group,
}

public enum ParticipantRole
{
    Owner,
    Admin,
    Member,
}

/// <summary>The API's Room (docs/api.md): what one participant sees of a room, with everyone in it.</summary>
public sealed record Room(
    long Id,
    RoomType Type,
    string? Title,
    IReadOnlyList<Participant> Participants,
    string? Announcement,
    LastMessage? LastMessage,
    DateTimeOffset LastActiveAt,
    DateTimeOffset CreatedAt);

public sealed record Participant(long UserId, string Nickname, ParticipantRole Role, DateTimeOffset JoinedAt, string? LastReadMessageId);

/// <summary>One line of a room list, as the caller sees it.</summary>
public sealed record RoomSummary(
    long Id,
    RoomType Type,
    string? Title,
    long UnreadCount,
    LastMessage? LastMessage,
    DateTimeOffset LastActiveAt,
    bool Favorite);

public sealed record LastMessage(string Id, string Text, long SenderId, DateTimeOffset CreatedAt);

/// <summary>Wire names and time conversions shared by the room rows.</summary>
public static class RoomNames
{
    public const string Individual = "INDIVIDUAL";
    public const string Group = "GROUP";
    public const string Owner = "OWNER";
    public const string Admin = "ADMIN";
    public const string Member = "MEMBER";

    /// <summary>A GROUP room holds at most this many participants, creator included (docs/api.md §4).</summary>
    public const int MaxGroupSize = 100;

    public static RoomType ParseType(string value) => value == Group ? RoomType.Group : RoomType.Individual;

    public static ParticipantRole ParseRole(string value) => value switch
    {
        Owner => ParticipantRole.Owner,
        Admin => ParticipantRole.Admin,
        _ => ParticipantRole.Member,
    };

    public static string RoleName(ParticipantRole role) => role.ToString().ToUpperInvariant();

    public static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    /// <summary>The one INDIVIDUAL room of a pair is found by this key, whichever side asks.</summary>
    public static string IndividualKey(long a, long b) => a < b ? $"{a}:{b}" : $"{b}:{a}";
}

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

public sealed class ParticipantRow
{
    public long UserId { get; set; }
    public string Nickname { get; set; } = "";
    public string Role { get; set; } = RoomNames.Member;
    public long JoinedAt { get; set; }
    public string? LastReadMessageId { get; set; }

    public Participant ToParticipant() =>
        new(UserId, Nickname, RoomNames.ParseRole(Role), RoomNames.Time(JoinedAt), LastReadMessageId);
}
