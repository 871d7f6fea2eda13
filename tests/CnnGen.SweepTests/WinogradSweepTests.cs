using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace CnnGen.SweepTests;

/// <summary>
/// The runtime's Winograd convolution (src/CnnGen/Runtime/Winograd.cs) against a plain double-precision convolution over
/// random shapes: C and K from 1 to 40 (so neither need fill a vector), H and W from the smallest the 3×3 kernel allows
/// up to 23 (1×1 with padding, widths and heights that are not multiples of the tile, odd sizes), padding 0 and 1,
/// batches of 1–3 images, F(2×2, 3×3) and F(4×4, 3×3), with and without bias and ReLU. Weights are PyTorch's default
/// initialisation (uniform ±1/√(9C)) and the inputs uniform [0, 1): the error is bounded relative to the largest output.
/// Under the checked build every access of the kernel is checked against its span, and the spans handed to it are
/// exactly as long as its sizing contract says.
/// </summary>
/// <remarks>
/// Runs alone (its collection disables parallelisation): its arrays, a few MB per shape, made the garbage collector move
/// the other tests' arrays while their kernels ran, and the checked build can then match a moved array's reference to a
/// newer span that happens to end where it now starts (one full checked sweep failed that way in a Dense backward, and
/// passed when rerun).
/// </remarks>
[Collection(nameof(WinogradSweepTests))]
public sealed class WinogradSweepTests(ITestOutputHelper log)
{
    /// <summary>
    /// Largest error relative to the largest output allowed for F(2×2, 3×3): about 5× the worst measured (4.4e-7 over the
    /// random shapes on AVX-512, 2026-12-03).
    /// </summary>
    private const double BoundF2 = 2e-6;

    /// <summary>
    /// The same for F(4×4, 3×3), whose transforms (entries up to 8 and 1/24) amplify rounding more: about 5× the worst
    /// measured (3.1e-6 random, 5.5e-6 on the 128-channel layer), well inside the issue's 1e-4.
    /// </summary>
    private const double BoundF4 = 2e-5;

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Random_shapes_match_the_double_reference(int tile)
    {
        var random = new Random(1400 + tile);
        double worst = 0;
        string worstShape = string.Empty;
        for (int n = 0; n < 150; n++)
        {
            int padding = random.Next(2);
            int min = 3 - (2 * padding);
            var shape = new Shape(
                Channels: 1 + random.Next(40), Filters: 1 + random.Next(40),
                Height: min + random.Next(24 - min), Width: min + random.Next(24 - min),
                Padding: padding, Images: 1 + random.Next(3), Tile: tile, Bias: random.Next(4) != 0, Relu: random.Next(2) == 0);
            double error = Run(shape, random);
            if (error > worst)
            {
                (worst, worstShape) = (error, shape.ToString());
            }

            Assert.True(error <= (tile == 2 ? BoundF2 : BoundF4), $"{shape}: max error {error:e2} of the largest output");
        }

        log.WriteLine($"F({tile}×{tile}, 3×3), 150 random shapes: worst error {worst:e2} of the largest output, at {worstShape}");
    }

    /// <summary>
    /// The input gradient of a padded (Same) layer, Winograd.AddInputGradient from the kernels PackInputGradient turned and
    /// transposed, against the definition in double, dX[c, y, x] += Σ_k Σ_i Σ_j w[k, c, i, j]·dY[k, y − i + 1, x − j + 1],
    /// over random shapes (1×1 to 23×23, 1–40 channels and filters, 1–3 images), added to what gradInput already held.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Random_shapes_input_gradient_matches_the_double_reference(int tile)
    {
        var random = new Random(2400 + tile);
        double worst = 0;
        for (int n = 0; n < 100; n++)
        {
            int c = 1 + random.Next(40), k = 1 + random.Next(40), h = 1 + random.Next(23), w = 1 + random.Next(23), images = 1 + random.Next(3);
            float[] weights = Uniform(random, k * c * 9, 1 / MathF.Sqrt(9 * c));
            float[] gradOutput = Uniform(random, images * k * h * w, 1);
            float[] before = Uniform(random, images * c * h * w, 0.5f);
            float[] source = new float[Winograd.SourceLength(c, k)];
            float[] packed = new float[Winograd.PackedLength(k, c, tile)];
            float[] scratch = new float[Winograd.ScratchLength(k, h, w, c, 1, tile, images)];
            Array.Fill(scratch, float.NaN);
            float[] gradInput = (float[])before.Clone();
            Winograd.PackInputGradient(weights, k, c, tile, source, packed);
            Winograd.AddInputGradient(packed, gradOutput, images, c, h, w, k, tile, gradInput, scratch);

            double[] expected = new double[before.Length];
            for (int b = 0; b < images; b++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int y = 0; y < h; y++)
                    {
                        for (int x = 0; x < w; x++)
                        {
                            double sum = 0;
                            for (int f = 0; f < k; f++)
                            {
                                for (int i = 0; i < 3; i++)
                                {
                                    for (int j = 0; j < 3; j++)
                                    {
                                        int oy = y - i + 1, ox = x - j + 1;
                                        if (oy >= 0 && oy < h && ox >= 0 && ox < w)
                                        {
                                            sum += (double)weights[(((f * c) + ch) * 9) + (i * 3) + j] * gradOutput[(((b * k) + f) * h * w) + (oy * w) + ox];
                                        }
                                    }
                                }
                            }

                            int at = (((b * c) + ch) * h * w) + (y * w) + x;
                            expected[at] = before[at] + sum;
                        }
                    }
                }
            }

            double error = Error(gradInput, expected);
            worst = Math.Max(worst, error);
            Assert.True(error <= (tile == 2 ? BoundF2 : BoundF4), $"F({tile}) C={c} K={k} {h}×{w} ×{images}: max error {error:e2} of the largest gradient");
        }

        log.WriteLine($"F({tile}×{tile}, 3×3) input gradient, 100 random shapes: worst error {worst:e2} of the largest gradient");
    }

    /// <summary>
    /// The weight gradient, Winograd.AddWeightGradient, against the definition in double,
    /// dW[k, c, i, j] += Σ_b Σ_y Σ_x dY[b, k, y, x]·x[b, c, y + i − p, x + j − p], over random shapes (padding 0 and 1, 1–40
    /// channels and filters, outputs 1×1 to 23×23, 1–3 images), added to what gradWeights already held.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Random_shapes_weight_gradient_matches_the_double_reference(int tile)
    {
        var random = new Random(3400 + tile);
        double worst = 0;
        for (int n = 0; n < 100; n++)
        {
            int p = random.Next(2), c = 1 + random.Next(40), k = 1 + random.Next(40), images = 1 + random.Next(3);
            int oh = 1 + random.Next(23), ow = 1 + random.Next(23), h = oh + 2 - (2 * p), w = ow + 2 - (2 * p);
            float[] input = Uniform(random, images * c * h * w, 1, positive: true);
            float[] gradOutput = Uniform(random, images * k * oh * ow, 1);
            float[] before = Uniform(random, k * c * 9, 0.5f);
            float[] scratch = new float[Winograd.WeightGradientScratchLength(c, h, w, k, p, tile)];
            Array.Fill(scratch, float.NaN);
            float[] gradWeights = (float[])before.Clone();
            Winograd.AddWeightGradient(input, gradOutput, images, c, h, w, k, p, tile, gradWeights, scratch);

            double[] expected = new double[before.Length];
            for (int f = 0; f < k; f++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = 0; j < 3; j++)
                        {
                            double sum = 0;
                            for (int b = 0; b < images; b++)
                            {
                                for (int y = 0; y < oh; y++)
                                {
                                    int iy = y + i - p;
                                    if (iy < 0 || iy >= h)
                                    {
                                        continue;
                                    }

                                    for (int x = 0; x < ow; x++)
                                    {
                                        int ix = x + j - p;
                                        if (ix >= 0 && ix < w)
                                        {
                                            sum += (double)gradOutput[(((b * k) + f) * oh * ow) + (y * ow) + x] * input[(((b * c) + ch) * h * w) + (iy * w) + ix];
                                        }
                                    }
                                }
                            }

                            int at = (((f * c) + ch) * 9) + (i * 3) + j;
                            expected[at] = before[at] + sum;
                        }
                    }
                }
            }

            double error = Error(gradWeights, expected);
            worst = Math.Max(worst, error);
            Assert.True(error <= (tile == 2 ? BoundF2 : BoundF4), $"F({tile}) C={c} K={k} {h}×{w} pad {p} ×{images}: max error {error:e2} of the largest gradient");
        }

        log.WriteLine($"F({tile}×{tile}, 3×3) weight gradient, 100 random shapes: worst error {worst:e2} of the largest gradient");
    }

    /// <summary>The smallest and edge shapes, each tile: a 1×1 output, one row, one column, outputs one past a tile.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Edge_shapes_match_the_double_reference(int tile)
    {
        var random = new Random(7);
        var shapes = new List<Shape>();
        foreach ((int h, int w, int p) in new[] { (1, 1, 1), (3, 3, 0), (1, 7, 1), (9, 1, 1), (3, 30, 0), (tile + 1, tile + 1, 1), (tile + 3, tile + 2, 0), (2 * tile, 2 * tile, 1), (17, 16, 1) })
        {
            shapes.Add(new Shape(3, 5, h, w, p, 2, tile, true, true));
            shapes.Add(new Shape(17, 33, h, w, p, 1, tile, false, false));
        }

        foreach (Shape shape in shapes)
        {
            double error = Run(shape, random);
            Assert.True(error <= (tile == 2 ? BoundF2 : BoundF4), $"{shape}: max error {error:e2} of the largest output");
        }
    }

    /// <summary>
    /// Layer shapes of the networks Winograd is for (VGG's and ResNet-18's 3×3 stages at reduced size, CifarNet's): the
    /// error on realistic sizes, logged for docs/benchmarks.md, bounded by the issue's 1e-4. The last two have more than
    /// 256 channels (the products' weights in two and three K-blocks) and filters in an odd number of vectors.
    /// </summary>
    [Theory]
    [InlineData(2, 64, 64, 28, 28)]
    [InlineData(4, 64, 64, 28, 28)]
    [InlineData(2, 128, 128, 14, 14)]
    [InlineData(4, 128, 128, 14, 14)]
    [InlineData(4, 256, 256, 7, 7)]
    [InlineData(4, 32, 64, 16, 16)]
    [InlineData(2, 64, 128, 8, 8)]
    [InlineData(2, 128, 128, 8, 8)]
    [InlineData(2, 512, 512, 7, 7)]
    [InlineData(2, 300, 80, 6, 6)]
    [InlineData(4, 520, 48, 12, 12)]
    public void Realistic_layers_stay_within_the_bound(int tile, int channels, int filters, int height, int width)
    {
        var shape = new Shape(channels, filters, height, width, 1, 1, tile, true, false);
        double error = Run(shape, new Random(11));
        log.WriteLine($"{shape}: max error {error:e2} of the largest output");
        Assert.True(error <= (tile == 2 ? BoundF2 : BoundF4), $"{shape}: max error {error:e2} of the largest output");
    }

    /// <summary>Pack repacks when the weights or the bias change, and a second Forward with unchanged weights gives the same bits.</summary>
    [Fact]
    public void Pack_follows_every_change_of_the_weights_and_bias()
    {
        var random = new Random(3);
        const int C = 5, K = 7, H = 6, W = 6, Tile = 4;
        float[] weights = Uniform(random, K * C * 9, 1 / MathF.Sqrt(9 * C));
        float[] bias = Uniform(random, K, 1);
        float[] input = Uniform(random, C * H * W, 1, positive: true);
        float[] source = new float[Winograd.SourceLength(C, K)];
        float[] packed = new float[Winograd.PackedLength(C, K, Tile)];
        float[] scratch = new float[Winograd.ScratchLength(C, H, W, K, 1, Tile, 1)];
        float[] output = new float[K * H * W];

        float[] Forward()
        {
            Winograd.Pack(weights, bias, K, C, Tile, source, packed);
            Winograd.Forward(packed, input, 1, C, H, W, K, 1, Tile, false, output, scratch);
            return (float[])output.Clone();
        }

        float[] first = Forward();
        Assert.Equal(first, Forward());
        weights[C * 9 * 3] += 0.5f;
        float[] second = Forward();
        Assert.True(Error(second, Reference(new Shape(C, K, H, W, 1, 1, Tile, true, false), weights, bias, input)) <= BoundF4);
        Assert.NotEqual(first, second);
        bias[6] = -3f;
        float[] third = Forward();
        Assert.True(Error(third, Reference(new Shape(C, K, H, W, 1, 1, Tile, true, false), weights, bias, input)) <= BoundF4);
        Assert.NotEqual(second, third);
    }

    private sealed record Shape(int Channels, int Filters, int Height, int Width, int Padding, int Images, int Tile, bool Bias, bool Relu)
    {
        public int OutHeight => Height + (2 * Padding) - 2;

        public int OutWidth => Width + (2 * Padding) - 2;

        public override string ToString() =>
            $"F({Tile}) C={Channels} K={Filters} {Height}×{Width} pad {Padding} ×{Images}{(Bias ? " bias" : string.Empty)}{(Relu ? " relu" : string.Empty)}";
    }

    private static double Run(Shape s, Random random)
    {
        float[] weights = Uniform(random, s.Filters * s.Channels * 9, 1 / MathF.Sqrt(9 * s.Channels));
        float[] bias = s.Bias ? Uniform(random, s.Filters, 1 / MathF.Sqrt(9 * s.Channels)) : Array.Empty<float>();
        float[] input = Uniform(random, s.Images * s.Channels * s.Height * s.Width, 1, positive: true);
        float[] source = new float[Winograd.SourceLength(s.Channels, s.Filters)];
        float[] packed = new float[Winograd.PackedLength(s.Channels, s.Filters, s.Tile)];
        float[] scratch = new float[Winograd.ScratchLength(s.Channels, s.Height, s.Width, s.Filters, s.Padding, s.Tile, s.Images)];

        // Stale garbage in the scratch must not matter.
        Array.Fill(scratch, float.NaN);
        float[] output = new float[s.Images * s.Filters * s.OutHeight * s.OutWidth];
        Winograd.Pack(weights, bias, s.Filters, s.Channels, s.Tile, source, packed);
        Winograd.Forward(packed, input, s.Images, s.Channels, s.Height, s.Width, s.Filters, s.Padding, s.Tile, s.Relu, output, scratch);
        return Error(output, Reference(s, weights, bias, input));
    }

    /// <summary>Max |actual − expected| over max |expected| (1 when the reference is all zeros, so any error shows).</summary>
    private static double Error(float[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(expected.Max(Math.Abs), 1e-30);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.False(float.IsNaN(actual[i]), $"output {i} is NaN");
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / scale);
        }

        return worst;
    }

    /// <summary>The convolution as the definition writes it, in double: Σ_c Σ_i Σ_j w[k, c, i, j]·x[c, y + i − p, x + j − p].</summary>
    private static double[] Reference(Shape s, float[] weights, float[] bias, float[] input)
    {
        int oh = s.OutHeight, ow = s.OutWidth;
        double[] result = new double[s.Images * s.Filters * oh * ow];
        for (int b = 0; b < s.Images; b++)
        {
            for (int k = 0; k < s.Filters; k++)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        double sum = s.Bias ? bias[k] : 0;
                        for (int c = 0; c < s.Channels; c++)
                        {
                            for (int i = 0; i < 3; i++)
                            {
                                int iy = y + i - s.Padding;
                                if (iy < 0 || iy >= s.Height)
                                {
                                    continue;
                                }

                                for (int j = 0; j < 3; j++)
                                {
                                    int ix = x + j - s.Padding;
                                    if (ix >= 0 && ix < s.Width)
                                    {
                                        sum += (double)weights[(((k * s.Channels) + c) * 9) + (i * 3) + j] * input[(((b * s.Channels) + c) * s.Height * s.Width) + (iy * s.Width) + ix];
                                    }
                                }
                            }
                        }

                        result[(((b * s.Filters) + k) * oh * ow) + (y * ow) + x] = s.Relu ? Math.Max(sum, 0) : sum;
                    }
                }
            }
        }

        return result;
    }

    private static float[] Uniform(Random random, int count, float bound, bool positive = false)
    {
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = positive ? (float)random.NextDouble() * bound : (float)((random.NextDouble() * 2) - 1) * bound;
        }

        return values;
    }
}

/// <summary>The kernel sweep's collection: not run in parallel with the other tests.</summary>
[CollectionDefinition(nameof(WinogradSweepTests), DisableParallelization = true)]
public sealed class WinogradSweepCollection;
