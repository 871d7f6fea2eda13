using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace CnnGen.Benchmarks;

/// <summary>One measured benchmark: class, method, case, median time and allocation per call.</summary>
public sealed record Measured(string Class, string Method, string Case, double MedianNs, long? AllocatedBytes);

/// <summary>
/// Writes the markdown tables of docs/benchmarks.md from one run: BenchmarkDotNet's medians (CnnGen, ONNX Runtime),
/// PyTorch's from tools/bench/pytorch_bench.py, and the JIT/AOT harness's, with every issue-14 target and whether
/// it is met.
/// </summary>
public static class Table
{
    /// <summary>Start marker of the generated section in docs/benchmarks.md.</summary>
    public const string Begin = "<!-- results:begin (written by tests/CnnGen.Benchmarks --doc; do not edit by hand) -->";

    /// <summary>End marker of the generated section.</summary>
    public const string End = "<!-- results:end -->";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The tables, as markdown.</summary>
    public static string Write(IReadOnlyList<Measured> rows, HarnessResults? pytorch, HarnessResults? jit, HarnessResults? aot, string header)
    {
        var s = new StringBuilder();
        s.AppendLine(header);
        s.AppendLine();

        Measured? Find(string cls, string method, string label) => rows.FirstOrDefault(r => r.Class == cls && r.Method == method && r.Case == label);
        double? Torch(string key) => pytorch is not null && pytorch.Results.TryGetValue(key, out double us) ? us * 1000 : null;
        var targets = new List<(string Target, string Measured, bool? Met)>();

        // One core.
        s.AppendLine("**One core.** Median time per call; images/s, GFLOP/s and % of the core's 223 GFLOP/s peak at that median;");
        s.AppendLine("multiply-adds from the generated `MultiplyAddsPerImage` (× 3 for the training step). ONNX Runtime ran in the");
        s.AppendLine("same process; PyTorch in tools/bench/pytorch_bench.py minutes before.");
        s.AppendLine();
        s.AppendLine("| workload | CnnGen median | CnnGen images/s | GFLOP/s | % peak | CnnGen allocated | ONNX Runtime images/s | PyTorch images/s | CnnGen ÷ peer | target | met |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        var allocations = new List<(string Case, long? Bytes)>();
        foreach ((string label, Mode mode) in Catalog.Forward.Select(c => (c, Mode.Forward)).Concat(Catalog.Train.Select(c => (c, Mode.Train))))
        {
            (string network, int batch) = Catalog.Parse(label);
            string key = CnnGenCase.Describe(network, batch, mode);
            Measured? cnn = Find(mode == Mode.Train ? nameof(Training) : nameof(Forward), "CnnGen", label);
            Measured? ort = mode == Mode.Forward ? Find(nameof(Forward), "OnnxRuntime", label) : null;
            double? torchNs = Torch(key);
            var work = new Work(network, batch, mode, 1, CnnGenCase.MultiplyAdds(network) * (double)batch * (mode == Mode.Train ? 3 : 1));
            (double need, string peer) = (network, batch, mode) switch
            {
                ("LeNet5", 1, Mode.Forward) => (2.0, "ONNX Runtime"),
                ("LeNet5", _, Mode.Forward) => (1.5, "ONNX Runtime"),
                (_, _, Mode.Train) => (4.0, "PyTorch"),
                _ => (1.3, "ONNX Runtime"),
            };
            double? peerNs = peer == "PyTorch" ? torchNs : ort?.MedianNs;
            double? ratio = cnn is not null && peerNs is not null ? peerNs / cnn.MedianNs : null;
            bool? met = ratio is null ? null : ratio >= need;
            string target = string.Create(Inv, $"≥ {need:0.#}× {peer}");
            s.AppendLine(string.Create(Inv,
                $"| {Name(key)} | {Time(cnn?.MedianNs)} | {Rate(cnn, work)} | {Num(cnn is null ? null : work.Gflops(cnn.MedianNs), "F1")} | {(cnn is null ? "—" : Num(100 * work.FractionOfPeak(cnn.MedianNs), "F1") + " %")} | {Bytes(cnn?.AllocatedBytes)} | {Rate(ort, work)} | {RateNs(torchNs, batch)} | {Ratio(ratio)} | {target} | {Met(met)} |"));
            targets.Add(($"{Name(key)}: {target} images/s", Ratio(ratio), met));
            if (cnn is not null) allocations.Add((Name(key), cnn.AllocatedBytes));
        }

        s.AppendLine();

        // Both cores.
        s.AppendLine("**Both cores.** Images/s on one core and on two, side by side in the same run: CnnGen's `DegreeOfParallelism`");
        s.AppendLine("1 and 2 (one network instance; the batch split into parts on the calling thread and a worker), ONNX Runtime's");
        s.AppendLine("`IntraOpNumThreads` 1 and 2.");
        s.AppendLine();
        s.AppendLine("| workload | CnnGen 1 core | CnnGen 2 cores | speed-up | ONNX Runtime 1 thread | ONNX Runtime 2 threads | speed-up | target | met |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---|");
        foreach ((string label, bool training) in Catalog.TwoCores.Select(l => (l, false)).Concat(Catalog.TrainTwoCores.Select(l => (l, true))))
        {
            (string network, int batch) = Catalog.Parse(label);
            string type = training ? nameof(TrainingTwoCores) : nameof(TwoCores);
            var work = new Work(network, batch, training ? Mode.Train : Mode.Forward, 1, CnnGenCase.MultiplyAdds(network) * (double)batch * (training ? 3 : 1));
            Measured? one = Find(type, "CnnGenOneCore", label);
            Measured? two = Find(type, "CnnGenTwoCores", label);
            Measured? ortOne = training ? null : Find(nameof(TwoCores), "OrtOneThread", label);
            Measured? ortTwo = training ? null : Find(nameof(TwoCores), "OrtTwoThreads", label);
            double? speedUp = one is not null && two is not null ? one.MedianNs / two.MedianNs : null;
            double? ortSpeedUp = ortOne is not null && ortTwo is not null ? ortOne.MedianNs / ortTwo.MedianNs : null;
            bool? met = speedUp is null ? null : speedUp >= 1.8;
            string name = Name(label) + (training ? ", training step" : string.Empty);
            s.AppendLine(string.Create(Inv,
                $"| {name} | {Rate(one, work)} | {Rate(two, work)} | {Ratio(speedUp)} | {(training ? "—" : Rate(ortOne, work))} | {(training ? "—" : Rate(ortTwo, work))} | {(training ? "—" : Ratio(ortSpeedUp))} | ≥ 1.8× one core | {Met(met)} |"));
            targets.Add(($"{name}: both cores ≥ 1.8× one core", Ratio(speedUp), met));
        }

        s.AppendLine();

        // JIT vs Native AOT.
        s.AppendLine("**JIT against Native AOT** (CnnGen only, tests/CnnGen.Benchmarks.Aot: the same cases in a Stopwatch harness, median of");
        s.AppendLine("rounds after warm-up; run once under the JIT and once published with `PublishAot` and `IlcInstructionSet=native`).");
        s.AppendLine();
        s.AppendLine("| workload | JIT median | Native AOT median | AOT ÷ JIT speed | allocated per call, JIT / AOT | target | met |");
        s.AppendLine("|---|---:|---:|---:|---:|---|---|");
        IEnumerable<string> harnessKeys = (jit?.Results.Keys ?? Enumerable.Empty<string>()).Union(aot?.Results.Keys ?? Enumerable.Empty<string>());
        foreach (string key in harnessKeys)
        {
            double? j = jit is not null && jit.Results.TryGetValue(key, out double ju) ? ju * 1000 : null;
            double? a = aot is not null && aot.Results.TryGetValue(key, out double au) ? au * 1000 : null;
            string ja = jit is not null && jit.AllocatedBytes.TryGetValue(key, out double jb) ? Bytes((long)Math.Round(jb)) : "—";
            string aa = aot is not null && aot.AllocatedBytes.TryGetValue(key, out double ab) ? Bytes((long)Math.Round(ab)) : "—";
            bool? within = j is null || a is null ? null : Math.Abs((j.Value / a.Value) - 1) <= 0.05;
            s.AppendLine($"| {Name(key)} | {Time(j)} | {Time(a)} | {Ratio(j / a)} | {ja} / {aa} | within 5 % of the JIT | {Met(within)} |");
            targets.Add(($"{Name(key)}: Native AOT within 5 % of the JIT", Ratio(j / a), within));
        }

        if (jit is null && aot is null)
        {
            s.AppendLine("| (not run: tools/bench/run.sh runs the harness) | | | | | | |");
        }

        s.AppendLine();

        // Targets.
        // Zero allocations: the harness counts the calling thread's bytes over every timed call (JIT and AOT);
        // MemoryDiagnoser counts the whole process per iteration, so the runtime's own background work shows up
        // on the slow rows whose iterations hold one call.
        var nonZero = allocations.Where(a => a.Bytes != 0).ToList();
        string allocText = allocations.Count == 0 ? "MemoryDiagnoser: —"
            : nonZero.Count == 0 ? "MemoryDiagnoser: 0 B on every row"
            : "MemoryDiagnoser: " + string.Join("; ", nonZero.Select(a => $"{a.Case} {Bytes(a.Bytes)}")) + "; the other rows 0 B";
        var harnessOneCore = new[] { jit, aot }.Where(h => h is not null)
            .SelectMany(h => h!.AllocatedBytes.Select(kv => (h!.Runtime, kv.Key, kv.Value))).ToList();
        bool? zero = harnessOneCore.Count > 0 ? harnessOneCore.All(x => x.Value == 0)
            : allocations.Count == 0 ? null : nonZero.Count == 0;
        if (harnessOneCore.Count > 0)
        {
            var harnessNonZero = harnessOneCore.Where(x => x.Value != 0).ToList();
            allocText = (harnessNonZero.Count == 0
                ? $"harness (calling thread, every timed call, {string.Join(" and ", new[] { jit, aot }.Where(h => h is not null).Select(h => h!.Runtime))}): 0 B on every row (the workers' own threads: ParallelTests.Multi_core_forward_and_training_allocate_nothing_on_any_thread_after_warm_up)"
                : "harness: " + string.Join("; ", harnessNonZero.Select(x => $"{x.Runtime} {Name(x.Key)} {Bytes((long)Math.Round(x.Value))}")))
                + "; " + allocText;
        }

        targets.Add(("zero allocations per call (CnnGen, every row)", allocText, zero));
        s.AppendLine("**Issue 14 targets.**");
        s.AppendLine();
        s.AppendLine("| target | measured | met |");
        s.AppendLine("|---|---|---|");
        foreach ((string target, string measured, bool? met) in targets)
        {
            s.AppendLine($"| {target} | {measured} | {Met(met)} |");
        }

        return s.ToString();
    }

    /// <summary>Replaces the section between <see cref="Begin"/> and <see cref="End"/> in <paramref name="doc"/> (appends it when absent).</summary>
    public static void UpdateDoc(string doc, string tables)
    {
        string text = File.Exists(doc) ? File.ReadAllText(doc) : "";
        int begin = text.IndexOf(Begin, StringComparison.Ordinal);
        int end = text.IndexOf(End, StringComparison.Ordinal);
        string section = Begin + "\n" + tables + End;
        text = begin >= 0 && end > begin
            ? text[..begin] + section + text[(end + End.Length)..]
            : text + "\n" + section + "\n";
        File.WriteAllText(doc, text);
    }

    private static string Name(string key) => key.Replace("LeNet5", "LeNet-5", StringComparison.Ordinal).Replace("ResNet18", "ResNet-18", StringComparison.Ordinal).Replace("Vgg16", "VGG-16", StringComparison.Ordinal)
        .Replace(" b", ", batch ", StringComparison.Ordinal).Replace(" train", ", training step (SGD)", StringComparison.Ordinal)
        .Replace(" 2 cores", ", 2 cores", StringComparison.Ordinal);

    private static string Time(double? ns) => ns switch
    {
        null => "—",
        < 1e3 => string.Create(Inv, $"{ns:F0} ns"),
        < 1e6 => string.Create(Inv, $"{ns / 1e3:F1} µs"),
        < 1e9 => string.Create(Inv, $"{ns / 1e6:F2} ms"),
        _ => string.Create(Inv, $"{ns / 1e9:F2} s"),
    };

    private static string Rate(Measured? m, Work w) => m is null ? "—" : w.ImagesPerSecond(m.MedianNs).ToString(w.ImagesPerSecond(m.MedianNs) < 100 ? "N1" : "N0", Inv);

    private static string RateNs(double? ns, int batch) => ns is null ? "—" : (batch / ns.Value * 1e9).ToString(batch / ns.Value * 1e9 < 100 ? "N1" : "N0", Inv);

    private static string Num(double? value, string format) => value?.ToString(format, Inv) ?? "—";

    private static string Ratio(double? ratio) => ratio is null ? "—" : string.Create(Inv, $"{ratio:F2}×");

    private static string Bytes(long? bytes) => bytes is null ? "—" : string.Create(Inv, $"{bytes:N0} B");

    private static string Met(bool? met) => met switch { null => "not measured", true => "**met**", false => "not met" };
}
