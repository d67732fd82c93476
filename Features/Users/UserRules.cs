using System.Text;
using Shoot.Features.Common;

namespace Shoot.Features.Users;

/// <summary>The field rules of docs/api.md §2, shared by signup and profile edits so they cannot drift apart.</summary>
public static class UserRules
{
    public const int MaxUrlLength = 2048;

    public static IRuleBuilderOptions<T, string?> ValidUsername<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("Username is required.")
        .Length(3, 20).WithMessage("Username must be 3 to 20 characters.")
        // \A…\z, not ^…$: "$" also matches before a final "\n", which let "xy\n" through as a 3-character name.
        .Matches(@"\A[a-zA-Z0-9_]*\z").WithMessage("Username may hold only letters a–z, digits and underscores.");

    public static IRuleBuilderOptions<T, string?> ValidNickname<T>(this IRuleBuilder<T, string?> rule) => rule
        .Must(n => n is not null && n.Trim().Length is >= 1 and <= 30).WithMessage("Nickname must be 1 to 30 characters.")
        .SingleLine("Nickname");

    /// <summary>bcrypt reads at most 72 bytes, so the limit is in UTF-8 bytes: a longer password would be silently truncated.</summary>
    public static IRuleBuilderOptions<T, string?> ValidPassword<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("Password is required.")
        .Must(p => p is null || (p.Length >= 8 && Encoding.UTF8.GetByteCount(p) <= 72)).WithMessage("Password must be 8 to 72 characters (72 bytes).")
        .Must(p => p is null || (p.Any(char.IsAsciiLetter) && p.Any(char.IsAsciiDigit))).WithMessage("Password must contain at least one letter and one digit.");

    public static IRuleBuilderOptions<T, string?> ValidBio<T>(this IRuleBuilder<T, string?> rule) => rule
        .MaximumLength(200).WithMessage("Bio must be at most 200 characters.")
        .MultiLine("Bio");

    public static IRuleBuilderOptions<T, string?> ValidHttpUrl<T>(this IRuleBuilder<T, string?> rule) => rule
        .NotEmpty().WithMessage("URL is required.")
        .MaximumLength(MaxUrlLength).WithMessage($"URL must be at most {MaxUrlLength} characters.")
        .Must(IsHttpUrl).WithMessage("URL must be an absolute http or https address.");

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}
