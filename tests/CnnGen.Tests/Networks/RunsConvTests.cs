using System;
using CnnGen;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>32 filters, 3×3, padding 1 on 8×8: 64 output columns against 78 wide ones, so the convolution reads runs.</summary>
[Network]
[Input(8, 8, 3)]
[Conv2D(32, 3, Padding = 1)] [ReLU]
public partial class RunsPaddedNet;

/// <summary>40 filters, 3×3, no padding on 10×10: the frame is the input itself, 64 output columns against 78.</summary>
[Network]
[Input(10, 10, 2)]
[Conv2D(40, 3)]
public partial class RunsUnpaddedNet;

/// <summary>
/// Stride-1 convolutions whose product reads the frame's rows as runs of OW columns (Gemm.MultiplyBroadcast with
/// runLength / runStride, chosen by the generator for 32+ filters when it saves columns) against a convolution
/// written out here, with random weights, biases and inputs.
/// </summary>
public sealed class RunsConvTests
{
    [Fact]
    public void Padded_convolution_with_runs_matches_a_naive_convolution() =>
        Check(new RunsPaddedNet(), channels: 3, size: 8, filters: 32, padding: 1, relu: true);

    [Fact]
    public void Unpadded_convolution_with_runs_matches_a_naive_convolution() =>
        Check(new RunsUnpaddedNet(), channels: 2, size: 10, filters: 40, padding: 0, relu: false);

    private static void Check(INetwork net, int channels, int size, int filters, int padding, bool relu)
    {
        var random = new Random(21);
        Span<float> p = net.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = (random.NextSingle() * 2f) - 1f;
        }

        var input = new float[channels * size * size];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (random.NextSingle() * 2f) - 1f;
        }

        int outSize = size + (2 * padding) - 2;
        var output = new float[filters * outSize * outSize];
        Assert.Equal(output.Length, net.OutputSize);
        net.Forward(input, output);
        float[] weights = net.Parameters.Slice(0, filters * channels * 9).ToArray();
        float[] bias = net.Parameters.Slice(filters * channels * 9, filters).ToArray();
        for (int k = 0; k < filters; k++)
        {
            for (int oy = 0; oy < outSize; oy++)
            {
                for (int ox = 0; ox < outSize; ox++)
                {
                    double s = bias[k], scale = Math.Abs(bias[k]);
                    for (int c = 0; c < channels; c++)
                    {
                        for (int fy = 0; fy < 3; fy++)
                        {
                            for (int fx = 0; fx < 3; fx++)
                            {
                                int y = oy + fy - padding, x = ox + fx - padding;
                                if (y < 0 || y >= size || x < 0 || x >= size)
                                {
                                    continue;
                                }

                                double term = (double)weights[(((k * channels) + c) * 9) + (fy * 3) + fx] * input[(((c * size) + y) * size) + x];
                                s += term;
                                scale += Math.Abs(term);
                            }
                        }
                    }

                    double expected = relu ? Math.Max(0, s) : s;
                    float got = output[(((k * outSize) + oy) * outSize) + ox];
                    Assert.True(Math.Abs(expected - got) <= 1e-5 * (scale + 1), $"filter {k} at ({oy}, {ox}): expected {expected:R}, got {got:R}");
                }
            }
        }
    }
}
