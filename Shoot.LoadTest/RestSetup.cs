using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shoot.LoadTest;

public sealed record LoadUser(int Index, long UserId, string AccessToken, Uri BaseUrl);

/// <summary>Signs users up, logs them in and creates the rooms over REST before any STOMP traffic starts; reads unread counts at the start.</summary>
public sealed class RestSetup(LoadOptions options) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    // A run id keeps usernames unique across runs against the same data directory (usernames: 3–20 chars, [A-Za-z0-9_]).
    private readonly string _run = Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next()))[..6].ToLowerInvariant();

    public async Task<LoadUser[]> SignUpAllAsync(CancellationToken ct)
    {
        var users = new LoadUser[options.Users];
        // A few at a time: bcrypt makes signup and login CPU-bound on the server, and the 2-core box is shared.
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Users), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (i, token) =>
            {
                // Fan-out: users alternate over the instances, so every room's shared subscribers span all of them.
                var url = options.Scenario == Scenario.Fanout ? i % options.Urls.Count : LoadMath.UrlOf(i, options.Rooms, options.Urls.Count);
                var baseUrl = options.Urls[url];
                var username = $"lt{_run}_{i}";
                await PostAsync(baseUrl, "api/v1/auth/signup", new { username, nickname = username, password = options.Password }, null, token);
                var login = await PostAsync(baseUrl, "api/v1/auth/login", new { username, password = options.Password }, null, token);
                users[i] = new LoadUser(i, login.GetProperty("userId").GetInt64(), login.GetProperty("accessToken").GetString()!, baseUrl);
            });
        return users;
    }

    /// <summary>Creates room r with its members; the first member creates it (and so is its owner).</summary>
    public async Task<long[]> CreateRoomsAsync(LoadUser[] users, CancellationToken ct)
    {
        var roomIds = new long[options.Rooms];
        for (var r = 0; r < options.Rooms; r++)
        {
            var members = users.Where(u => LoadMath.RoomOf(u.Index, options.Rooms) == r).ToList();
            var owner = members[0];
            var room = await PostAsync(owner.BaseUrl, "api/v1/chatrooms",
                new { type = "GROUP", title = $"load {_run} {r}", participantIds = members.Skip(1).Select(m => m.UserId).ToArray() },
                owner.AccessToken, ct);
            roomIds[r] = room.GetProperty("id").GetInt64();
        }
        return roomIds;
    }

    /// <summary>
    /// Fan-out rooms: room r is created by its first publisher with its other publishers and every shared subscriber
    /// (users 0 … subscribers − 1) as participants.
    /// </summary>
    public async Task<long[]> CreateFanoutRoomsAsync(LoadUser[] users, CancellationToken ct)
    {
        var subscribers = users.Take(options.Subscribers).Select(u => u.UserId).ToArray();
        var roomIds = new long[options.Rooms];
        for (var r = 0; r < options.Rooms; r++)
        {
            var publishers = users.Skip(options.Subscribers + r * options.Publishers).Take(options.Publishers).ToList();
            var owner = publishers[0];
            var room = await PostAsync(owner.BaseUrl, "api/v1/chatrooms",
                new { type = "GROUP", title = $"fanout {_run} {r}", participantIds = publishers.Skip(1).Select(p => p.UserId).Concat(subscribers).ToArray() },
                owner.AccessToken, ct);
            roomIds[r] = room.GetProperty("id").GetInt64();
        }
        return roomIds;
    }

    /// <summary>
    /// The user's unread count in the room and in total, from the room list (which reads the same unread ledger as the
    /// SSE streams): what the counts on the user's unread stream start from.
    /// </summary>
    public async Task<UnreadAtStart> UnreadAtStartAsync(LoadUser user, long roomId, CancellationToken ct)
    {
        var list = await SendAsync(HttpMethod.Get, user.BaseUrl, "api/v1/chatrooms", null, user.AccessToken, ct);
        var rooms = list.GetProperty("items").EnumerateArray().ToList();
        var room = rooms.Single(r => r.GetProperty("id").GetInt64() == roomId);
        return new UnreadAtStart(room.GetProperty("unreadCount").GetInt64(), rooms.Sum(r => r.GetProperty("unreadCount").GetInt64()));
    }

    private Task<JsonElement> PostAsync(Uri baseUrl, string path, object body, string? token, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, baseUrl, path, body, token, ct);

    /// <summary>Sends a request (with a JSON body when given) and returns the envelope's <c>data</c>; a 429 is retried after its Retry-After.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, Uri baseUrl, string path, object? body, string? token, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(baseUrl, path)) { Content = body is null ? null : JsonContent.Create(body) };
            if (token is not null) request.Headers.Authorization = new("Bearer", token);
            using var response = await _http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 5)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5);
                Console.Error.WriteLine($"429 on {path}; retrying in {wait.TotalSeconds:0}s (raise Shoot__Limits__AuthRequestsPerMinutePerIp).");
                await Task.Delay(wait, ct);
                continue;
            }
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
            using var document = JsonDocument.Parse(text);
            return document.RootElement.GetProperty("data").Clone();
        }
    }

    public void Dispose() => _http.Dispose();
}
