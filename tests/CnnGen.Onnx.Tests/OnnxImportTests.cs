using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using CnnGen;
using CnnGen.IO;
using CnnGen.Onnx.Proto;
using CnnGen.Zoo;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace CnnGen.Onnx.Tests;

/// <summary>
/// ONNX import (issue 15 item 3). The round trip: torchvision's ResNet-18 and GoogLeNet, exported by
/// <c>torch.onnx.export</c> (tests/fixtures/onnx-import, written by tools/fixtures/make_onnx_import_fixtures.py), are
/// imported; the declaration is the committed Imported/*.cs, which this project compiles with the generator; the weights
/// the import writes load into that network, and its <c>Forward</c> gives torchvision's logits. Then every layer kind
/// through CnnGen's own export and back, and the errors: each node CnnGen cannot express, listed by name and op type.
/// </summary>
public sealed class OnnxImportTests
{
    private const int Size = 64;

    private static bool Accept => Environment.GetEnvironmentVariable("CNNGEN_ACCEPT_IMPORTS") == "1";

    private static string Folder([CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;

    private static string Fixtures => Path.GetFullPath(Path.Combine(Folder(), "..", "fixtures", "onnx-import"));

    // ---- torchvision round trip ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("resnet18", "Resnet18")]
    [InlineData("googlenet", "Googlenet")]
    public void A_torchvision_export_imports_to_the_committed_declaration_that_gives_torchvisions_logits(string name, string className)
    {
        ModelProto model = TorchvisionModel(name);
        ImportedNetwork imported = OnnxImport.Import(model.ToByteArray(), new ImportOptions { ClassName = className, Namespace = "CnnGen.Onnx.Tests.Imported", SourceName = name + ".onnx" });

        // The declaration is the one this project compiles (Imported/NAME.cs); CNNGEN_ACCEPT_IMPORTS=1 rewrites it.
        string committed = Path.Combine(Folder(), "Imported", className + ".cs");
        if (Accept)
        {
            File.WriteAllText(committed, imported.Declaration);
        }

        Assert.Equal(File.ReadAllText(committed).ReplaceLineEndings("\n"), imported.Declaration);

        // torchvision's keys survive as Tensor names.
        Assert.Contains(imported.Tensors, t => t.Name == (name == "resnet18" ? "layer2.0.downsample.0.weight" : "inception3a.branch2.1.conv.weight"));

        INetwork network = name == "resnet18" ? new Imported.Resnet18() : new Imported.Googlenet();
        Assert.Equal(imported.ParameterCount, network.ParameterSize);
        string weights = Path.Combine(Path.GetTempPath(), $"cnngen-import-{name}-{Guid.NewGuid():N}.safetensors");
        try
        {
            imported.SaveWeights(weights);
            SafeTensors.Load(network, weights);
        }
        finally
        {
            File.Delete(weights);
        }

        float[] input = Input();
        float[] output = new float[network.OutputSize];
        network.Forward(input, output);
        float[] torchvision = Logits(name);
        AssertClose(torchvision, output, "CnnGen against torchvision");

        // ONNX Runtime on the same (filled-in) model agrees with torchvision too: the fixture is what it claims to be.
        AssertClose(torchvision, RunOnnx(model.ToByteArray(), input, [1, 3, Size, Size]), "ONNX Runtime against torchvision");
    }

    [Fact]
    public void The_FromPyTorch_samples_declaration_is_the_importers_for_torchvisions_ResNet18()
    {
        // samples/FromPyTorch/Resnet18.cs is cnngen-import's output for torchvision's resnet18 exported at 224×224 (README,
        // "From PyTorch"); the fixture is the same model at 64×64. The declarations differ only in the input size and the
        // first line's node count (PyTorch writes an Identity node for each parameter whose values another already has,
        // and freshly initialised BatchNorms share many).
        ImportedNetwork imported = OnnxImport.Import(TorchvisionModel("resnet18").ToByteArray(), new ImportOptions { ClassName = "Resnet18", Namespace = "FromPyTorch", SourceName = "resnet18.onnx" });
        string sample = File.ReadAllText(Path.Combine(Folder(), "..", "..", "samples", "FromPyTorch", "Resnet18.cs"));
        static string Body(string text) => string.Join("\n", text.ReplaceLineEndings("\n").Split('\n').Skip(1));
        Assert.Equal(Body(imported.Declaration).Replace("[Input(64, 64, 3)]", "[Input(224, 224, 3)]", StringComparison.Ordinal).Replace("64×64×3", "224×224×3", StringComparison.Ordinal), Body(sample));
    }

    [Fact]
    public void The_weights_formula_is_the_fixture_scripts()
    {
        // FNV-1a's published value for "a", then values tools/fixtures/make_onnx_import_fixtures.py's weights() printed
        // (numpy, float32) for the same names and indices.
        Assert.Equal(0xE40C292Cu, Fnv1a("a"));
        Assert.Equal(0.05529550835490227f, Formula("conv1.weight", [64, 3, 7, 7])[5]);
        Assert.Equal(0.8856160044670105f, Formula("bn1.running_var", [64])[3]);
        Assert.Equal(1.056857943534851f, Formula("bn1.weight", [64])[0]);
        Assert.Equal(-0.08769278973340988f, Formula("fc.bias", [1000])[999]);
    }

    // ---- every layer kind through CnnGen's own export and back ---------------------------------------------------------

    public static TheoryData<string> ExportedNetworks => new(
        nameof(ConvNet), nameof(MaxPoolNet), nameof(AvgPoolNet), nameof(ActivationNet), nameof(GlobalPoolNet),
        nameof(BranchNet), nameof(VectorBranchNet), nameof(BlockNet), nameof(LeNet5));

    [Theory]
    [MemberData(nameof(ExportedNetworks))]
    public void A_network_exported_by_CnnGen_imports_with_its_tensors_and_parameter_count(string name)
    {
        INetwork network = PyTorchSourceTests.Create(name);
        ImportedNetwork imported = OnnxImport.Import(OnnxExport.ToBytes(network), new ImportOptions { ClassName = name });
        Assert.Equal(network.ParameterSize, imported.ParameterCount);
        Assert.Contains($"[Network(ExpectedParameters = {Grouped(network.ParameterSize)})]", imported.Declaration, StringComparison.Ordinal);

        // Every parameter and running statistic comes back under the network's own name, shape and values.
        var byName = imported.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Assert.Equal(network.Tensors.Count, imported.Tensors.Count);
        float[] all = [.. network.Parameters];
        float[] state = [.. network.State];
        foreach (TensorInfo tensor in network.Tensors)
        {
            Assert.True(byName.TryGetValue(tensor.Name, out ImportedTensor? back), $"{name}: {tensor.Name} missing from the import");
            Assert.Equal(tensor.Shape, back!.Shape);
            Assert.Equal((tensor.IsState ? state : all).AsSpan(tensor.Offset, tensor.Length).ToArray(), back.Data);
        }
    }

    [Fact]
    public void The_declarations_of_CnnGens_own_exports_say_what_the_originals_say()
    {
        // ConvNet: padding, strides, a rectangular kernel, no bias; the ceil-rounded convolutions come back from the end
        // padding the export wrote for them.
        string conv = Layers(OnnxImport.Import(OnnxExport.ToBytes(new ConvNet(1))).Declaration);
        Assert.Equal(
            """
            [Input(14, 11, 2)]
            [Conv2D(4, 3, Padding = 1, Tensor = "conv1")]
            [ReLU]
            [Conv2D(5, 3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil, Tensor = "conv2")]
            [ReLU]
            [Conv2D(6, 2, 3, StrideHeight = 3, StrideWidth = 1, PaddingHeight = 1, PaddingWidth = 0, Bias = false, Rounding = Rounding.Floor, Tensor = "conv3")]
            [Conv2D(3, 3, Padding = 1, Tensor = "conv4")]
            [Conv2D(4, 2, Stride = 2, Rounding = Rounding.Ceil, Tensor = "conv5")]
            """.ReplaceLineEndings("\n"),
            conv);

        // BranchNet: From, Name, Add of three, Concat of four.
        string branch = Layers(OnnxImport.Import(OnnxExport.ToBytes(new BranchNet(1))).Declaration);
        Assert.Contains("[Add(\"", branch, StringComparison.Ordinal);
        Assert.Contains("From = \"input\"", branch, StringComparison.Ordinal);
        Assert.Contains("[Concat(\"", branch, StringComparison.Ordinal);

        // ActivationNet: every activation with its parameter, BatchNorm's epsilon.
        string activation = Layers(OnnxImport.Import(OnnxExport.ToBytes(new ActivationNet(1))).Declaration);
        foreach (string expected in new[] { "[LeakyReLU(0.1)]", "[ELU(0.7)]", "[Sigmoid]", "[Tanh]", "Epsilon = 0.001", "[Softmax]", "[Dense(7, Tensor = \"fc2\")]" })
        {
            Assert.Contains(expected, activation, StringComparison.Ordinal);
        }

        // Dropout is not in the export, so not in the import.
        Assert.DoesNotContain("Dropout", activation, StringComparison.Ordinal);
    }

    // ---- what cannot be imported ---------------------------------------------------------------------------------------

    [Fact]
    public void Every_node_CnnGen_cannot_express_is_listed_by_name_and_op_type()
    {
        ModelProto model = Model(
            Node("Conv", "stem", ["input", "w"], ["a"]),
            Node("LRN", "norm", ["a"], ["b"]),
            Node("Relu", "after_norm", ["b"], ["c"]),
            Node("Resize", "upsample", ["c", "", "scales"], ["d"]),
            Node("Conv", "grouped", ["a", "w2"], ["e"], Int("group", 2)));
        model.Graph.Initializer.Add(Tensor("w", [4, 3, 3, 3]));
        model.Graph.Initializer.Add(Tensor("scales", [4]));
        model.Graph.Initializer.Add(Tensor("w2", [4, 2, 1, 1]));

        var e = Assert.Throws<OnnxImportException>(() => OnnxImport.Import(model.ToByteArray()));
        Assert.Equal(3, e.Problems.Count);
        Assert.StartsWith("node 'norm' (LRN): operator not supported", e.Problems[0], StringComparison.Ordinal);
        Assert.StartsWith("node 'upsample' (Resize): ", e.Problems[1], StringComparison.Ordinal);
        Assert.StartsWith("node 'grouped' (Conv): group = 2", e.Problems[2], StringComparison.Ordinal);
        Assert.Contains("node 'norm' (LRN)", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("after_norm", e.Message, StringComparison.Ordinal); // it only reads what failed before it
    }

    [Fact]
    public void A_dynamic_height_is_an_error_that_says_to_fix_the_input_size()
    {
        ModelProto model = Model(Node("Relu", "r", ["input"], ["out"]));
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2] = new TensorShapeProto.Types.Dimension { DimParam = "height" };
        var e = Assert.Throws<OnnxImportException>(() => OnnxImport.Import(model.ToByteArray()));
        Assert.Contains("dynamic H dimension ('height')", e.Message, StringComparison.Ordinal);
        Assert.Contains("export with a fixed input size", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 1, 1, 0, 0 }, "pads (top, bottom) 1 and 0")]
    [InlineData(new long[] { 0, 0, 2, 2 }, "pads (top, bottom) 0 and 2")]
    public void Asymmetric_padding_that_is_no_rounding_is_an_error(long[] pads, string expected)
    {
        ModelProto model = Model(Node("Conv", "c", ["input", "w"], ["out"], Ints("pads", pads)));
        model.Graph.Initializer.Add(Tensor("w", [2, 3, 3, 3]));
        var e = Assert.Throws<OnnxImportException>(() => OnnxImport.Import(model.ToByteArray()));
        Assert.Contains("node 'c' (Conv): " + expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MatMul_then_Add_is_one_dense_layer_with_the_weights_transposed()
    {
        ModelProto model = Model(
            Node("Flatten", "flat", ["input"], ["f"]),
            Node("MatMul", "mm", ["f", "w"], ["m"]),
            Node("Add", "bias", ["m", "b"], ["out"]));
        TensorProto w = Tensor("w", [48, 2]); // [in, out]
        model.Graph.Initializer.Add(w);
        model.Graph.Initializer.Add(Tensor("b", [2]));
        ImportedNetwork imported = OnnxImport.Import(model.ToByteArray());
        Assert.Equal("[Input(4, 4, 3)]\n[Flatten]\n[Dense(2)]", Layers(imported.Declaration));
        float[] source = Importer.Floats(w);
        ImportedTensor weight = imported.Tensors.Single(t => t.Name == "fc1.weight");
        Assert.Equal([2, 48], weight.Shape);
        Assert.Equal(source[(5 * 2) + 1], weight.Data[(1 * 48) + 5]); // W[out = 1, in = 5] = B[in = 5, out = 1]
        Assert.Equal(Importer.Floats(model.Graph.Initializer[1]), imported.Tensors.Single(t => t.Name == "fc1.bias").Data);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------------

    // The committed graph with every float initializer filled in by the fixture script's formula.
    private static ModelProto TorchvisionModel(string name)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(Fixtures, name + ".graph.onnx")));
        foreach (TensorProto initializer in model.Graph.Initializer)
        {
            if (initializer.DataType != (int)TensorProto.Types.DataType.Float)
            {
                continue;
            }

            float[] values = Formula(initializer.Name, initializer.Dims.Select(d => (int)d).ToArray());
            var raw = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
            }

            initializer.RawData = ByteString.CopyFrom(raw);
        }

        return model;
    }

    // tools/fixtures/make_onnx_import_fixtures.py's weights(name, shape).
    private static float[] Formula(string name, int[] shape)
    {
        int count = shape.Aggregate(1, (a, d) => a * d);
        double phase = FnvPhase(name) / 100.0;
        int fanIn = shape.Skip(1).Aggregate(1, (a, d) => a * d);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double s = Math.Sin((0.61 * i) + phase);
            double v = name.EndsWith("running_var", StringComparison.Ordinal) ? 1.0 + (0.25 * s)
                : shape.Length == 1 && name.EndsWith(".weight", StringComparison.Ordinal) ? 1.0 + (0.1 * s)
                : shape.Length == 1 ? 0.1 * s
                : s / Math.Sqrt(fanIn);
            values[i] = (float)v;
        }

        return values;
    }

    private static uint FnvPhase(string name) => Fnv1a(name) % 1000;

    private static uint Fnv1a(string name)
    {
        uint h = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            h = unchecked((h ^ b) * 16777619);
        }

        return h;
    }

    private static float[] Input()
    {
        var x = new float[3 * Size * Size];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(0.5 * Math.Sin(0.37 * i));
        }

        return x;
    }

    private static float[] Logits(string name)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Fixtures, name + ".logits.f32"));
        var logits = new float[bytes.Length / 4];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
        }

        return logits;
    }

    private static float[] RunOnnx(byte[] model, float[] input, long[] shape)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var options = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(options, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(Math.Abs);
        Assert.True(scale > 1e-3f, $"{what}: the logits are all near zero ({scale}); the fixture does not exercise the network");
        int worst = Enumerable.Range(0, expected.Length).MaxBy(i => Math.Abs(expected[i] - actual[i]));
        float error = Math.Abs(expected[worst] - actual[worst]);
        Assert.True(error <= 1e-4f * scale, $"{what}: logit {worst} is {actual[worst]}, expected {expected[worst]} (|error| {error} > 1e-4 × {scale})");
    }

    // The declaration's attribute lines from [Input] to the class, without the node-name comments.
    private static string Layers(string declaration) => string.Join("\n", declaration.Split('\n')
        .SkipWhile(l => !l.StartsWith("[Input", StringComparison.Ordinal))
        .TakeWhile(l => l.StartsWith('['))
        .Select(l => l.Split(" //")[0]));

    private static string Grouped(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture).Replace(',', '_');

    private static ModelProto Model(params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Input.Add(new ValueInfoProto
        {
            Name = "input",
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "N" }, Dim(3), Dim(4), Dim(4) } },
                },
            },
        });
        graph.Node.AddRange(nodes);
        graph.Output.Add(new ValueInfoProto { Name = nodes[^1].Output[0] });
        var model = new ModelProto { IrVersion = 7, Graph = graph, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        return model;
    }

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static TensorProto Tensor(string name, int[] shape)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(shape.Select(d => (long)d));
        int count = shape.Aggregate(1, (a, d) => a * d);
        tensor.FloatData.AddRange(Enumerable.Range(0, count).Select(i => (float)Math.Sin(i + name.Length)));
        return tensor;
    }
}
