using System;
using CnnGen.Runtime;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// The element-wise kernels on the training step's per-image path (ReLU, Accumulate, Sum, Softmax, IndexOfMax) against
/// plain loops, at every length from 0 to 70 (no vector, one and several vectors of 8 and 16 floats, and every scalar rest
/// after them) and at offsets into a larger array, so a vector read or write past the span shows as a changed neighbour.
/// The same tests run under DOTNET_EnableAVX512=0 and DOTNET_EnableHWIntrinsic=0 in CI.
/// </summary>
public sealed class ElementwiseKernelTests
{
    private const int MaxLength = 70;
    private const int Guard = 19;   // floats either side of the span, written with a marker that must survive

    [Fact]
    public void ReLU_is_max_of_zero_and_the_value_and_keeps_NaN()
    {
        var random = new Random(401);
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] x = Values(random, n);
            if (n > 3) x[n / 2] = float.NaN;
            float[] y = Guarded(n, out int at);
            Kernels.ReLU(x, y.AsSpan(at, n));
            for (int i = 0; i < n; i++)
            {
                float expected = float.IsNaN(x[i]) ? float.NaN : (x[i] > 0f ? x[i] : 0f);
                Assert.Equal(expected, y[at + i]);
            }

            CheckGuards(y, at, n);

            float[] inPlace = (float[])x.Clone();
            Kernels.ReLU(inPlace);
            Assert.Equal(y.AsSpan(at, n).ToArray(), inPlace);
        }
    }

    [Fact]
    public void AddReLU_is_max_of_zero_and_the_sum_keeps_NaN_and_may_write_over_a_source()
    {
        var random = new Random(405);
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] a = Values(random, n);
            float[] b = Values(random, n);
            if (n > 3) a[n / 3] = float.NaN;
            float[] y = Guarded(n, out int at);
            Kernels.AddReLU(a, b, y.AsSpan(at, n));
            for (int i = 0; i < n; i++)
            {
                float sum = a[i] + b[i];
                float expected = float.IsNaN(sum) ? float.NaN : (sum > 0f ? sum : 0f);
                Assert.Equal(expected, y[at + i]);
            }

            CheckGuards(y, at, n);

            // Written over its first source, as the emitted residual block does when the sum takes the input's place.
            float[] inPlace = (float[])a.Clone();
            Kernels.AddReLU(inPlace, b, inPlace);
            Assert.Equal(y.AsSpan(at, n).ToArray(), inPlace);
        }

        Assert.Throws<ArgumentException>(() => Kernels.AddReLU(new float[4], new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => Kernels.AddReLU(new float[4], new float[4], new float[3]));
    }

    [Fact]
    public void Accumulate_adds_x_into_y_element_by_element()
    {
        var random = new Random(402);
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] x = Values(random, n);
            float[] y = Guarded(n, out int at);
            float[] before = Values(random, n);
            before.CopyTo(y, at);
            Kernels.Accumulate(x, y.AsSpan(at, n));
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(before[i] + x[i], y[at + i]);
            }

            CheckGuards(y, at, n);
        }
    }

    [Fact]
    public void Accumulate_refuses_spans_of_different_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => Kernels.Accumulate(new float[5], new float[4]));
        Assert.Contains("y holds 4 values and x 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sum_matches_a_double_precision_sum()
    {
        var random = new Random(403);
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] x = Values(random, n);
            double expected = 0;
            double magnitude = 0;
            foreach (float v in x)
            {
                expected += v;
                magnitude += Math.Abs(v);
            }

            // Any order of n float additions is within n·ε·Σ|x| of the exact sum.
            Assert.InRange(Kernels.Sum(x), expected - (n * 1.2e-7 * magnitude) - 1e-30, expected + (n * 1.2e-7 * magnitude) + 1e-30);
        }

        // Exact where every partial sum is exact: small integers.
        float[] ones = new float[MaxLength];
        for (int i = 0; i < ones.Length; i++) ones[i] = i;
        Assert.Equal(MaxLength * (MaxLength - 1) / 2f, Kernels.Sum(ones));
    }

    [Fact]
    public void Softmax_matches_its_definition()
    {
        var random = new Random(404);
        for (int n = 1; n <= MaxLength; n++)
        {
            float[] x = Values(random, n);
            for (int i = 0; i < n; i++) x[i] *= 30f;   // large scores: without the max subtracted e^x would overflow
            float[] y = Guarded(n, out int at);
            Kernels.Softmax(x, y.AsSpan(at, n));

            double max = double.NegativeInfinity;
            foreach (float v in x) max = Math.Max(max, v);
            double total = 0;
            foreach (float v in x) total += Math.Exp(v - max);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Math.Exp(x[i] - max) / total, y[at + i], 1e-6);
            }

            CheckGuards(y, at, n);
        }

        Assert.Throws<ArgumentException>(() => Kernels.Softmax(ReadOnlySpan<float>.Empty, Span<float>.Empty));
        Assert.Throws<ArgumentException>(() => Kernels.Softmax(new float[3], new float[2]));
    }

    [Fact]
    public void IndexOfMax_answers_as_TensorPrimitives()
    {
        var random = new Random(405);
        for (int n = 0; n <= MaxLength; n++)
        {
            float[] x = Values(random, n);
            if (n > 4) x[n - 1] = x[1];   // a tie: the first one wins
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(x), Kernels.IndexOfMax(x));
        }

        Assert.Equal(-1, Kernels.IndexOfMax(ReadOnlySpan<float>.Empty));
        Assert.Equal(1, Kernels.IndexOfMax([3f, 5f, 5f, 1f]));
        Assert.Equal(2, Kernels.IndexOfMax([3f, 5f, float.NaN, 9f]));
        Assert.Equal(1, Kernels.IndexOfMax([-0f, 0f, -1f]));
        Assert.Equal(0, Kernels.IndexOfMax([0f, -0f, -1f]));
        Assert.Equal(1, Kernels.IndexOfMax([float.NegativeInfinity, -3f]));
    }

    private static float[] Values(Random random, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (random.NextSingle() * 2f) - 1f;
        return x;
    }

    // An array with Guard marker floats either side of n floats at an odd offset (so vectors are not aligned).
    private static float[] Guarded(int n, out int at)
    {
        at = Guard;
        var y = new float[n + (2 * Guard)];
        Array.Fill(y, -12345f);
        return y;
    }

    private static void CheckGuards(float[] y, int at, int n)
    {
        for (int i = 0; i < at; i++) Assert.Equal(-12345f, y[i]);
        for (int i = at + n; i < y.Length; i++) Assert.Equal(-12345f, y[i]);
    }
}
