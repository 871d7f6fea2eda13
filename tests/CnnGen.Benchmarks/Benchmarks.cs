using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Attributes;

namespace CnnGen.Benchmarks;

/// <summary>What a benchmark method does, for the work columns: forward or training, on how many cores.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WorkAttribute(Mode mode, int cores = 1) : Attribute
{
    /// <summary>Forward or training step (two-core rows are <see cref="Mode.Forward"/> with <see cref="Cores"/> = 2).</summary>
    public Mode Mode { get; } = mode;

    /// <summary>Cores the call may use (the peak it is measured against is this many times one core's).</summary>
    public int Cores { get; } = cores;
}

/// <summary>The cases every benchmark class takes, as "Network bBatch" strings, and the ones whose models exist.</summary>
public static class Catalog
{
    /// <summary>Forward cases (<see cref="Cases.Forward"/>).</summary>
    public static string[] Forward => Cases.Forward;

    /// <summary>Training cases.</summary>
    public static string[] Train => Cases.Train;

    /// <summary>Two-core cases.</summary>
    public static string[] TwoCores => Cases.TwoCores;

    /// <summary>The training rows on one core and on two.</summary>
    public static string[] TrainTwoCores => Cases.TrainTwoCores;

    /// <summary>The models folder (tests/CnnGen.Benchmarks/Models).</summary>
    public static string Models { get; set; } = CnnGenCase.FindModels();

    /// <summary>The cases whose model files exist.</summary>
    public static IEnumerable<string> Available(IEnumerable<string> cases) => cases.Where(c => CnnGenCase.MissingModels(Parse(c).Network, Models) is null);

    /// <summary>"ResNet18 b8" → ("ResNet18", 8).</summary>
    public static (string Network, int Batch) Parse(string label) => Cases.Parse(label);

    /// <summary>Outputs per image of a network (its generated OutputLength).</summary>
    public static int Classes(string network) => network switch
    {
        "LeNet5" => CnnGen.Zoo.LeNet5.OutputLength,
        "CifarNet" => CnnGen.Zoo.CifarNet.OutputLength,
        "ResNet18" => CnnGen.Zoo.ResNet18.OutputLength,
        "Vgg16" => CnnGen.Zoo.Vgg16.OutputLength,
        _ => throw new ArgumentException($"Unknown network {network}.", nameof(network)),
    };

    /// <summary>
    /// The sanity check run before timing: CnnGen's and ONNX Runtime's outputs on the same weights and inputs.
    /// Prints the largest difference and the top-1 agreement; throws if any probability differs by more than
    /// 1e-4 (absolute).
    /// </summary>
    public static double Check(string label, float[] cnnGen, float[] ort, int classes)
    {
        double worst = 0;
        int agree = 0;
        int images = cnnGen.Length / classes;
        for (int i = 0; i < cnnGen.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)cnnGen[i] - ort[i]));
        }

        for (int b = 0; b < images; b++)
        {
            agree += ArgMax(cnnGen.AsSpan(b * classes, classes)) == ArgMax(ort.AsSpan(b * classes, classes)) ? 1 : 0;
        }

        bool ok = worst <= 1e-4 && cnnGen.Any(v => v != 0);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// check {label}: max |CnnGen − ONNX Runtime| = {worst:E2} over {cnnGen.Length} probabilities (largest {cnnGen.Max():F4}), top-1 agrees on {agree}/{images} images: {(ok ? "OK" : "FAILED")}"));
        if (!ok)
        {
            throw new InvalidOperationException($"{label}: CnnGen and ONNX Runtime disagree (max difference {worst:E2} > 1e-4): the weights or the generated code are wrong; not timing.");
        }

        return worst;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }

        return best;
    }
}

/// <summary>Forward passes on one core: CnnGen's generated class against ONNX Runtime (1 thread), same weights and inputs.</summary>
public class Forward
{
    private CnnGenCase _cnnGen = null!;
    private OrtCase _ort = null!;

    /// <summary>Network and batch, e.g. "LeNet5 b64".</summary>
    [ParamsSource(nameof(Labels))]
    public string Case { get; set; } = "";

    /// <summary>The forward cases whose models exist.</summary>
    public static IEnumerable<string> Labels => Catalog.Available(Catalog.Forward);

    /// <summary>Builds both sides and checks they agree.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (string network, int batch) = Catalog.Parse(Case);
        _cnnGen = CnnGenCase.Create(network, batch, Mode.Forward, Catalog.Models);
        _ort = new OrtCase(network, batch, _cnnGen.Inputs, _cnnGen.OutputLength, threads: 1, Catalog.Models);
        Catalog.Check(Case, _cnnGen.Outputs, _ort.Outputs, _cnnGen.OutputLength);
    }

    /// <summary>Frees ONNX Runtime's session.</summary>
    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    /// <summary>The generated network's Forward (batch 1) or ForwardBatch.</summary>
    [Benchmark(Baseline = true), Work(Mode.Forward)]
    public void CnnGen() => _cnnGen.Run();

    /// <summary>ONNX Runtime, pre-bound input and output.</summary>
    [Benchmark, Work(Mode.Forward)]
    public void OnnxRuntime() => _ort.Run();
}

/// <summary>One training step (forward, softmax cross-entropy, backward, SGD) of CnnGen's Trainer; PyTorch's comes from tools/bench/pytorch_bench.py.</summary>
public class Training
{
    private CnnGenCase _cnnGen = null!;

    /// <summary>Network and batch.</summary>
    [ParamsSource(nameof(Labels))]
    public string Case { get; set; } = "";

    /// <summary>The training cases whose models exist.</summary>
    public static IEnumerable<string> Labels => Catalog.Available(Catalog.Train);

    /// <summary>Loads the weights.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (string network, int batch) = Catalog.Parse(Case);
        _cnnGen = CnnGenCase.Create(network, batch, Mode.Train, Catalog.Models);
    }

    /// <summary>Trainer.TrainBatch with Sgd(0.01).</summary>
    [Benchmark, Work(Mode.Train)]
    public void CnnGen() => _cnnGen.Run();
}

/// <summary>
/// The batch rows on one core and on both, side by side: the generated network's ForwardBatch with
/// DegreeOfParallelism 1 and 2; ONNX Runtime with IntraOpNumThreads 1 and 2.
/// </summary>
public class TwoCores
{
    private CnnGenCase _one = null!;
    private CnnGenCase _two = null!;
    private OrtCase? _ortOne;
    private OrtCase? _ortTwo;

    /// <summary>Network and batch.</summary>
    [ParamsSource(nameof(Labels))]
    public string Case { get; set; } = "";

    /// <summary>The two-core cases whose models exist.</summary>
    public static IEnumerable<string> Labels => Catalog.Available(Catalog.TwoCores);

    /// <summary>CnnGen on one core, checked against ONNX Runtime.</summary>
    [GlobalSetup(Target = nameof(CnnGenOneCore))]
    public void SetupOneCore() => _one = Checked(Mode.Forward);

    /// <summary>CnnGen with DegreeOfParallelism = 2, checked against ONNX Runtime.</summary>
    [GlobalSetup(Target = nameof(CnnGenTwoCores))]
    public void SetupTwoCores() => _two = Checked(Mode.ForwardTwoCores);

    /// <summary>ONNX Runtime with one thread.</summary>
    [GlobalSetup(Target = nameof(OrtOneThread))]
    public void SetupOrtOne() => _ortOne = Ort(threads: 1);

    /// <summary>ONNX Runtime with two threads.</summary>
    [GlobalSetup(Target = nameof(OrtTwoThreads))]
    public void SetupOrtTwo() => _ortTwo = Ort(threads: 2);

    /// <summary>Frees ONNX Runtime's sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _ortOne?.Dispose();
        _ortTwo?.Dispose();
    }

    /// <summary>CnnGen, one core.</summary>
    [Benchmark(Baseline = true), Work(Mode.Forward)]
    public void CnnGenOneCore() => _one.Run();

    /// <summary>CnnGen, DegreeOfParallelism = 2.</summary>
    [Benchmark, Work(Mode.Forward, cores: 2)]
    public void CnnGenTwoCores() => _two.Run();

    /// <summary>ONNX Runtime, IntraOpNumThreads = 1.</summary>
    [Benchmark, Work(Mode.Forward)]
    public void OrtOneThread() => _ortOne!.Run();

    /// <summary>ONNX Runtime, IntraOpNumThreads = 2.</summary>
    [Benchmark, Work(Mode.Forward, cores: 2)]
    public void OrtTwoThreads() => _ortTwo!.Run();

    private CnnGenCase Checked(Mode mode)
    {
        (string network, int batch) = Catalog.Parse(Case);
        CnnGenCase c = CnnGenCase.Create(network, batch, mode, Catalog.Models);
        using var ort = new OrtCase(network, batch, c.Inputs, c.OutputLength, threads: 1, Catalog.Models);
        Catalog.Check(CnnGenCase.Describe(network, batch, mode), c.Outputs, ort.Outputs, c.OutputLength);
        return c;
    }

    private OrtCase Ort(int threads)
    {
        (string network, int batch) = Catalog.Parse(Case);
        int[] shape = CnnGenCase.InputShape(network);
        float[] inputs = CnnGenCase.RandomInputs(batch * shape[0] * shape[1] * shape[2], seed: 42);
        return new OrtCase(network, batch, inputs, outputLength: Catalog.Classes(network), threads, Catalog.Models);
    }
}

/// <summary>The training step on one core and on both: the Trainer with DegreeOfParallelism 1 and 2.</summary>
public class TrainingTwoCores
{
    private CnnGenCase _one = null!;
    private CnnGenCase _two = null!;

    /// <summary>Network and batch.</summary>
    [ParamsSource(nameof(Labels))]
    public string Case { get; set; } = "";

    /// <summary>The two-core training cases whose models exist.</summary>
    public static IEnumerable<string> Labels => Catalog.Available(Catalog.TrainTwoCores);

    /// <summary>One core.</summary>
    [GlobalSetup(Target = nameof(CnnGenOneCore))]
    public void SetupOneCore() => _one = Create(Mode.Train);

    /// <summary>Two cores.</summary>
    [GlobalSetup(Target = nameof(CnnGenTwoCores))]
    public void SetupTwoCores() => _two = Create(Mode.TrainTwoCores);

    /// <summary>Trainer.TrainBatch, DegreeOfParallelism = 1.</summary>
    [Benchmark(Baseline = true), Work(Mode.Train)]
    public void CnnGenOneCore() => _one.Run();

    /// <summary>Trainer.TrainBatch, DegreeOfParallelism = 2.</summary>
    [Benchmark, Work(Mode.Train, cores: 2)]
    public void CnnGenTwoCores() => _two.Run();

    private CnnGenCase Create(Mode mode)
    {
        (string network, int batch) = Catalog.Parse(Case);
        return CnnGenCase.Create(network, batch, mode, Catalog.Models);
    }
}
