using Shoot.Infrastructure.Messaging.Bus;

namespace Shoot.Tests.Infrastructure.Messaging.Bus;

/// <summary>
/// Single calls gathered into group calls (the Redis sequencer's single status steps): calls arriving while a group is
/// on its way go together in the next, a lone call goes at once, each caller gets its own answer, and a failed group
/// fails only its own callers.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StepGroupsTests
{
    [Fact]
    public async Task Calls_arriving_while_a_group_is_on_its_way_go_together_in_the_next_each_with_its_own_answer()
    {
        var groups = new List<int[]>();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var steps = new StepGroups<int, string>(async items =>
        {
            lock (groups)
                groups.Add([.. items]);
            if (firstStarted.TrySetResult())
                await release.Task;
            return items.Select(i => $"answer {i}").ToList();
        });

        var first = steps.RunAsync(0);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var rest = Enumerable.Range(1, 9).Select(steps.RunAsync).ToList();
        Assert.False(first.IsCompleted);
        release.SetResult();
        var answers = await Task.WhenAll(rest.Prepend(first)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"answer {i}"), answers);
        Assert.Equal([[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]], groups);
        // Nothing waiting any more: the next call goes at once, alone.
        Assert.Equal("answer 10", await steps.RunAsync(10).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([10], groups[^1]);
    }

    [Fact]
    public async Task A_failed_group_fails_its_own_callers_and_the_next_group_still_runs()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var steps = new StepGroups<int, int>(async items =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await release.Task;
                throw new InvalidOperationException("Redis is down");
            }
            return items.Select(i => i * 2).ToList();
        });

        var failing = steps.RunAsync(1);
        var next = steps.RunAsync(2);
        release.SetResult();

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, await next.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
