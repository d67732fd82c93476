using FluentValidation;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;

namespace Shoot.Tests.Support;

/// <summary>Helpers for validator unit tests: the validators run as the Mediator pipeline runs them, without a host.</summary>
public static class Validation
{
    /// <summary>The properties a validator refuses, each once, in rule order; empty when the instance is valid.</summary>
    public static string[] Refused<T>(IValidator<T> validator, T instance) =>
        validator.Validate(instance).Errors.Select(e => e.PropertyName).Distinct().ToArray();

    /// <summary>Limits with a short message text, so a test can go one past it cheaply.</summary>
    public static IOptions<LimitsOptions> Limits(int messageTextMaxLength = 10) =>
        Options.Create(new LimitsOptions { MessageTextMaxLength = messageTextMaxLength });

    /// <summary>A well-formed message id.</summary>
    public static string AnId() => MessageId.New(new DateTimeOffset(2026, 11, 25, 17, 0, 0, TimeSpan.Zero));
}

/// <summary>A clock that always says the same time.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
