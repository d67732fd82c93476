namespace Shoot.Features.Friends;

public enum FriendRequestStatus
{
    Pending,
    Accepted,
    Rejected,
    Cancelled,
}

/// <summary>The API's FriendRequest (§3).</summary>
public sealed record FriendRequest(long Id, long FromUserId, long ToUserId, FriendRequestStatus Status, DateTimeOffset CreatedAt);

/// <summary>Two users became friends (a request was accepted, or two requests crossed). Published after the commit.</summary>
public sealed record FriendAdded(long UserId, long FriendId) : INotification;

/// <summary>Two users stopped being friends. Published after the commit.</summary>
public sealed record FriendRemoved(long UserId, long FriendId) : INotification;

/// <summary>A pending request between the two users appeared or ended without a friendship (sent, rejected, cancelled).</summary>
public sealed record FriendRequestChanged(long FromUserId, long ToUserId) : INotification;
