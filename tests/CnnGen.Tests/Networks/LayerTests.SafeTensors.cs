using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.IO;
using Xunit;
using static CnnGen.Tests.Networks.Fixtures;

namespace CnnGen.Tests.Networks;

/// <summary>Saving and loading networks with BatchNorm: parameters and running statistics, and PyTorch's state dicts.</summary>
public sealed class LayerSafeTensorsTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cnngen-layer-" + Guid.NewGuid().ToString("N"));

    public LayerSafeTensorsTests() => Directory.CreateDirectory(directory);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Save_then_Load_round_trips_parameters_and_BatchNorm_state()
    {
        var net = new BlockNet(seed: 3);
        var random = new Random(4);
        Span<float> state = net.State;
        for (int i = 0; i < state.Length; i++)
        {
            state[i] = 0.25f + random.NextSingle();
        }

        string path = Path.Combine(directory, "blocknet.safetensors");
        SafeTensors.Save(net, path, new Dictionary<string, string> { ["format"] = "pt" });

        // The file holds every tensor under its PyTorch name, the running statistics taken from State.
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Equal(BlockNet.TensorTable.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal), file.Names.OrderBy(n => n, StringComparer.Ordinal));
        foreach (TensorInfo tensor in BlockNet.TensorTable)
        {
            Assert.Equal(tensor.Shape, file[tensor.Name].Shape);
            Span<float> source = (tensor.IsState ? net.State : net.Parameters).Slice(tensor.Offset, tensor.Length);
            Assert.Equal(source.ToArray(), file[tensor.Name].ToArray());
        }

        var copy = new BlockNet(seed: 9);
        Assert.False(copy.Parameters.SequenceEqual(net.Parameters));
        SafeTensors.Load(copy, path);
        Assert.True(copy.Parameters.SequenceEqual(net.Parameters));
        Assert.True(copy.State.SequenceEqual(net.State));

        float[] input = ForwardTests.Random(BlockNet.InputLength, 5);
        var expected = new float[BlockNet.OutputLength];
        var actual = new float[BlockNet.OutputLength];
        net.Forward(input, expected);
        copy.Forward(input, actual);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("convbn")]
    [InlineData("poolnet")]
    [InlineData("blocknet")]
    [InlineData("edgenet")]
    public void A_pytorch_state_dict_with_num_batches_tracked_loads(string fixture)
    {
        SafeTensorsFile file = Open(fixture + "_state_dict.safetensors");
        TensorEntry tracked = file[file.Names.First(n => n.EndsWith(".num_batches_tracked", StringComparison.Ordinal))];
        Assert.Equal("I64", tracked.DType);
        Assert.Empty(tracked.Shape);

        INetwork net = LayerNet.New(fixture, seed: 1);
        SafeTensors.Load(net, file.Path);
        foreach (TensorInfo tensor in net.Tensors)
        {
            Span<float> loaded = (tensor.IsState ? net.State : net.Parameters).Slice(tensor.Offset, tensor.Length);
            Assert.Equal(file[tensor.Name].ToArray(), loaded.ToArray());
        }

        // Every other tensor of the file was used: the network's tensors plus one counter per BatchNorm.
        int norms = net.Tensors.Count(t => t.Name.EndsWith(".running_mean", StringComparison.Ordinal));
        Assert.Equal(net.Tensors.Count + norms, file.Count);
    }

    [Fact]
    public void A_state_dict_without_the_running_statistics_is_rejected_and_nothing_is_loaded()
    {
        var source = new ConvBnNet(seed: 2);
        string path = Path.Combine(directory, "parameters-only.safetensors");
        float[] parameters = source.Parameters.ToArray();
        SafeTensorsFile.Write(path, ConvBnNet.TensorTable.Where(t => !t.IsState).Select(t => (t.Name, t.Shape, new ReadOnlyMemory<float>(parameters, t.Offset, t.Length))));

        var net = new ConvBnNet(seed: 3);
        float[] before = net.Parameters.ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(net, path));
        Assert.Contains("bn1.running_mean", ex.Message);
        Assert.Contains("bn2.running_var", ex.Message);
        Assert.Equal(before, net.Parameters.ToArray());
    }

    [Fact]
    public void Loaded_running_statistics_drive_the_inference_forward_pass()
    {
        // The same parameters with the running statistics reset (mean 0, variance 1) give other outputs.
        INetwork loaded = LayerNet.Load("convbn");
        INetwork reset = LayerNet.Load("convbn");
        foreach (TensorInfo tensor in reset.Tensors.Where(t => t.IsState))
        {
            reset.State.Slice(tensor.Offset, tensor.Length).Fill(tensor.Name.EndsWith("_var", StringComparison.Ordinal) ? 1f : 0f);
        }

        float[] input = ForwardTests.Random(loaded.InputSize, 6);
        var a = new float[loaded.OutputSize];
        var b = new float[loaded.OutputSize];
        loaded.Forward(input, a);
        reset.Forward(input, b);
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "the running statistics made no difference");
    }
}
