using System;
using System.IO;
using CnnGen.IO;
using CnnGen.Training;
using CnnGen.Zoo;

namespace CnnGen.Benchmarks;

/// <summary>What one measurement runs: a network of samples/Zoo, a batch size, forward or a training step, on one or two cores.</summary>
public enum Mode
{
    /// <summary>Forward pass (inference) of the whole batch on one core.</summary>
    Forward,

    /// <summary>One training step on one core: forward, softmax cross-entropy, backward, SGD update.</summary>
    Train,

    /// <summary>Forward pass of the batch on both cores: ForwardBatch with DegreeOfParallelism = 2.</summary>
    ForwardTwoCores,

    /// <summary>One training step on both cores: the Trainer with DegreeOfParallelism = 2.</summary>
    TrainTwoCores,
}

/// <summary>The cases measured, as "Network bBatch" labels: shared by the BenchmarkDotNet project and the AOT harness.</summary>
public static class Cases
{
    /// <summary>Forward cases: LeNet-5 batch 1 and 64; CifarNet and ResNet-18 batch 1 and 8; VGG-16 batch 1.</summary>
    public static readonly string[] Forward = ["LeNet5 b1", "LeNet5 b64", "CifarNet b1", "CifarNet b8", "ResNet18 b1", "ResNet18 b8", "Vgg16 b1"];

    /// <summary>Training step, SGD: LeNet-5 and CifarNet batch 32 (issue 14 judges CifarNet's against PyTorch).</summary>
    public static readonly string[] Train = ["LeNet5 b32", "CifarNet b32"];

    /// <summary>One core against two: the batch rows.</summary>
    public static readonly string[] TwoCores = ["LeNet5 b64", "CifarNet b8", "ResNet18 b8"];

    /// <summary>One core against two: the training rows.</summary>
    public static readonly string[] TrainTwoCores = ["LeNet5 b32", "CifarNet b32"];

    /// <summary>"ResNet18 b8" → ("ResNet18", 8).</summary>
    public static (string Network, int Batch) Parse(string label)
    {
        string[] parts = label.Split(' ');
        return (parts[0], int.Parse(parts[1].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// The CnnGen side of every measurement, shared by the BenchmarkDotNet project (JIT) and the Stopwatch harness
/// (tests/CnnGen.Benchmarks.Aot, Native AOT): the generated class of samples/Zoo/Networks.cs, its weights loaded
/// with <see cref="SafeTensors.Load"/> from the file tools/bench/export_models.py wrote (the same PyTorch module
/// as the ONNX file), and random inputs in [0, 1) (never zeros) from a fixed seed.
/// </summary>
public sealed class CnnGenCase
{
    /// <summary>The networks measured, by the name of their generated class.</summary>
    public static readonly string[] Networks = ["LeNet5", "CifarNet", "ResNet18", "Vgg16"];

    private CnnGenCase(string network, int batch, Mode mode, int inputLength, int outputLength, long multiplyAddsPerImage)
    {
        Network = network;
        Batch = batch;
        Mode = mode;
        InputLength = inputLength;
        OutputLength = outputLength;
        MultiplyAddsPerImage = multiplyAddsPerImage;
        Inputs = RandomInputs(batch * inputLength, seed: 42);
        Outputs = new float[batch * outputLength];
        Labels = new int[batch];
        var random = new Random(7);
        for (int i = 0; i < batch; i++)
        {
            Labels[i] = random.Next(outputLength);
        }
    }

    /// <summary>The generated class's name (LeNet5, CifarNet, ResNet18).</summary>
    public string Network { get; }

    /// <summary>Images per call.</summary>
    public int Batch { get; }

    /// <summary>Forward, training step, or forward on two cores.</summary>
    public Mode Mode { get; }

    /// <summary>Floats per input image (C×H×W).</summary>
    public int InputLength { get; }

    /// <summary>Floats per output (classes).</summary>
    public int OutputLength { get; }

    /// <summary>The generated class's <c>MultiplyAddsPerImage</c>: one forward pass of one image.</summary>
    public long MultiplyAddsPerImage { get; }

    /// <summary>Multiply-adds of one call: the forward count × batch, × 3 for a training step (forward, input gradients, weight gradients — the usual estimate; the first layer needs no input gradient, so slightly less), × 1 on two cores (the same work).</summary>
    public double MultiplyAddsPerCall => MultiplyAddsPerImage * (double)Batch * (Mode is Mode.Train or Mode.TrainTwoCores ? 3 : 1);

    /// <summary>The batch's images back to back, uniform in [0, 1), seed 42: the same the ONNX Runtime side is given.</summary>
    public float[] Inputs { get; }

    /// <summary>The outputs of the last forward call (softmax probabilities).</summary>
    public float[] Outputs { get; }

    /// <summary>Class labels for the training step, uniform, seed 7.</summary>
    public int[] Labels { get; }

    /// <summary>Runs the measured call once. Allocates nothing after the first call.</summary>
    public Action Run { get; private set; } = static () => { };

    /// <summary>A short label, e.g. "LeNet5 b64" or "LeNet5 b32 train".</summary>
    public string Label => Describe(Network, Batch, Mode);

    /// <summary>The label of a case, without building it.</summary>
    public static string Describe(string network, int batch, Mode mode) => mode switch
    {
        Mode.Train => $"{network} b{batch} train",
        Mode.ForwardTwoCores => $"{network} b{batch} 2 cores",
        Mode.TrainTwoCores => $"{network} b{batch} train 2 cores",
        _ => $"{network} b{batch}",
    };

    /// <summary>The file stem tools/bench/export_models.py uses for a network.</summary>
    public static string FileStem(string network) => network.ToLowerInvariant();

    /// <summary>Input shape [C, H, W] of a network, from its generated constants.</summary>
    public static int[] InputShape(string network) => network switch
    {
        "LeNet5" => [LeNet5.InputChannels, LeNet5.InputHeight, LeNet5.InputWidth],
        "CifarNet" => [CifarNet.InputChannels, CifarNet.InputHeight, CifarNet.InputWidth],
        "ResNet18" => [ResNet18.InputChannels, ResNet18.InputHeight, ResNet18.InputWidth],
        "Vgg16" => [Vgg16.InputChannels, Vgg16.InputHeight, Vgg16.InputWidth],
        _ => throw new ArgumentException($"Unknown network {network}.", nameof(network)),
    };

    /// <summary>The generated <c>MultiplyAddsPerImage</c> of a network.</summary>
    public static long MultiplyAdds(string network) => network switch
    {
        "LeNet5" => LeNet5.MultiplyAddsPerImage,
        "CifarNet" => CifarNet.MultiplyAddsPerImage,
        "ResNet18" => ResNet18.MultiplyAddsPerImage,
        "Vgg16" => Vgg16.MultiplyAddsPerImage,
        _ => throw new ArgumentException($"Unknown network {network}.", nameof(network)),
    };

    /// <summary>
    /// Builds the case: creates the network with DegreeOfParallelism 1 (2 for the two-core modes), loads
    /// <c>{models}/{stem}.safetensors</c>, and runs the call once.
    /// </summary>
    public static CnnGenCase Create(string network, int batch, Mode mode, string models)
    {
        string weights = Path.Combine(models, FileStem(network) + ".safetensors");
        return network switch
        {
            "LeNet5" => Build(network, batch, mode, LeNet5.InputLength, LeNet5.OutputLength, LeNet5.MultiplyAddsPerImage, () => Load(new LeNet5(), weights),
                n => n.Forward, n => n.ForwardBatch, n => new LeNet5.Trainer(n, new Sgd(0.01f)).TrainBatch),
            "CifarNet" => Build(network, batch, mode, CifarNet.InputLength, CifarNet.OutputLength, CifarNet.MultiplyAddsPerImage, () => Load(new CifarNet(), weights),
                n => n.Forward, n => n.ForwardBatch, n => new CifarNet.Trainer(n, new Sgd(0.01f)).TrainBatch),
            "ResNet18" => Build(network, batch, mode, ResNet18.InputLength, ResNet18.OutputLength, ResNet18.MultiplyAddsPerImage, () => Load(new ResNet18(), weights),
                n => n.Forward, n => n.ForwardBatch, n => new ResNet18.Trainer(n, new Sgd(0.01f)).TrainBatch),
            "Vgg16" => Build(network, batch, mode, Vgg16.InputLength, Vgg16.OutputLength, Vgg16.MultiplyAddsPerImage, () => Load(new Vgg16(), weights),
                n => n.Forward, n => n.ForwardBatch, n => new Vgg16.Trainer(n, new Sgd(0.01f)).TrainBatch),
            _ => throw new ArgumentException($"Unknown network {network}.", nameof(network)),
        };
    }

    /// <summary>Finds tests/CnnGen.Benchmarks/Models: <c>CNNGEN_BENCH_MODELS</c>, else walking up from the executable and the current directory.</summary>
    public static string FindModels()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("CNNGEN_BENCH_MODELS");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "CnnGen.Benchmarks", "Models");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("tests/CnnGen.Benchmarks/Models not found above the executable or the current directory; set CNNGEN_BENCH_MODELS.");
    }

    /// <summary>Null when both model files of <paramref name="network"/> exist, else a message saying how to create them.</summary>
    public static string? MissingModels(string network, string models)
    {
        string stem = FileStem(network);
        foreach (string extension in new[] { ".safetensors", ".onnx" })
        {
            string path = Path.Combine(models, stem + extension);
            if (!File.Exists(path))
            {
                return $"skipping {network}: {path} is missing (not committed: it is large). Create it with: /usr/bin/python3 tools/bench/export_models.py {stem}";
            }
        }

        return null;
    }

    /// <summary>Uniform [0, 1) floats from <paramref name="seed"/>.</summary>
    public static float[] RandomInputs(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextSingle();
        }

        return values;
    }

    private delegate void ForwardOne(ReadOnlySpan<float> input, Span<float> output);

    private delegate void ForwardMany(ReadOnlySpan<float> inputs, Span<float> outputs);

    private delegate float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    private static T Load<T>(T network, string weights)
        where T : INetwork
    {
        SafeTensors.Load(network, weights);
        return network;
    }

    private static CnnGenCase Build<T>(string name, int batch, Mode mode, int inputLength, int outputLength, long macs, Func<T> load,
        Func<T, ForwardOne> one, Func<T, ForwardMany> many, Func<T, TrainStep> train)
        where T : INetwork
    {
        // One core unless the mode says two: the generated classes default to every core.
        Func<T> create = () =>
        {
            T network = load();
            network.DegreeOfParallelism = mode is Mode.ForwardTwoCores or Mode.TrainTwoCores ? 2 : 1;
            return network;
        };
        var c = new CnnGenCase(name, batch, mode, inputLength, outputLength, macs);
        float[] inputs = c.Inputs;
        float[] outputs = c.Outputs;
        int[] labels = c.Labels;
        switch (mode)
        {
            case Mode.Forward when batch == 1:
                ForwardOne forward = one(create());
                c.Run = () => forward(inputs, outputs);
                break;
            case Mode.Forward:
                ForwardMany forwardBatch = many(create());
                c.Run = () => forwardBatch(inputs, outputs);
                break;
            case Mode.Train:
                TrainStep step = train(create());
                c.Run = () => step(inputs, labels);
                break;
            case Mode.ForwardTwoCores:
                ForwardMany both = many(create());
                c.Run = () => both(inputs, outputs);
                break;
            case Mode.TrainTwoCores:
                TrainStep stepBoth = train(create());
                c.Run = () => stepBoth(inputs, labels);
                break;
        }

        c.Run();
        return c;
    }
}
