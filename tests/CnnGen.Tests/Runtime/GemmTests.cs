using System;
using System.Collections.Generic;
using CnnGen.Runtime;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// The runtime GEMM against a naive double-precision product, over shapes that hit every register-block
/// tail of every instruction-set path (rows 1–13 around the 6- and 4-row blocks, columns around the 8-, 16-,
/// 32- and 64-wide vector blocks, k around the 8- and 16-wide dot vectors), with strides, transposed A,
/// accumulation, bias and ReLU. CI runs these again with DOTNET_EnableAVX512=0 (the Vector256 path) and
/// DOTNET_EnableHWIntrinsic=0 (scalar).
/// </summary>
public sealed class GemmTests
{
    private static readonly int[] Rows = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13 };
    private static readonly int[] Columns = { 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 100, 129 };
    private static readonly int[] Depths = { 1, 5, 7, 8, 9, 15, 16, 17, 25, 31, 32, 33, 150 };

    public static IEnumerable<object[]> Flags()
    {
        foreach (bool accumulate in new[] { false, true })
        {
            foreach (bool bias in new[] { false, true })
            {
                foreach (bool relu in new[] { false, true })
                {
                    yield return new object[] { accumulate, bias, relu };
                }
            }
        }
    }

    private static float[] Random(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextSingle() * 2f) - 1f;
        }

        return values;
    }

    /// <summary>
    /// The reference in double precision: expected[i, j] = Σ_p A(i, p)·B(p, j) + add(i, j), through ReLU when asked, and
    /// the sum of the terms' sizes (+ 2) that scales the tolerance.
    /// </summary>
    private static (double[,] Expected, double[,] Scale) Reference(int m, int n, int k, Func<int, int, float> a, Func<int, int, float> b, Func<int, int, double> add, bool relu)
    {
        var expected = new double[m, n];
        var scale = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0, size = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = (double)a(i, p) * b(p, j);
                    s += term;
                    size += Math.Abs(term);
                }

                s += add(i, j);
                expected[i, j] = relu ? Math.Max(0, s) : s;
                scale[i, j] = size + 2;
            }
        }

        return (expected, scale);
    }

    /// <summary>Checks C against the reference everywhere, and that the padding between rows of C is untouched.</summary>
    private static void AssertProduct(double[,] expected, double[,] scale, float[] c, float[] before, int ldc, string shape)
    {
        int m = expected.GetLength(0), n = expected.GetLength(1);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                int at = (i * ldc) + j;
                if (at >= c.Length)
                {
                    break;
                }

                if (j >= n)
                {
                    Assert.True(before[at] == c[at], $"{shape}: C[{i}, {j}] outside the matrix changed");
                    continue;
                }

                double tolerance = 1e-5 * Math.Max(1.0, scale[i, j]);
                Assert.True(Math.Abs(expected[i, j] - c[at]) <= tolerance, $"{shape}: C[{i}, {j}] expected {expected[i, j]:R}, got {c[at]:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void MultiplyBroadcast_matches_a_double_precision_product(bool accumulate, bool withBias, bool relu)
    {
        var random = new Random(11);
        foreach (int m in Rows)
        {
            foreach (int n in Columns)
            {
                foreach (int k in Depths)
                {
                    // A alternates between row-major with padded rows and transposed (column-major) storage.
                    bool transposed = ((m + n + k) & 1) == 0;
                    int rsA = transposed ? 1 : k + 2, csA = transposed ? m + 1 : 1;
                    int ldb = n + 3, ldc = n + 2;
                    float[] a = Random(random, ((m - 1) * rsA) + ((k - 1) * csA) + 1);
                    float[] b = Random(random, ((k - 1) * ldb) + n);
                    float[] c = Random(random, ((m - 1) * ldc) + n + 2);
                    float[] bias = withBias ? Random(random, m) : Array.Empty<float>();
                    float[] before = (float[])c.Clone();
                    (double[,] expected, double[,] scale) = Reference(m, n, k,
                        (i, p) => a[(i * rsA) + (p * csA)], (p, j) => b[(p * ldb) + j], (i, j) => (accumulate ? before[(i * ldc) + j] : 0) + (withBias ? bias[i] : 0), relu);

                    Gemm.MultiplyBroadcast(m, n, k, a, rsA, csA, b, ldb, c, ldc, accumulate, bias, relu);
                    AssertProduct(expected, scale, c, before, ldc, $"m={m} n={n} k={k} transposedA={transposed}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void MultiplyTransposed_matches_a_double_precision_product(bool accumulate, bool withBias, bool relu)
    {
        var random = new Random(12);
        foreach (int m in Rows)
        {
            foreach (int n in Columns)
            {
                foreach (int k in Depths)
                {
                    int lda = k + 1, ldb = k + 3, ldc = n + 2;
                    float[] a = Random(random, ((m - 1) * lda) + k);
                    float[] b = Random(random, ((n - 1) * ldb) + k);
                    float[] c = Random(random, ((m - 1) * ldc) + n + 2);
                    float[] bias = withBias ? Random(random, n) : Array.Empty<float>();
                    float[] before = (float[])c.Clone();
                    (double[,] expected, double[,] scale) = Reference(m, n, k,
                        (i, p) => a[(i * lda) + p], (p, j) => b[(j * ldb) + p], (i, j) => (accumulate ? before[(i * ldc) + j] : 0) + (withBias ? bias[j] : 0), relu);

                    Gemm.MultiplyTransposed(m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, relu);
                    AssertProduct(expected, scale, c, before, ldc, $"m={m} n={n} k={k}");
                }
            }
        }
    }

    /// <summary>
    /// A batch of up to 8 rows gives each row the bits it gets alone: both paths of the transposed product (one row of A
    /// against 8 rows of B, blocks of 4 × 3) sum an output's k products in the same order, so a dense layer's output for an
    /// image does not depend on the batch around it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Flags))]
    public void MultiplyTransposed_gives_each_row_of_a_small_batch_the_bits_it_gets_alone(bool accumulate, bool withBias, bool relu)
    {
        var random = new Random(13);
        foreach (int m in new[] { 2, 4, 5, 6, 7, 8 })
        {
            foreach (int n in new[] { 1, 2, 3, 7, 33 })
            {
                foreach (int k in new[] { 1, 16, 17, 150 })
                {
                    int lda = k + 1, ldb = k + 3, ldc = n + 2;
                    float[] a = Random(random, ((m - 1) * lda) + k);
                    float[] b = Random(random, ((n - 1) * ldb) + k);
                    float[] c = Random(random, ((m - 1) * ldc) + n + 2);
                    float[] bias = withBias ? Random(random, n) : Array.Empty<float>();
                    float[] alone = (float[])c.Clone();
                    Gemm.MultiplyTransposed(m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, relu);
                    for (int i = 0; i < m; i++)
                    {
                        Gemm.MultiplyTransposed(1, n, k, a.AsSpan(i * lda, k), lda, b, ldb, alone.AsSpan(i * ldc, n), ldc, accumulate, bias, relu);
                    }

                    for (int i = 0; i < m; i++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            Assert.True(BitConverter.SingleToInt32Bits(alone[(i * ldc) + j]) == BitConverter.SingleToInt32Bits(c[(i * ldc) + j]),
                                $"m={m} n={n} k={k} row {i} column {j}: {c[(i * ldc) + j]:R} in the batch, {alone[(i * ldc) + j]:R} alone");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The packed path (32 rows of A or more, with AVX-512): rows around its 8-row block, columns around its 32- and
    /// 16-wide panels (the last partial panel overlaps the previous one, or is narrower than a vector), depths around
    /// its 256-row K-blocks (split evenly: 257 is two blocks of 129 and 128), B through row offsets or a stride, A
    /// row-major or transposed, C with padded rows, against a naive product computed here in double precision.
    /// </summary>
    [Theory]
    [MemberData(nameof(Flags))]
    public void Large_products_match_a_naive_product_across_every_block_edge(bool accumulate, bool withBias, bool relu)
    {
        var random = new Random(14);
        int[] rows = { 32, 33, 39, 40, 47, 64, 71 };
        int[] columns = { 1, 5, 15, 16, 17, 31, 32, 33, 47, 48, 49, 61, 78, 100 };
        int[] depths = { 1, 27, 255, 256, 257, 300, 513, 600 };
        foreach (int m in rows)
        {
            foreach (int n in columns)
            {
                for (int d = 0; d < depths.Length; d++)
                {
                    // Not every combination: each (m, n) pair sees half the depths, the odd or the even ones by m + n.
                    int k = depths[d];
                    if (((m + n + d) & 1) == 1)
                    {
                        continue;
                    }

                    bool transposed = ((m + n + k) & 1) == 0;
                    bool offsets = ((m + k) % 3) != 0;
                    int rsA = transposed ? 1 : k + 2, csA = transposed ? m + 1 : 1;
                    int ldb = n + 3, ldc = n + 2;
                    float[] a = Random(random, ((m - 1) * rsA) + ((k - 1) * csA) + 1);
                    float[] b = Random(random, ((k - 1) * ldb) + n + 50);
                    int[] rowAt = new int[k];
                    for (int p = 0; p < k; p++)
                    {
                        rowAt[p] = offsets ? random.Next(0, b.Length - n + 1) : p * ldb;
                    }

                    float[] c = Random(random, ((m - 1) * ldc) + n);
                    float[] bias = withBias ? Random(random, m) : Array.Empty<float>();
                    float[] before = (float[])c.Clone();
                    (double[,] expected, double[,] scale) = Reference(m, n, k,
                        (i, p) => a[(i * rsA) + (p * csA)], (p, j) => b[rowAt[p] + j], (i, j) => (accumulate ? before[(i * ldc) + j] : 0) + (withBias ? bias[i] : 0), relu);

                    if (offsets)
                    {
                        Gemm.MultiplyBroadcast(m, n, k, a, rsA, csA, b, rowAt, c, ldc, accumulate, bias, relu);
                    }
                    else
                    {
                        Gemm.MultiplyBroadcast(m, n, k, a, rsA, csA, b, ldb, c, ldc, accumulate, bias, relu);
                    }

                    AssertProduct(expected, scale, c, before, ldc, $"m={m} n={n} k={k} transposedA={transposed} offsets={offsets}");
                }
            }
        }
    }

    /// <summary>
    /// B's columns in runs (a stride-1 convolution's output rows in its padded frame): run lengths shorter and longer
    /// than a vector and than the 32-wide panel, runs that start mid-panel, few and many rows of A, depths across the
    /// K-block, B rows at a convolution's tap offsets ending at the very end of the buffer (the masked loads must not
    /// read past it), against a naive product.
    /// </summary>
    [Theory]
    [MemberData(nameof(Flags))]
    public void Runs_of_columns_match_a_naive_product(bool accumulate, bool withBias, bool relu)
    {
        var random = new Random(16);
        var cases = new (int M, int Runs, int RunLength, int Gap, int K)[]
        {
            (32, 7, 7, 2, 27), (64, 7, 7, 2, 300), (33, 14, 14, 2, 257), (8, 3, 5, 1, 9), (5, 10, 10, 4, 25),
            (40, 2, 56, 2, 64), (48, 8, 8, 2, 600), (71, 5, 30, 3, 100), (32, 4, 16, 2, 1), (32, 1, 1, 1, 3), (96, 3, 33, 2, 40),
        };
        foreach ((int m, int runCount, int runLength, int gap, int k) in cases)
        {
            int runStride = runLength + gap, n = runCount * runLength, ldc = n + 1;
            int extent = ((runCount - 1) * runStride) + runLength;
            float[] b = Random(random, extent + 3 * k);
            int[] offsets = new int[k];
            for (int p = 0; p < k; p++)
            {
                offsets[p] = random.Next(0, b.Length - extent + 1);
            }

            offsets[k - 1] = b.Length - extent; // the last row of B ends where b ends
            float[] a = Random(random, m * k);
            float[] c = Random(random, ((m - 1) * ldc) + n);
            float[] bias = withBias ? Random(random, m) : Array.Empty<float>();
            float[] before = (float[])c.Clone();
            (double[,] expected, double[,] scale) = Reference(m, n, k,
                (i, p) => a[(i * k) + p], (p, j) => b[offsets[p] + (j / runLength * runStride) + (j % runLength)], (i, j) => (accumulate ? before[(i * ldc) + j] : 0) + (withBias ? bias[i] : 0), relu);

            Gemm.MultiplyBroadcast(m, n, k, a, k, 1, b, offsets, runLength, runStride, c, ldc, accumulate, bias, relu);
            AssertProduct(expected, scale, c, before, ldc, $"runs m={m} n={n} ({runCount} × {runLength}, stride {runStride}) k={k}");
        }
    }

    [Fact]
    public void Runs_that_do_not_fit_are_rejected()
    {
        // 2 runs of 4, 6 apart: the last column of B is 6 + 3 = 9 past its row's start, so b needs offset + 10 floats.
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBroadcast(1, 8, 1, new float[1], 1, 1, new float[12], new[] { 3 }, 4, 6, new float[8], 8, false));
        Gemm.MultiplyBroadcast(1, 8, 1, new float[1], 1, 1, new float[12], new[] { 2 }, 4, 6, new float[8], 8, false);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyBroadcast(1, 8, 1, new float[1], 1, 1, new float[12], new[] { 0 }, 4, 3, new float[8], 8, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyBroadcast(1, 8, 1, new float[1], 1, 1, new float[12], new[] { 0 }, 0, 3, new float[8], 8, false));
    }

    [Fact]
    public void The_packed_path_allocates_nothing_once_warm()
    {
        // The panel B is packed into is a per-thread buffer made on the thread's first large product.
        var random = new Random(15);
        float[] a = Random(random, 64 * 600), b = Random(random, 600 * 100), c = new float[64 * 100], bias = Random(random, 64);
        Gemm.MultiplyBroadcast(64, 100, 600, a, 600, 1, b, 100, c, 100, false, bias, true);
        Allocations.AssertSomeWindowAllocatesNothing(() => Gemm.MultiplyBroadcast(64, 100, 600, a, 600, 1, b, 100, c, 100, true, bias, true), calls: 3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Row_offsets_read_B_rows_anywhere(bool accumulate)
    {
        // B's rows at arbitrary (overlapping) offsets into one buffer, as a stride-1 convolution's kernel taps.
        var random = new Random(13);
        foreach (int m in Rows)
        {
            foreach (int n in Columns)
            {
                foreach (int k in Depths)
                {
                    float[] source = Random(random, n + k + 40);
                    int[] offsets = new int[k];
                    for (int p = 0; p < k; p++)
                    {
                        offsets[p] = random.Next(0, source.Length - n + 1);
                    }

                    float[] a = Random(random, m * k);
                    float[] bias = Random(random, m);
                    float[] c = Random(random, m * n);
                    float[] before = (float[])c.Clone();
                    (double[,] expected, double[,] scale) = Reference(m, n, k,
                        (i, p) => a[(i * k) + p], (p, j) => source[offsets[p] + j], (i, j) => (accumulate ? before[(i * n) + j] : 0) + bias[i], false);

                    Gemm.MultiplyBroadcast(m, n, k, a, k, 1, source, offsets, c, n, accumulate, bias);
                    AssertProduct(expected, scale, c, before, n, $"A·B with offsets, m={m} n={n} k={k}");

                    // The same rows as Bᵀ: C'[i, p] = Σ_j A'[i, j] · source[offsets[p] + j], the k rows now the columns.
                    float[] a2 = Random(random, m * n);
                    float[] c2 = Random(random, m * k);
                    float[] before2 = (float[])c2.Clone();
                    (double[,] expected2, double[,] scale2) = Reference(m, k, n,
                        (i, j) => a2[(i * n) + j], (j, p) => source[offsets[p] + j], (i, p) => (accumulate ? before2[(i * k) + p] : 0), false);

                    Gemm.MultiplyTransposed(m, k, n, a2, n, source, offsets, c2, k, accumulate);
                    AssertProduct(expected2, scale2, c2, before2, k, $"A·Bᵀ with offsets, m={m} n={k} k={n}");
                }
            }
        }
    }

    [Fact]
    public void Bad_row_offsets_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBroadcast(1, 16, 2, new float[2], 2, 1, new float[20], new[] { 0, 5 }, new float[16], 16, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBroadcast(1, 16, 2, new float[2], 2, 1, new float[20], new[] { 0 }, new float[16], 16, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposed(1, 2, 16, new float[16], 16, new float[20], new[] { -1, 0 }, new float[2], 2, false));
    }

    [Fact]
    public void Empty_depth_gives_bias_and_accumulator_only()
    {
        float[] c = { 1f, -2f, 3f, -4f };
        Gemm.MultiplyBroadcast(2, 2, 0, Array.Empty<float>(), 1, 1, Array.Empty<float>(), 2, c, 2, accumulate: true, new float[] { 0.5f, 1f }, relu: true);
        Assert.Equal(new[] { 1.5f, 0f, 4f, 0f }, c);
        float[] d = { 7f, 7f };
        Gemm.MultiplyTransposed(1, 2, 0, Array.Empty<float>(), 0, Array.Empty<float>(), 0, d, 2, accumulate: false, new float[] { -1f, 2f });
        Assert.Equal(new[] { -1f, 2f }, d);
    }

    [Fact]
    public void Short_spans_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBroadcast(2, 16, 3, new float[5], 3, 1, new float[48], 16, new float[32], 16, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBroadcast(2, 16, 3, new float[6], 3, 1, new float[47], 16, new float[32], 16, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBroadcast(2, 16, 3, new float[6], 3, 1, new float[48], 16, new float[31], 16, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposed(2, 2, 16, new float[31], 16, new float[32], 16, new float[4], 2, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposed(2, 2, 16, new float[32], 16, new float[32], 16, new float[4], 2, false, new float[1]));
    }
}
