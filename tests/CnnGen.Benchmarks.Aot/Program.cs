using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.Intrinsics;
using CnnGen.Benchmarks;

// Times CnnGen's cases of tests/CnnGen.Benchmarks with a Stopwatch, the same way under the JIT and as Native AOT:
// per case, warm-up calls for at least 1 s (the JIT reaches its final tier), then R rounds of an inner loop that
// lasts ≥ 100 ms (at least one call); prints and saves the median µs per call and the bytes allocated per call
// (GC.GetAllocatedBytesForCurrentThread over the timed rounds).
//   CnnGen.Benchmarks.Aot [--quick] [--json FILE] [case label…]
//   CnnGen.Benchmarks.Aot --list                                             (the case labels, one per line)
//   CnnGen.Benchmarks.Aot --time-to-speed [LeNet5|CifarNet] [--calls N]   (TimeToSpeed.cs: a fresh process's first calls)
if (args.Contains("--time-to-speed"))
{
    return TimeToSpeed.Run(args);
}

bool quick = args.Contains("--quick");
int jsonAt = Array.IndexOf(args, "--json");
string? json = jsonAt >= 0 ? args[jsonAt + 1] : null;
var only = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (jsonAt < 0 || i != jsonAt + 1)).ToHashSet();
string models = CnnGenCase.FindModels();
// Native AOT compiles nothing at run time (PublishAot also sets IsDynamicCodeSupported = false under the JIT, so that
// switch cannot tell them apart).
bool aot = System.Runtime.JitInfo.GetCompiledMethodCount() == 0;
string runtime = aot ? "CnnGen Native AOT" : "CnnGen JIT";
string details = string.Create(CultureInfo.InvariantCulture,
    $"{runtime}: Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "NOT accelerated")}, {(quick ? 7 : 21)} rounds, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var cases = new List<(string Network, int Batch, Mode Mode)>();
cases.AddRange(Cases.Forward.Select(Cases.Parse).Select(c => (c.Network, c.Batch, Mode.Forward)));
cases.AddRange(Cases.Train.Select(Cases.Parse).Select(c => (c.Network, c.Batch, Mode.Train)));
cases.AddRange(Cases.TwoCores.Select(Cases.Parse).Select(c => (c.Network, c.Batch, Mode.ForwardTwoCores)));
cases.AddRange(Cases.TrainTwoCores.Select(Cases.Parse).Select(c => (c.Network, c.Batch, Mode.Train)).Where(c => !cases.Contains(c)));
cases.AddRange(Cases.TrainTwoCores.Select(Cases.Parse).Select(c => (c.Network, c.Batch, Mode.TrainTwoCores)));
if (args.Contains("--list"))
{
    foreach ((string network, int batch, Mode mode) in cases) Console.WriteLine(CnnGenCase.Describe(network, batch, mode));
    return 0;
}

Console.WriteLine(details);
var results = new HarnessResults { Runtime = runtime, Details = details };
foreach ((string network, int batch, Mode mode) in cases)
{
    string label = CnnGenCase.Describe(network, batch, mode);
    if (only.Count > 0 && !only.Contains(label) && !only.Contains(network))
    {
        continue;
    }

    if (CnnGenCase.MissingModels(network, models) is string missing)
    {
        Console.WriteLine(missing);
        continue;
    }

    CnnGenCase c = CnnGenCase.Create(network, batch, mode, models);
    (double us, double bytes) = Median(c.Run, rounds: quick ? 7 : 21);
    results.Results[label] = us;
    results.AllocatedBytes[label] = bytes;
    double gflops = 2 * c.MultiplyAddsPerCall / us / 1e3;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{label,-24} median {us,12:F1} µs   {batch / us * 1e6,10:N0} images/s   {gflops,6:F1} GFLOP/s   {bytes,8:N0} B allocated per call (this thread)"));
}

if (json is not null)
{
    results.Write(json);
    Console.WriteLine($"wrote {json}");
}

return 0;

// Median µs per call, and bytes allocated per call on this thread over all the timed rounds.
static (double Microseconds, double Bytes) Median(Action run, int rounds)
{
    var clock = Stopwatch.StartNew();
    int calls = 0;
    while (clock.Elapsed.TotalSeconds < 1 || calls < 3)
    {
        run();
        calls++;
    }

    double perCall = clock.Elapsed.TotalSeconds / calls;
    int inner = Math.Max(1, (int)(0.1 / perCall));
    var samples = new double[rounds];
    long allocated = GC.GetAllocatedBytesForCurrentThread();
    for (int r = 0; r < rounds; r++)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < inner; i++)
        {
            run();
        }

        samples[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / inner;
    }

    double bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)(rounds * inner);
    Array.Sort(samples);
    return (samples[rounds / 2], bytes);
}
