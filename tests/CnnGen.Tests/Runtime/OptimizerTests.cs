using System;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Runtime;

public sealed class OptimizerTests
{
    private static void AssertClose(double[] expected, float[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            Assert.True(error <= tolerance * Math.Max(1.0, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]:R}, actual {actual[i]:R} (error {error:E2})");
        }
    }

    // ---------------------------------------------------------------- SGD, hand-computed

    [Fact]
    public void Sgd_PlainStep_SubtractsLearningRateTimesGradient()
    {
        float[] p = { 1f, -2f };
        new Sgd(0.1f).Step(p, new[] { 0.5f, 0.25f });
        AssertClose(new[] { 0.95, -2.025 }, p); // 1 - 0.1·0.5, -2 - 0.1·0.25
    }

    [Fact]
    public void Sgd_WeightDecay_AddsDecayTimesParameterToTheGradient()
    {
        float[] p = { 1f, -2f };
        new Sgd(0.1f, weightDecay: 0.1f).Step(p, new[] { 0.5f, 0.25f });
        // d = [0.5 + 0.1·1, 0.25 + 0.1·(−2)] = [0.6, 0.05]
        AssertClose(new[] { 0.94, -2.005 }, p);
    }

    [Fact]
    public void Sgd_Momentum_ConstantGradient_AccumulatesOnePlusMuPlusMuSquared()
    {
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        float[] p = { 1f, -1f };
        float[] g = { 0.5f, -0.2f };
        sgd.Step(p, g); // buf = g
        AssertClose(new[] { 0.95, -0.98 }, p);
        sgd.Step(p, g); // buf = 1.9 g, total 0.1·2.9 = 0.29
        AssertClose(new[] { 0.855, -0.942 }, p);
        sgd.Step(p, g); // buf = 2.71 g, total 0.1·5.61 = 0.561
        AssertClose(new[] { 0.7195, -0.8878 }, p);
    }

    [Fact]
    public void Sgd_MomentumAndWeightDecay_VaryingGradients()
    {
        var sgd = new Sgd(0.1f, momentum: 0.5f, weightDecay: 0.2f);
        float[] p = { 1f };
        sgd.Step(p, new[] { 1f });  // d = 1.2, buf = 1.2, p = 0.88
        AssertClose(new[] { 0.88 }, p);
        sgd.Step(p, new[] { 0f });  // d = 0.176, buf = 0.6 + 0.176 = 0.776, p = 0.8024
        AssertClose(new[] { 0.8024 }, p);
        sgd.Step(p, new[] { -1f }); // d = -1 + 0.16048 = -0.83952, buf = 0.388 - 0.83952 = -0.45152, p = 0.847552
        AssertClose(new[] { 0.847552 }, p);
    }

    [Fact]
    public void Sgd_LearningRateChangesTakeEffectOnTheNextStep()
    {
        var sgd = new Sgd(0.1f);
        float[] p = { 1f };
        sgd.Step(p, new[] { 1f });
        sgd.LearningRate = 0.5f;
        sgd.Step(p, new[] { 1f });
        AssertClose(new[] { 0.4 }, p); // 1 - 0.1 - 0.5
        Assert.Equal(0.5f, sgd.LearningRate);
    }

    [Fact]
    public void Sgd_Reset_MakesTheNextStepAFirstStep()
    {
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        float[] p = { 0f };
        sgd.Step(p, new[] { 1f });
        sgd.Step(p, new[] { 1f });
        sgd.Reset();
        float[] q = { 0f };
        sgd.Step(q, new[] { 2f }); // buffer restarts at d: q = -0.2, not -0.1·(0.9 + 2)
        AssertClose(new[] { -0.2 }, q);
    }

    // ---------------------------------------------------------------- Adam, hand-computed

    [Fact]
    public void Adam_FirstStep_MovesEachParameterByLearningRateTimesSignOfGradient()
    {
        // m̂ = g and v̂ = g² after one step, so the update is lr·g/(|g| + ε); a zero gradient leaves p alone.
        float[] p = { 1f, -1f, 0.5f };
        new Adam(0.01f).Step(p, new[] { 0.1f, -2f, 0f });
        AssertClose(new[] { 1 - 0.01 * 0.1 / (0.1 + 1e-8), -1 + 0.01 * 2 / (2 + 1e-8), 0.5 }, p);
    }

    [Fact]
    public void Adam_ConstantGradient_BiasCorrectionKeepsStepsAtLearningRate()
    {
        var adam = new Adam(0.01f);
        float[] p = { 1f, -1f };
        float[] g = { 0.5f, -0.25f };
        for (int i = 0; i < 3; i++) adam.Step(p, g);
        AssertClose(new[] { 0.97, -0.97 }, p, 1e-5);
        Assert.Equal(3, adam.StepCount);
    }

    [Fact]
    public void Adam_GradientSignFlip_HandComputed()
    {
        var adam = new Adam(0.1f);
        float[] p = { 0f };
        adam.Step(p, new[] { 1f });
        AssertClose(new[] { -0.1 }, p);
        adam.Step(p, new[] { -1f });
        // m = 0.9·0.1 − 0.1 = −0.01, v = 0.999·0.001 + 0.001 = 0.001999, bias corrections 0.19 and 0.001999:
        // m̂ = −0.01/0.19, v̂ = 1, so p = −0.1 + 0.1·0.01/0.19 = −0.0947368421.
        AssertClose(new[] { -0.1 + 0.1 * 0.01 / 0.19 }, p);
    }

    [Fact]
    public void Adam_WeightDecay_AddsDecayTimesParameterToTheGradient()
    {
        float[] p = { 2f, -4f };
        new Adam(0.1f, weightDecay: 0.5f).Step(p, new[] { 0f, 0f }); // g = [1, −2], first step moves by lr·sign
        AssertClose(new[] { 1.9, -3.9 }, p);
    }

    [Fact]
    public void Adam_Reset_RestartsMomentsAndStepCount()
    {
        var adam = new Adam(0.1f);
        float[] p = { 0f };
        adam.Step(p, new[] { 1f });
        adam.Step(p, new[] { 3f });
        adam.Reset();
        Assert.Equal(0, adam.StepCount);
        float[] q = { 5f };
        adam.Step(q, new[] { -0.5f });
        AssertClose(new[] { 5.1 }, q); // exactly a first step again
    }

    [Fact]
    public void Adam_DefaultsArePyTorchs()
    {
        var adam = new Adam();
        Assert.Equal(1e-3f, adam.LearningRate);
        Assert.Equal(0.9f, adam.Beta1);
        Assert.Equal(0.999f, adam.Beta2);
        Assert.Equal(1e-8f, adam.Epsilon);
        Assert.Equal(0f, adam.WeightDecay);
    }

    // ---------------------------------------------------------------- against double-precision references

    /// <summary>PyTorch's SGD written out in double precision.</summary>
    private static double[][] ReferenceSgd(double[] p0, double[][] grads, double lr, double momentum, double wd)
    {
        double[] p = (double[])p0.Clone();
        double[]? buf = null;
        var history = new double[grads.Length][];
        for (int s = 0; s < grads.Length; s++)
        {
            double[] d = new double[p.Length];
            for (int i = 0; i < p.Length; i++) d[i] = grads[s][i] + wd * p[i];
            if (momentum != 0)
            {
                if (buf is null) buf = (double[])d.Clone();
                else for (int i = 0; i < p.Length; i++) buf[i] = momentum * buf[i] + d[i];
                d = buf;
            }

            for (int i = 0; i < p.Length; i++) p[i] -= lr * d[i];
            history[s] = (double[])p.Clone();
        }

        return history;
    }

    /// <summary>Adam as in Kingma and Ba with PyTorch's placement of ε, in double precision.</summary>
    private static double[][] ReferenceAdam(double[] p0, double[][] grads, double lr, double b1, double b2, double eps, double wd)
    {
        double[] p = (double[])p0.Clone();
        double[] m = new double[p.Length], v = new double[p.Length];
        var history = new double[grads.Length][];
        for (int s = 0; s < grads.Length; s++)
        {
            int t = s + 1;
            for (int i = 0; i < p.Length; i++)
            {
                double g = grads[s][i] + wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double vHat = v[i] / (1 - Math.Pow(b2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }

            history[s] = (double[])p.Clone();
        }

        return history;
    }

    private static (double[] P0, double[][] Grads) RandomProblem(int n, int steps, int seed)
    {
        var random = new Random(seed);
        double[] p0 = new double[n];
        for (int i = 0; i < n; i++) p0[i] = Math.Round(random.NextDouble() * 4 - 2, 3); // exactly representable-ish values
        var grads = new double[steps][];
        for (int s = 0; s < steps; s++)
        {
            grads[s] = new double[n];
            for (int i = 0; i < n; i++) grads[s][i] = (float)(random.NextDouble() * 2 - 1);
        }

        return (p0, grads);
    }

    private static float[] ToFloats(double[] x) => Array.ConvertAll(x, v => (float)v);

    // Hyperparameters are given as the decimals a PyTorch user writes; the optimizer receives the nearest floats.
    [Theory]
    [InlineData(37, 0.0, 0.0)]    // 37: not a multiple of any vector width, so both the vector loop and the tail run
    [InlineData(37, 0.9, 0.0)]
    [InlineData(37, 0.9, 0.01)]
    [InlineData(3, 0.5, 0.1)]
    public void Sgd_MatchesReferenceOverSeveralSteps(int n, double momentum, double wd)
    {
        (double[] p0, double[][] grads) = RandomProblem(n, 4, 11);
        double[][] expected = ReferenceSgd(Array.ConvertAll(p0, v => (double)(float)v), grads, 0.05, momentum, wd);
        var sgd = new Sgd(0.05f, (float)momentum, (float)wd);
        float[] p = ToFloats(p0);
        for (int s = 0; s < grads.Length; s++)
        {
            sgd.Step(p, ToFloats(grads[s]));
            AssertClose(expected[s], p, 2e-6);
        }
    }

    [Theory]
    [InlineData(37, 0.9, 0.999, 0.0)]
    [InlineData(37, 0.8, 0.99, 0.01)]
    [InlineData(2, 0.5, 0.9, 0.1)]
    public void Adam_MatchesReferenceOverSeveralSteps(int n, double beta1, double beta2, double wd)
    {
        (double[] p0, double[][] grads) = RandomProblem(n, 5, 23);
        double[][] expected = ReferenceAdam(Array.ConvertAll(p0, v => (double)(float)v), grads, 0.01, beta1, beta2, 1e-8, wd);
        var adam = new Adam(0.01f, (float)beta1, (float)beta2, 1e-8f, (float)wd);
        float[] p = ToFloats(p0);
        for (int s = 0; s < grads.Length; s++)
        {
            adam.Step(p, ToFloats(grads[s]));
            AssertClose(expected[s], p, 1e-5);
        }
    }

    // ---------------------------------------------------------------- contracts

    [Fact]
    public void Step_LengthMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f).Step(new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, 0.9f).Step(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => new Adam().Step(new float[3], new float[2]));
    }

    [Fact]
    public void Step_DifferentBufferLengthAfterTheFirstStep_ThrowsUntilReset()
    {
        var adam = new Adam();
        adam.Step(new float[4], new float[4]);
        var e = Assert.Throws<ArgumentException>(() => adam.Step(new float[5], new float[5]));
        Assert.Contains("4", e.Message);
        Assert.Contains("5", e.Message);
        Assert.Equal(1, adam.StepCount);
        adam.Reset();
        adam.Step(new float[5], new float[5]);

        var sgd = new Sgd(0.1f, momentum: 0.9f);
        sgd.Step(new float[4], new float[4]);
        Assert.Throws<ArgumentException>(() => sgd.Step(new float[5], new float[5]));
        sgd.Reset();
        sgd.Step(new float[5], new float[5]);
    }

    [Fact]
    public void Step_AllocatesNothingAfterTheFirstStep()
    {
        float[] p = new float[1000], g = new float[1000];
        for (int i = 0; i < g.Length; i++) g[i] = (i % 7) - 3;
        Optimizer[] optimizers = { new Sgd(0.01f), new Sgd(0.01f, 0.9f, 1e-4f), new Adam(1e-3f, weightDecay: 1e-4f) };
        foreach (Optimizer o in optimizers)
        {
            for (int i = 0; i < 3; i++) o.Step(p, g); // state allocated, code jitted
            Allocations.AssertSomeWindowAllocatesNothing(() => o.Step(p, g), calls: 20);
        }
    }

    [Fact]
    public void InvalidHyperparameters_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, weightDecay: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(beta2: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(learningRate: float.PositiveInfinity));
        var sgd = new Sgd(0.1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.WeightDecay = float.NaN);
        Assert.Equal(0.1f, sgd.LearningRate);
    }

    [Fact]
    public void EmptyParameterBuffer_IsANoOp()
    {
        new Sgd(0.1f, 0.9f).Step(Span<float>.Empty, ReadOnlySpan<float>.Empty);
        var adam = new Adam();
        adam.Step(Span<float>.Empty, ReadOnlySpan<float>.Empty);
        Assert.Equal(1, adam.StepCount);
    }
}
