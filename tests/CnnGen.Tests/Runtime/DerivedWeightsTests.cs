using System;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// A BatchNorm folded into a Winograd-transformed convolution (16×16 outputs, 32 channels: F(4×4) under Auto), the weights
/// inference derives from the parameters, and a convolution after it that reads its weights from the parameters.
/// </summary>
[Network]
[Input(16, 16, 32)]
[Conv2D(32, 3, Padding = Padding.Same, Bias = false)] [BatchNorm] [ReLU]
[Conv2D(4, 3, Padding = Padding.Same)] [ReLU]
[GlobalAvgPool] [Dense(3)]
public partial class DerivedWeightsNet;

/// <summary>
/// Two Winograd convolutions with no BatchNorm after them (F(4×4) and F(2×2) under Auto): their training forward runs in
/// the Winograd domain, from the weights transformed before each step.
/// </summary>
[Network]
[Input(16, 16, 32)]
[Conv2D(32, 3, Padding = Padding.Same)] [ReLU] [MaxPool(2)]
[Conv2D(32, 3, Padding = Padding.Same)] [ReLU]
[GlobalAvgPool] [Dense(3)]
public partial class WinogradTrainNet;

/// <summary>WinogradTrainNet with both convolutions on the GEMM path, in inference and in training.</summary>
[Network]
[Input(16, 16, 32)]
[Conv2D(32, 3, Padding = Padding.Same, Algorithm = ConvAlgorithm.Direct)] [ReLU] [MaxPool(2)]
[Conv2D(32, 3, Padding = Padding.Same, Algorithm = ConvAlgorithm.Direct)] [ReLU]
[GlobalAvgPool] [Dense(3)]
public partial class GemmTrainNet;

/// <summary>
/// The derived weights (BatchNorm folded, Winograd-transformed, packed) are made once after the parameters or the state
/// change, not on every call, and every way of changing them reaches the next Forward: the network's spans taken again,
/// a training step, a load. Each result is compared bit for bit with a fresh network given the same parameters and state.
/// </summary>
public sealed class DerivedWeightsTests
{
    private static (DerivedWeightsNet Net, float[] Input) Create()
    {
        var net = new DerivedWeightsNet();
        net.InitializeParameters(5);
        var random = new Random(9);
        Span<float> state = net.State;
        for (int i = 0; i < state.Length; i++)
        {
            state[i] = i < state.Length / 2 ? (float)(random.NextDouble() - 0.5) : 0.5f + (float)random.NextDouble();
        }

        float[] input = new float[16 * 16 * 32];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return (net, input);
    }

    // The output of a new network with net's parameters and state (its derived weights made from nothing stale).
    private static float[] Fresh(DerivedWeightsNet net, float[] input)
    {
        var fresh = new DerivedWeightsNet();
        net.Parameters.CopyTo(fresh.Parameters);
        net.State.CopyTo(fresh.State);
        float[] output = new float[3];
        fresh.Forward(input, output);
        return output;
    }

    private static float[] Run(DerivedWeightsNet net, float[] input)
    {
        float[] output = new float[3];
        net.Forward(input, output);
        return output;
    }

    [Fact]
    public void Writes_through_the_spans_taken_after_a_Forward_reach_the_next_one()
    {
        (DerivedWeightsNet net, float[] input) = Create();
        float[] before = Run(net, input);
        Assert.Equal(Fresh(net, input), before);

        net.Parameters[7] += 0.25f; // a weight of the Winograd convolution
        float[] afterWeight = Run(net, input);
        Assert.NotEqual(before, afterWeight);
        Assert.Equal(Fresh(net, input), afterWeight);

        net.State[3] += 0.5f; // a running mean of the folded BatchNorm
        float[] afterState = Run(net, input);
        Assert.NotEqual(afterWeight, afterState);
        Assert.Equal(Fresh(net, input), afterState);

        int lastConvWeight = (32 * 32 * 9) + 64 + 10; // past the first convolution and its BatchNorm's γ and β
        net.Parameters[lastConvWeight] -= 0.5f; // a weight of the second convolution
        float[] afterDirect = Run(net, input);
        Assert.NotEqual(afterState, afterDirect);
        Assert.Equal(Fresh(net, input), afterDirect);
    }

    [Fact]
    public void A_span_held_across_a_Forward_is_not_seen_until_the_parameters_are_taken_again()
    {
        // The documented contract (INetwork.Parameters): the derived weights are not compared with the parameters on
        // every call, so a write through a span taken before the last Forward waits for the next time they are taken.
        (DerivedWeightsNet net, float[] input) = Create();
        Span<float> held = net.Parameters;
        float[] before = Run(net, input);
        held[7] += 0.25f;
        Assert.Equal(before, Run(net, input));

        _ = net.Parameters;
        float[] after = Run(net, input);
        Assert.NotEqual(before, after);
        Assert.Equal(Fresh(net, input), after);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Training_in_the_Winograd_domain_follows_the_GEMM_path_step_after_step(int parts)
    {
        // Same parameters, same batches: every step's transformed weights must be made from the parameters the step
        // before left (stale ones, or none when no Forward ran first, would send the two apart from step 1 or 2), by
        // however many parts the trainer splits the transforms and the images over.
        var winograd = new WinogradTrainNet { DegreeOfParallelism = parts };
        var gemm = new GemmTrainNet();
        winograd.InitializeParameters(3);
        winograd.Parameters.CopyTo(gemm.Parameters);
        var random = new Random(4);
        float[] images = new float[4 * WinogradTrainNet.InputLength];
        int[] labels = { 0, 1, 2, 1 };
        var a = new WinogradTrainNet.Trainer(winograd, new Sgd(0.05f, momentum: 0.9f));
        var b = new GemmTrainNet.Trainer(gemm, new Sgd(0.05f, momentum: 0.9f));
        for (int step = 0; step < 4; step++)
        {
            for (int i = 0; i < images.Length; i++)
            {
                images[i] = (float)((random.NextDouble() * 2) - 1);
            }

            if (step == 2)
            {
                // A forward pass between steps (inference packs into the same buffer) changes nothing.
                winograd.ForwardBatch(images, new float[4 * 3]);
            }

            float lossA = a.TrainBatch(images, labels), lossB = b.TrainBatch(images, labels);
            Assert.Equal(lossB, lossA, 1e-4f * Math.Max(1f, Math.Abs(lossB)));
            float largest = 0, worst = 0;
            ReadOnlySpan<float> pa = winograd.Parameters, pb = gemm.Parameters;
            for (int i = 0; i < pa.Length; i++)
            {
                largest = Math.Max(largest, Math.Abs(pb[i]));
                worst = Math.Max(worst, Math.Abs(pa[i] - pb[i]));
            }

            Assert.True(worst <= 1e-4f * largest, $"step {step}: parameters differ by {worst} (largest {largest})");
        }

        // And inference afterwards reads the parameters as the last step left them.
        float[] after = new float[3], fresh = new float[3];
        winograd.Forward(images.AsSpan(0, WinogradTrainNet.InputLength), after);
        var copy = new WinogradTrainNet();
        winograd.Parameters.CopyTo(copy.Parameters);
        copy.Forward(images.AsSpan(0, WinogradTrainNet.InputLength), fresh);
        Assert.Equal(fresh, after);
    }

    [Fact]
    public void A_training_step_and_a_load_reach_the_next_Forward()
    {
        (DerivedWeightsNet net, float[] input) = Create();
        float[] before = Run(net, input);

        var trainer = new DerivedWeightsNet.Trainer(net, new Sgd(0.1f));
        trainer.TrainBatch(input, new[] { 1 });
        float[] trained = Run(net, input);
        Assert.NotEqual(before, trained);
        Assert.Equal(Fresh(net, input), trained);

        (DerivedWeightsNet other, _) = Create();
        other.InitializeParameters(11);
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cnngen-derived-{Guid.NewGuid():N}.safetensors");
        try
        {
            CnnGen.IO.SafeTensors.Save(other, path);
            CnnGen.IO.SafeTensors.Load(net, path);
        }
        finally
        {
            System.IO.File.Delete(path);
        }

        float[] loaded = Run(net, input);
        Assert.Equal(Run(other, input), loaded);
        Assert.NotEqual(trained, loaded);
    }
}
