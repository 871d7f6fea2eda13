using System;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>
/// The backward pass of every layer kind against central finite differences of the training loss (BatchNorm
/// in training mode, with batch statistics; Dropout with the mask repeated by re-seeding the trainer).
/// </summary>
public class LayerGradientTests
{
    public static TheoryData<string> Networks => new() { "convbn", "poolnet", "branchnet", "blocknet", "edgenet", "stridenet", "wirenet" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Cross_entropy_gradients_equal_central_finite_differences(string fixture)
    {
        INetwork net = LayerNet.New(fixture, seed: 21);
        Perturb(net, 22);
        LayerNet h = LayerNet.Wrap(net, new Sgd(0.1f), seed: 0);
        float[] inputs = ForwardTests.Random(3 * net.InputSize, 23);
        int[] labels = { 0, net.OutputSize - 1, 1 };
        CheckFiniteDifferences(net, () => h.ComputeCrossEntropy(inputs, labels), h.Gradients);
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Mean_squared_error_gradients_equal_central_finite_differences(string fixture)
    {
        INetwork net = LayerNet.New(fixture, seed: 31);
        Perturb(net, 32);
        LayerNet h = LayerNet.Wrap(net, new Sgd(0.1f), seed: 0);
        float[] inputs = ForwardTests.Random(3 * net.InputSize, 33);
        float[] targets = ForwardTests.Random(3 * net.OutputSize, 34);
        CheckFiniteDifferences(net, () => h.ComputeRegression(inputs, targets, Loss.MeanSquaredError), h.Gradients);
    }

    [Fact]
    public void Dropout_gradients_equal_central_finite_differences_with_the_same_masks()
    {
        var net = new DropoutNet(seed: 41);
        float[] inputs = ForwardTests.Random(3 * DropoutNet.InputLength, 42);
        float[] targets = ForwardTests.Random(3 * DropoutNet.OutputLength, 43);
        int[] labels = { 2, 0, 1 };

        // A new trainer with the same seed for every evaluation draws the same masks.
        DropoutNet.Trainer trainer = null!;
        CheckFiniteDifferences(
            net,
            () =>
            {
                trainer = new DropoutNet.Trainer(net, new Sgd(0.1f), seed: 44);
                return trainer.ComputeGradients(inputs, labels);
            },
            () => trainer.Gradients.ToArray());
        CheckFiniteDifferences(
            net,
            () =>
            {
                trainer = new DropoutNet.Trainer(net, new Sgd(0.1f), seed: 45);
                return trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError);
            },
            () => trainer.Gradients.ToArray());

        // The masks do matter: a different seed gives different gradients.
        trainer = new DropoutNet.Trainer(net, new Sgd(0.1f), seed: 44);
        trainer.ComputeGradients(inputs, labels);
        float[] a = trainer.Gradients.ToArray();
        trainer = new DropoutNet.Trainer(net, new Sgd(0.1f), seed: 46);
        trainer.ComputeGradients(inputs, labels);
        Assert.NotEqual(a, trainer.Gradients.ToArray());
    }

    [Fact]
    public void Dropout_on_the_input_and_on_the_output_has_finite_difference_gradients()
    {
        var net = new DropoutEnds(seed: 47);
        float[] inputs = ForwardTests.Random(3 * DropoutEnds.InputLength, 48);
        float[] targets = ForwardTests.Random(3 * DropoutEnds.OutputLength, 49);
        int[] labels = { 4, 0, 2 };
        DropoutEnds.Trainer trainer = null!;
        CheckFiniteDifferences(
            net,
            () =>
            {
                trainer = new DropoutEnds.Trainer(net, new Sgd(0.1f), seed: 50);
                return trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError);
            },
            () => trainer.Gradients.ToArray());
        CheckFiniteDifferences(
            net,
            () =>
            {
                trainer = new DropoutEnds.Trainer(net, new Sgd(0.1f), seed: 51);
                return trainer.ComputeGradients(inputs, labels); // cross-entropy on the raw (dropped-out) outputs as logits
            },
            () => trainer.Gradients.ToArray());
    }

    [Fact]
    public void BatchNorm_gradients_use_the_batch_statistics_not_the_running_averages()
    {
        // In training mode the loss does not depend on the running averages: scrambling them changes nothing.
        LayerNet h = LayerNet.Create("convbn", new Sgd(0.1f));
        float[] inputs = ForwardTests.Random(2 * h.Net.InputSize, 51);
        int[] labels = { 1, 3 };
        float loss = h.ComputeCrossEntropy(inputs, labels);
        float[] gradients = h.Gradients();
        Span<float> state = h.Net.State;
        for (int i = 0; i < state.Length; i++)
        {
            state[i] = 5f + i;
        }

        Assert.Equal(loss, h.ComputeCrossEntropy(inputs, labels));
        Assert.Equal(gradients, h.Gradients());
    }

    /// <summary>Moves BatchNorm's γ and β away from 1 and 0 (and every bias away from 0) so that no symmetry hides a wrong gradient.</summary>
    internal static void Perturb(INetwork net, int seed)
    {
        var random = new Random(seed);
        foreach (TensorInfo tensor in net.Tensors)
        {
            if (tensor.IsState)
            {
                continue;
            }

            bool gamma = tensor.Name.StartsWith("bn", StringComparison.Ordinal) && tensor.Name.EndsWith(".weight", StringComparison.Ordinal);
            bool bias = tensor.Name.EndsWith(".bias", StringComparison.Ordinal);
            if (!gamma && !bias)
            {
                continue;
            }

            Span<float> values = net.Parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = gamma ? 0.5f + random.NextSingle() : (random.NextSingle() - 0.5f) * 0.4f;
            }
        }
    }

    /// <summary>
    /// Compares analytic gradients with (L(θ + h) − L(θ − h)) / 2h at a spread of parameters of every tensor (as
    /// TrainingTests, but an absolute tolerance of 2e-4, not 2e-3). Where h = 2e-3 disagrees, h = 5e-4 is tried, and
    /// there also the one-sided differences: with BatchNorm every parameter before it moves every normalised value,
    /// so a ReLU or a pooling arg-max may switch inside ±h (a kink, not a wrong gradient).
    /// </summary>
    internal const double Tolerance = 2e-4;

    internal static void CheckFiniteDifferences(INetwork net, Func<float> loss, Func<float[]> gradients)
    {
        loss();
        float[] analytic = gradients();
        var random = new Random(99);
        double largest = 0;
        foreach (TensorInfo tensor in net.Tensors)
        {
            if (tensor.IsState)
            {
                continue;
            }

            for (int n = 0; n < Math.Min(6, tensor.Length); n++)
            {
                int i = tensor.Offset + (tensor.Length <= 6 ? n : random.Next(tensor.Length));
                double numeric = 0;
                bool ok = false;
                bool Close(double value) => Math.Abs(value - analytic[i]) <= Tolerance + (2e-2 * Math.Abs(value));
                foreach (float h in new[] { 2e-3f, 5e-4f })
                {
                    float saved = net.Parameters[i];
                    double at = loss();
                    net.Parameters[i] = saved + h;
                    double up = loss();
                    net.Parameters[i] = saved - h;
                    double down = loss();
                    net.Parameters[i] = saved;
                    numeric = (up - down) / (2 * h);

                    // At the smaller step a kink just beside θ leaves one one-sided difference equal to the gradient.
                    if (Close(numeric) || (h < 1e-3f && (Close((up - at) / h) || Close((at - down) / h))))
                    {
                        ok = true;
                        break;
                    }
                }

                largest = Math.Max(largest, Math.Abs(analytic[i]));
                Assert.True(ok, $"{net.GetType().Name} {tensor.Name}[{i - tensor.Offset}]: backward gives {analytic[i]:G6}, finite differences {numeric:G6}");
            }
        }

        // The check means something only if the gradients are not all below its absolute tolerance.
        Assert.True(largest > 10 * Tolerance, $"{net.GetType().Name}: the largest gradient checked is only {largest:G3}");
    }
}
