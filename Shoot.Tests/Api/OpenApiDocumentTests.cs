using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using Shoot.Infrastructure.Web;
using Shoot.Tests.Deployment;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;
using Snapshooter;
using Snapshooter.Xunit;

namespace Shoot.Tests.Api;

/// <summary>
/// The OpenAPI document is the public surface tools read: it must describe what the server really accepts and answers,
/// pass a standard linter, and change only through a reviewed snapshot diff.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OpenApiDocumentTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private readonly ShootClient _client = app.Factory.CreateShootClient();

    [Fact]
    public async Task The_document_matches_its_reviewed_snapshot()
    {
        var document = await _client.Http.GetStringAsync("/openapi/v1.json");
        try
        {
            Snapshot.Match(JToken.Parse(document));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var snapshot = Snapshot.FullName();
            throw new Xunit.Sdk.XunitException(
                "The OpenAPI document (the public REST surface) differs from its snapshot "
                + $"{Path.Combine(snapshot.FolderPath, "__snapshots__", snapshot.Filename)}.\n"
                + "The new document is in the __snapshots__/__mismatch__/ folder beside it: diff the two. If every change is "
                + "intended, accept it by copying the mismatch file over the snapshot (or deleting the snapshot and running "
                + "this test once to write it anew), and commit the snapshot with the change.\n" + ex.Message);
        }
    }

    [Fact]
    public async Task The_document_passes_redocly_lint_with_no_errors()
    {
        var redocly = Path.Combine(RepositoryPaths.Root(), "tools", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly),
            $"{redocly} is missing: run `npm ci --prefix tools` (scripts/test.sh does) to install the pinned @redocly/cli.");
        using var directory = await TempDirectory.CreateAsync("shoot-openapi-");
        var file = Path.Combine(directory.Path, "openapi.json");
        await File.WriteAllTextAsync(file, await _client.Http.GetStringAsync("/openapi/v1.json"));

        // redocly exits non-zero on any error (RunAsync then throws with its whole report); warnings are allowed.
        var report = await ServerProcess.RunAsync(redocly, ["lint", file, "--format=stylish", "--max-problems=1000"]);

        // The stylish report lists one problem a line with its severity; the warnings stay, no error may.
        Assert.Contains("openapi.json", report, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Split('\n'), line => line.Contains(" error ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_request_body_is_the_schema_of_the_type_its_endpoint_reads()
    {
        var document = await DocumentAsync();
        var json = new JsonSerializerOptions(ShootJson.Options) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        var checkedBodies = 0;
        foreach (var (path, method, requestType) in EndpointsWithJsonBodies())
        {
            var operation = document["paths"]![OpenApiPath(path)]?[method.ToLowerInvariant()]
                ?? throw new Xunit.Sdk.XunitException($"{method} {path} is not in the document as {OpenApiPath(path)}");
            var schema = Resolve(document, operation["requestBody"]!["content"]!["application/json"]!["schema"]!);
            var expected = json.GetTypeInfo(requestType).Properties.Select(p => p.Name).Order();
            Assert.True(expected.SequenceEqual(schema["properties"]!.AsObject().Select(p => p.Key).Order()),
                $"{method} {path} documents the body {schema.ToJsonString()} but reads {requestType.FullName}");
            checkedBodies++;
        }

        Assert.True(checkedBodies >= 20, $"only {checkedBodies} JSON bodies found: the endpoint scan is broken");
    }

    [Fact]
    public async Task Operations_name_their_token_statuses_and_error_envelope()
    {
        var document = await DocumentAsync();
        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.GetValue<string>());
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var security = operation!["security"]!.AsArray();
                var anonymous = path is "/api/v1/auth/signup" or "/api/v1/auth/login" or "/api/v1/auth/refresh";
                Assert.True(anonymous ? security.Count == 0 : security.Count == 1 && security[0]!["bearer"] is not null,
                    $"{method} {path}: security {security.ToJsonString()}");
                foreach (var (status, response) in operation["responses"]!.AsObject())
                {
                    if (status[0] is '4' or '5' || status == "default")
                    {
                        Assert.Equal("#/components/schemas/ErrorEnvelope",
                            response!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
                    }
                }

                Assert.True(anonymous || operation["responses"]!["401"] is not null, $"{method} {path} lacks 401");
            }
        }

        Assert.NotNull(document["paths"]!["/api/v1/chatrooms"]!["post"]!["responses"]!["201"]);
        Assert.NotNull(document["paths"]!["/api/v1/auth/signup"]!["post"]!["responses"]!["201"]);
        Assert.Equal("string", document["paths"]!["/api/v1/sse/unread/{userId}"]!["get"]!["responses"]!["200"]!["content"]!["text/event-stream"]!["schema"]!["type"]!.GetValue<string>());
        var timestamp = document["components"]!["schemas"]!["ErrorEnvelope"]!["properties"]!["timestamp"]!;
        Assert.Equal("string", timestamp["type"]!.GetValue<string>());
        Assert.Equal("date-time", timestamp["format"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_id_that_fits_both_a_room_and_a_message_is_a_message_id_not_a_500()
    {
        var user = await _client.CreateUserAsync("ambig");

        (await _client.GetAsync("/api/v1/messages/000000000000000000000000")).AssertError(HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        (await _client.GetAsync("/api/v1/messages/000000000000000000000000", user.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        // A real room id still reaches the history route.
        (await _client.GetAsync("/api/v1/messages/123456789", user.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        var room = (await _client.PostAsync("/api/v1/chatrooms", new { type = "GROUP", participantIds = new[] { (await _client.CreateUserAsync("ambig")).Id } }, user.AccessToken))
            .AssertStatus(HttpStatusCode.Created);
        var history = (await _client.GetAsync($"/api/v1/messages/{room.Data["id"]}", user.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.NotNull(history.Data["items"]);
    }

    private IEnumerable<(string Path, string Method, Type RequestType)> EndpointsWithJsonBodies() =>
        app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.OfType<IAcceptsMetadata>()
                .Where(a => a.RequestType is not null && a.ContentTypes.Contains("application/json"))
                .SelectMany(a => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (e.RoutePattern.RawText!, m, a.RequestType!))));

    // Route templates carry constraints ({roomId:long}); the document shows bare names, and the two message routes as one.
    private static string OpenApiPath(string route)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(route, @"\{([A-Za-z]+):[^/]*\}", "{$1}").TrimEnd('/');
        return path is "/api/v1/messages/{roomId}" or "/api/v1/messages/{messageId}" ? "/api/v1/messages/{id}" : path;
    }

    private static JsonNode Resolve(JsonNode document, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? document["components"]!["schemas"]![reference.Split('/')[^1]]!
            : schema;

    private async Task<JsonNode> DocumentAsync() =>
        JsonNode.Parse(await _client.Http.GetStringAsync("/openapi/v1.json"))!;
}
