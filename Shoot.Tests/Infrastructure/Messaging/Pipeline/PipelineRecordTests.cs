using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Security;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>The pure parts of the pipeline: reading records, salvaging unreadable ones, back-off, choosing the adapter.</summary>
[Trait("Category", "Unit")]
public sealed class PipelineRecordTests
{
    [Fact]
    public void A_message_round_trips_through_its_record()
    {
        var message = TestMessages.New(3, 4) with { Mentions = [7, 8], ThreadId = "0123456789abcdef01234567" };

        var record = PipelineRecord.Decode(PipelineRecord.Encode(message, MessageTextCodec.Off), MessageTextCodec.Off);

        Assert.False(record.IsPoison);
        Assert.Equal(Encoding.UTF8.GetString(PipelineRecord.Encode(message, MessageTextCodec.Off)), Encoding.UTF8.GetString(PipelineRecord.Encode(record.Message, MessageTextCodec.Off)));
    }

    [Theory]
    [InlineData("""{"id":"0123456789abcdef01234567","roomId":9,"seq":3,"senderId":5,"tempId":"t-1","text":"cut of""")]
    [InlineData("""{"id":"0123456789abcdef01234567","roomId":9,"seq":3,"senderId":5,"tempId":"t-1","text":42,"createdAt":"x"}""")]
    [InlineData("""{"id":"0123456789abcdef01234567","roomId":9,"seq":3,"senderId":5,"tempId":"t-1"}""")]
    public void An_unreadable_record_is_poison_and_keeps_what_a_failed_status_needs(string payload)
    {
        var record = PipelineRecord.Decode(Encoding.UTF8.GetBytes(payload), MessageTextCodec.Off);

        Assert.True(record.IsPoison);
        Assert.Equal(("0123456789abcdef01234567", 9L, 3L, 5L, "t-1"),
            (record.Message.Id, record.Message.RoomId, record.Message.Seq, record.Message.SenderId, record.Message.TempId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("not json at all")]
    public void A_record_with_nothing_to_salvage_is_poison_with_the_room_of_its_key(string payload)
    {
        var record = PipelineRecord.Decode(Encoding.UTF8.GetBytes(payload), MessageTextCodec.Off, roomIdHint: 12);

        Assert.True(record.IsPoison);
        Assert.Equal((12L, ""), (record.Message.RoomId, record.Message.Id));
    }

    [Fact]
    public void A_well_formed_record_whose_id_is_not_a_message_id_is_poison()
    {
        var message = TestMessages.New(1, 1) with { Id = "not-an-object-id" };

        var record = PipelineRecord.Decode(PipelineRecord.Encode(message, MessageTextCodec.Off), MessageTextCodec.Off);

        Assert.True(record.IsPoison);
        Assert.Contains("not-an-object-id", record.PoisonReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Back_off_doubles_from_the_first_delay_up_to_the_cap()
    {
        var options = new OutboxOptions { RetryBackoff = TimeSpan.FromMilliseconds(100), MaxRetryBackoff = TimeSpan.FromSeconds(1) };

        var delays = Enumerable.Range(0, 6).Select(options.BackoffFor).Select(d => d.TotalMilliseconds);

        Assert.Equal([100, 200, 400, 800, 1000, 1000], delays);
        Assert.Equal(TimeSpan.FromSeconds(1), options.BackoffFor(int.MaxValue));
    }

    [Fact]
    public void The_kafka_connection_string_chooses_the_kafka_adapter()
    {
        var services = new ServiceCollection().AddPersistencePipeline(new ConnectionStringsOptions { Kafka = "127.0.0.1:9092" });

        Assert.Equal(typeof(KafkaPersistencePipeline), Assert.Single(services, s => s.ServiceType == typeof(IPersistencePipeline)).ImplementationType);
        Assert.Contains(services, s => s.ImplementationType == typeof(KafkaPersistenceWorker));
    }

    [Fact]
    public void Without_kafka_both_embedded_ways_are_there_and_the_outbox_worker_runs()
    {
        // Which way is taken (Shoot:Outbox:StoreDirectly, the store) is decided when the pipeline is resolved; the
        // embedded test classes check it on a real host.
        var services = new ServiceCollection().AddPersistencePipeline(new ConnectionStringsOptions());

        Assert.Contains(services, s => s.ServiceType == typeof(DirectToStorePipeline));
        Assert.Contains(services, s => s.ServiceType == typeof(OutboxPersistencePipeline));
        Assert.Contains(services, s => s.ImplementationType == typeof(OutboxPersistenceWorker));
        Assert.DoesNotContain(services, s => s.ImplementationType == typeof(KafkaPersistenceWorker));
    }
}
