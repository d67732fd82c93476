using System.Diagnostics.Metrics;

namespace Shoot.Infrastructure.Observability;

/// <summary>
/// The meter <c>Shoot</c> (exported at <c>/metrics</c>, Prometheus names in docs/operations.md) and its instruments for
/// what the chat does: sessions and streams open, frames, messages accepted and refused, deliveries, status changes and
/// the time from accept to SAVED, URL previews and scheduled messages. Recorded where each thing happens. The pipeline's
/// own instruments (<c>shoot.pipeline.*</c>) live with the pipeline on the same meter.
/// </summary>
public sealed class ShootMetrics
{
    public const string MeterName = "Shoot";

    private readonly UpDownCounter<long> _stompSessions;
    private readonly Counter<long> _framesReceived;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _statusChanges;
    private readonly Histogram<double> _acceptToSaved;
    private readonly UpDownCounter<long> _sseStreams;
    private readonly Counter<long> _previews;
    private readonly Counter<long> _scheduledFired;

    public ShootMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _stompSessions = meter.CreateUpDownCounter<long>("shoot.stomp.sessions", "{session}", "STOMP sessions open, by transport (websocket, sockjs)");
        _framesReceived = meter.CreateCounter<long>("shoot.stomp.frames.received", "{frame}", "STOMP frames received from clients, by command");
        _framesSent = meter.CreateCounter<long>("shoot.stomp.frames.sent", "{frame}", "STOMP frames and heart-beats sent to clients");
        _deliveries = meter.CreateCounter<long>("shoot.stomp.deliveries", "{delivery}", "MESSAGE frames queued for subscribers (one per subscriber)");
        _accepted = meter.CreateCounter<long>("shoot.messages.accepted", "{message}", "Messages accepted (sequenced and broadcast)");
        _refused = meter.CreateCounter<long>("shoot.messages.refused", "{message}", "STOMP SENDs refused, by destination and reason (errorCode)");
        _statusChanges = meter.CreateCounter<long>("shoot.messages.status_changes", "{change}", "Send status transitions, by new status");
        _acceptToSaved = meter.CreateHistogram<double>("shoot.messages.accept_to_saved", "s", "Time from a message's accept to its SAVED status",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _sseStreams = meter.CreateUpDownCounter<long>("shoot.sse.streams", "{stream}", "Server-Sent Event streams open");
        _previews = meter.CreateCounter<long>("shoot.url_preview.lookups", "{lookup}", "URL preview lookups, by outcome (cached, fetched, none)");
        _scheduledFired = meter.CreateCounter<long>("shoot.scheduled_messages.fired", "{message}", "Scheduled messages sent, by outcome (sent, failed)");
    }

    public void StompSessionOpened(string transport) => _stompSessions.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void StompSessionClosed(string transport) => _stompSessions.Add(-1, new KeyValuePair<string, object?>("transport", transport));

    public void FrameReceived(string command) => _framesReceived.Add(1, new KeyValuePair<string, object?>("command", command));

    public void FramesSent(int count) => _framesSent.Add(count);

    public void Delivered(int subscribers)
    {
        if (subscribers > 0)
            _deliveries.Add(subscribers);
    }

    public void MessageAccepted() => _accepted.Add(1);

    public void SendRefused(string destination, string reason) =>
        _refused.Add(1, new KeyValuePair<string, object?>("destination", destination), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A status a send moved to; for SAVED also how long it took since it was accepted at <paramref name="acceptedAt"/>.</summary>
    public void StatusChanged(string status, DateTimeOffset acceptedAt, DateTimeOffset now)
    {
        _statusChanges.Add(1, new KeyValuePair<string, object?>("status", status));
        if (status == "SAVED")
            _acceptToSaved.Record(Math.Max(0, (now - acceptedAt).TotalSeconds));
    }

    /// <summary>Counts a stream open until the returned handle is disposed.</summary>
    public IDisposable SseStreamOpen()
    {
        _sseStreams.Add(1);
        return new Decrement(_sseStreams);
    }

    public void UrlPreviewLookedUp(string outcome) => _previews.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void ScheduledMessageFired(string outcome) => _scheduledFired.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private sealed class Decrement(UpDownCounter<long> counter) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                counter.Add(-1);
        }
    }
}
