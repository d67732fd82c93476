using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;
using Shoot.Infrastructure.Web;

namespace Shoot.Infrastructure.Auth;

public static class AuthRegistration
{
    /// <summary>Paths where a browser cannot set headers (WebSocket handshake, EventSource) and may pass <c>?token=</c>.</summary>
    private static readonly PathString[] QueryTokenPaths = ["/ws", "/api/v1/sse"];

    public static IServiceCollection AddShootAuthentication(this IServiceCollection services)
    {
        services.AddOptions<JwtOptions>().BindConfiguration(JwtOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton<JwtTokenService>();
        services.AddHttpContextAccessor();
        services.AddSingleton<SecurityEvents>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwtTokenService>((options, tokens) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = tokens.ValidationParameters;
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = UseQueryTokenWhereHeadersAreImpossible,
                    OnTokenValidated = RefuseTokensOfGoneAccounts,
                    OnChallenge = WriteUnauthorizedEnvelope,
                    OnForbidden = context => EnvelopeWriter.WriteErrorAsync(context.HttpContext, ErrorCode.Forbidden, "You may not do this."),
                };
            });

        // Secure by default: an endpoint is authenticated unless it says AllowAnonymous.
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    private static Task UseQueryTokenWhereHeadersAreImpossible(MessageReceivedContext context)
    {
        var request = context.HttpContext.Request;
        if (string.IsNullOrEmpty(request.Headers.Authorization) && QueryTokenPaths.Any(p => request.Path.StartsWithSegments(p)))
            context.Token = request.Query["token"].FirstOrDefault();
        return Task.CompletedTask;
    }

    /// <summary>A well-signed token of a deleted (or never existing) user, or of an older generation, authenticates no one.</summary>
    private static async Task RefuseTokensOfGoneAccounts(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var state = context.HttpContext.RequestServices.GetRequiredService<IAccessTokenState>();
        if (principal is null || !principal.TryGetUserId(out var userId)
            || !await state.IsCurrentAsync(userId, principal.TokenGeneration(), context.HttpContext.RequestAborted))
            context.Fail("The account of this token no longer exists or its tokens were revoked.");
    }

    private static Task WriteUnauthorizedEnvelope(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        context.Response.Headers.WWWAuthenticate = "Bearer";
        var message = context.AuthenticateFailure is SecurityTokenExpiredException
            ? "The access token has expired."
            : "A valid access token is required.";
        return EnvelopeWriter.WriteErrorAsync(context.HttpContext, ErrorCode.Unauthorized, message);
    }
}
