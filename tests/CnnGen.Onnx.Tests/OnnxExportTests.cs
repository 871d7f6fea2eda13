using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Onnx.Proto;
using CnnGen.Zoo;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace CnnGen.Onnx.Tests;

/// <summary>
/// Each network is given random weights, biases and BatchNorm statistics from a seed, exported, run in ONNX Runtime
/// on a random batch, and compared with CnnGen's own <c>ForwardBatch</c> and <c>Forward</c>: every output within
/// 1e-5 of the largest output's magnitude.
/// </summary>
public sealed class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    /// <summary>A network and its batch forward pass (not on <see cref="INetwork"/>).</summary>
    private sealed record Case(INetwork Network, BatchForward ForwardBatch);

    private delegate void BatchForward(ReadOnlySpan<float> inputs, Span<float> outputs);

    private static Case Create(string name)
    {
        switch (name)
        {
            case nameof(ConvNet): { var n = new ConvNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(MaxPoolNet): { var n = new MaxPoolNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(AvgPoolNet): { var n = new AvgPoolNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(MinPoolNet): { var n = new MinPoolNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(L2PoolNet): { var n = new L2PoolNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(ActivationNet): { var n = new ActivationNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(GlobalPoolNet): { var n = new GlobalPoolNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(BranchNet): { var n = new BranchNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(VectorBranchNet): { var n = new VectorBranchNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(BlockNet): { var n = new BlockNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(PooledOutputNet): { var n = new PooledOutputNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(DropoutOnlyNet): { var n = new DropoutOnlyNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(LeNet5): { var n = new LeNet5(1); return new Case(n, n.ForwardBatch); }
            case nameof(Seed004Net): { var n = new Seed004Net(1); return new Case(n, n.ForwardBatch); }
            case nameof(CifarNet): { var n = new CifarNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(SmallAlexNet): { var n = new SmallAlexNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(SmallZFNet): { var n = new SmallZFNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(SmallVgg16): { var n = new SmallVgg16(1); return new Case(n, n.ForwardBatch); }
            case nameof(SmallGoogLeNet): { var n = new SmallGoogLeNet(1); return new Case(n, n.ForwardBatch); }
            case nameof(SmallResNet18): { var n = new SmallResNet18(1); return new Case(n, n.ForwardBatch); }
            default: throw new ArgumentException("unknown network " + name, nameof(name));
        }
    }

    public static TheoryData<string> LayerNetworks => new(
        nameof(ConvNet), nameof(MaxPoolNet), nameof(AvgPoolNet), nameof(MinPoolNet), nameof(L2PoolNet), nameof(ActivationNet),
        nameof(GlobalPoolNet), nameof(BranchNet), nameof(VectorBranchNet), nameof(BlockNet), nameof(PooledOutputNet), nameof(DropoutOnlyNet));

    public static TheoryData<string> ZooNetworks => new(
        nameof(LeNet5), nameof(Seed004Net), nameof(CifarNet),
        nameof(SmallAlexNet), nameof(SmallZFNet), nameof(SmallVgg16), nameof(SmallGoogLeNet), nameof(SmallResNet18));

    [Theory]
    [MemberData(nameof(LayerNetworks))]
    public void Every_layer_kind_gives_CnnGens_outputs_in_onnx_runtime(string name) => AssertSameOutputs(name, Create(name), seed: 7, batch: 3);

    [Theory]
    [MemberData(nameof(ZooNetworks))]
    public void Zoo_networks_give_CnnGens_outputs_in_onnx_runtime(string name) => AssertSameOutputs(name, Create(name), seed: 11, batch: 2);

    [Fact]
    public void LeNet5_is_the_expected_chain_of_onnx_operators_with_a_symbolic_batch()
    {
        var net = new LeNet5(3);
        ModelProto model = ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(net));

        Assert.Equal(7, model.IrVersion);
        Assert.Equal(13, Assert.Single(model.OpsetImport).Version);
        Assert.Equal(
            new[] { "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax" },
            model.Graph.Node.Select(n => n.OpType));
        Assert.Equal("Conv2D(6, 5)", model.Graph.Node[0].DocString);
        Assert.Equal("Dense(120)", model.Graph.Node[6].DocString);
        Assert.Equal("Dense(120)", model.Graph.Node[7].DocString);
        Assert.Equal(
            new[] { "conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "fc3.bias", "fc3.weight" },
            model.Graph.Initializer.Select(t => t.Name).Order(StringComparer.Ordinal));
        TensorProto conv1 = model.Graph.Initializer.Single(t => t.Name == "conv1.weight");
        Assert.Equal(new long[] { 6, 1, 5, 5 }, conv1.Dims);
        Assert.Equal(150 * sizeof(float), conv1.RawData.Length);
        Assert.Equal(net.Parameters[0], BitConverter.ToSingle(conv1.RawData.Span[..4]));

        using var session = new InferenceSession(OnnxExport.ToBytes(net));
        NodeMetadata input = session.InputMetadata["input"];
        Assert.Equal(new[] { -1, 1, 32, 32 }, input.Dimensions);
        Assert.Equal("N", input.SymbolicDimensions[0]);
        NodeMetadata output = session.OutputMetadata["output"];
        Assert.Equal(new[] { -1, 10 }, output.Dimensions);
    }

    [Fact]
    public void Dropout_is_left_out_and_rounding_up_is_written_as_ceil_mode_or_end_padding()
    {
        ModelProto activations = ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(new ActivationNet(1)));
        Assert.DoesNotContain(activations.Graph.Node, n => n.OpType == "Dropout");
        Assert.Equal(3, activations.Graph.Node.Count(n => n.OpType == "BatchNormalization"));

        // MaxPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil) on 14×14: ⌈(14 − 3 + 2)/2⌉ + 1 = 8 (floor: 7).
        ModelProto pools = ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(new MaxPoolNet(1)));
        NodeProto first = pools.Graph.Node[0];
        Assert.Equal("MaxPool", first.OpType);
        Assert.Equal(new long[] { 1, 1, 1, 1 }, first.Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Equal(1, first.Attribute.Single(a => a.Name == "ceil_mode").I);
        Assert.Equal(0, pools.Graph.Node[1].Attribute.Single(a => a.Name == "ceil_mode").I);

        // MaxPool(3, Stride = 2, Rounding = Rounding.Ceil) on 4×4: ⌈(4 − 3)/2⌉ + 1 = 2 where floor gives 1.
        NodeProto third = pools.Graph.Node[2];
        Assert.Equal(1, third.Attribute.Single(a => a.Name == "ceil_mode").I);

        // ConvNet's second layer, Conv2D(5, 3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil) on 14×11: ⌈13/2⌉ + 1 = 8
        // rows, the last window reading one row of zeros past the end padding; the last, Conv2D(4, 2, Stride = 2,
        // Rounding = Rounding.Ceil) on 3×4: 2 rows, one row of zeros past the end.
        ModelProto convs = ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(new ConvNet(1)));
        NodeProto second = convs.Graph.Node.Single(n => n.Name == "conv2");
        Assert.Equal(new long[] { 1, 1, 2, 1 }, second.Attribute.Single(a => a.Name == "pads").Ints);
        NodeProto last = convs.Graph.Node[^1];
        Assert.Equal("Conv", last.OpType);
        Assert.Equal(new long[] { 0, 0, 1, 0 }, last.Attribute.Single(a => a.Name == "pads").Ints);
    }

    [Fact]
    public void Save_writes_the_same_bytes_atomically_and_replaces_an_existing_file()
    {
        string folder = Path.Combine(Path.GetTempPath(), "cnngen-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "lenet5.onnx");
            File.WriteAllText(path, "an older file");
            var net = new LeNet5(5);
            OnnxExport.Save(net, path);
            Assert.Equal(OnnxExport.ToBytes(net), File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_network_that_is_not_generated_has_no_graph_to_export()
    {
        var error = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(new HandWritten()));
        Assert.Contains("HandWritten", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Exports, runs and compares. With <c>CNNGEN_ONNX_OUT</c> set to a folder, each model is also written there as
    /// <c>NAME.onnx</c>, for tools/onnx/check_models.py (the ONNX checker).
    /// </summary>
    private static void AssertSameOutputs(string name, Case c, int seed, int batch)
    {
        INetwork net = c.Network;
        Randomize(net, seed);
        var random = new Random(seed + 1);
        float[] inputs = new float[batch * net.InputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)((random.NextDouble() * 2) - 1);
        }

        float[] batched = new float[batch * net.OutputSize];
        c.ForwardBatch(inputs, batched);
        float[] single = new float[batch * net.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            net.Forward(inputs.AsSpan(b * net.InputSize, net.InputSize), single.AsSpan(b * net.OutputSize, net.OutputSize));
        }

        NetworkGraph graph = net.Graph;
        byte[] model = OnnxExport.ToBytes(net);
        if (Environment.GetEnvironmentVariable("CNNGEN_ONNX_OUT") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name + ".onnx"), model);
        }

        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, new long[] { batch, graph.InputChannels, graph.InputHeight, graph.InputWidth });
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, new[] { "input" }, new[] { input }, new[] { "output" });
        long[] shape = results[0].GetTensorTypeAndShape().Shape;
        Assert.Equal(batch, shape[0]);
        Assert.Equal(net.OutputSize, shape.Skip(1).Aggregate(1L, (a, d) => a * d));
        float[] onnx = results[0].GetTensorDataAsSpan<float>().ToArray();

        Compare("ForwardBatch", batched, onnx);
        Compare("Forward", single, onnx);
    }

    private static void Compare(string what, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = expected.Max(v => Math.Abs((double)v));
        Assert.True(largest > 0, what + ": every output is zero, which compares nothing");
        int worst = 0;
        double worstError = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}: ONNX Runtime output {i} is {actual[i]}");
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (error > worstError)
            {
                worstError = error;
                worst = i;
            }
        }

        Assert.True(
            worstError <= Tolerance * largest,
            $"{what}: output {worst} is {expected[worst]:R} in CnnGen and {actual[worst]:R} in ONNX Runtime: |difference| {worstError:G3} > {Tolerance:G1} · {largest:G6}");
    }

    /// <summary>
    /// He/Glorot weights from the network's own seeded initialisation; biases, BatchNorm's γ and β and its running
    /// averages from <paramref name="seed"/> (the initialisation leaves them at 0, 1, 0, 0 and 1, which would test
    /// nothing of them).
    /// </summary>
    private static void Randomize(INetwork net, int seed)
    {
        var random = new Random(seed);
        float Uniform(double low, double high) => (float)(low + (random.NextDouble() * (high - low)));
        foreach (TensorInfo tensor in net.Tensors)
        {
            Span<float> values = (tensor.IsState ? net.State : net.Parameters).Slice(tensor.Offset, tensor.Length);
            bool bias = tensor.Name.EndsWith(".bias", StringComparison.Ordinal);
            bool normScale = tensor.Shape.Count == 1 && !bias && !tensor.IsState;
            bool variance = tensor.Name.EndsWith(".running_var", StringComparison.Ordinal);
            bool mean = tensor.Name.EndsWith(".running_mean", StringComparison.Ordinal);
            if (!(bias || normScale || variance || mean))
            {
                continue;
            }

            for (int i = 0; i < values.Length; i++)
            {
                values[i] = bias || mean ? Uniform(-0.3, 0.3) : Uniform(0.5, 1.5);
            }
        }
    }

    private sealed class HandWritten : INetwork
    {
        public int InputSize => 1;

        public int OutputSize => 1;

        public int ParameterSize => 0;

        public Span<float> Parameters => Span<float>.Empty;

        public Span<float> State => Span<float>.Empty;

        public IReadOnlyList<TensorInfo> Tensors => Array.Empty<TensorInfo>();

        public IReadOnlyList<LayerInfo> Layers => Array.Empty<LayerInfo>();

        public int DegreeOfParallelism { get; set; } = 1;

        public void Forward(ReadOnlySpan<float> input, Span<float> output) => input.CopyTo(output);
    }
}
