namespace Shoot.Infrastructure.UrlPreviews;

public static class UrlPreviewRegistration
{
    /// <summary>The URL preview port: the guarded HTTP fetcher behind the shared cache, with its options validated at start.</summary>
    public static IServiceCollection AddUrlPreviews(this IServiceCollection services)
    {
        services.AddOptions<UrlPreviewOptions>().BindConfiguration(UrlPreviewOptions.Section).ValidateDataAnnotations()
            .Validate(UrlPreviewOptions.IsValid,
                "Shoot:UrlPreview:Timeout must be positive and at most a minute; CacheDuration and FailureCacheDuration must be positive.")
            .ValidateOnStart();
        services.AddSingleton<HttpUrlPreviewer>();
        services.AddSingleton<IUrlPreviewer, CachedUrlPreviewer>();
        return services;
    }
}
