using System;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Runtime;

public sealed class LossesTests
{
    private static void AssertClose(double expected, double actual, double tolerance = 1e-6)
    {
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1.0, Math.Abs(expected)),
            $"expected {expected:R}, actual {actual:R}");
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1.0, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, actual {actual[i]:R}");
        }
    }

    /// <summary>Softmax in double precision, rounded to floats (what a network's Softmax layer would output).</summary>
    private static float[] Softmax(double[] z)
    {
        double max = double.NegativeInfinity;
        foreach (double v in z) max = Math.Max(max, v);
        double sum = 0;
        foreach (double v in z) sum += Math.Exp(v - max);
        return Array.ConvertAll(z, v => (float)(Math.Exp(v - max) / sum));
    }

    /// <summary>Central differences of a scalar function of a float vector.</summary>
    private static double[] FiniteDifferences(float[] x, Func<float[], float> f, float h)
    {
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            float[] plus = (float[])x.Clone(), minus = (float[])x.Clone();
            plus[i] += h;
            minus[i] -= h;
            gradient[i] = ((double)f(plus) - f(minus)) / ((double)plus[i] - minus[i]);
        }

        return gradient;
    }

    // ---------------------------------------------------------------- softmax + cross-entropy

    [Fact]
    public void SoftmaxCrossEntropy_HandComputed()
    {
        float[] grad = new float[3];
        float loss = Losses.SoftmaxCrossEntropy(new[] { 0.1f, 0.7f, 0.2f }, 1, grad, 0.5f);
        AssertClose(0.35667494393873245, loss); // −ln 0.7
        AssertClose(new[] { 0.05, -0.15, 0.1 }, grad); // 0.5·(p − onehot)
    }

    [Fact]
    public void SoftmaxCrossEntropy_ZeroProbability_IsClampedToTheSmallestNormalFloat()
    {
        float[] grad = new float[2];
        float loss = Losses.SoftmaxCrossEntropy(new[] { 1f, 0f }, 1, grad, 1f);
        AssertClose(126 * Math.Log(2), loss); // −ln 2⁻¹²⁶ = 87.3365…
        Assert.True(float.IsFinite(loss));
        AssertClose(new[] { 1.0, -1.0 }, grad);
    }

    [Fact]
    public void SoftmaxCrossEntropy_GradientIsTheDerivativeWithRespectToPreSoftmaxScores()
    {
        double[] z = { 0.3, -1.2, 2.0, 0.5 };
        const int Label = 0;
        float[] grad = new float[4];
        Losses.SoftmaxCrossEntropy(Softmax(z), Label, grad, 1f);

        double[] numeric = FiniteDifferences(Array.ConvertAll(z, v => (float)v),
            x => Losses.SoftmaxCrossEntropy(Softmax(Array.ConvertAll(x, v => (double)v)), Label, new float[4], 1f), 1e-2f);
        AssertClose(numeric, grad, 2e-3);
    }

    // ---------------------------------------------------------------- cross-entropy from logits

    [Fact]
    public void CrossEntropyFromLogits_HandComputed()
    {
        float[] grad = new float[3];
        float loss = Losses.CrossEntropyFromLogits(new[] { 1f, 2f, 3f }, 2, grad, 1f);
        // ln(e¹ + e² + e³) − 3 = ln(1 + e⁻¹ + e⁻²) = ln 1.5032147244
        AssertClose(0.40760596444438, loss);
        // softmax = [e⁻², e⁻¹, 1] / 1.5032147244 = [0.0900305732, 0.2447284711, 0.6652409558]
        AssertClose(new[] { 0.0900305732, 0.2447284711, 0.6652409558 - 1 }, grad);
    }

    [Fact]
    public void CrossEntropyFromLogits_IsStableForHugeLogits()
    {
        float[] grad = new float[2];
        float loss = Losses.CrossEntropyFromLogits(new[] { 1000f, 0f }, 1, grad, 1f);
        AssertClose(1000, loss);
        AssertClose(new[] { 1.0, -1.0 }, grad);

        loss = Losses.CrossEntropyFromLogits(new[] { -1000f, -1000f }, 0, grad, 0.25f);
        AssertClose(Math.Log(2), loss);
        AssertClose(new[] { -0.125, 0.125 }, grad);
    }

    [Fact]
    public void CrossEntropyFromLogits_GradientMatchesFiniteDifferences()
    {
        float[] z = { 0.3f, -1.2f, 2.0f, 0.5f, -0.1f };
        const int Label = 3;
        float[] grad = new float[5];
        Losses.CrossEntropyFromLogits(z, Label, grad, 1f);
        double[] numeric = FiniteDifferences(z, x => Losses.CrossEntropyFromLogits(x, Label, new float[5], 1f), 1e-2f);
        AssertClose(numeric, grad, 2e-3);
    }

    [Fact]
    public void CrossEntropyFromLogits_AgreesWithSoftmaxCrossEntropy()
    {
        double[] z = { 0.3, -1.2, 2.0, 0.5 };
        float[] fromLogits = new float[4], fromProbabilities = new float[4];
        float a = Losses.CrossEntropyFromLogits(Array.ConvertAll(z, v => (float)v), 2, fromLogits, 0.5f);
        float b = Losses.SoftmaxCrossEntropy(Softmax(z), 2, fromProbabilities, 0.5f);
        AssertClose(a, b, 1e-6);
        AssertClose(Array.ConvertAll(fromLogits, v => (double)v), fromProbabilities, 1e-6);
    }

    // ---------------------------------------------------------------- MSE and L1

    [Fact]
    public void MeanSquaredError_HandComputed()
    {
        float[] grad = new float[3];
        float loss = Losses.MeanSquaredError(new[] { 1f, 2f, 3f }, new[] { 1.5f, 2f, 1f }, grad, 0.5f);
        // d = [−0.5, 0, 2]: (0.25 + 0 + 4)/3; gradient 0.5·2·d/3 = d/3
        AssertClose(4.25 / 3, loss);
        AssertClose(new[] { -0.5 / 3, 0, 2.0 / 3 }, grad);
    }

    [Fact]
    public void MeanSquaredError_WithScaleOneOverBatch_IsTheMeanOverAllElements()
    {
        // Batch of 2 samples, 2 outputs each: differences [1, −1] and [2, 0]. PyTorch: mean of 1, 1, 4, 0 = 1.5,
        // and d/do = 2·d/4 = [0.5, −0.5] and [1, 0].
        float[] g1 = new float[2], g2 = new float[2];
        float l1 = Losses.MeanSquaredError(new[] { 1f, 0f }, new[] { 0f, 1f }, g1, 0.5f);
        float l2 = Losses.MeanSquaredError(new[] { 3f, 5f }, new[] { 1f, 5f }, g2, 0.5f);
        AssertClose(1.5, (l1 + l2) / 2);
        AssertClose(new[] { 0.5, -0.5 }, g1);
        AssertClose(new[] { 1.0, 0.0 }, g2);
    }

    [Fact]
    public void MeanSquaredError_GradientMatchesFiniteDifferences()
    {
        float[] o = { 0.3f, -1.2f, 2.0f, 0.5f };
        float[] t = { 0.1f, 0.1f, -0.4f, 0.5f };
        float[] grad = new float[4];
        Losses.MeanSquaredError(o, t, grad, 1f);
        double[] numeric = FiniteDifferences(o, x => Losses.MeanSquaredError(x, t, new float[4], 1f), 1e-2f);
        AssertClose(numeric, grad, 1e-3);
    }

    [Fact]
    public void L1_HandComputed_SignOfZeroIsZero()
    {
        float[] grad = new float[3];
        float loss = Losses.L1(new[] { 1f, 2f, 3f }, new[] { 1.5f, 2f, 1f }, grad, 1f);
        AssertClose(2.5 / 3, loss);
        AssertClose(new[] { -1.0 / 3, 0, 1.0 / 3 }, grad);
    }

    [Fact]
    public void L1_GradientMatchesFiniteDifferencesAwayFromKinks()
    {
        float[] o = { 0.3f, -1.2f, 2.0f };
        float[] t = { 0.1f, 0.1f, -0.4f };
        float[] grad = new float[3];
        Losses.L1(o, t, grad, 0.25f);
        double[] numeric = FiniteDifferences(o, x => Losses.L1(x, t, new float[3], 1f), 1e-2f);
        AssertClose(Array.ConvertAll(numeric, v => 0.25 * v), grad, 1e-4);
    }

    [Fact]
    public void Scale_MultipliesTheGradientButNotTheLoss()
    {
        float[] g1 = new float[2], g2 = new float[2];
        float a = Losses.CrossEntropyFromLogits(new[] { 0.5f, -0.5f }, 0, g1, 1f);
        float b = Losses.CrossEntropyFromLogits(new[] { 0.5f, -0.5f }, 0, g2, 0.1f);
        Assert.Equal(a, b);
        AssertClose(Array.ConvertAll(g1, v => 0.1 * v), g2);
    }

    [Fact]
    public void InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(new[] { 0.5f, 0.5f }, 2, new float[2], 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropyFromLogits(new[] { 0.5f, 0.5f }, -1, new float[2], 1f));
        Assert.Throws<ArgumentException>(() => Losses.CrossEntropyFromLogits(new[] { 0.5f, 0.5f }, 0, new float[3], 1f));
        Assert.Throws<ArgumentException>(() => Losses.CrossEntropyFromLogits(ReadOnlySpan<float>.Empty, 0, Span<float>.Empty, 1f));
        Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(new float[2], new float[3], new float[2], 1f));
        Assert.Throws<ArgumentException>(() => Losses.L1(new float[2], new float[2], new float[1], 1f));
        Assert.Throws<ArgumentException>(() => Losses.L1(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty, 1f));
    }
}
