namespace Shoot.Infrastructure.Messaging.Bus;

/// <summary>
/// Gathers single calls into group calls, for steps whose cost is a round trip (<see cref="RedisMessageSequencer"/>'s
/// status steps: the producer reports each message's SENT_TO_KAFKA on its own, many at once under load). While one group
/// is on its way, the calls that arrive wait and go together in the next; a lone call goes at once, so nothing waits
/// at low rates. Each caller gets its own item's answer.
/// </summary>
public sealed class StepGroups<TItem, TAnswer>(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TAnswer>>> runGroup)
{
    private readonly Lock _gate = new();
    private List<(TItem Item, TaskCompletionSource<TAnswer> Answer)> _waiting = [];
    private bool _groupOnItsWay;

    public Task<TAnswer> RunAsync(TItem item)
    {
        var answer = new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiting.Add((item, answer));
            if (_groupOnItsWay)
                return answer.Task;
            _groupOnItsWay = true;
        }
        _ = RunGroupsAsync();
        return answer.Task;
    }

    /// <summary>Runs the waiting group, then the one that gathered meanwhile, until none is waiting.</summary>
    private async Task RunGroupsAsync()
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TAnswer> Answer)> group;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _groupOnItsWay = false;
                    return;
                }
                (group, _waiting) = (_waiting, []);
            }
            try
            {
                var answers = await runGroup(group.ConvertAll(waiting => waiting.Item));
                for (var i = 0; i < group.Count; i++)
                    group[i].Answer.SetResult(answers[i]);
            }
            catch (Exception e)
            {
                group.ForEach(waiting => waiting.Answer.TrySetException(e));
            }
        }
    }
}
