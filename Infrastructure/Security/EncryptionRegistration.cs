namespace Shoot.Infrastructure.Security;

public static class EncryptionRegistration
{
    /// <summary>
    /// <see cref="MessageTextCodec"/> from <c>Shoot:Encryption</c>, validated at start: a key that is not 32 bytes of
    /// base64, or a current key id that is missing or not listed, stops the server with a message naming the setting.
    /// </summary>
    public static IServiceCollection AddMessageEncryption(this IServiceCollection services)
    {
        services.AddOptions<EncryptionOptions>().BindConfiguration(EncryptionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EncryptionOptions>, EncryptionOptionsValidator>();
        services.AddSingleton(sp => new MessageTextCodec(sp.GetRequiredService<IOptions<EncryptionOptions>>().Value));
        return services;
    }
}

internal sealed class EncryptionOptionsValidator : IValidateOptions<EncryptionOptions>
{
    public ValidateOptionsResult Validate(string? name, EncryptionOptions options) =>
        options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
