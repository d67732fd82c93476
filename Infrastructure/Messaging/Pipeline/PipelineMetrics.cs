using System.Diagnostics.Metrics;

namespace Shoot.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The pipeline's instruments on the <c>Shoot</c> meter: spill depth and oldest age (what an outage has piled up),
/// hand-offs in flight, and sends refused with UNAVAILABLE by reason (<c>in_flight_full</c>, <c>spill_full</c>,
/// <c>backend_down</c>).
/// </summary>
public sealed class PipelineMetrics
{
    public const string MeterName = "Shoot";

    private readonly Counter<long> _refusals;
    private PersistenceHandOff? _handOff;
    private PipelineSpill? _spill;

    public PipelineMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _refusals = meter.CreateCounter<long>("shoot.pipeline.refusals", "{send}", "Sends refused with UNAVAILABLE before they were broadcast, by reason.");
        meter.CreateObservableGauge("shoot.pipeline.spill.depth", () => _spill?.Depth ?? 0, "{message}",
            "Messages in the local spill waiting for Kafka.");
        meter.CreateObservableGauge("shoot.pipeline.spill.oldest_age", () => _spill?.OldestAge.TotalSeconds ?? 0, "s",
            "How long the oldest spilled message has waited.");
        meter.CreateObservableGauge("shoot.pipeline.handoffs.in_flight", () => _handOff?.InFlight ?? 0, "{message}",
            "Accepted messages whose hand-off to the pipeline has not finished.");
    }

    /// <summary>Called once by the hand-off: the gauges read it and the spill.</summary>
    internal void Track(PersistenceHandOff handOff, PipelineSpill? spill)
    {
        _handOff = handOff;
        _spill = spill;
    }

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
