using System;
using CnnGen.Runtime;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// The channel-vectorised direct convolution (with and without the fused max pool) against plain loops: output
/// channels below, at and past each vector width (8, 10, 16, 17, 33), input channels 1, 3 and 5, odd sizes, padding,
/// strides, pools whose windows leave rows and columns out (floor), the stride-1 row blocks (8, 6 and 5 columns, odd row
/// counts), and a repack when the parameters change.
/// The same tests run under DOTNET_EnableAVX512=0 and DOTNET_EnableHWIntrinsic=0 in CI (the 256-bit and scalar paths).
/// </summary>
public sealed class DirectConvTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(10)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    public void Forward_matches_plain_convolution_bias_relu_and_pool_loops(int k)
    {
        var random = new Random(k);
        foreach (int c in new[] { 1, 3, 5 })
        {
            foreach ((int f, int s, int p) in new[] { (3, 1, 1), (5, 1, 2), (5, 2, 2), (1, 1, 0), (3, 2, 0), (2, 1, 0), (5, 1, 0) })
            {
                foreach (int pool in new[] { 1, 2, 3 })
                {
                    foreach (bool relu in new[] { false, true })
                    {
                        Check(random, c, 11, 9, k, f, s, p, pool, relu);
                        Check(random, c, 7, 20, k, f, s, p, pool, relu);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Every output width from 1 to 24 and 1 to 9 output rows, for 3- and 5-wide kernels with and without padding, and
    /// output channels on both sides of a vector: the stride-1 row blocks (8, 6 or 5 columns, the last block moved back
    /// to end at the last column) must fit every row. An output exactly 7 columns wide once took an 8-column block that
    /// started one column before the frame (wrong values, or a read outside the input).
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(17)]
    public void Row_blocks_compute_every_output_width_and_read_only_their_frame(int k)
    {
        var random = new Random(1000 + k);
        foreach ((int f, int p) in new[] { (3, 0), (3, 1), (5, 0), (5, 2) })
        {
            for (int ow = 1; ow <= 24; ow++)
            {
                foreach (int oh in new[] { 1, 2, 3, 7, 9 })
                {
                    int w = ow + f - 1 - (2 * p), h = oh + f - 1 - (2 * p);
                    if (w >= 1 && h >= 1)
                    {
                        Check(random, k % 3 == 0 ? 2 : 1, h, w, k, f, 1, p, 1, relu: false);
                    }
                }
            }
        }
    }

    [Fact]
    public void The_row_block_is_never_wider_than_the_row()
    {
        for (int cols = 5; cols <= 200; cols++)
        {
            int n = DirectConv.RowBlockWidth(cols);
            Assert.True(n is 5 or 6 or 8 && n <= cols, $"{cols} columns: block of {n}");
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => DirectConv.RowBlockWidth(4));
    }

    [Fact]
    public void Pack_repacks_when_a_weight_or_the_bias_changes_and_never_serves_stale_values()
    {
        const int c = 2, h = 6, w = 7, k = 9, f = 3;
        var random = new Random(5);
        float[] input = Values(random, c * h * w);
        float[] weights = Values(random, k * c * f * f);
        float[] bias = Values(random, k);
        var source = new float[(k * c * f * f) + k];
        var packed = new float[DirectConv.PackedLength(k, c * f * f)];
        float[] Run()
        {
            DirectConv.Pack(weights, bias, k, c * f * f, source, packed);
            int[] taps = Kernels.ConvTapOffsets(c, f, f, h * w, w);
            int[] positions = DirectConv.Positions(w, 1, 1, h - f + 1, w - f + 1, 1, 1);
            var output = new float[k * (h - f + 1) * (w - f + 1)];
            DirectConv.Forward(input, taps, positions, 1, (h - f + 1) * (w - f + 1), packed, k, false, output, new float[DirectConv.ScratchLength(positions.Length, k)]);
            return output;
        }

        AssertClose(Reference(input, c, h, w, weights, bias, k, f, 1, 0, 1, false), Run());
        weights[17] += 0.5f;
        AssertClose(Reference(input, c, h, w, weights, bias, k, f, 1, 0, 1, false), Run());
        bias[k - 1] = -3f;
        AssertClose(Reference(input, c, h, w, weights, bias, k, f, 1, 0, 1, false), Run());
    }

    [Fact]
    public void MaxPool2_matches_a_plain_window_loop_for_odd_and_even_sizes_on_both_sides_of_a_vector()
    {
        var random = new Random(9);
        foreach (int width in new[] { 2, 3, 7, 15, 16, 17, 28, 33, 41 })
        {
            foreach (int height in new[] { 2, 5, 28 })
            {
                const int channels = 3;
                float[] input = Values(random, channels * height * width);
                int oh = height / 2, ow = width / 2;
                var output = new float[channels * oh * ow];
                Kernels.MaxPool2x2(input, output, channels, height, width);
                for (int c = 0; c < channels; c++)
                {
                    for (int oy = 0; oy < oh; oy++)
                    {
                        for (int ox = 0; ox < ow; ox++)
                        {
                            float best = float.NegativeInfinity;
                            for (int d = 0; d < 4; d++)
                            {
                                best = Math.Max(best, input[(((c * height) + (2 * oy) + (d >> 1)) * width) + (2 * ox) + (d & 1)]);
                            }

                            Assert.Equal(best, output[(((c * oh) + oy) * ow) + ox]);
                        }
                    }
                }
            }
        }
    }

    private static void Check(Random random, int c, int h, int w, int k, int f, int s, int p, int pool, bool relu)
    {
        int oh = ((h + (2 * p) - f) / s) + 1, ow = ((w + (2 * p) - f) / s) + 1;
        if (oh < pool || ow < pool)
        {
            return;
        }

        float[] input = Values(random, c * h * w);
        float[] weights = Values(random, k * c * f * f);
        float[] bias = Values(random, k);
        int hp = h + (2 * p), wp = w + (2 * p);
        // The frame sits between two guard bands of NaN: a kernel that reads before or after it (the loops use refs
        // without bounds checks) turns its outputs into NaN, and the comparison below fails.
        const int Guard = 4096;
        var guarded = new float[(c * hp * wp) + (2 * Guard)];
        guarded.AsSpan().Fill(float.NaN);
        Span<float> frame = guarded.AsSpan(Guard, c * hp * wp);
        frame.Clear();
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                input.AsSpan(((ch * h) + y) * w, w).CopyTo(frame.Slice((((ch * hp) + y + p) * wp) + p));
            }
        }

        var source = new float[(k * c * f * f) + k];
        var packed = new float[DirectConv.PackedLength(k, c * f * f)];
        DirectConv.Pack(weights, bias, k, c * f * f, source, packed);
        int cellsH = oh / pool, cellsW = ow / pool;
        int[] positions = DirectConv.Positions(wp, s, s, cellsH, cellsW, pool, pool);
        var output = new float[k * cellsH * cellsW];
        DirectConv.Forward(frame, Kernels.ConvTapOffsets(c, f, f, hp * wp, wp), positions, pool * pool, cellsH * cellsW, packed, k, relu, output, new float[DirectConv.ScratchLength(positions.Length, k)]);
        float[] expected = Reference(input, c, h, w, weights, bias, k, f, s, p, pool, relu);
        AssertClose(expected, output);
        if (s == 1)
        {
            // The row-block path (3- and 5-wide kernels with AVX-512; the position table otherwise).
            var rowsOutput = new float[output.Length];
            DirectConv.ForwardRows(frame, hp, wp, c, f, f, cellsH * pool, cellsW * pool, pool, pool, Kernels.ConvTapOffsets(c, f, f, hp * wp, wp), positions, packed, k, relu, rowsOutput, new float[DirectConv.RowsScratchLength(positions.Length, cellsH * pool, cellsW * pool, k)]);
            AssertClose(expected, rowsOutput);
        }
    }

    /// <summary>
    /// Convolution, + bias, optional ReLU, then max pooling (window = stride = pool, floor), as PyTorch computes them. With
    /// <paramref name="ceil"/> the convolution's output size rounds up and the cells of a window past the padded input read 0.
    /// </summary>
    internal static float[] Reference(float[] input, int c, int h, int w, float[] weights, float[] bias, int k, int f, int s, int p, int pool, bool relu, bool ceil = false)
    {
        int round = ceil ? s - 1 : 0;
        int oh = ((h + (2 * p) - f + round) / s) + 1, ow = ((w + (2 * p) - f + round) / s) + 1;
        var conv = new double[k, oh, ow];
        for (int o = 0; o < k; o++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    double sum = bias[o];
                    for (int ch = 0; ch < c; ch++)
                    {
                        for (int ky = 0; ky < f; ky++)
                        {
                            for (int kx = 0; kx < f; kx++)
                            {
                                int y = (oy * s) - p + ky, x = (ox * s) - p + kx;
                                if (y >= 0 && y < h && x >= 0 && x < w)
                                {
                                    sum += (double)input[(((ch * h) + y) * w) + x] * weights[(((((o * c) + ch) * f) + ky) * f) + kx];
                                }
                            }
                        }
                    }

                    conv[o, oy, ox] = relu ? Math.Max(sum, 0) : sum;
                }
            }
        }

        int ph = oh / pool, pw = ow / pool;
        var output = new float[k * ph * pw];
        for (int o = 0; o < k; o++)
        {
            for (int py = 0; py < ph; py++)
            {
                for (int px = 0; px < pw; px++)
                {
                    double best = double.NegativeInfinity;
                    for (int dy = 0; dy < pool; dy++)
                    {
                        for (int dx = 0; dx < pool; dx++)
                        {
                            best = Math.Max(best, conv[o, (py * pool) + dy, (px * pool) + dx]);
                        }
                    }

                    output[(((o * ph) + py) * pw) + px] = (float)best;
                }
            }
        }

        return output;
    }

    internal static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1f + Math.Abs(expected[i])), $"[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    internal static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (random.NextSingle() * 2f) - 1f;
        }

        return values;
    }
}
