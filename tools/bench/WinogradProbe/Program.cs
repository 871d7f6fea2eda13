// See WinogradProbe.csproj: Winograd F(2×2)/F(4×4) against the GEMM path, per layer shape, in per-thread CPU time.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CnnGen.Runtime;

string set = args.Length > 0 ? args[0] : "all";
if (set == "transforms")
{
    // The weight transforms a training step makes before it starts (PrepareTraining), CifarNet's Winograd layers with
    // the tiles Plan/ConvAlgorithms.cs gives them: the forward kernels (Winograd.Pack) and the turned ones of the input
    // gradient (Winograd.PackInputGradient), the weights changed before every call as an optimizer step changes them.
    var rng = new Random(1);
    Console.WriteLine("| layer (C → K, tile) | Pack µs | PackInputGradient µs |");
    Console.WriteLine("|---|---:|---:|");
    double total = 0;
    foreach ((int c, int k, int tile) in new[] { (32, 32, 4), (32, 64, 4), (64, 64, 4), (64, 128, 2), (128, 128, 2) })
    {
        float[] w = new float[k * c * 9], b = new float[k];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)rng.NextDouble();
        }

        float[] source = new float[Winograd.SourceLength(c, k)], sourceGrad = new float[Winograd.SourceLength(c, k)];
        float[] packed = new float[Winograd.PackedLength(c, k, tile)], packedGrad = new float[Winograd.PackedLength(k, c, tile)];
        var median = new double[2];
        for (int which = 0; which < 2; which++)
        {
            void Once()
            {
                w[0] += 1;
                if (which == 0)
                {
                    Winograd.Pack(w, b, k, c, tile, source, packed);
                }
                else
                {
                    Winograd.PackInputGradient(w, k, c, tile, sourceGrad, packedGrad);
                }
            }

            var warm = Stopwatch.StartNew();
            while (warm.ElapsedMilliseconds < 300)
            {
                Once();
            }

            double[] times = new double[51];
            for (int r = 0; r < times.Length; r++)
            {
                double t0 = ThreadCpu.Microseconds();
                Once();
                times[r] = ThreadCpu.Microseconds() - t0;
            }

            Array.Sort(times);
            median[which] = times[times.Length / 2];
        }

        total += median[0] + median[1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c} → {k}, F({tile}×{tile}) | {median[0]:F0} | {median[1]:F0} |"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all, both | {total:F0} µs | |"));
    return;
}

var layers = new List<(string Net, int C, int K, int H)>();
if (set is "all" or "cifar")
{
    layers.AddRange([("CifarNet", 3, 32, 32), ("CifarNet", 32, 32, 32), ("CifarNet", 32, 64, 16), ("CifarNet", 64, 64, 16), ("CifarNet", 64, 128, 8), ("CifarNet", 128, 128, 8)]);
}

if (set is "all" or "resnet")
{
    layers.AddRange([("ResNet-18", 64, 64, 56), ("ResNet-18", 128, 128, 28), ("ResNet-18", 256, 256, 14), ("ResNet-18", 512, 512, 7)]);
}

if (set is "all" or "vgg")
{
    layers.AddRange([("VGG-16", 3, 64, 224), ("VGG-16", 64, 64, 224), ("VGG-16", 64, 128, 112), ("VGG-16", 128, 128, 112), ("VGG-16", 128, 256, 56), ("VGG-16", 256, 256, 56), ("VGG-16", 256, 512, 28), ("VGG-16", 512, 512, 28), ("VGG-16", 512, 512, 14)]);
}

var random = new Random(1);
float[] Uniform(int n, double scale)
{
    float[] v = new float[n];
    for (int i = 0; i < n; i++)
    {
        v[i] = (float)(random.NextDouble() * scale);
    }

    return v;
}

Console.WriteLine("| network | layer (C → K, H×W) | M multiply-adds | GEMM µs | F(2×2) µs | F(4×4) µs | GEMM GFLOP/s | F(2×2) ÷ GEMM speed | F(4×4) ÷ GEMM speed |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
foreach ((string net, int c, int k, int h) in layers)
{
    int w = h, hp = h + 2, wp = w + 2, taps = c * 9;
    float[] weights = Uniform(k * taps, 0.1);
    float[] bias = Uniform(k, 1);
    float[] input = Uniform(c * h * w, 1);
    float[] output = new float[k * h * w];
    float[] padded = new float[c * hp * wp];
    int[] offsets = Kernels.ConvTapOffsets(c, 3, 3, hp * wp, wp);
    var runs = new List<Action>
    {
        () =>
        {
            Span<float> frame = padded;
            frame.Clear();
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < h; y++)
                {
                    input.AsSpan(((ch * h) + y) * w, w).CopyTo(frame.Slice((((ch * hp) + y + 1) * wp) + 1, w));
                }
            }

            Gemm.MultiplyBroadcast(k, h * w, taps, weights, taps, 1, padded, offsets, w, wp, output, h * w, false, bias, true);
        },
    };
    foreach (int tile in new[] { 2, 4 })
    {
        float[] source = new float[Winograd.SourceLength(c, k)];
        float[] packed = new float[Winograd.PackedLength(c, k, tile)];
        float[] scratch = new float[Winograd.ScratchLength(c, h, w, k, 1, tile, 1)];
        float[] result = new float[k * h * w];

        // Transformed once, as the network does (its derived weights are made again only when the parameters change).
        Winograd.Pack(weights, bias, k, c, tile, source, packed);
        runs.Add(() => Winograd.Forward(packed, input, 1, c, h, w, k, 1, tile, true, result, scratch));
    }

    double macs = (double)k * taps * h * w;
    int rounds = macs > 5e8 ? 7 : macs > 5e7 ? 15 : 60;
    var times = new double[runs.Count][];
    for (int i = 0; i < runs.Count; i++)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 300)
        {
            runs[i]();
        }

        times[i] = new double[rounds];
    }

    for (int r = 0; r < rounds; r++)
    {
        for (int i = 0; i < runs.Count; i++)
        {
            double t0 = ThreadCpu.Microseconds();
            runs[i]();
            times[i][r] = ThreadCpu.Microseconds() - t0;
        }
    }

    var median = new double[runs.Count];
    for (int i = 0; i < runs.Count; i++)
    {
        Array.Sort(times[i]);
        median[i] = times[i][rounds / 2];
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {net} | {c} → {k}, {h}×{w} | {macs / 1e6:F0} | {median[0]:F0} | {median[1]:F0} | {median[2]:F0} | {2 * macs / median[0] / 1e3:F0} | {median[0] / median[1]:F2}× | {median[0] / median[2]:F2}× |"));
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
