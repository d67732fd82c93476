using System.Text;
using System.Text.Json;
using Shoot.LoadTest;

namespace Shoot.Tests.LoadTest;

/// <summary>The fan-out scenario's options, its one-pass Message scan and the allocation figure read from dotnet-counters.</summary>
[Trait("Category", "Unit")]
public sealed class FanoutScenarioTests
{
    [Fact]
    public void Fanout_signs_up_shared_subscribers_plus_each_rooms_publishers_and_ignores_clients()
    {
        var options = LoadOptions.Parse(["--scenario", "fanout", "--rooms", "10", "--subscribers", "50", "--publishers", "2", "--clients", "7"]);

        Assert.Equal(Scenario.Fanout, options.Scenario);
        Assert.Equal(50 + 10 * 2, options.Users);
        Assert.Equal(10 * 2, options.Senders);
    }

    [Theory]
    [InlineData("--subscribers", "100")] // 100 + 1 publisher > a GROUP room's 100 participants
    [InlineData("--subscribers", "0")]
    [InlineData("--publishers", "0")]
    public void Fanout_rooms_must_fit_a_group_room(string option, string value) =>
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--scenario", "fanout", option, value]));

    [Fact]
    public void Idle_has_the_fanout_shape_sends_nothing_and_needs_no_rate()
    {
        var options = LoadOptions.Parse(["--scenario", "idle", "--rooms", "150", "--subscribers", "99", "--publishers", "1", "--rate", "0"]);
        Assert.Equal(99 + 150, options.Users);
        Assert.Equal(0, options.Senders);
    }

    [Fact]
    public void Other_scenarios_still_count_every_client_as_a_user_and_a_sender()
    {
        var options = LoadOptions.Parse(["--clients", "40", "--rooms", "4"]);
        Assert.Equal((40, 40), (options.Users, options.Senders));
    }

    [Fact]
    public void The_scan_finds_seq_and_tempId_wherever_they_are_and_skips_nested_objects()
    {
        var body = Encoding.UTF8.GetBytes("""
            {"id":"m1","content":{"text":"x","seq":99,"tempId":"inner"},"tempId":"lt-1-2-3","reactions":[{"seq":7}],"seq":42}
            """);
        Assert.Equal((42L, new LoadTempId(1, 2, 3)), LoadMath.ReadSeqAndTempId(body));
        // An escaped tempId is still one (JSON allows escaping any character).
        Assert.Equal((43L, new LoadTempId(1, 2, 3)), LoadMath.ReadSeqAndTempId("""{"tempId":"\u006ct-1-2-3","seq":43}"""u8));
    }

    [Fact]
    public void The_scan_gives_a_null_tempId_when_it_is_absent_not_a_string_or_not_the_load_tools()
    {
        Assert.Equal((5L, (LoadTempId?)null), LoadMath.ReadSeqAndTempId("""{"seq":5}"""u8));
        Assert.Equal((6L, (LoadTempId?)null), LoadMath.ReadSeqAndTempId("""{"tempId":null,"seq":6}"""u8));
        Assert.Equal((7L, (LoadTempId?)null), LoadMath.ReadSeqAndTempId("""{"tempId":"client-made","seq":7}"""u8));
    }

    [Fact]
    public void A_status_gives_its_tempId_only_when_it_says_SAVED()
    {
        Assert.Equal(new LoadTempId(4, 5, 6), LoadMath.ReadSavedTempId("""{"messageId":"m","tempId":"lt-4-5-6","status":"SAVED","meta":{"status":"x"}}"""u8));
        Assert.Null(LoadMath.ReadSavedTempId("""{"tempId":"lt-4-5-6","status":"PROCESSING"}"""u8));
        Assert.Null(LoadMath.ReadSavedTempId("""{"tempId":"lt-4-5-6","status":{"name":"SAVED"}}"""u8));
        Assert.Null(LoadMath.ReadSavedTempId("""{"status":"SAVED"}"""u8));
    }

    [Fact]
    public void The_scan_refuses_a_message_without_seq_and_bad_json()
    {
        Assert.Throws<KeyNotFoundException>(() => LoadMath.ReadSeqAndTempId("""{"tempId":"t"}"""u8.ToArray()));
        Assert.ThrowsAny<JsonException>(() => LoadMath.ReadSeqAndTempId("""{"seq":"""u8.ToArray()));
    }

    [Fact]
    public void Allocated_bytes_are_the_sum_of_the_allocation_rows_only()
    {
        string[] csv =
        [
            "Timestamp,Provider,Counter Name,Counter Type,Mean/Increment",
            "12/02/2026 15:06:31,System.Runtime,dotnet.process.cpu.time (s / 1 sec)[cpu.mode=user],Rate,0.1",
            "12/02/2026 15:06:31,System.Runtime,dotnet.gc.heap.total_allocated (By / 1 sec),Rate,73504",
            "12/02/2026 15:06:32,System.Runtime,dotnet.gc.heap.total_allocated (By / 1 sec),Rate,40840",
        ];
        Assert.Equal(73504 + 40840, ServerAllocations.SumAllocatedBytes(csv));
    }
}
