using System.Text;
using Confluent.Kafka;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging.Pipeline;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Infrastructure.Messaging.Store;
using Shoot.Tests.Infrastructure.Security;

namespace Shoot.Tests.Infrastructure.Messaging.Pipeline;

/// <summary>
/// Encryption at rest on the way to the store: the Kafka record (mock cluster), the embedded outbox and its dead
/// letters, and the spill hold the sealed text only; the worker opens it, and a record under an unknown key is
/// dead-lettered as FAILED, never stored with a wrong text.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EncryptedPipelineTests(KafkaMockClusterFixture kafka) : IClassFixture<KafkaMockClusterFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _data = Directory.CreateTempSubdirectory("shoot-encrypted-pipeline-").FullName;

    private static Dictionary<string, string?> Keys(Dictionary<string, string?> settings)
    {
        settings["Shoot:Encryption:Keys:a"] = MessageTextCodecTests.KeyA;
        settings["Shoot:Encryption:CurrentKeyId"] = "a";
        return settings;
    }

    [Fact]
    public async Task The_kafka_record_value_holds_no_plaintext_and_the_stored_message_reads_as_sent()
    {
        var topic = $"chat-messages-{Guid.NewGuid():N}";
        KafkaPersistencePipelineTests.CreateTopics(kafka, topic);
        await using var host = await PipelineTestHost.StartAsync(_data, Keys(KafkaPersistencePipelineTests.KafkaSettings(kafka, topic)));
        var message = TestMessages.New(1, 1) with { Text = "meet at the north gate" };

        await host.Pipeline.EnqueueAsync(message);

        using var consumer = KafkaClients.Consumer(kafka.BootstrapServers, $"raw-reader-{Guid.NewGuid():N}");
        consumer.Subscribe(topic);
        var record = KafkaClients.ConsumeCount(consumer, 1, Patience).Single();
        consumer.Close();
        Assert.DoesNotContain("north gate", record.Message.Value);
        Assert.Contains("\"text\":\"enc:v1:a:", record.Message.Value);
        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(host.Observer.Count(PipelineEvent.Saved) == 1), Patience));
        Assert.Equal("meet at the north gate", host.Observer.Events.Single(e => e.Event == PipelineEvent.Saved).Message.Text);
        Assert.Equal("meet at the north gate", (await host.Store.FindAsync(message.Id))!.Text);
        await using var connection = await host.Messages.Sqlite.OpenAsync();
        Assert.StartsWith("enc:v1:a:", await connection.ExecuteScalarAsync<string>("SELECT text FROM messages WHERE id = @Id", new { message.Id }));
    }

    [Fact]
    public async Task A_record_under_a_key_id_not_configured_is_dead_lettered_and_reported_failed()
    {
        var topic = $"chat-messages-{Guid.NewGuid():N}";
        KafkaPersistencePipelineTests.CreateTopics(kafka, topic);
        var foreign = MessageTextCodecTests.Codec("old", ("old", MessageTextCodecTests.KeyB));
        var message = TestMessages.New(2, 1) with { Text = "from a key we dropped" };
        await using var host = await PipelineTestHost.StartAsync(_data, Keys(KafkaPersistencePipelineTests.KafkaSettings(kafka, topic)));

        using (var producer = KafkaClients.Producer(kafka.BootstrapServers))
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "2", Value = Encoding.UTF8.GetString(PipelineRecord.Encode(message, foreign)) });

        Assert.True(await PipelineTestHost.EventuallyAsync(() => Task.FromResult(host.Observer.Count(PipelineEvent.Failed) == 1), Patience));
        var failed = host.Observer.Events.Single(e => e.Event == PipelineEvent.Failed);
        Assert.Equal(message.Id, failed.Message.Id);
        Assert.Contains("unknown key id 'old'", failed.Reason);
        Assert.Null(await host.Store.FindAsync(message.Id));
        using var consumer = KafkaClients.Consumer(kafka.BootstrapServers, $"dlq-reader-{Guid.NewGuid():N}");
        consumer.Subscribe(topic + "-dlq");
        var dead = KafkaClients.ConsumeCount(consumer, 1, Patience).Single();
        consumer.Close();
        Assert.Contains("\"text\":\"enc:v1:old:", dead.Message.Value);
    }

    [Fact]
    public async Task The_embedded_outbox_and_its_dead_letters_hold_no_plaintext()
    {
        await using var host = await PipelineTestHost.StartAsync(_data, Keys([]));
        var messages = Enumerable.Range(1, 5).Select(seq => TestMessages.New(3, seq) with { Text = $"outbox secret {seq}" }).ToList();

        foreach (var message in messages)
            await host.Pipeline.EnqueueAsync(message);
        var refused = TestMessages.New(4, 1) with { Text = "outbox secret refused" };
        await host.Pipeline.DeadLetterAsync(refused, "test");

        Assert.True(await PipelineTestHost.EventuallyAsync(async () => (await host.StoredIdsAsync()).Count == messages.Count, Patience));
        Assert.Equal("outbox secret 3", (await host.Store.FindAsync(messages[2].Id))!.Text);
        await using (var connection = await host.Messages.Sqlite.OpenAsync())
            Assert.Contains("\"text\":\"enc:v1:a:", await connection.ExecuteScalarAsync<string>("SELECT payload FROM outbox_dead"));
        var bytes = EncryptedSqliteMessageStoreTests.FileBytes(Path.Combine(_data, MessagesDatabase.FileName));
        Assert.DoesNotContain("outbox secret", bytes);
        Assert.Contains("enc:v1:a:", bytes);
    }

    [Fact]
    public async Task The_spill_file_holds_no_plaintext_and_its_rows_read_back()
    {
        var codec = MessageTextCodecTests.Codec("a", ("a", MessageTextCodecTests.KeyA));
        var message = TestMessages.New(5, 1) with { Text = "spilled secret" };
        await using (var spill = new PipelineSpill(Options.Create(new ShootOptions { DataDirectory = _data }), TimeProvider.System, codec,
            NullLogger<PipelineSpill>.Instance))
        {
            await spill.AppendAsync(message);
            var row = (await spill.OldestAsync(10, CancellationToken.None)).Single();

            Assert.Equal("spilled secret", PipelineRecord.Decode(row.Payload, codec).Message.Text);
            Assert.True(PipelineRecord.Decode(row.Payload, MessageTextCodecTests.Codec("b", ("b", MessageTextCodecTests.KeyB))).IsPoison);
        }
        var bytes = EncryptedSqliteMessageStoreTests.FileBytes(Path.Combine(_data, PipelineSpill.FileName));
        Assert.DoesNotContain("spilled secret", bytes);
        Assert.Contains("enc:v1:a:", bytes);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may still hold a file for a moment; the OS temp cleaner takes it.
        }
    }
}
