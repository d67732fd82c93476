using System.Diagnostics;
using System.Net;
using System.Text;
using Shoot.LoadTest;

namespace Shoot.Tests.LoadTest;

/// <summary>The load tool's unread stream: parsing text/event-stream, refusing a stream that does not open, and the send → unread coverage rule.</summary>
[Trait("Category", "Integration")]
public sealed class SseUnreadTests
{
    [Fact]
    public void Parser_dispatches_on_blank_lines_skips_comments_and_joins_data()
    {
        var parser = new SseEventParser();
        string[] lines = [": connected", "", "id: 1", "event: unread", "data: {\"a\":1,", "data:\"b\":2}", "", ": ping", "", "data: x", ""];

        var events = lines.Select(parser.Push).OfType<ServerSentEvent>().ToList();

        Assert.Equal([new ServerSentEvent("1", "unread", "{\"a\":1,\n\"b\":2}"), new ServerSentEvent("1", "message", "x")], events);
    }

    [Fact]
    public async Task A_stream_that_answers_other_than_200_event_stream_is_an_error()
    {
        using var http = new HttpClient(new FixedResponse(HttpStatusCode.Forbidden, "application/json", "{\"code\":403}"));
        await using var stream = new SseUnreadClient(http, User, roomId: 9);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => stream.OpenAsync(CancellationToken.None));
        Assert.Contains("403", error.Message);
    }

    [Fact]
    public async Task Unread_events_of_the_room_are_kept_and_a_stream_the_server_ends_is_a_failure()
    {
        const string body = ": connected\n\nid: a\nevent: unread\ndata: {\"roomId\":9,\"unreadCount\":2,\"totalUnread\":2}\n\n" +
                            "event: unread\ndata: {\"roomId\":8,\"unreadCount\":1,\"totalUnread\":3}\n\n";
        using var http = new HttpClient(new FixedResponse(HttpStatusCode.OK, "text/event-stream", body));
        await using var stream = new SseUnreadClient(http, User, roomId: 9);

        await stream.OpenAsync(CancellationToken.None);
        await WaitUntilAsync(() => stream.Failure is not null);

        Assert.Equal([(2L, 2L)], stream.Events.Select(e => (e.UnreadCount, e.TotalUnread)));
        Assert.Equal(1, stream.ForeignRoomEvents);
        Assert.True(stream.HasCounted(2));
        Assert.Equal("unread stream ended by the server", stream.Failure);
    }

    [Fact]
    public void A_message_is_covered_by_the_first_event_counting_up_to_its_rank()
    {
        // Three messages from others (seq 2, 5, 7; sent at 100, 200, 300), counted from 1 at the start.
        MessageFromOther[] messages = [new(7, 300), new(2, 100), new(5, 200), new(2, 100)];
        UnreadEvent[] events = [new(2, 2, 1_000), new(3, 3, 2_000), new(4, 4, 3_000)];

        var coverage = UnreadCoverage.Compute(messages, new UnreadAtStart(1, 1), events, measureFromTicks: 0);

        long[] expected = [1_000 - 100, 2_000 - 200, 3_000 - 300];
        Assert.Equal(expected.Select(LoadMath.TicksToMicroseconds), coverage.LatenciesMicroseconds);
        Assert.Equal((0, 0, 0L, 3L, 0), (coverage.Uncovered, coverage.BackwardSteps, coverage.LargestDrop, coverage.FinalCount, coverage.TotalMismatches));
    }

    [Fact]
    public void Coalesced_backward_and_missing_counts_are_told_apart()
    {
        var second = Stopwatch.Frequency;
        MessageFromOther[] messages = [new(1, 0), new(2, second), new(3, 2 * second), new(4, 3 * second)];
        // One event covers the first two at once, then the count steps back and never reaches the fourth; the total drifts.
        UnreadEvent[] events = [new(2, 2, 2 * second), new(1, 1, 3 * second), new(3, 4, 4 * second)];

        var coverage = UnreadCoverage.Compute(messages, new UnreadAtStart(0, 0), events, measureFromTicks: second);

        // The first message (sent before the window) is ranked but not measured.
        Assert.Equal([1_000_000L, 2_000_000L], coverage.LatenciesMicroseconds);
        Assert.Equal((1, 1, 1L, 3L, 1), (coverage.Uncovered, coverage.BackwardSteps, coverage.LargestDrop, coverage.FinalCount, coverage.TotalMismatches));
    }

    private static readonly LoadUser User = new(3, 42, "token", new Uri("http://127.0.0.1:1/"));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
    }

    private sealed class FixedResponse(HttpStatusCode status, string mediaType, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("/api/v1/sse/unread/42", request.RequestUri!.AbsolutePath);
            Assert.Equal("Bearer token", request.Headers.Authorization!.ToString());
            var content = new StringContent(body, Encoding.UTF8, mediaType);
            return Task.FromResult(new HttpResponseMessage(status) { Content = content });
        }
    }
}
