namespace Shoot.Features.Rooms;

/// <summary>What a participant may do in a GROUP room; both sides of an INDIVIDUAL room are members.</summary>
public enum ParticipantRole
{
    Owner,
    Admin,
    Member,
}
