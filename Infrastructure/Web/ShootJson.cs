using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shoot.Infrastructure.Web;

/// <summary>
/// The one JSON shape of the API (docs/api.md §1), used by REST, STOMP payloads and SSE alike: camelCase names,
/// enums as UPPER_SNAKE strings, times as UTC ISO-8601 with milliseconds.
/// </summary>
public static class ShootJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new UtcMillisecondsConverter());
        // A number sent as a string ("roomId": "5") is a client bug we reject rather than guess at.
        options.NumberHandling = JsonNumberHandling.Strict;
        return options;
    }

    private sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
    {
        private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

        // Only JsonException is turned into a 400 by the model binder; anything else would surface as a 500.
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
                ? value
                : throw new JsonException("A time must be an ISO-8601 string.");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
