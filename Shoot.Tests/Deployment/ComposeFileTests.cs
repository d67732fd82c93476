using System.Reflection;
using System.Text;
using Shoot.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace Shoot.Tests.Deployment;

/// <summary>
/// docker-compose.yml is checked offline with Debian's docker-compose (no Docker engine here): it must be
/// valid, wire every service up with health checks, and pass the Shoot instances only settings Shoot reads.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ComposeFileTests
{
    private static readonly string[] ShootServices = ["shoot-1", "shoot-2"];
    private static readonly string[] BackingServices = ["postgres", "mongo", "redis", "kafka"];
    private static readonly string[] MonitoringServices = ["prometheus", "grafana"];

    /// <summary>What a user must export before <c>docker compose up</c> (README); compose refuses to start without them.</summary>
    private static readonly string[] RequiredVariables =
        ["SHOOT_JWT_KEY=compose-test-signing-key-0123456789abcdefghijklmnop", "SHOOT_POSTGRES_PASSWORD=compose-test-password"];
    private static readonly string[] ConnectionStringNames = ["Postgres", "Mongo", "Redis", "Kafka"];
    private static readonly string[] ShootAssemblyNames = ["Shoot.Infrastructure", "Shoot.Features", "Shoot.Api"];

    [Fact]
    public async Task Compose_file_is_valid_and_has_every_service_with_a_health_check()
    {
        var services = await LoadServicesAsync();

        Assert.Equal(
            ShootServices.Concat(BackingServices).Concat(MonitoringServices).Append("proxy").Order(),
            services.Children.Keys.Select(Scalar).Order());
        Assert.All(services.Children, service => Assert.True(
            ((YamlMappingNode)service.Value).Children.ContainsKey("healthcheck"), $"{Scalar(service.Key)} has no healthcheck"));
    }

    [Fact]
    public async Task Shoot_instances_are_built_here_use_every_server_adapter_and_wait_for_healthy_backends()
    {
        var services = await LoadServicesAsync();

        Assert.Equal(ShootServices, BuiltServices(services).Order());
        foreach (var name in ShootServices)
        {
            var service = Mapping(services, name);
            var environment = Environment(service);
            Assert.All(ConnectionStringNames, c => Assert.False(
                string.IsNullOrWhiteSpace(environment.GetValueOrDefault($"ConnectionStrings__{c}")), $"{name} lacks ConnectionStrings__{c}"));
            Assert.True(Encoding.UTF8.GetByteCount(environment.GetValueOrDefault("Jwt__SigningKey") ?? "") >= 32,
                $"{name} needs a Jwt__SigningKey of at least 32 bytes");
            Assert.Equal("http://0.0.0.0:8080", environment.GetValueOrDefault("ASPNETCORE_URLS"));
            AssertDependsOnHealthy(service, name, BackingServices);
        }
    }

    [Fact]
    public async Task Postgres_takes_more_connections_than_both_instances_pools_hold()
    {
        var services = await LoadServicesAsync();

        var command = ((YamlSequenceNode)Mapping(services, "postgres")["command"]).Children.Select(Scalar).ToList();
        var setting = command.Single(argument => argument.StartsWith("max_connections=", StringComparison.Ordinal));
        // Npgsql's default pool is 100 per instance; 10 more each for Hangfire's storage and the health checks.
        Assert.True(int.Parse(setting["max_connections=".Length..], System.Globalization.CultureInfo.InvariantCulture) >= ShootServices.Length * 110,
            $"postgres {setting} is below {ShootServices.Length} instances × 110");
    }

    [Fact]
    public async Task Proxy_publishes_8080_with_the_repository_nginx_config_and_waits_for_both_instances()
    {
        var services = await LoadServicesAsync();
        var proxy = Mapping(services, "proxy");

        var ports = (YamlSequenceNode)proxy["ports"];
        Assert.Contains(ports.Children.OfType<YamlMappingNode>(), port => Scalar(port["published"]) == "8080" && Scalar(port["target"]) == "8080");
        var volumes = (YamlSequenceNode)proxy["volumes"];
        Assert.Contains(volumes.Children.Select(Scalar), volume =>
            volume.Contains("/deploy/nginx.conf:/etc/nginx/nginx.conf", StringComparison.Ordinal));
        AssertDependsOnHealthy(proxy, "proxy", ShootServices);
    }

    [Theory]
    [InlineData("SHOOT_JWT_KEY")]
    [InlineData("SHOOT_POSTGRES_PASSWORD")]
    public async Task Compose_refuses_to_start_without_a_required_secret(string variable)
    {
        var others = RequiredVariables.Where(v => !v.StartsWith(variable + "=", StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.RunAsync(
            "env", ["-u", variable, .. others, "docker-compose", "-f", ComposeFile, "config"]));

        Assert.Contains($"set {variable}", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitoring_runs_only_with_its_profile_and_scrapes_the_instances_not_the_proxy()
    {
        var services = await LoadServicesAsync();

        foreach (var name in MonitoringServices)
        {
            Assert.Equal(["monitoring"], ((YamlSequenceNode)Mapping(services, name)["profiles"]).Children.Select(Scalar));
            Assert.All(((YamlSequenceNode)Mapping(services, name)["ports"]).Children,
                port => Assert.StartsWith("127.0.0.1:", Scalar(port), StringComparison.Ordinal));
        }

        var prometheus = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root(), "deploy", "prometheus.yml"));
        Assert.Contains("\"shoot-1:8080\", \"shoot-2:8080\"", prometheus, StringComparison.Ordinal);
        var dashboards = Path.Combine(RepositoryPaths.Root(), "deploy", "grafana", "dashboards");
        Assert.NotEmpty(Directory.GetFiles(dashboards, "*.json"));
    }

    [Theory]
    [InlineData("location = /metrics")]
    [InlineData("location ^~ /hangfire")]
    public void The_proxy_does_not_publish_operator_pages(string location)
    {
        var nginx = File.ReadAllText(Path.Combine(RepositoryPaths.Root(), "deploy", "nginx.conf"));

        Assert.Matches(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(location) + @"\s*\{\s*return 404;\s*\}"), nginx);
    }

    [Fact]
    public async Task Every_setting_passed_to_Shoot_is_one_Shoot_reads()
    {
        var services = await LoadServicesAsync();
        var known = KnownOptionKeys();

        var unknown = BuiltServices(services)
            .SelectMany(name => Environment(Mapping(services, name)).Keys.Select(key => (name, key)))
            .Where(setting => !IsSettingShootReads(setting.key, known))
            .Select(setting => $"{setting.name}: {setting.key}")
            .ToList();

        Assert.True(unknown.Count == 0,
            "Settings no Shoot options class reads (expected ConnectionStrings:{Postgres|Mongo|Redis|Kafka}, ASPNETCORE_*/DOTNET_*, "
            + $"or Section:Property of a class with `public const string Section`):\n  {string.Join("\n  ", unknown)}\n"
            + $"Known option keys: {string.Join(", ", known.Order())}");
    }

    [Fact]
    public void Setting_check_rejects_names_no_options_class_declares()
    {
        HashSet<string> known = new(StringComparer.OrdinalIgnoreCase) { "Jwt:SigningKey", "Shoot:Limits:MaxFrameBytes" };

        Assert.True(IsSettingShootReads("Jwt__SigningKey", known));
        Assert.True(IsSettingShootReads("Shoot__Limits__MaxFrameBytes", known));
        Assert.True(IsSettingShootReads("ConnectionStrings__Kafka", known));
        Assert.True(IsSettingShootReads("ASPNETCORE_URLS", known));
        Assert.False(IsSettingShootReads("Jwt__SigningKye", known));
        Assert.False(IsSettingShootReads("Jwt", known));
        Assert.False(IsSettingShootReads("ConnectionStrings__Cassandra", known));
        Assert.False(IsSettingShootReads("SHOOT_JWT_KEY", known));
    }

    [Fact]
    public void Option_keys_come_from_Section_constants_and_nested_properties()
    {
        var keys = OptionKeys(typeof(SampleOptions), SampleOptions.Section);

        Assert.Equal(["Sample:Limits:MaxFrameBytes", "Sample:Limits:Window", "Sample:Name", "Sample:Tags"], keys.Order());
    }

    private static bool IsSettingShootReads(string environmentKey, IReadOnlySet<string> knownOptionKeys)
    {
        // AllowedHosts is ASP.NET Core's own host filter setting.
        if (environmentKey.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || environmentKey.StartsWith("DOTNET_", StringComparison.Ordinal)
            || environmentKey == "AllowedHosts")
        {
            return true;
        }

        var key = environmentKey.Replace("__", ":", StringComparison.Ordinal);
        return ConnectionStringNames.Any(name => string.Equals(key, $"ConnectionStrings:{name}", StringComparison.OrdinalIgnoreCase))
            || knownOptionKeys.Contains(key);
    }

    /// <summary>Section:Property keys of every options class (one with <c>public const string Section</c>) in Shoot's assemblies.</summary>
    private static HashSet<string> KnownOptionKeys()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var assembly in ShootAssemblyNames.Select(name => Assembly.Load(name)))
        {
            foreach (var type in LoadableTypes(assembly))
            {
                if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                    && field.GetRawConstantValue() is string section)
                {
                    keys.UnionWith(OptionKeys(type, section));
                }
            }
        }

        return keys;
    }

    private static IEnumerable<string> OptionKeys(Type type, string prefix, int depth = 0)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetMethod is not null))
        {
            var key = $"{prefix}:{property.Name}";
            if (!IsNestedOptions(property.PropertyType) || depth >= 4)
            {
                yield return key;
                continue;
            }

            foreach (var nested in OptionKeys(property.PropertyType, key, depth + 1))
            {
                yield return nested;
            }
        }
    }

    // A class the binder fills property by property, as opposed to a value it converts from one string.
    private static bool IsNestedOptions(Type type) =>
        type.IsClass && type != typeof(string) && type != typeof(Uri) && !type.IsArray
        && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    private static void AssertDependsOnHealthy(YamlMappingNode service, string name, IEnumerable<string> dependencies)
    {
        Assert.True(service.Children.ContainsKey("depends_on"), $"{name} has no depends_on");
        var dependsOn = (YamlMappingNode)service["depends_on"];
        foreach (var dependency in dependencies)
        {
            Assert.True(dependsOn.Children.ContainsKey(dependency), $"{name} does not depend on {dependency}");
            Assert.Equal("service_healthy", Scalar(((YamlMappingNode)dependsOn[dependency])["condition"]));
        }
    }

    private static IEnumerable<string> BuiltServices(YamlMappingNode services) =>
        services.Children.Where(s => ((YamlMappingNode)s.Value).Children.ContainsKey("build")).Select(s => Scalar(s.Key));

    private static Dictionary<string, string?> Environment(YamlMappingNode service) =>
        service.Children.TryGetValue("environment", out var environment)
            ? ((YamlMappingNode)environment).Children.ToDictionary(e => Scalar(e.Key), e => (string?)Scalar(e.Value))
            : [];

    private static YamlMappingNode Mapping(YamlMappingNode services, string name) => (YamlMappingNode)services[name];

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static string ComposeFile => Path.Combine(RepositoryPaths.Root(), "docker-compose.yml");

    private static readonly Lazy<Task<YamlMappingNode>> Services = new(LoadServicesOnceAsync);

    private static Task<YamlMappingNode> LoadServicesAsync() => Services.Value;

    private static async Task<YamlMappingNode> LoadServicesOnceAsync()
    {
        // `config` validates and prints the file normalized (anchors merged, variables filled in); it needs no engine.
        var normalized = await ServerProcess.RunAsync("env", [.. RequiredVariables, "docker-compose", "-f", ComposeFile, "config"]);
        var yaml = new YamlStream();
        yaml.Load(new StringReader(normalized));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private sealed class SampleOptions
    {
        public const string Section = "Sample";

        public string Name { get; set; } = "";

        public List<string> Tags { get; set; } = [];

        public SampleLimits Limits { get; set; } = new();
    }

    private sealed class SampleLimits
    {
        public int MaxFrameBytes { get; set; }

        public TimeSpan Window { get; set; }
    }
}
