using Shoot.Tests.Deployment;
using Shoot.Tests.Support;

namespace Shoot.Tests.Api;

/// <summary>
/// The web client at / in Debian's chromium, driven by playwright-core (js/test/web-chat.cjs): two people sign up in
/// their own browser contexts, find each other, and chat — typing, the message with its SAVED tick, the read receipt,
/// a reaction, a reply, the peer's presence, a pin the other side sees and unpins, an edit and a delete seen live, a
/// thread reply, a friend request by user code accepted, a group room with the new friend and a message in it, a
/// forward, favourites and room search, no overflow at phone width, a scheduled message that the Hangfire dashboard
/// lists — with no console or page error on either side. It also saves the screenshots shown in the
/// README (TestResults/web-client.png and hangfire-dashboard.png; docs/ holds copies).
/// </summary>
[Trait("Category", "Browser")]
public sealed class WebClientBrowserTests : IAsyncLifetime
{
    private readonly ShootAppFactory _factory = new(kestrel: true);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Two_people_chat_in_the_browser_without_console_errors()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's chromium is required: apt-get install chromium (scripts/test.sh does)");
        var output = Path.Combine(RepositoryPaths.Root(), "TestResults");
        Directory.CreateDirectory(output);
        var screenshot = Path.Combine(output, "web-client.png");
        var dashboard = Path.Combine(output, "hangfire-dashboard.png");
        File.Delete(screenshot);
        File.Delete(dashboard);

        var result = await NodeScript.RunAsync("web-chat.cjs", TimeSpan.FromMinutes(3),
            _factory.ServerAddress.ToString().TrimEnd('/'), screenshot, dashboard);

        var steps = result["steps"]!.AsObject();
        foreach (var step in new[] { "signedUp", "roomOpened", "typingSeen", "messageReceived", "savedTick", "readReceipt", "reactionSeen", "replyReceived",
                     "presenceSeen", "pinSeen", "unpinSeen", "editSeen", "deleteSeen", "threadSeen", "friendAccepted", "groupMessage",
                     "forwarded", "roomFilters", "phoneWidth", "scheduled" })
            Assert.True(steps[step]?.GetValue<bool>() == true, $"step {step} not reached: {result}");
        Assert.Empty(result["problems"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot of the chat was not written");
        Assert.True(new FileInfo(dashboard).Length > 10_000, "the screenshot of the dashboard was not written");
    }
}
