using Dapper;
using Shoot.Features.Messages;
using Shoot.Tests.Support;

namespace Shoot.Tests.Features.Messages;

/// <summary>The pin suite on SQLite: each test gets its own migrated messages.db.</summary>
[Trait("Category", "Integration")]
public sealed class SqlitePinStoreTests(SqliteMessageDatabases databases) : PinStoreSuite(databases.CreateBackendAsync), IClassFixture<SqliteMessageDatabases>
{
    [Fact]
    public async Task A_rooms_pins_and_the_count_a_pin_checks_are_read_from_the_partial_pin_index()
    {
        await using var connection = await (await databases.CreateAsync()).Sqlite.OpenAsync();

        var list = await connection.QueryAsync($"EXPLAIN QUERY PLAN {SqlitePinStore.PinnedSql}", new { roomId = 1 });
        var pin = await connection.QueryAsync($"EXPLAIN QUERY PLAN {SqlitePinStore.PinSql}",
            new { messageId = "6b071ea5efdcf4691a7309a0", userId = 5, at = 0L, maxPinnedPerRoom = 3 });

        var listPlan = string.Join(" | ", list.Select(step => (string)step.detail));
        Assert.StartsWith("SEARCH messages USING INDEX ix_messages_room_pinned (room_id=?)", listPlan);
        Assert.DoesNotContain("TEMP B-TREE", listPlan);
        Assert.Contains("SEARCH pinned USING COVERING INDEX ix_messages_room_pinned (room_id=?)", string.Join(" | ", pin.Select(step => (string)step.detail)));
    }
}
