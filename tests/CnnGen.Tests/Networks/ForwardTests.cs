using System;
using CnnGen.IO;
using Xunit;
using CnnGen.Tests.Runtime;
using static CnnGen.Tests.Networks.Fixtures;

namespace CnnGen.Tests.Networks;

/// <summary>The emitted forward pass equals PyTorch's on the same weights and inputs (fixtures from tools/fixtures).</summary>
public class ForwardTests
{
    [Fact]
    public void LeNet5_matches_pytorch_within_1e5()
    {
        var net = new LeNet5();
        LoadParameters(net, Open("lenet5_state_dict.safetensors"));
        AssertForward(net, Open("lenet5_forward.safetensors"), batch: 4);
    }

    [Fact]
    public void A_PyTorch_state_dict_loads_through_SafeTensors_Load_and_gives_PyTorchs_outputs()
    {
        var net = new LeNet5(seed: 9);
        SafeTensors.Load(net, PathOf("lenet5_state_dict.safetensors"));
        AssertForward(net, Open("lenet5_forward.safetensors"), batch: 4);
    }

    [Fact]
    public void Padding_stride2_same_tanh_avgpool_variant_matches_pytorch_within_1e5()
    {
        var net = new PadStride();
        LoadParameters(net, Open("padstride_state_dict.safetensors"));
        AssertForward(net, Open("padstride_forward.safetensors"), batch: 4);
    }

    [Fact]
    public void Sigmoid_maxpool_variant_matches_pytorch_within_1e5()
    {
        var net = new SigmoidNet();
        SafeTensorsFile train = Open("sigmoidnet_train.safetensors");
        LoadParameters(net, Open("sigmoidnet_state_dict.safetensors"));
        float[] inputs = train["input"].ToArray();
        float[] expected = train["forward.output"].ToArray();
        var actual = new float[expected.Length];
        net.ForwardBatch(inputs, actual);
        AssertClose(expected, actual, 1e-5, 0, "output");
    }

    [Fact]
    public void Batch_forward_equals_image_by_image_forward()
    {
        var net = new LeNet5(seed: 7);
        float[] inputs = Random(3 * LeNet5.InputLength, 1);
        var batch = new float[3 * LeNet5.OutputLength];
        net.ForwardBatch(inputs, batch);
        var one = new float[LeNet5.OutputLength];
        for (int i = 0; i < 3; i++)
        {
            net.Forward(inputs.AsSpan(i * LeNet5.InputLength, LeNet5.InputLength), one);
            Assert.Equal(one, batch.AsSpan(i * LeNet5.OutputLength, LeNet5.OutputLength).ToArray());
        }
    }

    [Fact]
    public void Wrong_span_lengths_throw_ArgumentException_naming_the_expected_shape()
    {
        var net = new LeNet5();
        var ex = Assert.Throws<ArgumentException>(() => net.Forward(new float[1000], new float[10]));
        Assert.Contains("1×32×32", ex.Message);
        Assert.Contains("1024", ex.Message);
        Assert.Contains("1000", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => net.Forward(new float[1024], new float[9]));
        Assert.Contains("10 floats", ex.Message);
        Assert.Throws<ArgumentException>(() => net.ForwardBatch(new float[1025], new float[10]));
    }

    [Fact]
    public void Forward_allocates_nothing_after_construction()
    {
        var net = new LeNet5();
        float[] input = Random(LeNet5.InputLength, 3);
        var output = new float[LeNet5.OutputLength];
        net.Forward(input, output);
        Allocations.AssertSomeWindowAllocatesNothing(() => net.Forward(input, output));
    }

    [Fact]
    public void Same_seed_gives_same_parameters_and_He_initialisation_has_the_right_spread()
    {
        var a = new LeNet5(seed: 5);
        var b = new LeNet5(seed: 5);
        var c = new LeNet5(seed: 6);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));

        // conv2 feeds a ReLU: He normal with std √(2 / fan-in), fan-in 6·5·5 = 150. Biases start at zero.
        ReadOnlySpan<float> conv2 = a.Parameters.Slice(156, 2400);
        double sumSq = 0;
        foreach (float v in conv2)
        {
            sumSq += v * v;
        }

        double std = Math.Sqrt(sumSq / conv2.Length);
        Assert.InRange(std, Math.Sqrt(2.0 / 150) * 0.9, Math.Sqrt(2.0 / 150) * 1.1);
        Assert.True(a.Parameters.Slice(2556, 16).IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void Summary_and_tables_describe_the_declared_layers()
    {
        Assert.Equal(61706, LeNet5.ParameterCount);
        Assert.Equal(416520L, LeNet5.MultiplyAddsPerImage);
        Assert.Equal(12, LeNet5.LayerTable.Count);
        Assert.Equal("5×5×16", LeNet5.LayerTable[5].ShapeText);
        Assert.Contains("Conv2D(16, 5)", LeNet5.Summary);
        Assert.Contains("61,706", LeNet5.Summary);
        Assert.Equal(new[] { 6, 1, 5, 5 }, LeNet5.TensorTable[0].Shape);
        Assert.Equal("fc3.bias", LeNet5.TensorTable[9].Name);
    }

    private static void AssertForward(INetwork net, SafeTensorsFile io, int batch)
    {
        float[] inputs = io["input"].ToArray();
        float[] expected = io["output"].ToArray();
        Assert.Equal(batch * net.InputSize, inputs.Length);
        var output = new float[net.OutputSize];
        for (int i = 0; i < batch; i++)
        {
            net.Forward(inputs.AsSpan(i * net.InputSize, net.InputSize), output);
            AssertClose(expected.AsSpan(i * net.OutputSize, net.OutputSize), output, 1e-5, 0, $"output of image {i}");
        }
    }

    internal static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }

        return values;
    }
}
