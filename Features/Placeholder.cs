namespace Shoot.Features;
internal static class Placeholder;
