using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CnnGen.Benchmarks;

/// <summary>
/// The work of a benchmark call, from its <c>Case</c> parameter ("LeNet5 b64") and its method's <see cref="WorkAttribute"/>:
/// images, and multiply-adds taken from the generated class's <c>MultiplyAddsPerImage</c> (× 3 for a training step).
/// </summary>
public readonly record struct Work(string Network, int Batch, Mode Mode, int Cores, double MultiplyAdds)
{
    /// <summary>One core's fp32 FMA peak with 512-bit vectors, measured on this machine (/work/shared/PERF.md): 223 GFLOP/s.</summary>
    public const double PeakGflopsPerCore = 223;

    /// <summary>The work of <paramref name="benchmarkCase"/>, or null for a benchmark without a <c>Case</c> and a <see cref="WorkAttribute"/>.</summary>
    public static Work? Of(BenchmarkCase benchmarkCase)
    {
        WorkAttribute? work = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<WorkAttribute>();
        if (work is null || benchmarkCase.Parameters["Case"] is not string label)
        {
            return null;
        }

        (string network, int batch) = Catalog.Parse(label);
        double macs = CnnGenCase.MultiplyAdds(network) * (double)batch * (work.Mode == Mode.Train ? 3 : 1);
        return new Work(network, batch, work.Mode, work.Cores, macs);
    }

    /// <summary>Images per second at a call time of <paramref name="nanoseconds"/>.</summary>
    public double ImagesPerSecond(double nanoseconds) => Batch / nanoseconds * 1e9;

    /// <summary>Achieved GFLOP/s (2 FLOP per multiply-add).</summary>
    public double Gflops(double nanoseconds) => 2 * MultiplyAdds / nanoseconds;

    /// <summary>Achieved fraction of the peak of the cores the call may use.</summary>
    public double FractionOfPeak(double nanoseconds) => Gflops(nanoseconds) / (PeakGflopsPerCore * Cores);
}

/// <summary>A BenchmarkDotNet column computed from the median time and the call's <see cref="Work"/>.</summary>
public sealed class WorkColumn : IColumn
{
    private readonly System.Func<Work, double, string> _value;

    private WorkColumn(string name, string legend, int priority, System.Func<Work, double, string> value)
    {
        ColumnName = name;
        Legend = legend;
        PriorityInCategory = priority;
        _value = value;
    }

    /// <summary>images/s at the median.</summary>
    public static readonly WorkColumn ImagesPerSecond = new("images/s", "Images per second at the median time", 0,
        (w, ns) => w.ImagesPerSecond(ns).ToString("N0", CultureInfo.InvariantCulture));

    /// <summary>GFLOP/s at the median.</summary>
    public static readonly WorkColumn Gflops = new("GFLOP/s", "Achieved GFLOP/s at the median: 2 × multiply-adds (generated MultiplyAddsPerImage × batch, × 3 for a training step) / time", 1,
        (w, ns) => w.Gflops(ns).ToString("F1", CultureInfo.InvariantCulture));

    /// <summary>Fraction of the peak at the median.</summary>
    public static readonly WorkColumn Peak = new("% peak", "Achieved GFLOP/s over the peak of the cores used (223 GFLOP/s per core, AVX-512 FMA)", 2,
        (w, ns) => (100 * w.FractionOfPeak(ns)).ToString("F1", CultureInfo.InvariantCulture) + " %");

    /// <inheritdoc/>
    public string Id => nameof(WorkColumn) + "." + ColumnName;

    /// <inheritdoc/>
    public string ColumnName { get; }

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory { get; }

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend { get; }

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        Work? work = Work.Of(benchmarkCase);
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        return work is null || median is null or <= 0 ? "-" : _value(work.Value, median.Value);
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
