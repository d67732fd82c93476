using System.Net;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Realtime;

/// <summary>Two members of one room and an outsider, the cast of the realtime tests; plus bounded polling of a user's status.</summary>
public sealed record RealtimeRoom(ShootClient Api, TestUser Alice, TestUser Bob, TestUser Mallory, long RoomId)
{
    public string Typing => $"/topic/typing/{RoomId}";
    public string Active => $"/topic/active/{RoomId}";
    public string Messages => $"/topic/messages/{RoomId}";

    public static async Task<RealtimeRoom> CreateAsync(ShootClient api)
    {
        var alice = await api.CreateUserAsync("rt");
        var bob = await api.CreateUserAsync("rt");
        var mallory = await api.CreateUserAsync("rt");
        var roomId = (await api.PostAsync("/api/v1/chatrooms", new { type = "INDIVIDUAL", participantIds = new[] { bob.Id } }, alice.AccessToken))
            .AssertStatus(HttpStatusCode.Created).Data["id"]!.GetValue<long>();
        return new RealtimeRoom(api, alice, bob, mallory, roomId);
    }

    public string TypingJson(bool isTyping) => $$"""{"roomId":{{RoomId}},"isTyping":{{(isTyping ? "true" : "false")}}}""";

    /// <summary>Waits (bounded) until GET /api/v1/users/{id} shows <paramref name="status"/>; returns that response's data.</summary>
    public static async Task<System.Text.Json.Nodes.JsonNode> WaitForStatusAsync(ShootClient api, TestUser viewer, long userId, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var user = (await api.GetAsync($"/api/v1/users/{userId}", viewer.AccessToken)).AssertStatus(HttpStatusCode.OK).Data;
            if (user["status"]!.GetValue<string>() == status)
                return user;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"User {userId} is {user["status"]}, expected {status}");
            await Task.Delay(50);
        }
    }

    public static long[] UserIds(System.Text.Json.Nodes.JsonNode activeEvent) =>
        activeEvent["activeUserIds"]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
}
