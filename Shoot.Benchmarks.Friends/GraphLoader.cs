using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Shoot.Infrastructure.Persistence;

namespace Shoot.Benchmarks.Friends;

/// <summary>
/// Writes a random friend graph straight into the tables (not through the API): users 1..N and, for an average of
/// <c>averageFriends</c> friends each, N·averageFriends/2 distinct random pairs stored in both directions, as the app
/// stores them. PostgreSQL gets binary COPY; SQLite one transaction of prepared inserts in key order.
/// </summary>
public static class GraphLoader
{
    public static async Task<bool> IsLoadedAsync(ISqlDatabase database, int users)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users") == users;
    }

    public static async Task LoadAsync(ISqlDatabase database, int users, int averageFriends, int seed)
    {
        var clock = Stopwatch.StartNew();
        var edges = Generate(users, averageFriends, seed);
        Console.WriteLine($"generated {edges.Length:N0} directed edges in {clock.Elapsed.TotalSeconds:F1}s");
        await using (var connection = await database.OpenAsync())
        {
            if (connection is NpgsqlConnection postgres)
                await CopyAsync(postgres, users, edges);
            else
                await InsertAsync((SqliteConnection)connection, users, edges);
        }
        Console.WriteLine($"loaded in {clock.Elapsed.TotalSeconds:F1}s; analysing");
        // VACUUM also sets the visibility map, which the walk's index-only scans need to skip the heap. Run from the
        // loading connection it left friendships' pages unmarked here, so it gets a connection of its own.
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync(database.Dialect == SqlDialect.Postgres ? "VACUUM ANALYZE" : "ANALYZE", commandTimeout: 0, commandType: System.Data.CommandType.Text);
        Console.WriteLine($"ready after {clock.Elapsed.TotalSeconds:F1}s");
    }

    /// <summary>Directed edges (both directions of each pair) as user·(N+1)+friend, sorted: primary-key order.</summary>
    private static long[] Generate(int users, int averageFriends, int seed)
    {
        var random = new Random(seed);
        var pairs = new HashSet<long>();
        var target = (long)users * averageFriends / 2;
        var stride = users + 1L;
        while (pairs.Count < target)
        {
            long a = random.Next(1, users + 1), b = random.Next(1, users + 1);
            if (a != b)
                pairs.Add(Math.Min(a, b) * stride + Math.Max(a, b));
        }
        var edges = new long[pairs.Count * 2];
        var i = 0;
        foreach (var pair in pairs)
        {
            long low = pair / stride, high = pair % stride;
            edges[i++] = low * stride + high;
            edges[i++] = high * stride + low;
        }
        Array.Sort(edges);
        return edges;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, int users, long[] edges)
    {
        var stride = users + 1L;
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY users (username, username_normalized, nickname, password_hash, status, user_code, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var id = 1; id <= users; id++)
            {
                await import.StartRowAsync();
                await import.WriteAsync(Name(id), NpgsqlDbType.Text);
                await import.WriteAsync(Name(id), NpgsqlDbType.Text);
                await import.WriteAsync(Name(id), NpgsqlDbType.Text);
                await import.WriteAsync("-", NpgsqlDbType.Text);
                await import.WriteAsync("OFFLINE", NpgsqlDbType.Text);
                await import.WriteAsync(Code(id), NpgsqlDbType.Text);
                await import.WriteAsync(0L, NpgsqlDbType.Bigint);
                await import.WriteAsync(0L, NpgsqlDbType.Bigint);
            }
            await import.CompleteAsync();
        }
        // A fresh database numbers the rows 1..N; the edges below rely on it.
        if (await connection.ExecuteScalarAsync<long>("SELECT MAX(id) FROM users") != users)
            throw new InvalidOperationException("Load into an empty database: user ids must come out as 1..N.");
        await using (var import = await connection.BeginBinaryImportAsync("COPY friendships (user_id, friend_id, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var edge in edges)
            {
                await import.StartRowAsync();
                await import.WriteAsync(edge / stride, NpgsqlDbType.Bigint);
                await import.WriteAsync(edge % stride, NpgsqlDbType.Bigint);
                await import.WriteAsync(0L, NpgsqlDbType.Bigint);
            }
            await import.CompleteAsync();
        }
    }

    private static async Task InsertAsync(SqliteConnection connection, int users, long[] edges)
    {
        var stride = users + 1L;
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using (var insertUser = Prepare(connection, transaction, """
            INSERT INTO users (id, username, username_normalized, nickname, password_hash, status, user_code, created_at, updated_at)
            VALUES ($id, $name, $name, $name, '-', 'OFFLINE', $code, 0, 0)
            """, "$id", "$name", "$code"))
        {
            for (var id = 1; id <= users; id++)
                await Run(insertUser, id, Name(id), Code(id));
        }
        await using (var insertEdge = Prepare(connection, transaction,
            "INSERT INTO friendships (user_id, friend_id, created_at) VALUES ($user, $friend, 0)", "$user", "$friend"))
        {
            foreach (var edge in edges)
                await Run(insertEdge, edge / stride, edge % stride);
        }
        await transaction.CommitAsync();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static Task<int> Run(DbCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i];
        return command.ExecuteNonQueryAsync();
    }

    private static string Name(int id) => "b" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A unique 8-character friend code: the id in base 36, zero-padded.</summary>
    private static string Code(long id)
    {
        const string digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var code = new char[8];
        for (var i = 7; i >= 0; i--, id /= 36)
            code[i] = digits[(int)(id % 36)];
        return new string(code);
    }
}
