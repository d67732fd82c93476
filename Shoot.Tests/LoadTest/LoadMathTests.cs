using System.Diagnostics;
using System.Text;
using Shoot.LoadTest;

namespace Shoot.Tests.LoadTest;

/// <summary>The load tool's pure helpers: the latency stamp in tempId, the send schedule and the spread of clients.</summary>
[Trait("Category", "Unit")]
public sealed class LoadMathTests
{
    [Fact]
    public void TempId_round_trips_client_sequence_and_ticks_within_the_server_limit()
    {
        var tempId = new LoadTempId(4999, 123_456, Stopwatch.GetTimestamp());

        Assert.True(LoadTempId.TryParse(tempId.ToString(), out var decoded));
        Assert.Equal(tempId, decoded);
        Assert.True(LoadTempId.TryParse(Encoding.UTF8.GetBytes(tempId.ToString()), out decoded));
        Assert.Equal(tempId, decoded);
        Assert.True(new LoadTempId(int.MaxValue, long.MaxValue, long.MaxValue).ToString().Length <= 100);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("client-made-id")]
    [InlineData("lt-1-2")]
    [InlineData("lt-1-2-x")]
    [InlineData("lt--1-2-3")]
    [InlineData("lt-1-2-3-4")]
    [InlineData("lt-+1-2-3")]
    [InlineData("lt-1-2-3 ")]
    [InlineData("lt-2147483648-2-3")] // client beyond int
    [InlineData("lt-1-2-99999999999999999999")] // ticks beyond long
    public void Foreign_tempIds_are_not_decoded(string? tempId) =>
        Assert.False(LoadTempId.TryParse(tempId, out _));

    [Fact]
    public void A_ramp_rises_linearly_to_the_full_rate_and_then_keeps_it()
    {
        var f = Stopwatch.Frequency;
        // 2 msg/s after a 10 s ramp: the ramp holds 10 sends (half the full rate's 20), a quarter of them in its first half.
        Assert.Equal(0, LoadMath.DueTicks(0, 2, 0, rampSeconds: 10));
        Assert.Equal(5 * f, LoadMath.DueTicks(2, 2, 0.5, rampSeconds: 10));
        Assert.Equal(10 * f, LoadMath.DueTicks(10, 2, 0, rampSeconds: 10));
        Assert.Equal(11 * f, LoadMath.DueTicks(12, 2, 0, rampSeconds: 10));
        // Never earlier than without the ramp, and the gaps shrink towards one interval.
        var due = Enumerable.Range(0, 40).Select(n => LoadMath.DueTicks(n, 2, 0, rampSeconds: 10)).ToList();
        Assert.All(due.Select((d, n) => (d, n)), x => Assert.True(x.d >= LoadMath.DueTicks(x.n, 2, 0)));
        Assert.True(due.Zip(due.Skip(1), (a, b) => b - a).Zip(due.Skip(1).Zip(due.Skip(2), (a, b) => b - a), (g1, g2) => g2 <= g1 + 1).All(x => x));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("6")] // past the 5 s warm-up: the measured window would not run at the full rate
    public void A_ramp_must_fit_the_warm_up(string ramp) =>
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--warmup", "5", "--ramp", ramp]));

    [Fact]
    public void Schedule_is_absolute_and_phase_shifted()
    {
        var f = Stopwatch.Frequency;
        Assert.Equal(0, LoadMath.DueTicks(0, 2, 0));
        Assert.Equal(f / 2, LoadMath.DueTicks(1, 2, 0));
        Assert.Equal(10 * f, LoadMath.DueTicks(20, 2, 0));
        // Half a phase at 2 msg/s is a quarter second.
        Assert.Equal(f / 4, LoadMath.DueTicks(0, 2, 0.5));
        Assert.Equal(0.0, LoadMath.Phase(0, 50));
        Assert.Equal(0.5, LoadMath.Phase(25, 50));
    }

    [Fact]
    public void Ticks_convert_to_microseconds() =>
        Assert.Equal(1_500_000, LoadMath.TicksToMicroseconds(Stopwatch.Frequency * 3 / 2));

    [Fact]
    public void Rooms_are_even_and_every_room_spans_both_instances()
    {
        const int clients = 50, rooms = 10, urls = 2;
        var members = Enumerable.Range(0, clients).GroupBy(c => LoadMath.RoomOf(c, rooms)).ToList();

        Assert.Equal(rooms, members.Count);
        Assert.All(members, room => Assert.Equal(5, room.Count()));
        Assert.All(members, room => Assert.Equal(urls, room.Select(c => LoadMath.UrlOf(c, rooms, urls)).Distinct().Count()));
    }

    [Fact]
    public void Payload_has_the_requested_size_and_is_never_empty()
    {
        Assert.Equal(100, LoadMath.Payload(100).Length);
        Assert.Equal(1, LoadMath.Payload(0).Length);
    }
}
