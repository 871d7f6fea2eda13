// Forward passes of CnnGen and ONNX Runtime (1 thread), the same cases, weights and inputs as the BenchmarkDotNet
// Forward class, timed in per-thread CPU time (CLOCK_THREAD_CPUTIME_ID): the time a thread is descheduled by other
// load is not counted, so on a machine shared with builds the ratio is steadier than wall-clock times. Calls of the
// two are interleaved round by round after a 3 s warm-up (tiered JIT settled); min and median per call.
//   dotnet run -c Release --project tools/bench/cputime -- [cases, default "LeNet5 b1" "LeNet5 b64"]
// Models from CNNGEN_BENCH_MODELS or tests/CnnGen.Benchmarks/Models, as for the benchmarks. Linux only (libc clock_gettime).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using CnnGen.Benchmarks;

string models = CnnGenCase.FindModels();
string[] cases = args.Length > 0 ? args : ["LeNet5 b1", "LeNet5 b64"];
foreach (string label in cases)
{
    (string network, int batch) = Cases.Parse(label);
    CnnGenCase cnnGen = CnnGenCase.Create(network, batch, Mode.Forward, models);
    using var ort = new OrtCase(network, batch, cnnGen.Inputs, cnnGen.OutputLength, threads: 1, models);
    int reps = network == "LeNet5" ? (batch == 1 ? 200 : 4) : 1;
    int rounds = network == "LeNet5" ? 300 : network == "CifarNet" ? 40 : 8;
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 3000)
    {
        cnnGen.Run();
        ort.Run();
    }

    var ours = new List<double>();
    var theirs = new List<double>();
    for (int r = 0; r < rounds; r++)
    {
        double t0 = ThreadCpu.Microseconds();
        for (int i = 0; i < reps; i++)
        {
            cnnGen.Run();
        }

        double t1 = ThreadCpu.Microseconds();
        for (int i = 0; i < reps; i++)
        {
            ort.Run();
        }

        ours.Add((t1 - t0) / reps);
        theirs.Add((ThreadCpu.Microseconds() - t1) / reps);
    }

    ours.Sort();
    theirs.Sort();
    double oursMin = ours[0], oursMedian = ours[ours.Count / 2], theirsMin = theirs[0], theirsMedian = theirs[theirs.Count / 2];
    Console.WriteLine($"{label}: CnnGen min {oursMin:F2} µs, median {oursMedian:F2} µs | ONNX Runtime min {theirsMin:F2} µs, median {theirsMedian:F2} µs | ONNX Runtime ÷ CnnGen: min {theirsMin / oursMin:F2}×, median {theirsMedian / oursMedian:F2}×");
}

/// <summary>The calling thread's CPU time.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Microseconds()
    {
        _ = ClockGetTime(ClockThreadCpuTimeId, out Timespec t);
        return (t.Seconds * 1e6) + (t.Nanoseconds / 1e3);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
