using System.Diagnostics;
using Dapper;
using HdrHistogram;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shoot.Benchmarks.Friends;
using Shoot.Features;
using Shoot.Features.Friends;
using Shoot.Infrastructure;
using Shoot.Infrastructure.Persistence;

// Recommendation latency on a generated graph, through the real handler (cache, SQL, profile reads), in process.
// Usage (see docs/benchmarks.md, "Friend recommendations"):
//   dotnet run -c Release --project Shoot.Benchmarks.Friends -- --backend sqlite --data-dir /tmp/friends-bench-sqlite
//   dotnet run -c Release --project Shoot.Benchmarks.Friends -- --backend postgres --postgres "Host=127.0.0.1;Port=55432;Username=postgres;Database=friends_bench"
// Options: --users 100000 --avg-friends 50 --samples 200 --depths 2,3,4 --full-walk-samples 50 --seed 42 --explain
var options = Args.Parse(args);
var settings = new Dictionary<string, string?>();
if (options.Backend == "postgres")
{
    settings["ConnectionStrings:Postgres"] = options.Postgres ?? throw new ArgumentException("--postgres <connection string> is required");
    settings["Jwt:SigningKey"] = "benchmark-signing-key-of-at-least-32-bytes";
}
else
{
    settings["Shoot:DataDirectory"] = options.DataDirectory;
}

var builder = WebApplication.CreateBuilder();
builder.Configuration.AddInMemoryCollection(settings);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddShootInfrastructure(builder.Configuration);
builder.Services.AddShootFeatures();
await using var app = builder.Build();

var database = app.Services.GetRequiredService<ISqlDatabase>();
Console.WriteLine($"backend: {database.Description}");
await ActivatorUtilities.CreateInstance<DatabaseMigrator>(app.Services).MigrateAsync();
if (!await GraphLoader.IsLoadedAsync(database, options.Users))
    await GraphLoader.LoadAsync(database, options.Users, options.AverageFriends, options.Seed);
else
    Console.WriteLine($"graph of {options.Users:N0} users already loaded");

await using (var connection = await database.OpenAsync())
{
    var edges = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM friendships");
    Console.WriteLine($"users {options.Users:N0}, directed edges {edges:N0} (average {(double)edges / options.Users:F1} friends)");
    if (options.Explain)
        await Explain(connection, database.Dialect);
}

var random = new Random(options.Seed + 1);
foreach (var depth in options.Depths)
{
    // Distinct users per depth, never asked before at that depth: the first call for each is a cache miss.
    var sample = Enumerable.Range(0, options.Samples * 4).Select(_ => (long)random.Next(1, options.Users + 1)).Distinct().Take(options.Samples).ToArray();
    await Measure(depth, sample.Take(3).ToArray(), null); // warm-up: JIT, connection pool
    var cold = new LongHistogram(TimeStamp.Minutes(10), 3);
    var cached = new LongHistogram(TimeStamp.Minutes(10), 3);
    var itemsSeen = await Measure(depth, sample.Skip(3).ToArray(), cold);
    await Measure(depth, sample.Skip(3).ToArray(), cached);
    Console.WriteLine($"maxDepth={depth} limit=10, {sample.Length - 3} users (avg {itemsSeen / (double)(sample.Length - 3):F1} items):");
    Print("  cold  ", cold);
    Print("  cached", cached);
    if (depth > 2)
    {
        // The worst case: the full walk, which runs when the shallower levels cannot fill the page (few friends of friends, deep pages).
        var full = new LongHistogram(TimeStamp.Minutes(10), 3);
        foreach (var user in sample.Skip(3).Take(options.FullWalkSamples))
        {
            await using var connection = await database.OpenAsync();
            var started = Stopwatch.GetTimestamp();
            _ = (await connection.QueryAsync(RecommendFriends.RankSql, new { callerId = user, maxDepth = depth, limit = 10, skip = 0 }, commandTimeout: 0)).AsList();
            full.RecordValue(Stopwatch.GetTimestamp() - started);
        }
        Print("  full walk (SQL only)", full);
    }
}

async Task<long> Measure(int depth, long[] users, LongHistogram? histogram)
{
    long items = 0;
    foreach (var user in users)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var started = Stopwatch.GetTimestamp();
        var result = await sender.Send(new RecommendFriends.Query(user, 10, depth, 0));
        histogram?.RecordValue(Stopwatch.GetTimestamp() - started);
        items += result.Items.Count;
    }
    return items;
}

static void Print(string label, LongHistogram histogram)
{
    double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
    Console.WriteLine($"{label}  p50 {Ms(50),9:F3} ms  p90 {Ms(90),9:F3} ms  p99 {Ms(99),9:F3} ms  max {histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency,9:F3} ms  n={histogram.TotalCount}");
}

static async Task Explain(System.Data.Common.DbConnection connection, SqlDialect dialect)
{
    var sql = dialect == SqlDialect.Postgres
        ? "EXPLAIN (ANALYZE, BUFFERS) " + RecommendFriends.RankSql
        : "EXPLAIN QUERY PLAN " + RecommendFriends.RankSql;
    var plan = await connection.QueryAsync(sql, new { callerId = 12345L, maxDepth = 3, limit = 200, skip = 0 });
    foreach (IDictionary<string, object?> row in plan)
        Console.WriteLine(string.Join(" | ", row.Values));
}

internal sealed record Args(string Backend, string? Postgres, string DataDirectory, int Users, int AverageFriends, int Samples, int[] Depths, int Seed, bool Explain, int FullWalkSamples)
{
    public static Args Parse(string[] args)
    {
        string Get(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        return new Args(
            Get("--backend", "sqlite"), Get("--postgres", "") is { Length: > 0 } pg ? pg : null,
            Get("--data-dir", "./friends-bench-data"), int.Parse(Get("--users", "100000")), int.Parse(Get("--avg-friends", "50")),
            int.Parse(Get("--samples", "200")), Get("--depths", "2,3,4").Split(',').Select(int.Parse).ToArray(),
            int.Parse(Get("--seed", "42")), args.Contains("--explain"), int.Parse(Get("--full-walk-samples", "50")));
    }
}
