using System.Globalization;
using Microsoft.Diagnostics.Tracing;

// Usage: Shoot.AllocationReport <trace.nettrace> [units]
// The trace: dotnet-trace collect -p <pid> --providers "Microsoft-Windows-DotNETRuntime:0x1:5" --duration 00:00:00:10
// The runtime raises an AllocationTick event about every 100 KB a thread allocates, naming the type of the object that
// crossed the line, so summing the ticks by type estimates where the bytes go. [units] (the messages sent while the
// trace ran, say) turns the totals into bytes per unit.
if (args.Length is < 1 or > 2 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Shoot.AllocationReport <trace.nettrace> [units]");
    return 2;
}
var units = args.Length == 2 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1;
var bytesByType = new Dictionary<string, double>(StringComparer.Ordinal);
double total = 0;
using (var source = new EventPipeEventSource(args[0]))
{
    source.Clr.GCAllocationTick += tick =>
    {
        var type = tick.TypeName ?? "(unknown)";
        bytesByType[type] = bytesByType.GetValueOrDefault(type) + tick.AllocationAmount64;
        total += tick.AllocationAmount64;
    };
    source.Process();
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total / 1e6:F1} MB sampled; {total / units / 1024:F1} KB per unit"));
foreach (var (type, bytes) in bytesByType.OrderByDescending(kv => kv.Value).Take(40))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{100 * bytes / total,6:F1} % {bytes / units,10:F0} B per unit  {type}"));
return 0;
