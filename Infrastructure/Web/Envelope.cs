using System.Text.Json.Serialization;

namespace Shoot.Infrastructure.Web;

/// <summary>The success body of every REST response (docs/api.md §1); <c>code</c> always equals the HTTP status.</summary>
public sealed record SuccessEnvelope<T>(
    T Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message,
    int Code,
    DateTimeOffset Timestamp)
{
    [JsonPropertyOrder(-1)]
    public bool Success => true;
}

/// <summary>The failure body of every REST response; <c>errors</c> appears only for validation failures.</summary>
public sealed record ErrorEnvelope(
    string ErrorCode,
    string Message,
    int Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors,
    DateTimeOffset Timestamp)
{
    [JsonPropertyOrder(-1)]
    public bool Success => false;
}
