using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Usage: Shoot.AllocationReport <trace.nettrace> [units] [--stacks <type>]
// The trace: dotnet-trace collect -p <pid> --providers "Microsoft-Windows-DotNETRuntime:0x1:5" --duration 00:00:00:10
// The runtime raises an AllocationTick event about every 100 KB a thread allocates, naming the type of the object that
// crossed the line, so summing the ticks by type estimates where the bytes go. [units] (the messages sent while the
// trace ran, say) turns the totals into bytes per unit. --stacks <type> also prints where that type's bytes were
// allocated: the managed frames nearest the allocation (the event's call stack, resolved through the trace's rundown).
var stacksAt = Array.IndexOf(args, "--stacks");
var stacksOf = stacksAt >= 0 && stacksAt + 1 < args.Length ? args[stacksAt + 1] : null;
var positional = stacksOf is null ? args : args.Where((_, i) => i != stacksAt && i != stacksAt + 1).ToArray();
if (positional.Length is < 1 or > 2 || !File.Exists(positional[0]))
{
    Console.Error.WriteLine("usage: Shoot.AllocationReport <trace.nettrace> [units] [--stacks <type>]");
    return 2;
}
var units = positional.Length == 2 ? double.Parse(positional[1], CultureInfo.InvariantCulture) : 1;
var bytesByType = new Dictionary<string, double>(StringComparer.Ordinal);
var bytesByStack = new Dictionary<string, double>(StringComparer.Ordinal);
double total = 0;

void Count(GCAllocationTickTraceData tick)
{
    var type = tick.TypeName ?? "(unknown)";
    bytesByType[type] = bytesByType.GetValueOrDefault(type) + tick.AllocationAmount64;
    total += tick.AllocationAmount64;
}

if (stacksOf is null)
{
    using var source = new EventPipeEventSource(positional[0]);
    source.Clr.GCAllocationTick += Count;
    source.Process();
}
else
{
    using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(positional[0]));
    var source = log.Events.GetSource();
    source.Clr.GCAllocationTick += tick =>
    {
        Count(tick);
        if (tick.TypeName != stacksOf)
            return;
        // The innermost frames of our own code and the framework's below it say who allocated; six are enough to tell.
        var frames = new List<string>();
        for (var frame = tick.CallStack(); frame is not null && frames.Count < 6; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName;
            if (!string.IsNullOrEmpty(name))
                frames.Add(name.Length > 110 ? name[..110] : name);
        }
        var key = frames.Count == 0 ? "(no stack)" : string.Join("\n      < ", frames);
        bytesByStack[key] = bytesByStack.GetValueOrDefault(key) + tick.AllocationAmount64;
    };
    source.Process();
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total / 1e6:F1} MB sampled; {total / units / 1024:F1} KB per unit"));
foreach (var (type, bytes) in bytesByType.OrderByDescending(kv => kv.Value).Take(40))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{100 * bytes / total,6:F1} % {bytes / units,10:F0} B per unit  {type}"));
if (stacksOf is not null)
{
    Console.WriteLine($"\nwhere {stacksOf} was allocated:");
    foreach (var (stack, bytes) in bytesByStack.OrderByDescending(kv => kv.Value).Take(25))
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes / units,8:F0} B per unit  {stack}"));
}
return 0;
