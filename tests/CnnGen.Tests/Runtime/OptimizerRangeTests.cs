using System;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// Optimizer steps split into ranges (BeginStep, then StepRange over pieces of the buffer, as the trainers' last
/// stage does on several threads) against the whole-buffer Step of an identical optimizer: the same bits.
/// </summary>
public sealed class OptimizerRangeTests
{
    private static Func<Optimizer>[] Makers => new Func<Optimizer>[]
    {
        () => new Sgd(0.05f),
        () => new Sgd(0.05f, weightDecay: 1e-3f),
        () => new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-4f),
        () => new Adam(1e-2f),
        () => new Adam(1e-3f, 0.8f, 0.99f, 1e-6f, weightDecay: 1e-2f),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Stepping_in_ranges_gives_the_bits_of_a_whole_step(int pieces)
    {
        const int n = 1003; // not a multiple of any vector width: ranges end mid-vector and in scalar tails
        var random = new Random(3);
        foreach (Func<Optimizer> make in Makers)
        {
            Optimizer whole = make(), split = make();
            Assert.True(split.StepsInRanges);
            float[] expected = new float[n], actual = new float[n];
            for (int i = 0; i < n; i++) expected[i] = actual[i] = (float)(random.NextDouble() - 0.5);
            for (int step = 0; step < 4; step++)
            {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) g[i] = (float)(random.NextDouble() - 0.5) * (step + 1);
                whole.Step(expected, g);
                split.BeginStep(n);

                // Uneven ranges, updated last to first (the order threads finish in is arbitrary).
                for (int k = pieces - 1; k >= 0; k--)
                {
                    int from = (int)((long)n * k * k / (pieces * pieces));
                    int to = (int)((long)n * (k + 1) * (k + 1) / (pieces * pieces));
                    split.StepRange(actual, g, from, to - from);
                }

                Assert.Equal(expected, actual);
                Assert.NotEqual(g, actual);
            }
        }
    }

    [Fact]
    public void Ranges_are_checked()
    {
        foreach (Func<Optimizer> make in Makers)
        {
            Optimizer o = make();
            float[] p = new float[10], g = new float[10];
            Assert.Throws<InvalidOperationException>(() => o.StepRange(p, g, 0, 10));
            o.BeginStep(10);
            Assert.Throws<ArgumentOutOfRangeException>(() => o.StepRange(p, g, 5, 6));
            Assert.Throws<ArgumentOutOfRangeException>(() => o.StepRange(p, g, -1, 2));
            Assert.Throws<ArgumentException>(() => o.StepRange(p, new float[9], 0, 5));
            Assert.Throws<ArgumentException>(() => o.StepRange(new float[11], new float[11], 0, 5));
            o.StepRange(p, g, 0, 10);
        }
    }

    [Fact]
    public void A_step_in_ranges_advances_the_state_once()
    {
        // Adam's bias correction depends on the step count: BeginStep counts the step, StepRange does not.
        var adam = new Adam(0.1f);
        float[] p = { 1f, 1f }, g = { 1f, 1f };
        adam.BeginStep(2);
        adam.StepRange(p, g, 0, 1);
        adam.StepRange(p, g, 1, 1);
        Assert.Equal(1, adam.StepCount);

        // The first step of bias-corrected Adam moves every parameter by lr·g/(|g| + ε/√(1−β₂)) ≈ lr.
        Assert.Equal(0.9f, p[0], 1e-6f);
        Assert.Equal(p[0], p[1]);

        // SGD with momentum: the buffer starts at the first step's gradient (not μ·0 + g, same here) and then
        // grows by μ per step: p = 1 − lr·g − lr·(μ·g + g).
        var sgd = new Sgd(0.1f, momentum: 0.5f);
        float[] q = { 1f, 1f, 1f };
        for (int step = 0; step < 2; step++)
        {
            sgd.BeginStep(3);
            sgd.StepRange(q, new[] { 1f, 1f, 1f }, 2, 1);
            sgd.StepRange(q, new[] { 1f, 1f, 1f }, 0, 2);
        }

        Assert.All(q, value => Assert.Equal(0.75f, value, 1e-6f));
    }

    private sealed class Whole : Optimizer
    {
        public Whole()
            : base(0.1f, 0f)
        {
        }

        public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
        }

        public override void Reset()
        {
        }
    }

    [Fact]
    public void An_optimizer_that_does_not_override_the_ranges_says_so()
    {
        var o = new Whole();
        Assert.False(o.StepsInRanges);
        Assert.Throws<NotSupportedException>(() => o.BeginStep(3));
        Assert.Throws<NotSupportedException>(() => o.StepRange(new float[3], new float[3], 0, 3));
    }
}
