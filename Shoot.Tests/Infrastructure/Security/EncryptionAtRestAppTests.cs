using System.Net;
using System.Text;
using Dapper;
using Shoot.Infrastructure.Persistence;
using Shoot.Infrastructure.Security;
using Shoot.Tests.Support;

namespace Shoot.Tests.Infrastructure.Security;

/// <summary>
/// Encryption at rest through the whole embedded server: nothing a client wrote is in any file of the data directory,
/// clients read what they wrote, a rotated key keeps the old texts readable, and a dropped key gives the placeholder
/// (200, never a 500).
/// </summary>
[Trait("Category", "Integration")]
public sealed class EncryptionAtRestAppTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("shoot-encrypted-app-").FullName;

    private Dictionary<string, string?> Settings(string current, params (string Id, string Key)[] keys)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Shoot:DataDirectory"] = _data, ["Shoot:Encryption:CurrentKeyId"] = current, ["Shoot:Schedule:PollInterval"] = "00:00:00.200",
        };
        foreach (var (id, key) in keys)
            settings[$"Shoot:Encryption:Keys:{id}"] = key;
        return settings;
    }

    [Fact]
    public async Task Texts_are_sealed_in_every_file_read_back_as_written_and_survive_rotation()
    {
        var (a, b) = (("a", MessageTextCodecTests.KeyA), ("b", MessageTextCodecTests.KeyB));
        TestUser alice, bob;
        long roomId;
        string firstId;
        long scheduleId;
        await using (var factory = new ShootAppFactory(Settings("a", a), kestrel: true))
        {
            var api = factory.CreateShootClient();
            (alice, bob) = (await api.CreateUserAsync("enca"), await api.CreateUserAsync("encb"));
            roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
                .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
            await using var chat = await ChatClient.ConnectAsync(factory.StompUri, alice.AccessToken);
            await chat.SubscribeAsync($"/topic/message/status/{roomId}");
            await chat.SubscribeAsync($"/topic/messages/{roomId}");

            firstId = await chat.SendSavedAsync(roomId, "t-1", "first confidential words");
            (await api.PutAsync($"/api/v1/messages/{firstId}", new { text = "edited confidential words" }, alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
            scheduleId = (await api.PostAsync("/api/v1/messages/schedule",
                    new { roomId, text = "scheduled confidential words", scheduledAt = DateTimeOffset.UtcNow.AddHours(1).ToString("O") }, alice.AccessToken))
                .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();

            var live = (await chat.WaitForAsync($"/topic/messages/{roomId}", 1))[0];
            Assert.Equal("first confidential words", live["content"]!["text"]!.GetValue<string>());
            Assert.Equal(["edited confidential words"], await HistoryTextsAsync(api, roomId, bob));
            Assert.Equal("edited confidential words", await LastMessageTextAsync(api, bob));
            Assert.Equal(["scheduled confidential words"], await ScheduleTextsAsync(api, alice));
        }

        Assert.Empty(FilesContaining("confidential"));
        // The sealed texts are there (in the file or its write-ahead log): messages and the rooms' lastMessage, the schedule.
        var sealedIn = FilesContaining("enc:v1:a:");
        Assert.Contains(sealedIn, file => file.StartsWith(MessagesDatabase.FileName, StringComparison.Ordinal));
        Assert.Contains(sealedIn, file => file.StartsWith("shoot.db", StringComparison.Ordinal));

        // Rotation: b is current, a still listed.
        await using (var factory = new ShootAppFactory(Settings("b", a, b), kestrel: true))
        {
            var api = factory.CreateShootClient();
            await using var chat = await ChatClient.ConnectAsync(factory.StompUri, alice.AccessToken);
            await chat.SubscribeAsync($"/topic/message/status/{roomId}");
            await chat.SendSavedAsync(roomId, "t-2", "second confidential words");

            Assert.Equal(["second confidential words", "edited confidential words"], await HistoryTextsAsync(api, roomId, bob));
            Assert.Equal(["scheduled confidential words"], await ScheduleTextsAsync(api, alice));
        }

        // a dropped: its texts read as the placeholder, the rest as written.
        await using (var factory = new ShootAppFactory(Settings("b", b), kestrel: true))
        {
            var api = factory.CreateShootClient();
            Assert.Equal(["second confidential words", MessageTextCodec.UnreadablePlaceholder], await HistoryTextsAsync(api, roomId, bob));
            Assert.Equal("second confidential words", await LastMessageTextAsync(api, bob));
            Assert.Equal([MessageTextCodec.UnreadablePlaceholder], await ScheduleTextsAsync(api, alice));
            // Moved to now, the unreadable schedule fails instead of sending the placeholder, and keeps its stored text.
            (await api.PutAsync($"/api/v1/messages/schedule/{scheduleId}", new { scheduledAt = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O") },
                alice.AccessToken)).AssertStatus(HttpStatusCode.OK);
            await Eventually.HoldsAsync(async () =>
                (await api.GetAsync("/api/v1/messages/schedule", alice.AccessToken)).Data["items"]![0]!["status"]!.GetValue<string>() == "FAILED",
                TimeSpan.FromSeconds(60));
            Assert.Equal(2, (await HistoryTextsAsync(api, roomId, bob)).Count);
            var one = (await api.GetAsync($"/api/v1/messages/{firstId}", bob.AccessToken)).AssertStatus(HttpStatusCode.OK);
            Assert.Equal(MessageTextCodec.UnreadablePlaceholder, one.Data["content"]!["text"]!.GetValue<string>());
        }
        Assert.Empty(FilesContaining("confidential"));
        // The failed schedule still holds its text as written under a, for the day a is put back.
        var shoot = new SqliteDatabase(Path.Combine(_data, "shoot.db"));
        await using var connection = await shoot.OpenAsync();
        Assert.StartsWith("enc:v1:a:", await connection.ExecuteScalarAsync<string>("SELECT text FROM scheduled_messages WHERE id = @scheduleId", new { scheduleId }));
    }

    private static async Task<List<string>> HistoryTextsAsync(ShootClient api, long roomId, TestUser reader) =>
        (await api.GetAsync($"/api/v1/messages/{roomId}", reader.AccessToken)).AssertStatus(HttpStatusCode.OK)
            .Data["items"]!.AsArray().Select(m => m!["content"]!["text"]!.GetValue<string>()).ToList();

    private static async Task<string> LastMessageTextAsync(ShootClient api, TestUser reader) =>
        (await api.GetAsync("/api/v1/chatrooms", reader.AccessToken)).AssertStatus(HttpStatusCode.OK)
            .Data["items"]!.AsArray().Single()!["lastMessage"]!["text"]!.GetValue<string>();

    private static async Task<List<string>> ScheduleTextsAsync(ShootClient api, TestUser owner) =>
        (await api.GetAsync("/api/v1/messages/schedule", owner.AccessToken)).AssertStatus(HttpStatusCode.OK)
            .Data["items"]!.AsArray().Select(s => s!["text"]!.GetValue<string>()).ToList();

    /// <summary>The files of the data directory (databases, their write-ahead logs, the job store) whose bytes contain <paramref name="text"/>.</summary>
    private List<string> FilesContaining(string text) => Directory.EnumerateFiles(_data, "*", SearchOption.AllDirectories)
        .Where(path =>
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                return Encoding.Latin1.GetString(memory.ToArray()).Contains(text, StringComparison.Ordinal);
            }
            catch (FileNotFoundException)
            {
                // A -shm/-wal file SQLite removed as the last connection of a stopped host closed: it holds nothing now.
                return false;
            }
        })
        .Select(Path.GetFileName)
        .ToList()!;

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
