using System;
using CnnGen.Runtime;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// GemmGradients.AddConvWeightGradient against a naive double-precision loop written here, over output-channel
/// counts around the 8- and 16-lane vectors (1–33), tap counts around the 8-tap register block, padded frames
/// (row stride wider than the window's reach) and frames that end exactly at the last tap's last element.
/// CI runs these again with DOTNET_EnableAVX512=0 (the Vector256 path) and DOTNET_EnableHWIntrinsic=0 (scalar).
/// </summary>
public sealed class GemmGradientsTests
{
    [Theory]
    [InlineData(16, 6, 14, 14, 5, 5, 0)] // LeNet-5's conv2
    [InlineData(1, 1, 3, 3, 1, 1, 0)]
    [InlineData(7, 1, 5, 4, 3, 2, 0)]
    [InlineData(8, 2, 6, 6, 2, 2, 1)]
    [InlineData(9, 3, 5, 7, 3, 3, 1)]
    [InlineData(15, 1, 9, 9, 3, 3, 0)]
    [InlineData(17, 2, 7, 8, 2, 3, 2)]
    [InlineData(32, 3, 8, 8, 3, 3, 1)] // CifarNet-like: 27 taps
    [InlineData(33, 1, 4, 20, 1, 9, 0)]
    public void Conv_weight_gradient_equals_a_naive_loop(int k, int c, int h, int w, int fh, int fw, int pad)
    {
        var random = new Random((k * 31) + (c * 7) + h);
        int hp = h + (2 * pad), wp = w + (2 * pad), oh = hp - fh + 1, ow = wp - fw + 1, taps = c * fh * fw;
        float[] frame = Values(random, c * hp * wp);
        float[] dy = Values(random, k * oh * ow);
        float[] dw = Values(random, k * taps);
        var expected = new double[dw.Length];
        int[] offsets = Kernels.ConvTapOffsets(c, fh, fw, hp * wp, wp);
        for (int kk = 0; kk < k; kk++)
        {
            for (int cc = 0; cc < c; cc++)
            {
                for (int ky = 0; ky < fh; ky++)
                {
                    for (int kx = 0; kx < fw; kx++)
                    {
                        int t = (((cc * fh) + ky) * fw) + kx;
                        double sum = dw[(kk * taps) + t];
                        for (int oy = 0; oy < oh; oy++)
                        {
                            for (int ox = 0; ox < ow; ox++)
                            {
                                sum += (double)dy[(((kk * oh) + oy) * ow) + ox] * frame[(((cc * hp) + oy + ky) * wp) + ox + kx];
                            }
                        }

                        expected[(kk * taps) + t] = sum;
                    }
                }
            }
        }

        // The scratch is filled with garbage first: the kernel must not depend on its contents.
        float[] scratch = Values(random, GemmGradients.ConvWeightGradientScratch(k, oh, ow));
        GemmGradients.AddConvWeightGradient(k, taps, oh, ow, dy, frame, wp, offsets, dw, scratch);
        for (int i = 0; i < dw.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - dw[i]) <= 1e-5 * (1 + Math.Abs(expected[i]) + (oh * ow)), $"dW[{i}]: expected {expected[i]}, got {dw[i]}");
        }
    }

    [Fact]
    public void Short_spans_are_rejected()
    {
        int[] offsets = Kernels.ConvTapOffsets(1, 2, 2, 16, 4);
        float[] frame = new float[16], dy = new float[2 * 9], dw = new float[2 * 4];
        float[] scratch = new float[GemmGradients.ConvWeightGradientScratch(2, 3, 3)];
        GemmGradients.AddConvWeightGradient(2, 4, 3, 3, dy, frame, 4, offsets, dw, scratch);
        Assert.Throws<ArgumentException>(() => GemmGradients.AddConvWeightGradient(2, 4, 3, 3, dy, new float[15], 4, offsets, dw, scratch));
        Assert.Throws<ArgumentException>(() => GemmGradients.AddConvWeightGradient(2, 4, 3, 3, new float[17], frame, 4, offsets, dw, scratch));
        Assert.Throws<ArgumentException>(() => GemmGradients.AddConvWeightGradient(2, 4, 3, 3, dy, frame, 4, offsets, new float[7], scratch));
        Assert.Throws<ArgumentException>(() => GemmGradients.AddConvWeightGradient(2, 4, 3, 3, dy, frame, 4, offsets, dw, new float[scratch.Length - 1]));
        Assert.Throws<ArgumentException>(() => GemmGradients.AddConvWeightGradient(2, 5, 3, 3, dy, frame, 4, offsets, new float[10], scratch));
    }

    private static float[] Values(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextSingle() * 2f) - 1f;
        }

        return values;
    }
}
