namespace Shoot.Tests.Features.Friends;

/// <summary>
/// The answer recommendations must give, computed independently of the SQL: a plain breadth-first search over an
/// in-memory adjacency list, then the exclusions and order of docs/api.md §3.
/// </summary>
public static class ExpectedRecommendations
{
    public static List<(long UserId, long MutualFriends, long Depth)> For(
        long me, IEnumerable<(long A, long B)> friendships, int maxDepth, IEnumerable<long>? pendingWithMe = null)
    {
        var adjacency = new Dictionary<long, HashSet<long>>();
        foreach (var (a, b) in friendships)
        {
            Neighbours(adjacency, a).Add(b);
            Neighbours(adjacency, b).Add(a);
        }

        var distance = new Dictionary<long, int> { [me] = 0 };
        var frontier = new Queue<long>([me]);
        while (frontier.Count > 0)
        {
            var user = frontier.Dequeue();
            if (distance[user] == maxDepth)
                continue;
            foreach (var next in Neighbours(adjacency, user))
            {
                if (distance.TryAdd(next, distance[user] + 1))
                    frontier.Enqueue(next);
            }
        }

        var excluded = new HashSet<long>(pendingWithMe ?? []);
        var myFriends = Neighbours(adjacency, me);
        return distance
            .Where(d => d.Value >= 2 && !excluded.Contains(d.Key))
            .Select(d => (UserId: d.Key, MutualFriends: (long)Neighbours(adjacency, d.Key).Count(myFriends.Contains), Depth: (long)d.Value))
            .OrderByDescending(r => r.MutualFriends).ThenBy(r => r.Depth).ThenBy(r => r.UserId)
            .ToList();
    }

    private static HashSet<long> Neighbours(Dictionary<long, HashSet<long>> adjacency, long user) =>
        adjacency.TryGetValue(user, out var set) ? set : adjacency[user] = [];
}
