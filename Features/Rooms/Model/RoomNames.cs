namespace Shoot.Features.Rooms;

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
