using Confluent.Kafka;
using MongoDB.Driver;
using Npgsql;

namespace Shoot.Infrastructure.Configuration;

/// <summary>
/// The server connection strings (docs/api.md §10). Each one present switches its port from the embedded adapter to the
/// server adapter; absent, the embedded adapter serves.
/// </summary>
public sealed class ConnectionStringsOptions
{
    public const string Section = "ConnectionStrings";

    public string? Postgres { get; set; }
    public string? Mongo { get; set; }
    public string? Redis { get; set; }
    public string? Kafka { get; set; }

    public bool HasPostgres => !string.IsNullOrWhiteSpace(Postgres);
    public bool HasMongo => !string.IsNullOrWhiteSpace(Mongo);
    public bool HasRedis => !string.IsNullOrWhiteSpace(Redis);
    public bool HasKafka => !string.IsNullOrWhiteSpace(Kafka);
    public bool AnyServer => HasPostgres || HasMongo || HasRedis || HasKafka;

    public static ConnectionStringsOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ConnectionStringsOptions>() ?? new ConnectionStringsOptions();
}

/// <summary>
/// Refuses settings that cannot work: an unparsable connection string, or a mix of shared and local state that would
/// silently split the data between instances.
/// </summary>
public sealed class ConnectionStringsValidator : IValidateOptions<ConnectionStringsOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionStringsOptions o)
    {
        var failures = new List<string>();
        if (o.HasPostgres)
            Check(failures, "ConnectionStrings:Postgres", () => _ = new NpgsqlConnectionStringBuilder(o.Postgres));
        if (o.HasMongo)
            Check(failures, "ConnectionStrings:Mongo", () => _ = MongoUrl.Create(o.Mongo));
        if (o.HasRedis)
            Check(failures, "ConnectionStrings:Redis", () => _ = StackExchange.Redis.ConfigurationOptions.Parse(o.Redis!));
        if (o.HasKafka && o.Kafka!.Split(',').Any(server => !server.Trim().Contains(':')))
            failures.Add("ConnectionStrings:Kafka must be a comma-separated list of host:port bootstrap servers.");

        // Redis means several instances share a bus; their users and rooms must then be shared too.
        if (o.HasRedis && !o.HasPostgres)
            failures.Add("ConnectionStrings:Redis is set but ConnectionStrings:Postgres is not: instances that share a Redis bus must share PostgreSQL, or each would keep its own users and rooms in a local SQLite file.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string setting, Action parse)
    {
        try
        {
            parse();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or MongoConfigurationException or KafkaException)
        {
            failures.Add($"{setting} is not a valid connection string.");
        }
    }
}
