using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Shoot.Features.Messages;
using Shoot.Infrastructure.Persistence;
using Shoot.Tests.Fixtures;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>
/// Scheduled messages (docs/api.md §5) on a real server with its Hangfire server polling every 200 ms: Alice schedules
/// messages to the GROUP room of Alice, Bob and Carol, and Bob watches the room over STOMP. Run on SQLite and on
/// PostgreSQL. Times are waited for with a timeout, never asserted.
/// </summary>
public abstract class ScheduledMessageTests : IAsyncLifetime
{
    private const string Path = "/api/v1/messages/schedule";
    private ShootAppFactory _factory = null!;
    private ShootClient _api = null!;
    private TestUser _alice = null!, _bob = null!, _carol = null!;
    private long _room;
    private string _dataDirectory = null!;

    protected abstract Task<Dictionary<string, string?>> SettingsAsync();

    private Dictionary<string, string?> _settings = null!;

    public async Task InitializeAsync()
    {
        _dataDirectory = Directory.CreateTempSubdirectory("shoot-schedule-").FullName;
        _settings = await SettingsAsync();
        _settings["Shoot:DataDirectory"] = _dataDirectory;
        _settings["Shoot:Schedule:PollInterval"] = "00:00:00.200";
        _settings["Shoot:Schedule:MaxPendingPerUser"] = "3";
        _factory = new ShootAppFactory(_settings, kestrel: true);
        _api = _factory.CreateShootClient();
        (_alice, _bob, _carol) = (await _api.CreateUserAsync("sca"), await _api.CreateUserAsync("scb"), await _api.CreateUserAsync("scc"));
        _room = (await _api.PostAsync("/api/v1/chatrooms", new { type = "GROUP", title = "Plans", participantIds = new[] { _bob.Id, _carol.Id } },
            _alice.AccessToken)).AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may still hold a file for a moment; the OS temp cleaner takes it.
        }
    }

    [Fact]
    public async Task A_scheduled_message_is_sent_by_the_caller_at_its_time_and_is_then_SENT()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}");

        var created = (await CreateAsync(_alice, new { roomId = _room, text = "standup in 5", scheduledAt = Soon(1) }))
            .AssertStatus(HttpStatusCode.Created).Data;
        Assert.Equal("PENDING", Str(created, "status"));
        Assert.Equal("NONE", Str(created, "recurrence"));
        Assert.Equal("standup in 5", Str(created, "text"));
        Assert.Null(created["lastSentAt"]);

        var message = Assert.Single(await bob.WaitForAsync($"/topic/messages/{_room}", 1));
        Assert.Equal(_alice.Id, message["senderId"]!.GetValue<long>());
        Assert.Equal("standup in 5", message["content"]!["text"]!.GetValue<string>());
        Assert.Equal(1, message["seq"]!.GetValue<long>());

        var sent = await WaitForStatusAsync(Id(created), "SENT");
        Assert.NotNull(sent["lastSentAt"]);
        Assert.Equal(Str(created, "scheduledAt"), Str(sent, "scheduledAt"));
    }

    [Fact]
    public async Task A_recurring_message_stays_PENDING_with_its_next_time_after_it_fires()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}");
        var at = DateTimeOffset.Parse(Soon(1));

        var created = (await CreateAsync(_alice, new { roomId = _room, text = "daily", scheduledAt = at, recurrence = "DAILY" }))
            .AssertStatus(HttpStatusCode.Created).Data;
        await bob.WaitForAsync($"/topic/messages/{_room}", 1);

        var after = await WaitForAsync(Id(created), s => s["lastSentAt"] is not null);
        Assert.Equal("PENDING", Str(after, "status"));
        Assert.Equal("DAILY", Str(after, "recurrence"));
        Assert.Equal(at.AddDays(1), DateTimeOffset.Parse(Str(after, "scheduledAt")));
    }

    [Fact]
    public async Task A_cancelled_message_is_never_sent()
    {
        var cancelled = Id((await CreateAsync(_alice, new { roomId = _room, text = "never", scheduledAt = Soon(3600) })).Data);
        (await _api.DeleteAsync($"{Path}/{cancelled}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        Assert.Equal("CANCELLED", Str(await FindAsync(cancelled), "status"));
        // Its job is deleted; should Hangfire run it anyway (or a copy of it), it finds its version stale and does nothing.
        _factory.Services.GetRequiredService<ScheduleJobs>().Enqueue(cancelled, 0);

        // A later schedule in the same room goes out after that job and takes seq 1: nothing came before it.
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}");
        var later = Id((await CreateAsync(_alice, new { roomId = _room, text = "later", scheduledAt = Soon(1) })).Data);
        var message = Assert.Single(await bob.WaitForAsync($"/topic/messages/{_room}", 1));
        Assert.Equal("later", message["content"]!["text"]!.GetValue<string>());
        Assert.Equal(1, message["seq"]!.GetValue<long>());
        await WaitForStatusAsync(later, "SENT");
        Assert.Equal("CANCELLED", Str(await FindAsync(cancelled), "status"));
        Assert.Single(bob.Received($"/topic/messages/{_room}"));

        // Finished schedules can be neither changed nor cancelled again.
        (await _api.PutAsync($"{Path}/{cancelled}", new { text = "again" }, _alice.AccessToken)).AssertError(HttpStatusCode.Conflict, "CONFLICT");
        (await _api.DeleteAsync($"{Path}/{later}", _alice.AccessToken)).AssertError(HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task An_update_changes_what_is_sent_and_when()
    {
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}");
        var id = Id((await CreateAsync(_alice, new { roomId = _room, text = "in an hour", scheduledAt = Soon(3600) })).Data);
        var at = DateTimeOffset.Parse(Soon(1));

        var updated = (await _api.PutAsync($"{Path}/{id}", new { text = "right now", scheduledAt = at, recurrence = "WEEKLY" }, _alice.AccessToken))
            .AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal("right now", Str(updated, "text"));
        Assert.Equal("WEEKLY", Str(updated, "recurrence"));
        Assert.Equal(at, DateTimeOffset.Parse(Str(updated, "scheduledAt")));

        var message = Assert.Single(await bob.WaitForAsync($"/topic/messages/{_room}", 1));
        Assert.Equal("right now", message["content"]!["text"]!.GetValue<string>());
        var after = await WaitForAsync(id, s => s["lastSentAt"] is not null);
        Assert.Equal(at.AddDays(7), DateTimeOffset.Parse(Str(after, "scheduledAt")));
        Assert.Equal("PENDING", Str(after, "status"));

        // Only the text: the time stays.
        var textOnly = (await _api.PutAsync($"{Path}/{id}", new { text = "weekly note" }, _alice.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
        Assert.Equal("weekly note", Str(textOnly, "text"));
        Assert.Equal(at.AddDays(7), DateTimeOffset.Parse(Str(textOnly, "scheduledAt")));
        Assert.Single(bob.Received($"/topic/messages/{_room}"));
    }

    [Fact]
    public async Task Someone_elses_schedules_are_invisible()
    {
        var alices = Id((await CreateAsync(_alice, new { roomId = _room, text = "mine", scheduledAt = Soon(3600) })).Data);
        var bobs = Id((await CreateAsync(_bob, new { roomId = _room, text = "bob's", scheduledAt = Soon(3600) })).Data);

        (await _api.PutAsync($"{Path}/{alices}", new { text = "hijacked" }, _bob.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.DeleteAsync($"{Path}/{alices}", _bob.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await _api.DeleteAsync($"{Path}/999999", _bob.AccessToken)).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal([bobs], await ListIdsAsync(_bob, ""));
        Assert.Equal([alices], await ListIdsAsync(_alice, $"?roomId={_room}"));
        Assert.Empty(await ListIdsAsync(_alice, "?roomId=999999"));
        Assert.Equal("mine", Str(await FindAsync(alices), "text"));
    }

    [Fact]
    public async Task A_sender_who_left_the_room_sends_nothing_and_the_schedule_FAILS()
    {
        var id = Id((await CreateAsync(_alice, new { roomId = _room, text = "from a leaver", scheduledAt = Soon(3600) })).Data);
        (await _api.DeleteAsync($"/api/v1/chatrooms/{_room}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        // Changing it needs no membership (it is the caller's own schedule); it is now due at once.
        (await _api.PutAsync($"{Path}/{id}", new { scheduledAt = Soon(0) }, _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);

        await WaitForStatusAsync(id, "FAILED");

        // Nothing was accepted in the room: Bob's next message takes seq 1.
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}");
        await bob.SendChatAsync(_room, "after", "still here");
        var message = Assert.Single(await bob.WaitForAsync($"/topic/messages/{_room}", 1));
        Assert.Equal(1, message["seq"]!.GetValue<long>());
    }

    [Fact]
    public async Task Pending_schedules_per_user_are_limited()
    {
        for (var i = 0; i < 3; i++)
            (await CreateAsync(_alice, new { roomId = _room, text = $"n{i}", scheduledAt = Soon(3600) })).AssertStatus(HttpStatusCode.Created);

        (await CreateAsync(_alice, new { roomId = _room, text = "one too many", scheduledAt = Soon(3600) })).AssertError(HttpStatusCode.Conflict, "CONFLICT");

        // A cancelled one no longer counts.
        var first = (await ListIdsAsync(_alice, ""))[0];
        (await _api.DeleteAsync($"{Path}/{first}", _alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
        (await CreateAsync(_alice, new { roomId = _room, text = "now it fits", scheduledAt = Soon(3600) })).AssertStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_room_the_caller_is_not_in_is_not_found()
    {
        var dave = await _api.CreateUserAsync("scd");
        (await CreateAsync(dave, new { roomId = _room, text = "hi", scheduledAt = Soon(60) })).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
        (await CreateAsync(_alice, new { roomId = 999999, text = "hi", scheduledAt = Soon(60) })).AssertError(HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"text":"hi","scheduledAt":"+60"}""", "roomId")]
    [InlineData("""{"roomId":0,"text":"hi","scheduledAt":"+60"}""", "roomId")]
    [InlineData("""{"roomId":"ROOM","scheduledAt":"+60"}""", "text")]
    [InlineData("""{"roomId":"ROOM","text":"","scheduledAt":"+60"}""", "text")]
    [InlineData("""{"roomId":"ROOM","text":"LONG","scheduledAt":"+60"}""", "text")]
    [InlineData("""{"roomId":"ROOM","text":"hi"}""", "scheduledAt")]
    [InlineData("""{"roomId":"ROOM","text":"hi","scheduledAt":"-60"}""", "scheduledAt")]
    [InlineData("""{"roomId":"ROOM","text":"hi","scheduledAt":"+60","recurrence":"HOURLY"}""", "recurrence")]
    [InlineData("""{"roomId":"ROOM","text":"hi","scheduledAt":"+60","recurrence":"daily"}""", "recurrence")]
    public async Task Bad_input_to_create_is_refused_field_by_field(string json, string field)
    {
        var response = await _api.SendAsync(HttpMethod.Post, Path, Body(json), _alice.AccessToken);

        response.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.NotNull(response.Body["errors"]![field]);
    }

    [Theory]
    [InlineData("""{"text":""}""", "text")]
    [InlineData("""{"text":"LONG"}""", "text")]
    [InlineData("""{"scheduledAt":"-60"}""", "scheduledAt")]
    [InlineData("""{"recurrence":"YEARLY"}""", "recurrence")]
    public async Task Bad_input_to_update_is_refused_field_by_field(string json, string field)
    {
        var id = Id((await CreateAsync(_alice, new { roomId = _room, text = "ok", scheduledAt = Soon(3600) })).Data);

        var response = await _api.SendAsync(HttpMethod.Put, $"{Path}/{id}", Body(json), _alice.AccessToken);

        response.AssertError(HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.NotNull(response.Body["errors"]![field]);
        Assert.Equal("ok", Str(await FindAsync(id), "text"));
    }

    [Fact]
    public async Task A_schedule_survives_a_restart_of_the_server()
    {
        // The first server polls so rarely that it cannot fire the job before it stops: only the restarted one can.
        await _factory.DisposeAsync();
        var slow = new Dictionary<string, string?>(_settings) { ["Shoot:Schedule:PollInterval"] = "00:05:00" };
        _factory = new ShootAppFactory(slow, kestrel: true);
        _api = _factory.CreateShootClient();
        var id = Id((await CreateAsync(_alice, new { roomId = _room, text = "after the restart", scheduledAt = Soon(1) }))
            .AssertStatus(HttpStatusCode.Created).Data);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("PENDING", Str(await FindAsync(id), "status"));
        await _factory.DisposeAsync();

        _factory = new ShootAppFactory(_settings, kestrel: true);
        _api = _factory.CreateShootClient();
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}", ("x-resume-after-seq", "0"));

        var message = Assert.Single(await bob.WaitForAsync($"/topic/messages/{_room}", 1));
        Assert.Equal("after the restart", message["content"]!["text"]!.GetValue<string>());
        Assert.Equal(_alice.Id, message["senderId"]!.GetValue<long>());
        await WaitForStatusAsync(id, "SENT");
    }

    [Fact]
    public async Task The_sweep_fires_a_schedule_whose_job_was_lost()
    {
        // As if the instance had died between saving the schedule and scheduling its job: the row is overdue, and its
        // only job is an hour away.
        var id = Id((await CreateAsync(_alice, new { roomId = _room, text = "found by the sweep", scheduledAt = Soon(3600) })).Data);
        var database = _factory.Services.GetRequiredService<ISqlDatabase>();
        await using (var connection = await database.OpenAsync())
            await connection.ExecuteAsync("UPDATE scheduled_messages SET scheduled_at = @at WHERE id = @id",
                new { id, at = DateTimeOffset.UtcNow.AddMinutes(-3).ToUnixTimeMilliseconds() });
        await using var bob = await ChatClient.ConnectAsync(_factory.StompUri, _bob.AccessToken);
        await bob.SubscribeAsync($"/topic/messages/{_room}");

        // The sweep runs every minute; the test does not wait for the minute.
        _factory.Services.GetRequiredService<IRecurringJobManager>().Trigger("scheduled-messages-sweep");

        var message = Assert.Single(await bob.WaitForAsync($"/topic/messages/{_room}", 1));
        Assert.Equal("found by the sweep", message["content"]!["text"]!.GetValue<string>());
        await WaitForStatusAsync(id, "SENT");
    }

    private static string Soon(int seconds) => DateTimeOffset.UtcNow.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");

    private JsonNode Body(string json) => JsonNode.Parse(json
        .Replace("\"ROOM\"", _room.ToString())
        .Replace("\"LONG\"", $"\"{new string('x', 4001)}\"")
        .Replace("\"+60\"", $"\"{Soon(60)}\"")
        .Replace("\"-60\"", $"\"{Soon(-60)}\""))!;

    private Task<ApiResponse> CreateAsync(TestUser user, object body) => _api.PostAsync(Path, body, user.AccessToken);

    private static long Id(JsonNode schedule) => schedule["id"]!.GetValue<long>();

    private static string Str(JsonNode node, string field) => node[field]!.GetValue<string>();

    private async Task<List<long>> ListIdsAsync(TestUser user, string query) =>
        (await _api.GetAsync(Path + query, user.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray().Select(s => Id(s!)).ToList();

    private async Task<JsonNode> FindAsync(long id) =>
        (await _api.GetAsync(Path, _alice.AccessToken)).AssertStatus(HttpStatusCode.OK).Data["items"]!.AsArray().Single(s => Id(s!) == id)!;

    private Task<JsonNode> WaitForStatusAsync(long id, string status) => WaitForAsync(id, s => Str(s, "status") == status);

    private async Task<JsonNode> WaitForAsync(long id, Func<JsonNode, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var schedule = await FindAsync(id);
            if (condition(schedule))
                return schedule;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"Timed out waiting for schedule {id}; it is {schedule.ToJsonString()}");
            await Task.Delay(50);
        }
    }
}

[Trait("Category", "Integration")]
public sealed class ScheduledMessagesOnSqlite : ScheduledMessageTests
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => Task.FromResult(MessageExchange.UnlimitedSending());
}

[Trait("Category", "Integration")]
public sealed class ScheduledMessagesOnPostgres(SharedPostgres postgres) : ScheduledMessageTests, IClassFixture<SharedPostgres>
{
    protected override Task<Dictionary<string, string?>> SettingsAsync() => MessageExchange.PostgresSettingsAsync(postgres);
}
