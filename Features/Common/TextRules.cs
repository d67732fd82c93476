namespace Shoot.Features.Common;

/// <summary>
/// Characters no name or room text may hold (issue 14): control characters — C0, DEL and C1 — which can end a log
/// line, hide text in a terminal or truncate at a NUL in other systems, and the bidirectional overrides, embeddings
/// and isolates, which make a name or notice display as something other than what it is ("moc.elgoog" shown as
/// "google.com"). Single-line fields allow none of them; multi-line texts (notices, announcements, bio) keep tab and
/// line breaks.
/// </summary>
public static class TextRules
{
    public const string SingleLineMessage = "must not contain control characters or bidirectional override characters.";
    public const string MultiLineMessage = "must not contain control characters (other than tab and line breaks) or bidirectional override characters.";

    public static IRuleBuilderOptions<T, string?> SingleLine<T>(this IRuleBuilder<T, string?> rule, string field) => rule
        .Must(text => !HasForbidden(text, multiLine: false)).WithMessage($"{field} {SingleLineMessage}");

    public static IRuleBuilderOptions<T, string?> MultiLine<T>(this IRuleBuilder<T, string?> rule, string field) => rule
        .Must(text => !HasForbidden(text, multiLine: true)).WithMessage($"{field} {MultiLineMessage}");

    public static bool HasForbidden(string? text, bool multiLine)
    {
        if (text is null)
            return false;
        foreach (var c in text)
        {
            if (multiLine && c is '\t' or '\n' or '\r')
                continue;
            if (IsForbidden(c))
                return true;
        }
        return false;
    }

    /// <summary>C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), the bidi embeddings and overrides U+202A–U+202E and isolates U+2066–U+2069.</summary>
    public static bool IsForbidden(char c) =>
        c < ' ' || c is >= '\u007F' and <= '\u009F' || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069';
}
