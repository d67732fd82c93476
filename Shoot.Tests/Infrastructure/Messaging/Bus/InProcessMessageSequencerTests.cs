using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shoot.Infrastructure.Configuration;
using Shoot.Infrastructure.Messaging;
using Shoot.Infrastructure.Messaging.Bus;
using Shoot.Infrastructure.Messaging.Store;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Infrastructure.Messaging.Pipeline;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>
/// The embedded sequencer's dedupe (docs/api.md §8): a retry within the window gets the first answer, from memory while
/// the send is on its way and shortly after, from the store after that, also after a restart; memory follows the sends
/// in flight, not the day's traffic; a retry after the window is a new message. Real SQLite messages.db.
/// </summary>
[Trait("Category", "Integration")]
public sealed class InProcessMessageSequencerTests : IAsyncLifetime
{
    private const long Room = 7, Alice = 1;
    private readonly string _directory = Directory.CreateTempSubdirectory("shoot-sequencer-").FullName;
    private readonly ManualClock _clock = new();
    private SqliteMessageStore _store = null!;
    private InProcessMessageSequencer _sequencer = null!;
    private readonly List<InProcessMessageSequencer> _sequencers = [];

    public async Task InitializeAsync()
    {
        var database = new MessagesDatabase(new SqliteDatabase(Path.Combine(_directory, MessagesDatabase.FileName)));
        await database.Migrator(NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        _store = new SqliteMessageStore(database);
        _sequencer = NewSequencer();
    }

    /// <summary>A sequencer over the same store: what a restarted server has.</summary>
    private InProcessMessageSequencer NewSequencer()
    {
        var sequencer = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)), _store, _clock);
        _sequencers.Add(sequencer);
        return sequencer;
    }

    public Task DisposeAsync()
    {
        _sequencers.ForEach(sequencer => sequencer.Dispose());
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private Task<AcceptOutcome> SendAsync(string? tempId, InProcessMessageSequencer? sequencer = null) =>
        (sequencer ?? _sequencer).AcceptAsync(AcceptRequests.For(new SendKey(Room, Alice, tempId), MessageId.New(_clock.GetUtcNow())));

    /// <summary>What the pipeline does with an accepted send: stores it, then tells SAVED.</summary>
    private async Task SaveAsync(AcceptOutcome sent, string tempId, InProcessMessageSequencer? sequencer = null)
    {
        var now = _clock.GetUtcNow();
        await _store.SaveBatchAsync([new StoredMessage
        {
            Id = sent.Record.MessageId, RoomId = Room, Seq = sent.Record.Seq, SenderId = Alice, TempId = tempId, Text = "hi",
            CreatedAt = now, UpdatedAt = now,
        }]);
        Assert.True(await ReportAsync(sent, tempId, "SAVED", sequencer: sequencer));
    }

    private Task<bool> ReportAsync(AcceptOutcome sent, string tempId, string status, string? error = null, InProcessMessageSequencer? sequencer = null) =>
        (sequencer ?? _sequencer).AdvanceStatusAsync(new SendKey(Room, Alice, tempId), sent.Record with { Status = status, ErrorMessage = error },
            new BusEvent($"/topic/message/status/{Room}", "{}"));

    [Fact]
    public async Task A_retry_while_the_send_is_on_its_way_gets_the_first_answer_however_many_sends_came_between()
    {
        var first = await SendAsync("t-first");
        for (var i = 0; i < 1000; i++)
            await SendAsync($"t-{i}");
        _clock.Advance(MessageSequencerDefaults.DedupeWindow - TimeSpan.FromSeconds(1));

        var retry = await SendAsync("t-first");

        Assert.True(retry.IsDuplicate);
        Assert.Equal((first.Record.MessageId, first.Record.Seq, "SENDING"), (retry.Record.MessageId, retry.Record.Seq, retry.Record.Status));
        Assert.Equal(1001, _sequencer.DedupeRecords);
    }

    [Fact]
    public async Task A_saved_send_leaves_memory_after_a_grace_and_a_retry_is_then_answered_from_the_store()
    {
        var first = await SendAsync("t-1");
        await SaveAsync(first, "t-1");
        var soon = await SendAsync("t-1");
        Assert.Equal((true, first.Record.Seq, "SAVED"), (soon.IsDuplicate, soon.Record.Seq, soon.Record.Status));

        _clock.Advance(InProcessMessageSequencer.SavedRecordGrace);
        await SendAsync("t-2"); // a later send sweeps
        Assert.Equal(1, _sequencer.DedupeRecords);

        var late = await SendAsync("t-1");
        Assert.True(late.IsDuplicate);
        Assert.Equal(new SendRecord(first.Record.MessageId, first.Record.Seq, "SAVED"), late.Record);
        Assert.Equal(1, _sequencer.DedupeRecords);
    }

    [Fact]
    public async Task Memory_follows_the_sends_in_flight_not_the_days_traffic()
    {
        var sent = new List<AcceptOutcome>();
        for (var i = 0; i < 2000; i++)
        {
            var outcome = await SendAsync($"t-{i}");
            await SaveAsync(outcome, $"t-{i}");
            sent.Add(outcome);
        }
        Assert.Equal(2000, _sequencer.DedupeRecords);

        _clock.Advance(InProcessMessageSequencer.SavedRecordGrace);
        await SendAsync("t-in-flight");

        Assert.Equal(1, _sequencer.DedupeRecords);
        Assert.InRange(_sequencer.StoredSends.IndexBytes, 1, 64 * 1024);
        // Every one of them is still answered, from the store.
        for (var i = 0; i < 2000; i += 37)
        {
            var retry = await SendAsync($"t-{i}");
            Assert.Equal((true, sent[i].Record.Seq), (retry.IsDuplicate, retry.Record.Seq));
        }
    }

    [Fact]
    public async Task A_restarted_server_answers_a_retry_of_a_send_stored_before()
    {
        var first = await SendAsync("t-1");
        await SaveAsync(first, "t-1");

        var restarted = NewSequencer();
        var retry = await SendAsync("t-1", restarted);
        var fresh = await SendAsync("t-2", restarted);

        Assert.Equal(new SendRecord(first.Record.MessageId, first.Record.Seq, "SAVED"), retry.Record);
        Assert.True(retry.IsDuplicate);
        Assert.False(fresh.IsDuplicate);
        Assert.True(fresh.Record.Seq > first.Record.Seq);
        // The first send with a tempId waited for the sends stored before the start to be loaded.
        Assert.True(restarted.StoredSends.Loaded);
        Assert.True((await SendAsync("t-1", restarted)).IsDuplicate);
        Assert.False((await SendAsync("t-3", restarted)).IsDuplicate);
    }

    [Fact]
    public async Task After_a_graceful_stop_the_next_start_reads_the_snapshot_and_only_the_last_minute_of_the_store()
    {
        var options = Options.Create(new ShootOptions { DataDirectory = _directory });
        var snapshot = Path.Combine(_directory, InProcessMessageSequencer.StoredSendsSnapshotFile);
        using var before = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)), _store, _clock,
            options: options);
        var old = await SendAsync("t-old", before);
        await SaveAsync(old, "t-old", before);
        _clock.Advance(TimeSpan.FromMinutes(10));
        before.StoredSends.WriteSnapshot();
        // Stored while the server was stopping, after the snapshot: the next start reads it from the store.
        var late = await SendAsync("t-late", before);
        await SaveAsync(late, "t-late", before);

        using var after = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)), _store, _clock,
            options: options);
        await after.StoredSends.StartLoading();

        Assert.False(File.Exists(snapshot));
        // "t-old" is ten minutes older than the snapshot, so only the snapshot can know it; "t-late" only the store.
        var retryOld = await SendAsync("t-old", after);
        var retryLate = await SendAsync("t-late", after);
        Assert.Equal((true, old.Record.Seq), (retryOld.IsDuplicate, retryOld.Record.Seq));
        Assert.Equal((true, late.Record.Seq), (retryLate.IsDuplicate, retryLate.Record.Seq));
        Assert.False((await SendAsync("t-new", after)).IsDuplicate);
    }

    [Fact]
    public async Task Until_the_stored_sends_can_be_loaded_a_send_with_a_tempId_is_refused_as_an_outage_and_one_without_is_taken()
    {
        var store = new FaultyMessageStore(_store) { LoadsFail = true };
        using var sequencer = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)), store, _clock);

        // A new send cannot be told apart from a retry of one stored before the start: refused, the client retries (UNAVAILABLE).
        var refusal = await Assert.ThrowsAsync<TimeoutException>(() => SendAsync("t-1", sequencer));
        Assert.True(Shoot.Infrastructure.Web.BackendOutage.Is(refusal));
        Assert.False((await SendAsync(null, sequencer)).IsDuplicate);

        store.LoadsFail = false;
        _clock.Advance(StoredSends.LoadRetryDelay);
        Assert.False((await SendAsync("t-1", sequencer)).IsDuplicate);
        Assert.True(sequencer.StoredSends.Loaded);
    }

    [Fact]
    public async Task A_failed_send_is_answered_for_the_whole_window_and_a_retry_after_it_is_a_new_message()
    {
        var first = await SendAsync("t-f");
        Assert.True(await ReportAsync(first, "t-f", "FAILED", "too large"));
        _clock.Advance(TimeSpan.FromHours(1));

        var retry = await SendAsync("t-f");
        Assert.Equal((true, "FAILED", "too large"), (retry.IsDuplicate, retry.Record.Status, retry.Record.ErrorMessage));

        _clock.Advance(MessageSequencerDefaults.DedupeWindow);
        await AssertTakenAsNewAsync("t-f", first);
    }

    [Fact]
    public async Task A_retry_of_a_stored_send_after_the_window_is_a_new_message()
    {
        var first = await SendAsync("t-1");
        await SaveAsync(first, "t-1");
        _clock.Advance(MessageSequencerDefaults.DedupeWindow + TimeSpan.FromSeconds(1));

        await AssertTakenAsNewAsync("t-1", first);
    }

    /// <summary>A send with this tempId now is a new message, after the earlier one.</summary>
    private async Task AssertTakenAsNewAsync(string tempId, AcceptOutcome earlier)
    {
        var late = await SendAsync(tempId);
        Assert.False(late.IsDuplicate);
        Assert.True(late.Record.Seq > earlier.Record.Seq);
    }

    [Fact]
    public async Task An_earlier_status_redelivered_after_the_record_left_is_not_told_again()
    {
        var stored = await SendAsync("t-1");
        await SaveAsync(stored, "t-1");
        _clock.Advance(InProcessMessageSequencer.SavedRecordGrace);
        await SendAsync("t-2");

        // A redelivered pipeline record reports the stored send's past: not told. Its SAVED is (it may be the only one).
        Assert.False(await ReportAsync(stored, "t-1", "PROCESSING"));
        Assert.True(await ReportAsync(stored, "t-1", "SAVED"));
        // A send this sequencer has no record of and the store does not hold (accepted before a restart): told.
        var restarted = NewSequencer();
        var replayed = await SendAsync("t-3");
        Assert.True(await restarted.AdvanceStatusAsync(new SendKey(Room, Alice, "t-3"), replayed.Record with { Status = "PROCESSING" },
            new BusEvent($"/topic/message/status/{Room}", "{}")));
    }

    [Fact]
    public async Task A_send_that_never_ends_is_dropped_from_memory_a_window_after_its_accept()
    {
        await SendAsync("t-stuck");
        _clock.Advance(MessageSequencerDefaults.DedupeWindow + TimeSpan.FromHours(1));

        await SendAsync("t-next");

        Assert.Equal(1, _sequencer.DedupeRecords);
    }

    [Fact]
    public async Task The_records_of_a_burst_leave_memory_with_no_send_after_it()
    {
        var clock = new TimerClock();
        using var sequencer = new InProcessMessageSequencer(new InProcessEventBus(new BusDispatcher([], NullLogger<BusDispatcher>.Instance)), _store, clock);
        for (var i = 0; i < 100; i++)
        {
            var key = new SendKey(Room, Alice, $"t-{i}");
            var sent = await sequencer.AcceptAsync(AcceptRequests.For(key, MessageId.New(clock.GetUtcNow())));
            await sequencer.AdvanceStatusAsync(key, sent.Record with { Status = "SAVED" }, new BusEvent($"/topic/message/status/{Room}", "{}"));
        }
        Assert.Equal(100, sequencer.DedupeRecords);

        clock.Advance(InProcessMessageSequencer.SavedRecordGrace);
        clock.FireTimers();

        Assert.Equal(0, sequencer.DedupeRecords);
    }

    /// <summary>A clock whose timers run when the test says so.</summary>
    private sealed class TimerClock : TimeProvider
    {
        private readonly List<(TimerCallback Callback, object? State)> _timers = [];
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;

        public void FireTimers() => _timers.ForEach(timer => timer.Callback(timer.State));

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _timers.Add((callback, state));
            return new Registration();
        }

        private sealed class Registration : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task An_accept_publishes_the_message_and_then_its_SENDING_and_records_the_send_as_SENDING()
    {
        var published = new List<BusEvent>();
        using var sequencer = new InProcessMessageSequencer(
            new InProcessEventBus(new BusDispatcher([new Recorder(published)], NullLogger<BusDispatcher>.Instance)), _store, _clock);

        var sent = await sequencer.AcceptAsync(AcceptRequests.For(new SendKey(Room, Alice, "t-1")));

        Assert.Equal([($"/topic/messages/{Room}", "{\"seq\":1}", (long?)1), ($"/topic/message/status/{Room}", "{\"tempId\":\"t-1\",\"status\":\"SENDING\",\"seq\":1}", null)],
            published.Select(e => (e.Destination, e.Payload, e.Seq)));
        Assert.Equal("SENDING", sent.Record.Status);
        // Recorded as SENDING: a SENDING reported again is not published twice.
        Assert.False(await sequencer.AdvanceStatusAsync(new SendKey(Room, Alice, "t-1"), sent.Record, new BusEvent($"/topic/message/status/{Room}", "{}")));
        Assert.Equal(2, published.Count);
    }

    private sealed class Recorder(List<BusEvent> events) : IBusSubscriber
    {
        public void OnEvent(BusEvent busEvent) => events.Add(busEvent);
    }

    [Fact]
    public async Task Sends_without_a_tempId_keep_no_record()
    {
        await SendAsync(null);
        await SendAsync(null);
        Assert.Equal(0, _sequencer.DedupeRecords);
    }
}
