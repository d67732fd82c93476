using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Shoot.Infrastructure.Web;

namespace Shoot.Api.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, shown at <c>/docs</c>) as the server really answers: one schema name per
/// type, the bearer scheme on every operation that needs a token, the error envelope on every error status, date-times
/// as <c>string</c>/<c>date-time</c>. Checked by a snapshot test and by <c>redocly lint</c> (Shoot.Tests/Api/OpenApi*).
/// </summary>
public static class ShootOpenApi
{
    public const string BearerScheme = "bearer";
    private const string ErrorSchema = "ErrorEnvelope";

    public static IServiceCollection AddShootOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.CreateSchemaReferenceId = type => OpenApiOptions.CreateDefaultSchemaReferenceId(type) is null ? null : SchemaName(type.Type);
            o.AddSchemaTransformer(DescribeAsTheWireShowsIt);
            o.AddOperationTransformer(AddSecurityAndErrors);
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Shoot chat API";
                document.Info.Description = "REST part of the Shoot contract. Every body is the envelope "
                    + "{success, data | errorCode, message, code, timestamp}. Send the access token from login as "
                    + "`Authorization: Bearer <token>`; the Server-Sent Event streams also take it as `?token=`.";
                // The document is served from the API itself, so every path is relative to where it was fetched:
                // the same document then works behind a proxy and in tests, and its snapshot does not carry a port.
                document.Servers = [new OpenApiServer { Url = "/", Description = "this server" }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    [BearerScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        BearerFormat = "JWT",
                        Description = "The accessToken from POST /api/v1/auth/login or /api/v1/auth/refresh.",
                    },
                };
                MessagePaths.Merge(document);
                return Task.CompletedTask;
            });
        });

    /// <summary>
    /// Nested types keep their owner's name (<c>CreateRoom.Body</c> → <c>CreateRoomBody</c>) and generic types name their
    /// arguments the same way, so two slices' <c>Body</c> records never share one schema (and one of them a wrong one).
    /// </summary>
    public static string SchemaName(Type type)
    {
        var name = type.Name;
        if (type.IsGenericType)
        {
            name = name[..name.IndexOf('`')] + "Of" + string.Join("And", type.GetGenericArguments().Select(SchemaName));
        }

        for (var owner = type.DeclaringType; owner is not null; owner = owner.DeclaringType)
        {
            name = owner.Name + name;
        }

        return name;
    }

    private static Task DescribeAsTheWireShowsIt(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        // ShootJson writes DateTimeOffset through its own converter, which hides the type from the schema generator.
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            var nullable = context.JsonPropertyInfo is { } property && IsNullable(property);
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
        }

        // A nullable property is not required: request bodies may leave it out (it binds as null), and responses leave
        // some out when null (the envelope's message and errors). A client may still rely on every non-null one.
        if (schema.Required is { Count: > 0 } required && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object)
        {
            foreach (var property in context.JsonTypeInfo.Properties.Where(p => OmittedWhenNull(p) || IsNullable(p)))
            {
                required.Remove(property.Name);
            }
        }

        if (context.JsonTypeInfo.Type == typeof(ErrorEnvelope) && schema.Properties is { } properties
            && properties.TryGetValue("errorCode", out var errorCodeSchema) && errorCodeSchema is OpenApiSchema errorCode)
        {
            errorCode.Enum = Enum.GetValues<ErrorCode>().Select(code => (JsonNode)ErrorCodes.WireName(code)).ToList();
        }

        return Task.CompletedTask;
    }

    private static bool IsNullable(JsonPropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null || property.IsSetNullable || property.IsGetNullable && !property.PropertyType.IsValueType;

    private static bool OmittedWhenNull(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), true)
            .OfType<JsonIgnoreAttribute>().Any(a => a.Condition == JsonIgnoreCondition.WhenWritingNull) == true;

    private static async Task AddSecurityAndErrors(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(ErrorSchema) != true)
        {
            document.AddComponent(ErrorSchema, await context.GetOrCreateSchemaAsync(typeof(ErrorEnvelope), null, ct));
        }

        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        // Anonymous operations say so explicitly (an empty requirement list), so /docs sends no token with them.
        operation.Security = anonymous
            ? []
            : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        var path = context.Description.RelativePath ?? "";
        var hasInput = operation.RequestBody is not null || operation.Parameters is { Count: > 0 };
        var errors = new List<(int Status, string Why)>();
        if (hasInput)
            errors.Add((400, "VALIDATION_FAILED: a parameter or the body is missing, malformed or out of range (`errors` names the fields)"));
        if (!anonymous)
            errors.Add((401, "UNAUTHORIZED: no valid access token"));
        if (operation.Parameters?.Any(p => p.In == ParameterLocation.Path) == true)
            errors.Add((404, "NOT_FOUND: it does not exist, or the caller may not see it (not a participant)"));
        if (operation.RequestBody is not null)
            errors.Add((413, "PAYLOAD_TOO_LARGE: the body is larger than Shoot:Limits:MaxRequestBodyBytes"));
        if (path.StartsWith("api/v1/auth/", StringComparison.Ordinal))
            errors.Add((429, "RATE_LIMITED: too many requests from this address, or the username is locked after failed logins (see Retry-After)"));
        errors.Add((500, "INTERNAL: an unexpected failure (details are in the server log only)"));

        operation.Responses ??= new OpenApiResponses();
        foreach (var (status, why) in errors)
        {
            operation.Responses.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), ErrorResponse(document, why));
        }

        operation.Responses.TryAdd("default", ErrorResponse(document,
            "Any other refusal, by errorCode: FORBIDDEN (403, e.g. a role the caller lacks), CONFLICT (409, e.g. a limit reached "
            + "or a deleted message), RATE_LIMITED (429)"));
    }

    private static OpenApiResponse ErrorResponse(OpenApiDocument document, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, document) },
        },
    };
}
