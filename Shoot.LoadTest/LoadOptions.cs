using System.Globalization;

namespace Shoot.LoadTest;

/// <summary>What the clients do during the measured window (see <see cref="LoadOptions.Usage"/>).</summary>
public enum Scenario
{
    Messages,
    Reads,
    Typing,

    /// <summary>
    /// The fan-out shape: per room <see cref="LoadOptions.Publishers"/> sending users and
    /// <see cref="LoadOptions.Subscribers"/> receive-only sessions; the subscriber users are shared by every room.
    /// </summary>
    Fanout,

    /// <summary>
    /// The fan-out shape with nobody sending: every session connects, subscribes and stays idle for the measured window;
    /// the report gives the servers' memory and CPU per idle session.
    /// </summary>
    Idle,
}

/// <summary>Command-line options; see <see cref="Usage"/>.</summary>
public sealed record LoadOptions
{
    public List<Uri> Urls { get; init; } = [];
    public int Clients { get; init; } = 50;
    public int Rooms { get; init; } = 10;

    /// <summary>Messages per second sent by each client (so the offered total is Clients × Rate).</summary>
    public double Rate { get; init; } = 2;

    public double DurationSeconds { get; init; } = 30;
    public double WarmupSeconds { get; init; } = 5;

    /// <summary>Seconds over which the message rate rises from 0 to --rate, within the warm-up (0: full rate at once).</summary>
    public double RampSeconds { get; init; }

    /// <summary>After the last send, how long receivers may still collect in-flight messages.</summary>
    public double DrainSeconds { get; init; } = 5;

    public int PayloadBytes { get; init; } = 100;
    public string Password { get; init; } = "loadtest123";

    public Scenario Scenario { get; init; } = Scenario.Messages;

    /// <summary>Fan-out scenario: receive-only sessions per room (one per shared subscriber user).</summary>
    public int Subscribers { get; init; } = 50;

    /// <summary>
    /// Fan-out scenario: subscribers also subscribe to their room's status topic, as a client showing the room does
    /// (every member then gets every send's statuses, not only the sender).
    /// </summary>
    public bool WatchStatuses { get; init; }

    /// <summary>Fan-out scenario: sending users per room, each sending at <see cref="Rate"/>.</summary>
    public int Publishers { get; init; } = 1;

    /// <summary>Users signed up: the clients, or in the fan-out scenario the shared subscribers plus every room's publishers.</summary>
    public int Users => HasFanoutShape ? Subscribers + Rooms * Publishers : Clients;

    /// <summary>Fan-out and idle: rooms × (subscribers + publishers) sessions, subscriber users shared by the rooms.</summary>
    public bool HasFanoutShape => Scenario is Scenario.Fanout or Scenario.Idle;

    /// <summary>Users that send: every client, or in the fan-out scenario the publishers.</summary>
    public int Senders => Scenario switch { Scenario.Fanout => Rooms * Publishers, Scenario.Idle => 0, _ => Clients };

    /// <summary>Each client also reads its unread SSE stream; the report adds send → SSE unread latency (messages scenario).</summary>
    public bool Sse { get; init; }

    /// <summary>Server processes (on this machine) whose CPU time is read at the start and end of the measured window.</summary>
    public List<int> ServerPids { get; init; } = [];

    /// <summary>Path of the dotnet-counters tool; with --server-pid the report adds the servers' allocation rate.</summary>
    public string? DotnetCounters { get; init; }

    /// <summary>Clock ticks per second of /proc/&lt;pid&gt;/stat (<c>getconf CLK_TCK</c>; 100 on Linux in practice).</summary>
    public int ClockTicksPerSecond { get; init; } = 100;

    public const string Usage = """
        Shoot load tool.
          dotnet run -c Release --project Shoot.LoadTest -- --url http://127.0.0.1:8080 [--url http://127.0.0.1:8081]
              [--clients 50] [--rooms 10] [--rate 2] [--duration 30] [--warmup 5] [--ramp 0] [--drain 5] [--payload 100]
              [--scenario messages|reads|typing|fanout|idle] [--subscribers 50] [--publishers 1]
              [--sse] [--server-pid PID]... [--clk-tck 100] [--dotnet-counters PATH]
          --url URL      base URL of a Shoot instance; repeat (or comma-separate) for several; members of a room are
                         spread round-robin over them
          --clients N    users signed up, each with one STOMP session
          --rooms M      GROUP rooms; client i joins room i mod M (each room needs ≥2 members)
          --rate R       messages per second PER CLIENT (offered total = N × R)
          --duration S   measured sending time; sends stop by themselves afterwards
          --warmup S     sending before the measurement starts (those messages are not counted)
          --ramp S       (messages, fanout) the send rate rises in a straight line from 0 to --rate over the first S
                         seconds of the warm-up (S ≤ --warmup), so the server warms up (JIT) before it meets the full
                         rate; 0 (default) starts at the full rate
          --drain S      wait after the last send for messages still in flight
          --payload B    message text size in bytes
          --scenario S   messages (default): every client sends /app/chat at --rate; loss/order/latency report
                         reads: clients send messages during --warmup (seeding), wait until they are SAVED, then each
                           sends /app/read at --rate for --duration, read n naming the n-th seeded message of the room
                           (a reader moving through the room); re-broadcasts of known messages count as updates
                         typing: clients send /app/typing isTyping:true at --rate; /topic/typing events are counted
                         fanout: --rooms rooms, each with --publishers users sending at --rate (per publisher) and
                           --subscribers receive-only STOMP sessions; the subscriber users are the same in every room
                           (each member of all rooms, one session per room), so setup signs up only
                           subscribers + rooms × publishers users; --clients is ignored; loss/order/latency report
                         idle: the fanout shape with nobody sending (--rate ignored): all sessions connect and
                           subscribe, wait --warmup, then stay idle for --duration; with --server-pid the report gives
                           the servers' resident memory before and after connecting (KB per session) and their CPU
                           while idle (µs per session per second). Sessions negotiate no heart-beats.
          --subscribers S  (fanout) receive-only sessions per room (subscribers + publishers ≤ 100, a room's limit)
          --publishers P   (fanout) sending users per room
          --watch-statuses (fanout) subscribers also subscribe to /topic/message/status/{roomId}, as a client showing
                         the room does, so every member receives every send's statuses
          --sse          (messages scenario) each client also opens its unread stream, GET /api/v1/sse/unread/{userId},
                         on its STOMP session's instance before the warm-up and reads it all run; the report adds unread
                         events/s and send → SSE unread latency: a message from another member counts as announced when
                         the first unread event of its room whose count (relative to the start) reaches its rank among
                         others' messages in seq order arrives; uncovered messages and counts going back are reported
          --server-pid P server process to charge CPU time (utime+stime of /proc/P/stat) over the measured window;
                         repeat for several; the report then shows CPU ms per 1,000 events
          --clk-tck T    clock ticks per second of /proc/P/stat (getconf CLK_TCK)
          --dotnet-counters PATH  with --server-pid: read the servers' allocated bytes over the measured window
                         with this dotnet-counters; the report adds MB/s and bytes per send and per delivery
        Other mode:
          --kafka-mock   start a librdkafka mock cluster (1 broker, topics chat-messages, chat-messages-dlq), print
                         "BOOTSTRAP <servers>" and run until killed
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var urls = new List<Uri>();
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            double Number() => double.Parse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture);
            int Integer() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--url" => AddUrls(options, urls, Value()),
                "--clients" => options with { Clients = Integer() },
                "--rooms" => options with { Rooms = Integer() },
                "--rate" => options with { Rate = Number() },
                "--duration" => options with { DurationSeconds = Number() },
                "--warmup" => options with { WarmupSeconds = Number() },
                "--ramp" => options with { RampSeconds = Number() },
                "--drain" => options with { DrainSeconds = Number() },
                "--payload" => options with { PayloadBytes = Integer() },
                "--scenario" => options with { Scenario = ParseScenario(Value()) },
                "--subscribers" => options with { Subscribers = Integer() },
                "--publishers" => options with { Publishers = Integer() },
                "--watch-statuses" => options with { WatchStatuses = true },
                "--sse" => options with { Sse = true },
                "--server-pid" => options with { ServerPids = [.. options.ServerPids, Integer()] },
                "--clk-tck" => options with { ClockTicksPerSecond = Integer() },
                "--dotnet-counters" => options with { DotnetCounters = Value() },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        options = options with { Urls = urls.Count > 0 ? urls : [new Uri("http://localhost:8080")] };
        if (options.HasFanoutShape)
        {
            if (options.Rooms < 1 || options.Subscribers < 1 || options.Publishers < 1)
                throw new ArgumentException("--rooms, --subscribers and --publishers must be at least 1.");
            if (options.Subscribers + options.Publishers > 100)
                throw new ArgumentException("A GROUP room holds at most 100 participants: --subscribers + --publishers ≤ 100.");
        }
        else
        {
            if (options.Rooms < 1 || options.Clients < 2 * options.Rooms)
                throw new ArgumentException("Every room needs at least 2 members: --clients must be ≥ 2 × --rooms.");
            if (options.Clients > 100 * options.Rooms)
                throw new ArgumentException("A GROUP room holds at most 100 participants: raise --rooms.");
        }
        if ((options.Rate <= 0 && options.Scenario != Scenario.Idle) || options.DurationSeconds <= 0 || options.WarmupSeconds < 0 || options.DrainSeconds < 0)
            throw new ArgumentException("--rate and --duration must be positive; --warmup and --drain not negative.");
        if (options.RampSeconds < 0 || options.RampSeconds > options.WarmupSeconds)
            throw new ArgumentException("--ramp must be between 0 and --warmup: the measured window runs at the full rate.");
        if (options.Scenario == Scenario.Reads && options.WarmupSeconds <= 0)
            throw new ArgumentException("--scenario reads seeds its messages during --warmup, which must be positive.");
        // Only while nobody reads does a count say which messages it covers (see UnreadCoverage).
        if (options.Sse && options.Scenario != Scenario.Messages)
            throw new ArgumentException("--sse goes with --scenario messages only.");
        if (options.ClockTicksPerSecond < 1) throw new ArgumentException("--clk-tck must be positive.");
        if (options.PayloadBytes is < 1 or > 4000) throw new ArgumentException("--payload must be 1..4000 (the text limit).");
        return options;
    }

    private static Scenario ParseScenario(string value) => value switch
    {
        "messages" => Scenario.Messages,
        "reads" => Scenario.Reads,
        "typing" => Scenario.Typing,
        "fanout" => Scenario.Fanout,
        "idle" => Scenario.Idle,
        _ => throw new ArgumentException($"Unknown scenario {value} (messages, reads, typing, fanout or idle)."),
    };

    private static LoadOptions AddUrls(LoadOptions options, List<Uri> urls, string value)
    {
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            urls.Add(new Uri(part.TrimEnd('/') + "/"));
        return options;
    }
}
