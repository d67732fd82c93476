using System.Text.Json;

namespace Shoot.Features.Common;

/// <summary>
/// Runs the message's FluentValidation validators once, before its handler, for every entry point (REST, STOMP SEND,
/// scheduled jobs), and turns failures into VALIDATION_FAILED with the per-field <c>errors</c> map.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            if (result.IsValid)
                continue;
            errors ??= [];
            foreach (var group in result.Errors.GroupBy(f => WireName(f.PropertyName)))
                errors[group.Key] = [.. (errors.GetValueOrDefault(group.Key) ?? []), .. group.Select(f => f.ErrorMessage)];
        }
        if (errors is not null)
            throw new ShootException(ErrorCode.ValidationFailed, "The request is not valid.", errors);
        return await next(message, cancellationToken);
    }

    /// <summary>"Content.Text" → "content.text", the JSON path a client sent.</summary>
    private static string WireName(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(JsonNamingPolicy.CamelCase.ConvertName));
}
