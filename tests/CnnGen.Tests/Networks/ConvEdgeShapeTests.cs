using System;
using System.Linq;
using CnnGen.Tests.Runtime;
using Xunit;

namespace CnnGen.Tests.Networks;

// Shapes that took the inference path's direct convolution into its edges (issue 12). Each is a whole generated
// network compared with plain loops written from its parameters, on every instruction set CI runs.

/// <summary>A 7-column output with 8 filters: the stride-1 row blocks once took 8 columns and started before the row.</summary>
[Network] [Input(7, 7, 1)] [Conv2D(8, 3, Padding = 1)]
public partial class Seven7Padded;

/// <summary>The same width without padding: the block started before the input itself (a read outside it).</summary>
[Network] [Input(9, 9, 1)] [Conv2D(8, 3)]
public partial class Seven9Valid;

/// <summary>A 5-wide kernel, two channels, 6×7 output.</summary>
[Network] [Input(10, 11, 2)] [Conv2D(8, 5)]
public partial class Seven11Wide5;

/// <summary>The common MNIST shape: 28 → 14 → 7, then a same-padded 3×3 convolution of 32 filters at 7×7.</summary>
[Network]
[Input(28, 28, 1)]
[Conv2D(8, 3, Padding = Padding.Same)] [ReLU] [MaxPool(2)]
[Conv2D(16, 3, Padding = Padding.Same)] [ReLU] [MaxPool(2)]
[Conv2D(32, 3, Padding = Padding.Same)] [ReLU]
[Dense(10)] [Softmax]
public partial class MnistSeven;

/// <summary>A ceil-rounded stride-2 convolution whose last window hangs over the input, with 8 filters.</summary>
[Network] [Input(4, 4, 1)] [Conv2D(8, 3, Stride = 2, Rounding = Rounding.Ceil)]
public partial class CeilOverhang8;

/// <summary>The same with 17 filters and two channels on a rectangular input.</summary>
[Network] [Input(6, 9, 2)] [Conv2D(17, 3, Stride = 2, Rounding = Rounding.Ceil)]
public partial class CeilOverhang17;

public sealed class ConvEdgeShapeTests
{
    [Fact]
    public void A_seven_column_output_is_right_padded_or_not()
    {
        Single(new Seven7Padded(1), c: 1, h: 7, w: 7, k: 8, f: 3, s: 1, p: 1, ceil: false);
        Single(new Seven9Valid(1), c: 1, h: 9, w: 9, k: 8, f: 3, s: 1, p: 0, ceil: false);
        Single(new Seven11Wide5(1), c: 2, h: 10, w: 11, k: 8, f: 5, s: 1, p: 0, ceil: false);
    }

    [Fact]
    public void A_ceil_rounded_window_that_hangs_over_the_input_reads_zeros()
    {
        Single(new CeilOverhang8(1), c: 1, h: 4, w: 4, k: 8, f: 3, s: 2, p: 0, ceil: true);
        Single(new CeilOverhang17(1), c: 2, h: 6, w: 9, k: 17, f: 3, s: 2, p: 0, ceil: true);
    }

    [Fact]
    public void The_mnist_network_with_a_7x7_same_convolution_matches_plain_loops()
    {
        var net = new MnistSeven(1);
        var random = new Random(28);
        DirectConvTests.Values(random, MnistSeven.ParameterCount).CopyTo(net.Parameters);
        float[] Tensor(string name)
        {
            TensorInfo t = MnistSeven.TensorTable.Single(x => x.Name == name);
            return net.Parameters.Slice(t.Offset, t.Length).ToArray();
        }

        var output = new float[10];
        for (int n = 0; n < 5; n++)
        {
            float[] image = DirectConvTests.Values(random, 28 * 28);
            float[] a = DirectConvTests.Reference(image, 1, 28, 28, Tensor("conv1.weight"), Tensor("conv1.bias"), 8, 3, 1, 1, 2, relu: true);
            float[] b = DirectConvTests.Reference(a, 8, 14, 14, Tensor("conv2.weight"), Tensor("conv2.bias"), 16, 3, 1, 1, 2, relu: true);
            float[] c = DirectConvTests.Reference(b, 16, 7, 7, Tensor("conv3.weight"), Tensor("conv3.bias"), 32, 3, 1, 1, 1, relu: true);
            float[] w = Tensor("fc1.weight"), bias = Tensor("fc1.bias");
            var logits = new double[10];
            for (int o = 0; o < 10; o++)
            {
                logits[o] = bias[o];
                for (int i = 0; i < c.Length; i++)
                {
                    logits[o] += (double)w[(o * c.Length) + i] * c[i];
                }
            }

            double max = logits.Max(), total = logits.Sum(l => Math.Exp(l - max));
            float[] expected = logits.Select(l => (float)(Math.Exp(l - max) / total)).ToArray();
            net.Forward(image, output);
            DirectConvTests.AssertClose(expected, output);
        }
    }

    /// <summary>One convolution layer: Forward of a few random images against the reference.</summary>
    private static void Single(INetwork net, int c, int h, int w, int k, int f, int s, int p, bool ceil)
    {
        var random = new Random(h * 100 + w);
        DirectConvTests.Values(random, net.ParameterSize).CopyTo(net.Parameters);
        float[] weights = net.Parameters.Slice(0, k * c * f * f).ToArray();
        float[] bias = net.Parameters.Slice(k * c * f * f, k).ToArray();
        var output = new float[net.OutputSize];
        for (int n = 0; n < 3; n++)
        {
            float[] image = DirectConvTests.Values(random, net.InputSize);
            float[] expected = DirectConvTests.Reference(image, c, h, w, weights, bias, k, f, s, p, 1, relu: false, ceil);
            net.Forward(image, output);
            DirectConvTests.AssertClose(expected, output);
        }
    }
}
