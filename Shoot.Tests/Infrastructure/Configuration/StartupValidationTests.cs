using Microsoft.Extensions.Options;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Configuration;

/// <summary>A bad or incoherent setting stops the server at start with a message that names the setting.</summary>
[Trait("Category", "Integration")]
public sealed class StartupValidationTests
{
    public static TheoryData<Dictionary<string, string?>, string> BadSettings => new()
    {
        { new() { ["ConnectionStrings:Redis"] = "127.0.0.1:1", ["Jwt:SigningKey"] = ShootAppFactory.TestSigningKey }, "ConnectionStrings:Postgres" },
        { new() { ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=x" }, "Jwt:SigningKey" },
        { new() { ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=x", ["Jwt:SigningKey"] = "too-short" }, "Jwt:SigningKey" },
        { new() { ["Jwt:SigningKey"] = "short" }, "Jwt:SigningKey" },
        { new() { ["ConnectionStrings:Postgres"] = "Nonsense Key=1;;==", ["Jwt:SigningKey"] = ShootAppFactory.TestSigningKey }, "ConnectionStrings:Postgres" },
        { new() { ["ConnectionStrings:Kafka"] = "kafka-without-port", ["ConnectionStrings:Mongo"] = "mongodb://127.0.0.1:1/x", ["Jwt:SigningKey"] = ShootAppFactory.TestSigningKey }, "ConnectionStrings:Kafka" },
        { new() { ["ConnectionStrings:Mongo"] = "not-a-mongo-url", ["Jwt:SigningKey"] = ShootAppFactory.TestSigningKey }, "ConnectionStrings:Mongo" },
        { new() { ["Shoot:Limits:MessagesPerSecond"] = "0" }, "MessagesPerSecond" },
        { new() { ["Shoot:UrlPreview:Timeout"] = "00:00:00" }, "Shoot:UrlPreview:Timeout" },
        { new() { ["Shoot:UrlPreview:MaxBytes"] = "10" }, "MaxBytes" },
        { new() { ["Shoot:UrlPreview:MaxRedirects"] = "-1" }, "MaxRedirects" },
        { new() { ["Shoot:Friends:RecommendationRefreshInterval"] = "00:00:00" }, "RecommendationRefreshInterval" },
        { new() { ["Shoot:Friends:RecommendationRefreshMaxUsers"] = "0" }, "RecommendationRefreshMaxUsers" },
        { new() { ["Shoot:Encryption:Keys:k1"] = Convert.ToBase64String(new byte[16]), ["Shoot:Encryption:CurrentKeyId"] = "k1" }, "Shoot:Encryption:Keys:k1" },
        { new() { ["Shoot:Encryption:Keys:k1"] = Convert.ToBase64String(new byte[32]) }, "Shoot:Encryption:CurrentKeyId" },
        { new() { ["Shoot:Encryption:Keys:k1"] = Convert.ToBase64String(new byte[32]), ["Shoot:Encryption:CurrentKeyId"] = "k2" }, "Shoot:Encryption:CurrentKeyId" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Bad_settings_stop_the_server_naming_the_setting(Dictionary<string, string?> settings, string named)
    {
        using var factory = new ShootAppFactory(settings);
        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var messages = string.Join(" | ", Flatten(failure).Select(e => e.Message));
        Assert.Contains(named, messages);
        Assert.Contains(Flatten(failure), e => e is OptionsValidationException);
    }

    [Fact]
    public void Embedded_mode_needs_no_settings_at_all()
    {
        using var factory = new ShootAppFactory();
        using var client = factory.CreateClient();
        Assert.True(File.Exists(Path.Combine(factory.DataDirectory, "shoot.db")));
        Assert.True(File.Exists(Path.Combine(factory.DataDirectory, "jwt-signing-key")));
    }

    [Fact]
    public void Two_embedded_instances_cannot_share_a_data_directory()
    {
        using var first = new ShootAppFactory();
        using var _ = first.CreateClient();
        using var second = new ShootAppFactory(new Dictionary<string, string?> { ["Shoot:DataDirectory"] = first.DataDirectory });
        var failure = Assert.ThrowsAny<Exception>(() => second.CreateClient());
        var messages = string.Join(" | ", Flatten(failure).Select(e => e.Message));
        Assert.Contains("Shoot:DataDirectory", messages);
        Assert.Contains("ConnectionStrings:Redis", messages);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                    yield return inner;
        }
    }
}
