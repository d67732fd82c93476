using System.Data.Common;
using Npgsql;

namespace Shoot.Infrastructure.Persistence;

/// <summary>PostgreSQL through one pooled <see cref="NpgsqlDataSource"/> per instance.</summary>
public sealed class PostgresDatabase(NpgsqlDataSource dataSource) : ISqlDatabase, IAsyncDisposable
{
    public SqlDialect Dialect => SqlDialect.Postgres;

    public string Description { get; } = DescribeWithoutSecrets(dataSource.ConnectionString);

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    public bool IsUniqueViolation(Exception exception, string? constraint = null) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } e
        && (constraint is null || e.ConstraintName == constraint);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private static string DescribeWithoutSecrets(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL ({builder.Host}:{builder.Port}/{builder.Database})";
    }
}
