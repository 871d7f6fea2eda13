using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CnnGen.Benchmarks;
using Microsoft.ML.OnnxRuntime;
using Perfolizer.Horology;

// CnnGen's generated networks against ONNX Runtime (same process, same weights and inputs) and PyTorch (read from
// tools/bench/pytorch_bench.py's JSON). See docs/benchmarks.md; tools/bench/run.sh runs everything.
//   dotnet run -c Release --project tests/CnnGen.Benchmarks -- [--quick] [--check] [--doc docs/benchmarks.md]
//       [--pytorch FILE] [--jit FILE] [--aot FILE] [BenchmarkDotNet options, e.g. --filter *Forward*]
//   --tables-only: no timing; rebuild the tables from the last run's artifacts/bench/dotnet.json and the JSON files
//   (e.g. after rerunning only tools/bench/pytorch_bench.py or the AOT harness).
string models = Catalog.Models;
string root = FindRoot() ?? Directory.GetCurrentDirectory();
string results = Path.Combine(root, "artifacts", "bench");
bool quick = false, checkOnly = false, tablesOnly = false;
string? doc = null;
string pytorchFile = Path.Combine(results, "pytorch.json");
string jitFile = Path.Combine(results, "cnngen-jit.json");
string aotFile = Path.Combine(results, "cnngen-aot.json");
var bdnArgs = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": quick = true; break;
        case "--check": checkOnly = true; break;
        case "--tables-only": tablesOnly = true; break;
        case "--doc": doc = Path.GetFullPath(args[++i]); break;
        case "--pytorch": pytorchFile = Path.GetFullPath(args[++i]); break;
        case "--jit": jitFile = Path.GetFullPath(args[++i]); break;
        case "--aot": aotFile = Path.GetFullPath(args[++i]); break;
        default: bdnArgs.Add(args[i]); break;
    }
}

foreach (string network in CnnGenCase.Networks)
{
    if (CnnGenCase.MissingModels(network, models) is string message)
    {
        Console.WriteLine(message);
    }
}

if (checkOnly)
{
    // Only the sanity checks: every forward case, CnnGen against ONNX Runtime, no timing.
    foreach (string network in CnnGenCase.Networks)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// {network}: {CnnGenCase.MultiplyAdds(network):N0} multiply-adds per image (generated MultiplyAddsPerImage)"));
    }

    foreach (string label in Catalog.Available(Catalog.Forward))
    {
        var forward = new Forward { Case = label };
        forward.Setup();
        forward.Cleanup();
    }

    return 0;
}

string dotnetFile = Path.Combine(results, "dotnet.json");
DotnetRun run;
if (tablesOnly)
{
    run = JsonSerializer.Deserialize<DotnetRun>(File.ReadAllText(dotnetFile))
        ?? throw new InvalidDataException($"{dotnetFile} is empty.");
}
else
{
    run = new DotnetRun(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
        quick ? "quick job: 2 warm-up and 5 measured iterations of ≥ 250 ms" : "full job: 5 warm-up and 15 measured iterations",
        Measure(quick, bdnArgs, results));
    if (run.Rows.Count == 0)
    {
        Console.WriteLine("// nothing was measured (see BenchmarkDotNet's output above); the tables are left as they are.");
        return 1;
    }

    Directory.CreateDirectory(results);
    File.WriteAllText(dotnetFile, JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }));
}

List<Measured> rows = run.Rows;
HarnessResults? pytorch = HarnessResults.TryRead(pytorchFile);
HarnessResults? jit = HarnessResults.TryRead(jitFile);
HarnessResults? aot = HarnessResults.TryRead(aotFile);
string cpu = File.Exists("/proc/cpuinfo")
    ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
    : RuntimeInformation.ProcessArchitecture.ToString();
string header = string.Create(CultureInfo.InvariantCulture,
    $"Run of {run.Date} UTC on {cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}; " +
    $"{RuntimeInformation.FrameworkDescription} (JIT, tiered PGO), BenchmarkDotNet {typeof(Summary).Assembly.GetName().Version!.ToString(3)} " +
    $"(in-process, {run.Job}), " +
    $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {pytorch?.Runtime ?? "PyTorch: not run"}{(pytorch is null ? "" : " (" + pytorch.Details + ")")}; " +
    $"harness: {jit?.Details ?? "not run"} / {aot?.Details ?? "not run"}.");
string tables = Table.Write(rows, pytorch, jit, aot, header);
Directory.CreateDirectory(results);
File.WriteAllText(Path.Combine(results, "tables.md"), tables);
Console.WriteLine();
Console.WriteLine(tables);
Console.WriteLine($"// tables written to {Path.Combine(results, "tables.md")}");
if (doc is not null)
{
    Table.UpdateDoc(doc, tables);
    Console.WriteLine($"// and into {doc}");
}

return 0;

// Runs BenchmarkDotNet and returns every measured call's median and allocation.
static List<Measured> Measure(bool quick, List<string> bdnArgs, string results)
{
    // In-process: no generated project to build (offline, fast), and CnnGen and ONNX Runtime share the process's state.
    var toolchain = new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true);
    Job job = quick
        ? Job.Default.WithToolchain(toolchain).WithWarmupCount(2).WithIterationCount(5).WithIterationTime(TimeInterval.FromMilliseconds(250)).WithId("Quick")
        : Job.Default.WithToolchain(toolchain).WithWarmupCount(5).WithIterationCount(15).WithId("Full");
    IConfig config = DefaultConfig.Instance
        .AddJob(job.AsDefault())
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumn(WorkColumn.ImagesPerSecond, WorkColumn.Gflops, WorkColumn.Peak)
        .WithArtifactsPath(Path.Combine(results, "BenchmarkDotNet.Artifacts"))
        .WithOptions(ConfigOptions.DisableLogFile);
    if (!bdnArgs.Contains("--filter"))
    {
        bdnArgs.AddRange(["--filter", "*"]);
    }

    IEnumerable<Summary> summaries = BenchmarkSwitcher.FromTypes([typeof(Forward), typeof(Training), typeof(TwoCores), typeof(TrainingTwoCores)]).Run([.. bdnArgs], config);
    var rows = new List<Measured>();
    foreach (Summary summary in summaries)
    {
        foreach (BenchmarkReport report in summary.Reports)
        {
            BenchmarkCase c = report.BenchmarkCase;
            if (report.ResultStatistics is { } stats && c.Parameters["Case"] is string label)
            {
                rows.Add(new Measured(c.Descriptor.Type.Name, c.Descriptor.WorkloadMethod.Name, label, stats.Median, report.GcStats.GetBytesAllocatedPerOperation(c)));
            }
        }
    }

    return rows;
}


// The repository (the folder with CnnGen.sln) above the executable or the current directory.
static string? FindRoot()
{
    foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
    {
        for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CnnGen.sln")))
            {
                return dir.FullName;
            }
        }
    }

    return null;
}

/// <summary>What a BenchmarkDotNet run measured, saved as artifacts/bench/dotnet.json for --tables-only.</summary>
internal sealed record DotnetRun(string Date, string Job, List<Measured> Rows);
