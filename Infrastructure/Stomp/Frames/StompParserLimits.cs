namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>What the parser refuses before it allocates; the server fills it from its options.</summary>
public readonly record struct StompParserLimits(int MaxFrameSize, int MaxHeaders, int MaxHeaderLineLength)
{
    public static readonly StompParserLimits Default = new(64 * 1024, 64, 8 * 1024);
}
