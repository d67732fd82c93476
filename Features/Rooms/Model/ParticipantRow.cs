namespace Shoot.Features.Rooms;

/// <summary>A room_participants row joined with the user's nickname (columns snake_case; times Unix ms).</summary>
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
