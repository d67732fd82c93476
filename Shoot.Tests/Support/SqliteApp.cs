namespace Shoot.Tests.Support;

/// <summary>One embedded-mode host (its own SQLite file) shared by the tests of a class.</summary>
public sealed class SqliteApp : IDisposable
{
    public ShootAppFactory Factory { get; } = new();

    public void Dispose() => Factory.Dispose();
}
