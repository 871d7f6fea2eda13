using System;
using CnnGen.Runtime;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// The branch-free max/min pooling, the vectorised ReLU gradient and the wide-row scatter-add against plain loops, over widths that hit
/// every vector tail (below 8, between 8 and 16, above 16), with padding, strides and windows that run past the
/// input (ceil rounding).
/// </summary>
public sealed class PoolKernelTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExtremePool_matches_a_plain_window_loop(bool min)
    {
        var random = new Random(21);
        foreach (int width in new[] { 1, 3, 7, 8, 9, 16, 17, 28, 33 })
        {
            foreach ((int f, int s, int p) in new[] { (2, 2, 0), (3, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0), (5, 3, 2), (1, 1, 0) })
            {
                int height = width + 2;
                if (f > width + (2 * p) || f > height + (2 * p))
                {
                    continue;
                }

                foreach (bool ceil in new[] { false, true })
                {
                    int oh = ((height + (2 * p) - f + (ceil ? s - 1 : 0)) / s) + 1;
                    int ow = ((width + (2 * p) - f + (ceil ? s - 1 : 0)) / s) + 1;
                    if (ceil && ((oh - 1) * s >= height + p || (ow - 1) * s >= width + p))
                    {
                        continue;   // PyTorch drops a last window that starts in the padding
                    }

                    const int channels = 3;
                    var input = new float[channels * height * width];
                    for (int i = 0; i < input.Length; i++)
                    {
                        input[i] = (random.NextSingle() * 2f) - 1f;
                    }

                    var output = new float[channels * oh * ow];
                    Kernels.ExtremePool(input, output, channels, height, width, f, f, s, s, p, p, oh, ow, min);
                    for (int c = 0; c < channels; c++)
                    {
                        for (int oy = 0; oy < oh; oy++)
                        {
                            for (int ox = 0; ox < ow; ox++)
                            {
                                float best = min ? float.PositiveInfinity : float.NegativeInfinity;
                                for (int y = (oy * s) - p; y < (oy * s) - p + f; y++)
                                {
                                    for (int x = (ox * s) - p; x < (ox * s) - p + f; x++)
                                    {
                                        if (y >= 0 && y < height && x >= 0 && x < width)
                                        {
                                            float v = input[(((c * height) + y) * width) + x];
                                            best = min ? Math.Min(best, v) : Math.Max(best, v);
                                        }
                                    }
                                }

                                Assert.True(best == output[(((c * oh) + oy) * ow) + ox], $"width {width}, window {f}/{s}/{p}, ceil {ceil}: ({c}, {oy}, {ox}) expected {best}, got {output[(((c * oh) + oy) * ow) + ox]}");
                            }
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ExtremePool2x2Backward_adds_to_the_first_cell_equal_to_the_output(bool min, bool relu)
    {
        var random = new Random(24);
        foreach (int width in new[] { 2, 3, 5, 8, 9, 10, 16, 17, 18, 28, 33, 40 })
        {
            foreach (int channels in new[] { 1, 3, 6 })
            {
                int height = width % 3 == 0 ? width + 1 : width;   // odd heights too: the last input row belongs to no window
                int oh = height / 2, ow = width / 2;
                var input = new float[channels * height * width];
                for (int i = 0; i < input.Length; i++)
                {
                    input[i] = random.Next(0, 4) - 1.5f;   // four levels: most windows hold ties
                    if (relu)
                    {
                        input[i] = Math.Max(input[i], 0f);   // a ReLU's output: zeros tie often, and get no gradient
                    }
                }

                var output = new float[channels * oh * ow];
                var gradOutput = new float[output.Length];
                var gradInput = new float[input.Length];
                for (int i = 0; i < gradInput.Length; i++)
                {
                    gradInput[i] = (random.NextSingle() * 2f) - 1f;
                }

                var expected = (float[])gradInput.Clone();
                for (int c = 0; c < channels; c++)
                {
                    for (int oy = 0; oy < oh; oy++)
                    {
                        for (int ox = 0; ox < ow; ox++)
                        {
                            int o = (((c * oh) + oy) * ow) + ox;
                            float best = min ? float.PositiveInfinity : float.NegativeInfinity;
                            for (int y = 2 * oy; y < (2 * oy) + 2; y++)
                            {
                                for (int x = 2 * ox; x < (2 * ox) + 2; x++)
                                {
                                    float v = input[(((c * height) + y) * width) + x];
                                    best = min ? Math.Min(best, v) : Math.Max(best, v);
                                }
                            }

                            // every seventh window's output matches none of its cells: it gets no gradient
                            output[o] = o % 7 == 3 ? 7f : best;
                            gradOutput[o] = (random.NextSingle() * 2f) - 1f;
                            bool found = false;
                            for (int y = 2 * oy; y < (2 * oy) + 2 && !found && (!relu || output[o] > 0f); y++)
                            {
                                for (int x = 2 * ox; x < (2 * ox) + 2 && !found; x++)
                                {
                                    int at = (((c * height) + y) * width) + x;
                                    if (input[at] == output[o])
                                    {
                                        expected[at] += gradOutput[o];
                                        found = true;
                                    }
                                }
                            }
                        }
                    }
                }

                Kernels.ExtremePool2x2Backward(input, output, gradOutput, gradInput, channels, height, width, oh, ow, relu);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(expected[i] == gradInput[i], $"relu {relu}, width {width}, height {height}, channels {channels}: cell {i} expected {expected[i]}, got {gradInput[i]}");
                }
            }
        }
    }

    [Fact]
    public void ReLUBackward_adds_the_gradient_where_the_input_is_positive()
    {
        var random = new Random(22);
        foreach (int n in new[] { 1, 7, 8, 9, 15, 16, 17, 31, 33, 100 })
        {
            var x = new float[n];
            var dy = new float[n];
            var dx = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = i % 5 == 0 ? 0f : (random.NextSingle() * 2f) - 1f;
                dy[i] = (random.NextSingle() * 2f) - 1f;
                dx[i] = (random.NextSingle() * 2f) - 1f;
            }

            float[] before = (float[])dx.Clone();
            Kernels.ReLUBackward(x, dy, dx);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(x[i] > 0f ? before[i] + dy[i] : before[i], dx[i]);
            }
        }
    }

    [Fact]
    public void AddRows_adds_overlapping_rows_in_order()
    {
        var random = new Random(23);
        foreach (int length in new[] { 1, 5, 8, 9, 16, 17, 31, 40 })
        {
            var offsets = new int[7];
            for (int t = 0; t < offsets.Length; t++)
            {
                offsets[t] = random.Next(0, 12);   // rows overlap one another
            }

            var rows = new float[offsets.Length * length];
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = (random.NextSingle() * 2f) - 1f;
            }

            var target = new float[length + 12 + 3];
            for (int i = 0; i < target.Length; i++)
            {
                target[i] = (random.NextSingle() * 2f) - 1f;
            }

            var expected = new double[target.Length];
            for (int i = 0; i < target.Length; i++)
            {
                expected[i] = target[i];
            }

            for (int t = 0; t < offsets.Length; t++)
            {
                for (int j = 0; j < length; j++)
                {
                    expected[offsets[t] + j] += rows[(t * length) + j];
                }
            }

            Kernels.AddRows(rows, length, offsets, target);
            for (int i = 0; i < target.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - target[i]) <= 1e-5, $"length {length}: target[{i}] expected {expected[i]}, got {target[i]}");
            }
        }
    }
}
