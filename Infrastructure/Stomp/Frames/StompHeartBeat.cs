namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>The <c>heart-beat: cx,cy</c> header and its negotiation (STOMP 1.2, "Heart-beating").</summary>
public readonly record struct StompHeartBeat(int Outgoing, int Incoming)
{
    public static readonly StompHeartBeat None = new(0, 0);

    public static bool TryParse(string? value, out StompHeartBeat heartBeat)
    {
        heartBeat = None;
        if (value is null) return true;
        var comma = value.IndexOf(',');
        if (comma < 0) return false;
        if (!int.TryParse(value.AsSpan(0, comma), System.Globalization.NumberStyles.None, null, out var cx)) return false;
        if (!int.TryParse(value.AsSpan(comma + 1), System.Globalization.NumberStyles.None, null, out var cy)) return false;
        heartBeat = new StompHeartBeat(cx, cy);
        return true;
    }

    /// <summary>
    /// Given the client's header and what the server offers, the intervals in milliseconds at which the server
    /// must send and may expect to receive; 0 means none.
    /// </summary>
    public static (int ServerSends, int ServerExpects) Negotiate(StompHeartBeat client, StompHeartBeat server)
    {
        var sends = client.Incoming == 0 || server.Outgoing == 0 ? 0 : Math.Max(client.Incoming, server.Outgoing);
        var expects = client.Outgoing == 0 || server.Incoming == 0 ? 0 : Math.Max(client.Outgoing, server.Incoming);
        return (sends, expects);
    }

    public override string ToString() => $"{Outgoing},{Incoming}";
}
