using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using CnnGen.IO;
using CnnGen.Zoo;

namespace CnnGen.Benchmarks;

/// <summary>
/// Time to full speed: how many calls of <c>Forward</c> (batch 1, one core) a freshly started process makes before it
/// runs at its steady speed. Under the JIT, tiered compilation first runs every method as unoptimised tier-0 code
/// (then an instrumented tier for PGO, then tier 1); this mode shows how long that lasts, as it is felt by a service
/// that has just started. It must be the first thing the process does, so it is a mode of its own:
/// <code>
///   dotnet tests/CnnGen.Benchmarks.Aot/bin/Release/net10.0/CnnGen.Benchmarks.Aot.dll --time-to-speed [LeNet5|CifarNet] [--calls N]
/// </code>
/// Loads the network's weights (tests/CnnGen.Benchmarks/Models), then times every call with a Stopwatch and prints the
/// median µs per window of calls (1–10, 11–100, 101–1,000, …), the elapsed time at each window's end, the steady
/// median (the last window) and the first call from which every later 1,000-call window's median stays within 2× of
/// steady. Each run is one fresh process; run it several times (the machine is noisy) and compare the medians.
/// </summary>
internal static class TimeToSpeed
{
    /// <summary>Runs the mode; <paramref name="args"/> are the command line after <c>--time-to-speed</c>.</summary>
    public static int Run(string[] args)
    {
        string network = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)) ?? "LeNet5";
        int callsAt = Array.IndexOf(args, "--calls");
        int calls = callsAt >= 0 && callsAt + 1 < args.Length && int.TryParse(args[callsAt + 1], CultureInfo.InvariantCulture, out int n) && n >= 1_000
            ? n
            : callsAt >= 0
                ? throw new ArgumentException($"--calls expects a whole number of calls ≥ 1000, got '{(callsAt + 1 < args.Length ? args[callsAt + 1] : "")}'.")
                : network == "LeNet5" ? 100_000 : 10_000;

        string models = CnnGenCase.FindModels();
        if (CnnGenCase.MissingModels(network, models) is string missing)
        {
            Console.WriteLine(missing);
            return 1;
        }

        string weights = Path.Combine(models, CnnGenCase.FileStem(network) + ".safetensors");
        (Action<float[], float[]> forward, int inputLength, int outputLength) = network switch
        {
            "LeNet5" => Create(new LeNet5(), weights, LeNet5.InputLength, LeNet5.OutputLength),
            "CifarNet" => Create(new CifarNet(), weights, CifarNet.InputLength, CifarNet.OutputLength),
            _ => throw new ArgumentException($"--time-to-speed expects LeNet5 or CifarNet, got '{network}'."),
        };

        float[] input = CnnGenCase.RandomInputs(inputLength, seed: 42);
        float[] output = new float[outputLength];
        long[] ticks = new long[calls];
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            forward(input, output);
            ticks[i] = Stopwatch.GetTimestamp() - t0;
        }

        long finished = Stopwatch.GetTimestamp();
        Report(network, ticks, started, finished);
        return 0;
    }

    private static (Action<float[], float[]> Forward, int InputLength, int OutputLength) Create<T>(T net, string weights, int inputLength, int outputLength)
        where T : INetwork
    {
        SafeTensors.Load(net, weights);
        net.DegreeOfParallelism = 1;
        return ((input, output) => net.Forward(input, output), inputLength, outputLength);
    }

    private static void Report(string network, long[] ticks, long started, long finished)
    {
        double us = 1e6 / Stopwatch.Frequency;
        int calls = ticks.Length;
        var bounds = new List<int> { 0, 10, 100, 1_000, 3_000, 10_000, 30_000, 60_000, 100_000, 300_000, 1_000_000 }.Where(b => b < calls).ToList();
        bounds.Add(calls);
        // Steady: the last tenth of the run (at least 1,000 calls).
        int steadyFrom = calls - Math.Max(1_000, calls / 10);
        double steady = Median(ticks, steadyFrom, calls) * us;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time to full speed: {network} Forward, batch 1, one core, fresh process, {calls:N0} calls, JIT: {System.Runtime.JitInfo.GetCompiledMethodCount() > 0}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Console.WriteLine($"{"calls",-20} {"median µs",10} {"× steady",9} {"elapsed at end",15}");
        long elapsed = 0;
        for (int w = 0; w + 1 < bounds.Count; w++)
        {
            for (int i = bounds[w]; i < bounds[w + 1]; i++)
            {
                elapsed += ticks[i];
            }

            double median = Median(ticks, bounds[w], bounds[w + 1]) * us;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{$"{bounds[w] + 1:N0}–{bounds[w + 1]:N0}",-20} {median,10:F1} {median / steady,8:F1}× {elapsed * us / 1e3,12:F1} ms"));
        }

        // The first 1,000-call window after which no window's median exceeds 2× steady.
        int settled = 0;
        for (int from = 0; from + 1_000 <= calls; from += 1_000)
        {
            if (Median(ticks, from, from + 1_000) * us > 2 * steady)
            {
                settled = from + 1_000;
            }
        }

        double settledMs = ticks.Take(settled).Sum() * us / 1e3;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"steady median {steady:F2} µs (last {calls - steadyFrom:N0} calls); within 2× of steady from call {settled + 1:N0} on ({settledMs:F1} ms of calls); whole run {(finished - started) * us / 1e6:F2} s"));
    }

    private static double Median(long[] ticks, int from, int to)
    {
        long[] window = ticks[from..to];
        Array.Sort(window);
        return window.Length % 2 == 1 ? window[window.Length / 2] : (window[(window.Length / 2) - 1] + window[window.Length / 2]) / 2.0;
    }
}
