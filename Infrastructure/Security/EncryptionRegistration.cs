using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Shoot.Infrastructure.Security;

public static class EncryptionRegistration
{
    /// <summary>
    /// <see cref="MessageTextCodec"/> from <c>Shoot:Encryption</c>, validated at start: a key that is not 32 bytes of
    /// base64, or a current key id that is missing or not listed, stops the server with a message naming the setting.
    /// Called by every registration that stores message text (the store, the pipeline, the app), so each is whole on
    /// its own; calling it again adds nothing.
    /// </summary>
    public static IServiceCollection AddMessageEncryption(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(MessageTextCodec)))
            return services;
        services.AddOptions<EncryptionOptions>().BindConfiguration(EncryptionOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EncryptionOptions>, EncryptionOptionsValidator>());
        services.AddSingleton(sp => new MessageTextCodec(sp.GetRequiredService<IOptions<EncryptionOptions>>().Value));
        return services;
    }
}

internal sealed class EncryptionOptionsValidator : IValidateOptions<EncryptionOptions>
{
    public ValidateOptionsResult Validate(string? name, EncryptionOptions options) =>
        options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
