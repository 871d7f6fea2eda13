using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.IO;
using Xunit;
using static CnnGen.Tests.Networks.Fixtures;

namespace CnnGen.Tests.Weights;

/// <summary>
/// AlexNet's spelling ("features.0", "classifier.1") and a torchvision BasicBlock under "layer1.0" with its
/// downsample: the network of tools/fixtures/make_torchvision_fixtures.py, built there from torchvision's own
/// modules. 2·4·9+4 + 4·4·9+4 + 4·6·9 + 12 + 6·6·9 + 12 + 4·6 + 12 + 150·8+8 + 8·3+3 = 2,059 parameters.
/// </summary>
[Network(ExpectedParameters = 2059)]
[Input(9, 9, 2)]
[Conv2D(4, 3, Padding = 1, Tensor = "features.0")] [ReLU]
[Conv2D(4, 3, Padding = 1, Tensor = "features.3")] [ReLU]
[BasicBlock(6, Stride = 2, TensorPrefix = "layer1.0")]
[Dropout] [Dense(8, Tensor = "classifier.1")] [ReLU] [Dropout] [Dense(3, Tensor = "classifier.4")]
public partial class TorchNames;

/// <summary><see cref="TorchNames"/> with torchvision's state_dict compiled in, keys unchanged.</summary>
[Network(ExpectedParameters = 2059, Weights = "tvnames_state_dict.safetensors")]
[Input(9, 9, 2)]
[Conv2D(4, 3, Padding = 1, Tensor = "features.0")] [ReLU]
[Conv2D(4, 3, Padding = 1, Tensor = "features.3")] [ReLU]
[BasicBlock(6, Stride = 2, TensorPrefix = "layer1.0")]
[Dropout] [Dense(8, Tensor = "classifier.1")] [ReLU] [Dropout] [Dense(3, Tensor = "classifier.4")]
public partial class CompiledTorchNames;

/// <summary>Tensor and TensorPrefix at run time: the names, SafeTensors.Load/Save, PyTorch's logits, compiled-in weights.</summary>
public sealed class TorchNamesTests
{
    /// <summary>torchvision's keys and shapes for this network, written out by hand (not read from the generated code).</summary>
    private static readonly (string Name, int[] Shape, bool IsState)[] Expected =
    {
        ("features.0.weight", new[] { 4, 2, 3, 3 }, false), ("features.0.bias", new[] { 4 }, false),
        ("features.3.weight", new[] { 4, 4, 3, 3 }, false), ("features.3.bias", new[] { 4 }, false),
        ("layer1.0.conv1.weight", new[] { 6, 4, 3, 3 }, false),
        ("layer1.0.bn1.weight", new[] { 6 }, false), ("layer1.0.bn1.bias", new[] { 6 }, false),
        ("layer1.0.bn1.running_mean", new[] { 6 }, true), ("layer1.0.bn1.running_var", new[] { 6 }, true),
        ("layer1.0.conv2.weight", new[] { 6, 6, 3, 3 }, false),
        ("layer1.0.bn2.weight", new[] { 6 }, false), ("layer1.0.bn2.bias", new[] { 6 }, false),
        ("layer1.0.bn2.running_mean", new[] { 6 }, true), ("layer1.0.bn2.running_var", new[] { 6 }, true),
        ("layer1.0.downsample.0.weight", new[] { 6, 4, 1, 1 }, false),
        ("layer1.0.downsample.1.weight", new[] { 6 }, false), ("layer1.0.downsample.1.bias", new[] { 6 }, false),
        ("layer1.0.downsample.1.running_mean", new[] { 6 }, true), ("layer1.0.downsample.1.running_var", new[] { 6 }, true),
        ("classifier.1.weight", new[] { 8, 150 }, false), ("classifier.1.bias", new[] { 8 }, false),
        ("classifier.4.weight", new[] { 3, 8 }, false), ("classifier.4.bias", new[] { 3 }, false),
    };

    [Fact]
    public void Tensors_carry_torchvisions_names_and_shapes()
    {
        INetwork net = new TorchNames(seed: 1);
        Assert.Equal(Expected.Select(e => e.Name), net.Tensors.Select(t => t.Name));
        foreach ((string name, int[] shape, bool isState) in Expected)
        {
            TensorInfo t = net.Tensors.Single(x => x.Name == name);
            Assert.Equal(shape, t.Shape);
            Assert.Equal(isState, t.IsState);
        }

        // The file torchvision wrote has exactly these float tensors (and its int64 num_batches_tracked counters).
        SafeTensorsFile file = Open("tvnames_state_dict.safetensors");
        Assert.Equal(
            Expected.Select(e => e.Name).Order(StringComparer.Ordinal),
            file.Names.Where(n => !n.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Load_puts_each_named_tensor_where_its_name_says_and_Save_writes_the_same_names()
    {
        // Tensor k holds k·1000 + i: every value says which tensor and element it came from.
        var written = Expected.Select((e, k) => (e.Name, (IReadOnlyList<int>)e.Shape,
            (ReadOnlyMemory<float>)Enumerable.Range(0, e.Shape.Aggregate(1, (a, b) => a * b)).Select(i => (k * 1000f) + i).ToArray())).ToList();
        string dir = Directory.CreateTempSubdirectory("cnngen-tvnames-").FullName;
        try
        {
            string path = Path.Combine(dir, "in.safetensors");
            SafeTensorsFile.Write(path, written);

            INetwork net = new TorchNames(seed: 1);
            SafeTensors.Load(net, path);
            for (int k = 0; k < Expected.Length; k++)
            {
                TensorInfo t = net.Tensors.Single(x => x.Name == Expected[k].Name);
                int length = Expected[k].Shape.Aggregate(1, (a, b) => a * b);
                float[] actual = (t.IsState ? net.State : net.Parameters).Slice(t.Offset, length).ToArray();
                Assert.Equal(written[k].Item3.ToArray(), actual);
            }

            string saved = Path.Combine(dir, "out.safetensors");
            SafeTensors.Save(net, saved);
            SafeTensorsFile back = SafeTensorsFile.Read(saved);
            Assert.Equal(Expected.Select(e => e.Name).Order(StringComparer.Ordinal), back.Names.Order(StringComparer.Ordinal));
            for (int k = 0; k < Expected.Length; k++)
            {
                Assert.Equal(written[k].Item3.ToArray(), back[Expected[k].Name].ToArray());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Torchvisions_state_dict_loads_unchanged_and_gives_torchvisions_logits()
    {
        var net = new TorchNames(seed: 1);
        SafeTensors.Load(net, PathOf("tvnames_state_dict.safetensors"));

        SafeTensorsFile io = Open("tvnames_forward.safetensors");
        float[] input = io["input"].ToArray();
        float[] expected = io["output"].ToArray();
        var actual = new float[expected.Length];
        net.ForwardBatch(input, actual);
        double largest = expected.Max(v => Math.Abs(v));
        AssertClose(expected, actual, 1e-4 * largest, 0, "logits");
    }

    [Fact]
    public void Compiled_in_torchvision_weights_equal_SafeTensors_Load()
    {
        var compiled = new CompiledTorchNames();
        var loaded = new TorchNames(seed: 1);
        SafeTensors.Load(loaded, PathOf("tvnames_state_dict.safetensors"));

        Assert.Equal(loaded.Parameters.ToArray(), compiled.Parameters.ToArray());
        Assert.Equal(loaded.State.ToArray(), compiled.State.ToArray());
        Assert.Contains(compiled.State.ToArray(), v => v != 0f && v != 1f);

        SafeTensorsFile io = Open("tvnames_forward.safetensors");
        float[] expected = io["output"].ToArray();
        var actual = new float[expected.Length];
        compiled.ForwardBatch(io["input"].ToArray(), actual);
        AssertClose(expected, actual, 1e-4 * expected.Max(v => Math.Abs(v)), 0, "logits");
    }
}
