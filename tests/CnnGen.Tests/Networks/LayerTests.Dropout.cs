using System;
using System.Linq;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>
/// Inverted dropout, seen through <see cref="DropoutProbe"/> (1 input → Dense(2000) → Dropout(0.3)): with the
/// Dense weights 0 and biases 1 every pre-dropout value is 1, so under MSE against 0 the bias gradient of value i is
/// 2·mᵢ/((1 − p)²·N) with mᵢ ∈ {0, 1} its mask, and the loss is (kept / N)/(1 − p)².
/// </summary>
public class LayerDropoutTests
{
    private const float Rate = 0.3f;
    private const int N = DropoutProbe.OutputLength;

    [Fact]
    public void Forward_is_the_identity()
    {
        var net = new DropoutProbe(seed: 1);
        float[] bias = ForwardTests.Random(N, 2);
        bias.CopyTo(net.Parameters.Slice(N, N));
        var output = new float[N];
        net.Forward(new[] { 0.75f }, output);
        var expected = new float[N];
        for (int i = 0; i < N; i++)
        {
            expected[i] = bias[i] + (0.75f * net.Parameters[i]);
        }

        Assert.Equal(expected, output);

        // And ForwardBatch, image after image (DropoutNet's eval forward is also checked against PyTorch, in LayerTests).
        var batch = new float[2 * N];
        net.ForwardBatch(new[] { 0.75f, 0.75f }, batch);
        Assert.Equal(expected.Concat(expected), batch);
    }

    [Fact]
    public void Training_zeroes_about_rate_of_the_values_and_scales_the_survivors()
    {
        var (_, trainer) = Probe(seed: 7);
        float loss = trainer.ComputeGradients(new[] { 0.5f }, new float[N], Loss.MeanSquaredError);
        float[] grad = BiasGradient(trainer);
        int dropped = grad.Count(g => g == 0f);
        double fraction = (double)dropped / N;

        // Binomial(2000, 0.3): standard deviation 0.0102; ±0.04 is four of them.
        Assert.InRange(fraction, Rate - 0.04, Rate + 0.04);
        double keep = 1.0 / (1.0 - Rate);
        double survivor = 2.0 * keep * keep / N;
        Assert.All(grad.Where(g => g != 0f), g => Assert.Equal(survivor, g, survivor * 1e-5));
        Assert.Equal((N - dropped) * keep * keep / N, loss, 1e-5);

        // L1 against 0 gives the survivors' value itself: (kept / N) · 1/(1 − p).
        var (_, l1) = Probe(seed: 7);
        float l1Loss = l1.ComputeGradients(new[] { 0.5f }, new float[N], Loss.L1);
        Assert.Equal((N - dropped) * keep / N, l1Loss, 1e-5);
        Assert.Equal(grad.Select(g => g == 0f), BiasGradient(l1).Select(g => g == 0f));
    }

    [Fact]
    public void The_same_trainer_seed_gives_the_same_masks_and_a_new_batch_new_masks()
    {
        float[] Mask(DropoutProbe.Trainer t)
        {
            t.ComputeGradients(new[] { 0.5f }, new float[N], Loss.MeanSquaredError);
            return BiasGradient(t);
        }

        var (_, a) = Probe(seed: 11);
        var (_, b) = Probe(seed: 11);
        var (_, c) = Probe(seed: 12);
        float[] a1 = Mask(a);
        Assert.Equal(a1, Mask(b));
        Assert.NotEqual(a1, Mask(c));

        // The trainer's generator moves on: the next batch draws new masks, the same ones for the same seed.
        float[] a2 = Mask(a);
        Assert.NotEqual(a1, a2);
        Assert.Equal(a2, Mask(b));
    }

    [Fact]
    public void Every_image_of_a_batch_gets_its_own_mask()
    {
        // Batch of two: the bias gradient sums both images' masks, so it takes the values 0, c and 2c; identical
        // masks would give only 0 and 2c. Independent masks: P(one kept, one dropped) = 2·0.7·0.3 = 0.42.
        var (_, t) = Probe(seed: 13);
        t.ComputeGradients(new[] { 0.5f, 0.5f }, new float[2 * N], Loss.MeanSquaredError);
        float[] grad = BiasGradient(t);
        double keep = 1.0 / (1.0 - Rate);
        double c = 2.0 * keep * keep / (2 * N);
        int zero = grad.Count(g => g == 0f);
        int one = grad.Count(g => Math.Abs(g - c) < c * 1e-4);
        int two = grad.Count(g => Math.Abs(g - (2 * c)) < c * 1e-4);
        Assert.Equal(N, zero + one + two);
        Assert.InRange((double)one / N, 0.42 - 0.05, 0.42 + 0.05);
        Assert.InRange((double)zero / N, 0.09 - 0.03, 0.09 + 0.03);
    }

    [Fact]
    public void Kept_values_average_to_the_inference_value()
    {
        // E[mask / (1 − p)] = 1: over 20 batches of 2000 values the mean output is 1 (the inference value) within 1%.
        var (_, trainer) = Probe(seed: 17);
        double sum = 0;
        const int Batches = 20;
        for (int i = 0; i < Batches; i++)
        {
            // L1 against 0 of values ≥ 0 is their mean.
            sum += trainer.ComputeGradients(new[] { 0.5f }, new float[N], Loss.L1);
        }

        Assert.Equal(1.0, sum / Batches, 0.01);
    }

    private static (DropoutProbe Net, DropoutProbe.Trainer Trainer) Probe(int seed)
    {
        var net = new DropoutProbe(seed: 1);
        net.Parameters.Slice(0, N).Clear();
        net.Parameters.Slice(N, N).Fill(1f);
        return (net, new DropoutProbe.Trainer(net, new Sgd(0.1f), seed));
    }

    private static float[] BiasGradient(DropoutProbe.Trainer trainer) => trainer.Gradients.Slice(N, N).ToArray();
}
