namespace Shoot.Features.Rooms;

/// <summary>INDIVIDUAL: the one room of a pair, no title or owner of its own. GROUP: 2–100 people with roles.</summary>
public enum RoomType
{
    Individual,
    Group,
}
