using System.Diagnostics.Metrics;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Web;
using Shoot.Tests.Fixtures;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// The hand-off in front of Kafka (issue 10): a message Kafka cannot take in time is spilled to disk and forwarded when
/// the brokers return, also by a restarted instance; the bounds refuse new sends with UNAVAILABLE. Owns its cluster: it
/// takes every broker down.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PersistenceHandOffTests(KafkaMockClusterFixture kafka) : IClassFixture<KafkaMockClusterFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _data = TempDirectory.CreateAsync("shoot-handoff-").GetAwaiter().GetResult();
    private readonly string _topic = $"handoff-{Guid.NewGuid():N}";

    private Dictionary<string, string?> Settings(string spillAfter, int maxInFlight = 10_000)
    {
        KafkaPersistencePipelineTests.CreateTopics(kafka, _topic);
        var settings = KafkaPersistencePipelineTests.KafkaSettings(kafka, _topic);
        settings["Shoot:Kafka:DeliveryTimeout"] = "00:00:03";
        settings["Shoot:Pipeline:SpillAfter"] = spillAfter;
        settings["Shoot:Pipeline:ForwardRetryInterval"] = "00:00:00.200";
        settings["Shoot:Pipeline:MaxInFlight"] = maxInFlight.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return settings;
    }

    [Fact]
    public async Task Messages_kafka_cannot_take_for_three_delivery_timeouts_are_spilled_then_forwarded_and_stored_once_with_none_failed()
    {
        await using var host = await PipelineTestHost.StartAsync(_data.Path, Settings(spillAfter: "00:00:00.500"));
        var before = TestMessages.Stream(30, rooms: 3, firstRoom: 500);
        foreach (var message in before)
            host.HandOff.Start(message);
        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(host.Observer.Count(PipelineEvent.HandedOver) == before.Count), Patience));

        kafka.AllBrokersDown();
        var during = TestMessages.Stream(200, rooms: 3, firstRoom: 500).Select(m => m with { Seq = m.Seq + 10 }).ToList();
        foreach (var message in during)
            host.HandOff.Start(message);
        // 9 s: three times the delivery timeout, after which a produce alone would have failed.
        await Task.Delay(TimeSpan.FromSeconds(9));
        Assert.Equal(during.Count, host.Spill.Depth);
        Assert.Equal(0, host.HandOff.InFlight);
        Assert.Equal(before.Count, host.Observer.Count(PipelineEvent.HandedOver));
        kafka.AllBrokersUp();

        var all = before.Concat(during).Select(m => m.Id).Order().ToList();
        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count >= all.Count, Patience),
            "The spilled messages were not stored after the brokers came back.");
        Assert.Equal(all, (await host.StoredIdsAsync()).Order());
        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(host.Spill.Depth == 0), Patience));
        Assert.Equal(0, host.Observer.Count(PipelineEvent.Failed));
        // Each message was reported handed over once: those before the outage by their produce, the rest when forwarded.
        var handedOver = host.Observer.Events.Where(e => e.Event == PipelineEvent.HandedOver).Select(e => e.Message.Id).ToList();
        Assert.Equal(all, handedOver.Order());
        // Forwarded in seq order within each room.
        foreach (var room in during.GroupBy(m => m.RoomId))
        {
            var order = host.Observer.Events.Where(e => e.Event == PipelineEvent.HandedOver && e.Message.RoomId == room.Key && e.Message.Seq > 10)
                .Select(e => e.Message.Seq).ToList();
            Assert.Equal(order.Order(), order);
        }
    }

    [Fact]
    public async Task Hand_offs_waiting_when_an_instance_stops_are_spilled_and_a_restart_on_the_same_data_directory_forwards_them()
    {
        var settings = Settings(spillAfter: "00:05:00");
        var messages = TestMessages.Stream(120, rooms: 4, firstRoom: 600);
        await using (var first = await PipelineTestHost.StartAsync(_data.Path, settings))
        {
            kafka.AllBrokersDown();
            foreach (var message in messages)
                first.HandOff.Start(message);
            Assert.Equal(messages.Count, first.HandOff.InFlight);
            Assert.Equal(0, first.Spill.Depth);
        }
        // Stopped with the brokers down: nothing could be produced, so everything must be in the spill file now.
        kafka.AllBrokersUp();
        await using var second = await PipelineTestHost.StartAsync(_data.Path, settings);
        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await second.StoredIdsAsync()).Count >= messages.Count, Patience),
            "The restarted instance did not forward its spill.");
        var stored = await second.StoredIdsAsync();
        Assert.Equal(messages.Select(m => m.Id).Order(), stored.Order());
        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(second.Spill.Depth == 0), Patience));
        Assert.Equal(0, second.Observer.Count(PipelineEvent.Failed));
    }

    [Fact]
    public async Task Past_the_in_flight_bound_a_send_is_refused_unavailable_and_counted_by_reason()
    {
        await using var host = await PipelineTestHost.StartAsync(_data.Path, Settings(spillAfter: "00:05:00", maxInFlight: 5));
        var refusals = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This host's meter only: other tests' hosts running meanwhile have "Shoot" meters of their own.
            if (instrument.Meter.Name == PipelineMetrics.MeterName && instrument.Name == "shoot.pipeline.refusals" && instrument.Meter.Scope == host.Meters)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                refusals.Add((string)tag.Value!);
        });
        listener.Start();

        kafka.AllBrokersDown();
        foreach (var message in TestMessages.Stream(5, rooms: 1, firstRoom: 700))
        {
            host.HandOff.EnsureAdmitting();
            host.HandOff.Start(message);
        }
        var refused = Assert.Throws<ShootException>(host.HandOff.EnsureAdmitting);
        Assert.Equal(ErrorCode.Unavailable, refused.Code);
        Assert.Equal("UNAVAILABLE", ErrorCodes.WireName(refused.Code));
        Assert.NotNull(refused.RetryAfter);
        Assert.Equal(["in_flight_full"], refusals);
        kafka.AllBrokersUp();
    }

    public void Dispose()
    {
        kafka.AllBrokersUp();
        _data.Dispose();
    }
}
