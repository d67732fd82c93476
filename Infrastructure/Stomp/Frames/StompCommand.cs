namespace Shoot.Infrastructure.Stomp.Frames;

/// <summary>The STOMP 1.2 commands, client and server side.</summary>
public enum StompCommand : byte
{
    Connect,
    Stomp,
    Connected,
    Send,
    Subscribe,
    Unsubscribe,
    Ack,
    Nack,
    Begin,
    Commit,
    Abort,
    Disconnect,
    Message,
    Receipt,
    Error,
}

public static class StompCommands
{
    // Wire names indexed by the enum value; kept as UTF-8 so the writer never transcodes them.
    private static readonly byte[][] Names =
    [
        "CONNECT"u8.ToArray(), "STOMP"u8.ToArray(), "CONNECTED"u8.ToArray(), "SEND"u8.ToArray(),
        "SUBSCRIBE"u8.ToArray(), "UNSUBSCRIBE"u8.ToArray(), "ACK"u8.ToArray(), "NACK"u8.ToArray(),
        "BEGIN"u8.ToArray(), "COMMIT"u8.ToArray(), "ABORT"u8.ToArray(), "DISCONNECT"u8.ToArray(),
        "MESSAGE"u8.ToArray(), "RECEIPT"u8.ToArray(), "ERROR"u8.ToArray(),
    ];

    public static ReadOnlySpan<byte> Utf8Name(this StompCommand command) => Names[(int)command];

    public static string Name(this StompCommand command) => System.Text.Encoding.ASCII.GetString(Names[(int)command]);

    /// <summary>Only these frames may carry a body (STOMP 1.2, "Frames and Headers").</summary>
    public static bool MayHaveBody(this StompCommand command) =>
        command is StompCommand.Send or StompCommand.Message or StompCommand.Error;

    /// <summary>CONNECT, STOMP and CONNECTED never escape headers, so that 1.0 peers can read them.</summary>
    public static bool UsesEscaping(this StompCommand command) =>
        command is not (StompCommand.Connect or StompCommand.Stomp or StompCommand.Connected);

    public static bool TryParse(ReadOnlySpan<byte> name, out StompCommand command)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
            {
                command = (StompCommand)i;
                return true;
            }
        }
        command = default;
        return false;
    }
}
