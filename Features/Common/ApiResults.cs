using Microsoft.AspNetCore.Http.HttpResults;

namespace Shoot.Features.Common;

/// <summary>Wraps handler results in the success envelope (docs/api.md §1) with the matching status.</summary>
public static class ApiResults
{
    public static Ok<SuccessEnvelope<T>> Ok<T>(T data) =>
        TypedResults.Ok(new SuccessEnvelope<T>(data, null, StatusCodes.Status200OK, DateTimeOffset.UtcNow));

    public static Created<SuccessEnvelope<T>> Created<T>(T data, string? location = null) =>
        TypedResults.Created(location, new SuccessEnvelope<T>(data, null, StatusCodes.Status201Created, DateTimeOffset.UtcNow));

    /// <summary>Deletes and logouts answer 200 with <c>data: {}</c>.</summary>
    public static Ok<SuccessEnvelope<Empty>> Empty() => Ok(Common.Empty.Value);
}

/// <summary>Serialises as <c>{}</c>.</summary>
public sealed record Empty
{
    public static readonly Empty Value = new();
}

/// <summary>An unpaged list: <c>{"items": [...]}</c>.</summary>
public sealed record ItemList<T>(IReadOnlyList<T> Items);
