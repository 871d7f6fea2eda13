using System;
using System.Linq;
using CnnGen.Tests.Runtime;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>
/// Both layers take the inference path's direct convolution with the max pool fused: 10 and 17 output channels (not
/// multiples of a vector), padding, odd sizes whose pools leave the last row and column out, ReLU before the first
/// pool and none before the second.
/// </summary>
[Network(Rounding = Rounding.Floor)]
[Input(11, 9, 3)]
[Conv2D(10, 3, Padding = 1)] [ReLU] [MaxPool(2)]   // 11×9×10 → 5×4×10
[Conv2D(17, 3, Padding = 1)] [MaxPool(2)]           // 5×4×17 → 2×2×17
[Dense(7)]
public partial class DirectPoolNet;

/// <summary>
/// The generated network against plain loops written from its parameters: Forward and ForwardBatch (batch-major: the
/// dense layer over many images at once), and again after the parameters were overwritten (the packed weights must
/// follow), on every instruction set CI runs.
/// </summary>
public sealed class DirectConvNetworkTests
{
    [Fact]
    public void Fused_direct_convolutions_match_plain_loops_before_and_after_the_parameters_change()
    {
        var net = new DirectPoolNet(1);
        var random = new Random(77);
        for (int round = 0; round < 2; round++)
        {
            // Every parameter random (biases too), written through Parameters as a user or LoadWeights would.
            DirectConvTests.Values(random, DirectPoolNet.ParameterCount).CopyTo(net.Parameters);
            const int batch = 37;   // more than one chunk of the batch-major tail
            float[] inputs = DirectConvTests.Values(random, batch * DirectPoolNet.InputLength);
            var outputs = new float[batch * DirectPoolNet.OutputLength];
            net.DegreeOfParallelism = 1;
            net.ForwardBatch(inputs, outputs);
            var single = new float[DirectPoolNet.OutputLength];
            for (int b = 0; b < batch; b++)
            {
                float[] image = inputs.AsSpan(b * DirectPoolNet.InputLength, DirectPoolNet.InputLength).ToArray();
                float[] expected = Reference(net, image);
                net.Forward(image, single);
                DirectConvTests.AssertClose(expected, single);
                Assert.Equal(single, outputs.AsSpan(b * DirectPoolNet.OutputLength, DirectPoolNet.OutputLength).ToArray());
            }
        }
    }

    private static float[] Reference(DirectPoolNet net, float[] image)
    {
        float[] Tensor(string name)
        {
            TensorInfo t = DirectPoolNet.TensorTable.Single(x => x.Name == name);
            return net.Parameters.Slice(t.Offset, t.Length).ToArray();
        }

        float[] a = DirectConvTests.Reference(image, 3, 11, 9, Tensor("conv1.weight"), Tensor("conv1.bias"), 10, 3, 1, 1, 2, relu: true);
        float[] b = DirectConvTests.Reference(a, 10, 5, 4, Tensor("conv2.weight"), Tensor("conv2.bias"), 17, 3, 1, 1, 2, relu: false);
        float[] w = Tensor("fc1.weight"), bias = Tensor("fc1.bias");
        var output = new float[7];
        for (int o = 0; o < 7; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < b.Length; i++)
            {
                sum += (double)w[(o * b.Length) + i] * b[i];
            }

            output[o] = (float)sum;
        }

        return output;
    }
}
