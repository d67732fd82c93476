using System.Text;

namespace Shoot.LoadTest;

/// <summary>One dispatched Server-Sent Event: its <c>id:</c> (the last one seen), <c>event:</c> name and joined <c>data:</c> lines.</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data);

/// <summary>
/// Turns the lines of a <c>text/event-stream</c> into events, as the HTML spec's EventSource does: fields accumulate
/// until a blank line dispatches them, comment lines (<c>: ping</c>, <c>: connected</c>) are skipped, several
/// <c>data:</c> lines join with a newline, and a block without data dispatches nothing. Line splitting (LF, CRLF or CR)
/// is left to the caller's reader, so the parser never needs more than one line at a time.
/// </summary>
public sealed class SseEventParser
{
    private readonly StringBuilder _data = new();
    private bool _hasData;
    private string? _event;
    private string? _lastEventId;

    /// <summary>Feeds one line (without its line ending); returns the event a blank line completes, otherwise null.</summary>
    public ServerSentEvent? Push(string line)
    {
        if (line.Length == 0) return Dispatch();
        if (line[0] == ':') return null;

        var colon = line.IndexOf(':');
        var field = colon < 0 ? line : line[..colon];
        var value = colon < 0 ? "" : line[(colon + 1)..];
        if (value.StartsWith(' ')) value = value[1..];
        switch (field)
        {
            case "event":
                _event = value;
                break;
            case "data":
                if (_hasData) _data.Append('\n');
                _data.Append(value);
                _hasData = true;
                break;
            // The spec ignores an id containing NUL; the server's ids are GUIDs, so that case is not handled here.
            case "id":
                _lastEventId = value;
                break;
        }
        return null;
    }

    private ServerSentEvent? Dispatch()
    {
        ServerSentEvent? dispatched = _hasData ? new ServerSentEvent(_lastEventId, _event ?? "message", _data.ToString()) : null;
        _data.Clear();
        _hasData = false;
        _event = null;
        return dispatched;
    }
}
