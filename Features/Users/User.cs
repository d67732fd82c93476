namespace Shoot.Features.Users;

public enum UserStatus
{
    Online,
    Offline,
    Busy,
    Away,
}

/// <summary>
/// The API's User (docs/api.md). <see cref="UserCode"/> is the caller's own friend code: it is shown in the caller's own view
/// only (null in everyone else's), since knowing it is what lets a stranger send a friend request by code.
/// </summary>
public sealed record User(
    long Id,
    string Username,
    string Nickname,
    UserStatus Status,
    string? ProfileImageUrl,
    string? BackgroundImageUrl,
    string? Bio,
    string? UserCode,
    DateTimeOffset? LastSeenAt);

/// <summary>A users row as Dapper reads it (columns snake_case; times are Unix milliseconds).</summary>
public sealed class UserRow
{
    public long Id { get; set; }
    public string Username { get; set; } = "";
    public string Nickname { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public string Status { get; set; } = nameof(UserStatus.Offline);
    public string? ProfileImageUrl { get; set; }
    public string? BackgroundImageUrl { get; set; }
    public string? Bio { get; set; }
    public string UserCode { get; set; } = "";
    public long? LastSeenAt { get; set; }
    public long TokenGeneration { get; set; }

    public const string Columns =
        "id, username, nickname, password_hash, status, profile_image_url, background_image_url, bio, user_code, last_seen_at, token_generation";

    public User ToOwnView() => ToView(includeUserCode: true);

    public User ToPublicView() => ToView(includeUserCode: false);

    private User ToView(bool includeUserCode) => new(
        Id, Username, Nickname, ParseStatus(Status), ProfileImageUrl, BackgroundImageUrl, Bio,
        includeUserCode ? UserCode : null,
        LastSeenAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null);

    public static UserStatus ParseStatus(string value) => value switch
    {
        "ONLINE" => UserStatus.Online,
        "BUSY" => UserStatus.Busy,
        "AWAY" => UserStatus.Away,
        _ => UserStatus.Offline,
    };

    public static string StatusName(UserStatus status) => status.ToString().ToUpperInvariant();
}
