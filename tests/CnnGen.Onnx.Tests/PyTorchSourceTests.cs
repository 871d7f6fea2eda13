using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using CnnGen.Export;
using CnnGen.IO;
using CnnGen.Zoo;
using Xunit;

namespace CnnGen.Onnx.Tests;

/// <summary>
/// <see cref="PyTorchSource"/>: for networks covering every layer kind (Networks.cs) and LeNet-5, the emitted Python is
/// compared with the committed tests/fixtures/pytorch-source/NAME.py, and CnnGen's <c>Forward</c> with the outputs
/// Debian's PyTorch computed from that module, the weights <c>SafeTensors.Save</c> wrote (NAME.safetensors) and the
/// inputs NAME.input.safetensors (tools/fixtures/check_pytorch_source.py wrote NAME.output.safetensors, and
/// NAME.state_dict.safetensors: the module's own state_dict, which <c>SafeTensors.Load</c> reads back). With
/// <c>CNNGEN_WRITE_FIXTURES=1</c> the source, weight and input files are rewritten instead (then run the script).
/// </summary>
public sealed class PyTorchSourceTests
{
    private const double Tolerance = 1e-4;
    private const int Batch = 2;

    private static bool WriteFixtures => Environment.GetEnvironmentVariable("CNNGEN_WRITE_FIXTURES") == "1";

    public static TheoryData<string> Networks => new(
        nameof(ConvNet), nameof(MaxPoolNet), nameof(AvgPoolNet), nameof(MinPoolNet), nameof(L2PoolNet), nameof(ActivationNet),
        nameof(GlobalPoolNet), nameof(BranchNet), nameof(VectorBranchNet), nameof(BlockNet), nameof(PooledOutputNet), nameof(DropoutOnlyNet),
        nameof(LeNet5));

    /// <summary>The networks whose PyTorch state_dict is committed (all but LeNet-5, to keep the fixtures small).</summary>
    public static TheoryData<string> StateDictNetworks => new(
        nameof(ConvNet), nameof(MaxPoolNet), nameof(AvgPoolNet), nameof(MinPoolNet), nameof(L2PoolNet), nameof(ActivationNet),
        nameof(GlobalPoolNet), nameof(BranchNet), nameof(VectorBranchNet), nameof(BlockNet), nameof(PooledOutputNet), nameof(DropoutOnlyNet));

    internal static INetwork Create(string name) => name switch
    {
        nameof(ConvNet) => new ConvNet(1),
        nameof(MaxPoolNet) => new MaxPoolNet(1),
        nameof(AvgPoolNet) => new AvgPoolNet(1),
        nameof(MinPoolNet) => new MinPoolNet(1),
        nameof(L2PoolNet) => new L2PoolNet(1),
        nameof(ActivationNet) => new ActivationNet(1),
        nameof(GlobalPoolNet) => new GlobalPoolNet(1),
        nameof(BranchNet) => new BranchNet(1),
        nameof(VectorBranchNet) => new VectorBranchNet(1),
        nameof(BlockNet) => new BlockNet(1),
        nameof(PooledOutputNet) => new PooledOutputNet(1),
        nameof(DropoutOnlyNet) => new DropoutOnlyNet(1),
        nameof(LeNet5) => new LeNet5(1),
        _ => throw new ArgumentException("unknown network " + name, nameof(name)),
    };

    private static string Folder([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "fixtures", "pytorch-source"));

    [Theory]
    [MemberData(nameof(Networks))]
    public void The_python_source_is_the_committed_one(string name)
    {
        INetwork net = Create(name);
        string source = PyTorchSource.Write(net, name);
        string path = Path.Combine(Folder(), name + ".py");
        if (WriteFixtures)
        {
            Directory.CreateDirectory(Folder());
            File.WriteAllText(path, source);
            WriteWeightsAndInputs(name, net);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run the tests with CNNGEN_WRITE_FIXTURES=1, then tools/fixtures/check_pytorch_source.py");
        Assert.Equal(File.ReadAllText(path), source);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void PyTorch_running_the_source_gives_CnnGens_outputs(string name)
    {
        INetwork net = Create(name);
        string folder = Folder();
        SafeTensors.Load(net, Path.Combine(folder, name + ".safetensors"));
        SafeTensorsFile inputFile = SafeTensorsFile.Read(Path.Combine(folder, name + ".input.safetensors"));
        float[] inputs = inputFile["input"].ToArray();
        Assert.Equal(Batch * net.InputSize, inputs.Length);

        string outputPath = Path.Combine(folder, name + ".output.safetensors");
        Assert.True(File.Exists(outputPath), $"{outputPath} is missing: run /usr/bin/python3 tools/fixtures/check_pytorch_source.py");
        TensorEntry output = SafeTensorsFile.Read(outputPath)["output"];
        Assert.Equal(Batch, output.Shape[0]);
        float[] expected = output.ToArray();
        Assert.Equal(Batch * net.OutputSize, expected.Length);

        float[] actual = new float[Batch * net.OutputSize];
        for (int b = 0; b < Batch; b++)
        {
            net.Forward(inputs.AsSpan(b * net.InputSize, net.InputSize), actual.AsSpan(b * net.OutputSize, net.OutputSize));
        }

        double largest = expected.Max(v => Math.Abs((double)v));
        Assert.True(largest > 0, "every PyTorch output is zero, which compares nothing");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            Assert.True(error <= Tolerance * largest, $"output {i}: PyTorch {expected[i]:R}, CnnGen {actual[i]:R}: |difference| {error:G3} > {Tolerance:G1} · {largest:G6}");
        }
    }

    [Theory]
    [MemberData(nameof(StateDictNetworks))]
    public void The_modules_own_state_dict_loads_back_into_the_network(string name)
    {
        // PyTorch's state_dict() of the module that loaded NAME.safetensors, num_batches_tracked (int64) included:
        // SafeTensors.Load takes it and gives the same tensors.
        INetwork fromPyTorch = Create(name);
        SafeTensors.Load(fromPyTorch, Path.Combine(Folder(), name + ".state_dict.safetensors"));
        INetwork saved = Create(name);
        SafeTensors.Load(saved, Path.Combine(Folder(), name + ".safetensors"));
        Assert.Equal(saved.Parameters.ToArray(), fromPyTorch.Parameters.ToArray());
        Assert.Equal(saved.State.ToArray(), fromPyTorch.State.ToArray());
    }

    [Fact]
    public void LeNet5_reads_as_torch_code()
    {
        string source = PyTorchSource.Write(new LeNet5(1), "LeNet5");
        Assert.Contains("class LeNet5(nn.Module):", source, StringComparison.Ordinal);
        Assert.Contains("self.conv1 = nn.Conv2d(1, 6, 5)", source, StringComparison.Ordinal);
        Assert.Contains("self.fc1 = nn.Linear(400, 120)", source, StringComparison.Ordinal);
        Assert.Contains("x = F.softmax(x, 1)", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Dotted_tensor_names_become_nested_module_dicts()
    {
        // torchvision's spelling: the keys layer1.0.conv1.weight, layer1.0.bn1.*, fc.weight.
        var graph = new NetworkGraph(3, 4, 4, new[]
        {
            new GraphNode("layer1.0.conv1", GraphOp.Conv, new[] { "input" }, 2, 4, 4)
            {
                Display = "Conv2D(2, 3)", KernelHeight = 3, KernelWidth = 3, PaddingHeight = 1, PaddingWidth = 1, Weight = "layer1.0.conv1.weight",
            },
            new GraphNode("layer1.0.bn1", GraphOp.BatchNorm, new[] { "layer1.0.conv1" }, 2, 4, 4)
            {
                Display = "BatchNorm", Epsilon = 1e-5, Weight = "layer1.0.bn1.weight", Bias = "layer1.0.bn1.bias",
                RunningMean = "layer1.0.bn1.running_mean", RunningVar = "layer1.0.bn1.running_var",
            },
            new GraphNode("fc", GraphOp.Dense, new[] { "layer1.0.bn1" }, 5, 1, 1) { Display = "Dense(5)", Weight = "fc.weight", Bias = "fc.bias" },
        });
        var tensors = new[]
        {
            new TensorInfo("layer1.0.conv1.weight", 0, new[] { 2, 3, 3, 3 }),
            new TensorInfo("layer1.0.bn1.weight", 54, new[] { 2 }),
            new TensorInfo("layer1.0.bn1.bias", 56, new[] { 2 }),
            new TensorInfo("fc.weight", 58, new[] { 5, 32 }),
            new TensorInfo("fc.bias", 218, new[] { 5 }),
            new TensorInfo("layer1.0.bn1.running_mean", 0, new[] { 2 }, IsState: true),
            new TensorInfo("layer1.0.bn1.running_var", 2, new[] { 2 }, IsState: true),
        };
        string source = PyTorchSource.Write(new GraphOnly(graph, tensors, 223), "Block");

        Assert.Contains(
            "        self.layer1 = nn.ModuleDict({\n" +
            "            \"0\": nn.ModuleDict({\n" +
            "                \"conv1\": nn.Conv2d(3, 2, 3, padding=1, bias=False),  # Conv2D(2, 3)\n" +
            "                \"bn1\": nn.BatchNorm2d(2),  # BatchNorm\n" +
            "            }),\n" +
            "        })\n" +
            "        self.fc = nn.Linear(32, 5)  # Dense(5)\n",
            source,
            StringComparison.Ordinal);
        Assert.Contains("x = self.layer1[\"0\"][\"conv1\"](x)", source, StringComparison.Ordinal);
        Assert.Contains("x = self.layer1[\"0\"][\"bn1\"](x)", source, StringComparison.Ordinal);
        Assert.Contains("x = self.fc(torch.flatten(x, 1))", source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_PyTorch_cannot_hold_is_an_error_that_names_it()
    {
        var graph = new NetworkGraph(1, 1, 1, new[]
        {
            new GraphNode("forward", GraphOp.Dense, new[] { "input" }, 1, 1, 1) { Display = "Dense(1)", Weight = "forward.weight", Bias = "forward.bias" },
        });
        var tensors = new[] { new TensorInfo("forward.weight", 0, new[] { 1, 1 }), new TensorInfo("forward.bias", 1, new[] { 1 }) };
        var error = Assert.Throws<NotSupportedException>(() => PyTorchSource.Write(new GraphOnly(graph, tensors, 2), "Net"));
        Assert.Contains("'forward'", error.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => PyTorchSource.Write(new LeNet5(1), "Le-Net"));
        Assert.Throws<ArgumentException>(() => PyTorchSource.Write(new LeNet5(1), "class"));
    }

    /// <summary>Random weights from the seeded initialisation, random biases and BatchNorm statistics; random inputs.</summary>
    private static void WriteWeightsAndInputs(string name, INetwork net)
    {
        var random = new Random(17);
        float Uniform(double low, double high) => (float)(low + (random.NextDouble() * (high - low)));
        foreach (TensorInfo tensor in net.Tensors)
        {
            Span<float> values = (tensor.IsState ? net.State : net.Parameters).Slice(tensor.Offset, tensor.Length);
            bool bias = tensor.Name.EndsWith(".bias", StringComparison.Ordinal);
            bool mean = tensor.Name.EndsWith(".running_mean", StringComparison.Ordinal);
            bool scale = tensor.Shape.Count == 1 && !bias && !mean;
            if (bias || mean || scale)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = bias || mean ? Uniform(-0.3, 0.3) : Uniform(0.5, 1.5);
                }
            }
        }

        SafeTensors.Save(net, Path.Combine(Folder(), name + ".safetensors"));
        NetworkGraph graph = net.Graph;
        float[] inputs = new float[Batch * net.InputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = Uniform(-1, 1);
        }

        SafeTensorsFile.Write(
            Path.Combine(Folder(), name + ".input.safetensors"),
            new[] { ("input", (IReadOnlyList<int>)new[] { Batch, graph.InputChannels, graph.InputHeight, graph.InputWidth }, new ReadOnlyMemory<float>(inputs)) });
    }

    /// <summary>A network that only describes itself: a graph and a tensor table.</summary>
    private sealed class GraphOnly(NetworkGraph graph, IReadOnlyList<TensorInfo> tensors, int parameters) : INetwork
    {
        private readonly float[] _parameters = new float[parameters];
        private readonly float[] _state = new float[4];

        public NetworkGraph Graph => graph;

        public int InputSize => graph.InputChannels * graph.InputHeight * graph.InputWidth;

        public int OutputSize => graph.Output.Channels * graph.Output.Height * graph.Output.Width;

        public int ParameterSize => parameters;

        public Span<float> Parameters => _parameters;

        public Span<float> State => _state;

        public IReadOnlyList<TensorInfo> Tensors => tensors;

        public IReadOnlyList<LayerInfo> Layers => Array.Empty<LayerInfo>();

        public int DegreeOfParallelism { get; set; } = 1;

        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
    }
}
