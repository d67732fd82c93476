namespace Shoot.Infrastructure;
internal static class Placeholder;
