using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Shoot.Benchmarks;

/// <summary>
/// Benchmarks whose OperationsPerInvoke is one frame (or one delivery) implement this to say how many bytes one
/// operation moves, so the summary can show frames/s and MB/s next to the mean.
/// </summary>
public interface IBytesPerOperation
{
    long BytesPerOperation { get; }
}

public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new ThroughputColumn(megabytes: false), new ThroughputColumn(megabytes: true));
    }
}

internal sealed class ThroughputColumn(bool megabytes) : IColumn
{
    public string Id => megabytes ? "MBps" : "OpsPerSec";

    public string ColumnName => megabytes ? "MB/s" : "Ops/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => megabytes ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => megabytes ? "Megabytes (10^6) per second" : "Operations (frames or deliveries) per second";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0) return "-";
        var perSecond = 1e9 / meanNanoseconds.Value;
        if (!megabytes) return perSecond.ToString("N0");
        var instance = (IBytesPerOperation)Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            benchmarkCase.Descriptor.Type.GetProperty(parameter.Name)?.SetValue(instance, parameter.Value);
        }
        return (perSecond * instance.BytesPerOperation / 1e6).ToString("N1");
    }
}
