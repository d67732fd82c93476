using Microsoft.Extensions.Logging.Abstractions;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>
/// The embedded sequencer's dedupe records: a retry within the window gets the first answer, records past the window go
/// as later sends arrive (so memory follows the window, not the server's age), and a retry after it is a new message.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InProcessMessageSequencerTests : IAsyncLifetime
{
    private const long Room = 7, Alice = 1;
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-sequencer-").FullName;
    private readonly ManualClock _clock = new();
    private InProcessMessageSequencer _sequencer = null!;

    public async Task InitializeAsync()
    {
        var database = new MessagesDatabase(new SqliteDatabase(Path.Combine(_directory, MessagesDatabase.FileName)));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        _sequencer = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)),
            new SqliteMessageStore(database), _clock);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private Task<AcceptOutcome> SendAsync(string? tempId) =>
        _sequencer.AcceptAsync(new AcceptRequest(new SendKey(Room, Alice, tempId), MessageId.New(_clock.GetUtcNow()),
            $"/topic/messages/{Room}", "{\"seq\":", "}"));

    [Fact]
    public async Task A_retry_within_the_window_gets_the_first_answer_however_many_sends_came_between()
    {
        var first = await SendAsync("t-first");
        for (var i = 0; i < 1000; i++)
            await SendAsync($"t-{i}");
        _clock.Advance(MessageSequencerDefaults.DedupeWindow - TimeSpan.FromSeconds(1));

        var retry = await SendAsync("t-first");

        Assert.True(retry.IsDuplicate);
        Assert.Equal((first.Record.MessageId, first.Record.Seq), (retry.Record.MessageId, retry.Record.Seq));
        Assert.Equal(1001, _sequencer.DedupeRecords);
    }

    [Fact]
    public async Task Records_past_the_window_are_dropped_as_later_sends_arrive_and_a_late_retry_is_a_new_message()
    {
        var first = await SendAsync("t-first");
        for (var i = 0; i < 1000; i++)
            await SendAsync($"t-{i}");
        _clock.Advance(TimeSpan.FromHours(1));
        var later = await SendAsync("t-later");
        _clock.Advance(MessageSequencerDefaults.DedupeWindow - TimeSpan.FromMinutes(1));

        var lateRetry = await SendAsync("t-first");

        Assert.False(lateRetry.IsDuplicate);
        Assert.True(lateRetry.Record.Seq > later.Record.Seq);
        // The 1,001 first records are gone; "t-later" (an hour younger) has a minute left, beside the new record.
        Assert.Equal(2, _sequencer.DedupeRecords);
        Assert.True((await SendAsync("t-later")).IsDuplicate);
        // The late retry's record lives its own window: an hour on, the first record's old place in the queue is gone, and it stays.
        _clock.Advance(TimeSpan.FromHours(1));
        var again = await SendAsync("t-first");
        Assert.True(again.IsDuplicate);
        Assert.Equal(lateRetry.Record.Seq, again.Record.Seq);
        Assert.NotEqual(first.Record.MessageId, again.Record.MessageId);
    }

    [Fact]
    public async Task Sends_without_a_tempId_keep_no_record()
    {
        await SendAsync(null);
        await SendAsync(null);
        Assert.Equal(0, _sequencer.DedupeRecords);
    }
}
