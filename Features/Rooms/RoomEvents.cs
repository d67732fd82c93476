namespace Shoot.Features.Rooms;

// Published through IPublisher after the change is committed, for the SSE updates stream (docs/api.md §7) and any other
// listener. Nobody handles them yet; Mediator's generated Publish is a no-op for a notification without handlers, and
// its build warning for that (MSG0005) is silenced here only, where having no handler yet is intended.
#pragma warning disable MSG0005

/// <summary>A room was created; <see cref="ParticipantIds"/> holds everyone in it, the creator included.</summary>
public sealed record RoomCreated(long RoomId, IReadOnlyList<long> ParticipantIds) : INotification;

/// <summary>Title, announcement or notice changed.</summary>
public sealed record RoomUpdated(long RoomId) : INotification;

/// <summary>Users joined or left, or a role changed (then both lists are empty).</summary>
public sealed record ParticipantsChanged(long RoomId, IReadOnlyList<long> Added, IReadOnlyList<long> Removed) : INotification;

/// <summary>The room is gone from this user's list: they left or were removed (SSE <c>room-removed</c>).</summary>
public sealed record RoomRemoved(long UserId, long RoomId) : INotification;

/// <summary>The last participant left and the room was deleted; its messages may go too.</summary>
public sealed record RoomDeleted(long RoomId) : INotification;
#pragma warning restore MSG0005
