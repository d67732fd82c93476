using Microsoft.OpenApi;

namespace Shoot.Api.OpenApi;

/// <summary>
/// The contract serves <c>GET /api/v1/messages/{roomId}</c> (history, an integer) and <c>GET /api/v1/messages/{messageId}</c>
/// (24 hex) on one path shape. OpenAPI allows one path item per shape, so the document shows them as
/// <c>/api/v1/messages/{id}</c>: GET answers a room's history or one message depending on what the id looks like, PUT and
/// DELETE take a message id. The server routes them apart by the id's form (see MessageHistory.RoomIdRoute).
/// </summary>
internal static class MessagePaths
{
    private const string History = "/api/v1/messages/{roomId}";
    private const string Single = "/api/v1/messages/{messageId}";
    private const string Merged = "/api/v1/messages/{id}";
    private const string MessageIdPattern = "^[0-9a-f]{24}$";

    public static void Merge(OpenApiDocument document)
    {
        if (document.Paths.GetValueOrDefault(History) is not OpenApiPathItem history
            || document.Paths.GetValueOrDefault(Single) is not OpenApiPathItem single
            || history.Operations?.GetValueOrDefault(HttpMethod.Get) is not { } getHistory
            || single.Operations is null)
        {
            return;
        }

        var merged = new OpenApiPathItem { Operations = [] };
        foreach (var (method, operation) in single.Operations)
        {
            RenameIdParameter(operation, "messageId", new OpenApiSchema { Type = JsonSchemaType.String, Pattern = MessageIdPattern },
                "The message id (24 hex digits).");
            merged.Operations[method] = operation;
        }

        if (single.Operations.GetValueOrDefault(HttpMethod.Get) is { } getMessage)
        {
            merged.Operations[HttpMethod.Get] = Either(getHistory, getMessage);
        }

        document.Paths.Remove(History);
        document.Paths.Remove(Single);
        document.Paths[Merged] = merged;
    }

    private static OpenApiOperation Either(OpenApiOperation history, OpenApiOperation message)
    {
        var either = new OpenApiOperation
        {
            Tags = history.Tags,
            Summary = $"{history.Summary} (integer room id), or {message.Summary?.ToLowerInvariant()} (24-hex message id)",
            Description = "The id decides: an integer is a room id and answers its history page (`before`, `after`, "
                + "`afterSeq` and `limit` apply); 24 hex digits are a message id and answer that message.",
            Security = history.Security,
            Parameters = [],
            Responses = new OpenApiResponses(),
        };
        either.Parameters.Add(new OpenApiParameter
        {
            Name = "id",
            In = ParameterLocation.Path,
            Required = true,
            Description = "A room id (integer) or a message id (24 hex digits).",
            Schema = new OpenApiSchema
            {
                AnyOf =
                [
                    new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
                    new OpenApiSchema { Type = JsonSchemaType.String, Pattern = MessageIdPattern },
                ],
            },
        });
        foreach (var query in history.Parameters?.Where(p => p.In == ParameterLocation.Query) ?? [])
        {
            either.Parameters.Add(query);
        }

        foreach (var (status, response) in history.Responses ?? [])
        {
            either.Responses[status] = status == "200" && message.Responses?.GetValueOrDefault("200") is { } messageOk
                ? OneOf(response, messageOk)
                : response;
        }

        return either;
    }

    private static OpenApiResponse OneOf(IOpenApiResponse page, IOpenApiResponse message) => new()
    {
        Description = "The history page (room id) or the message (message id)",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new()
            {
                Schema = new OpenApiSchema { OneOf = [JsonSchema(page), JsonSchema(message)] },
            },
        },
    };

    private static IOpenApiSchema JsonSchema(IOpenApiResponse response) =>
        (response.Content is { } content && content.TryGetValue("application/json", out var json) ? json.Schema : null)
        ?? throw new InvalidOperationException("A message endpoint's 200 response has no JSON schema.");

    private static void RenameIdParameter(OpenApiOperation operation, string from, OpenApiSchema schema, string description)
    {
        var parameters = operation.Parameters ?? [];
        for (var i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Name == from && parameters[i].In == ParameterLocation.Path)
            {
                parameters[i] = new OpenApiParameter
                {
                    Name = "id", In = ParameterLocation.Path, Required = true, Description = description, Schema = schema,
                };
            }
        }
    }
}
