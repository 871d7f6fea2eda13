using System;
using System.Linq;
using System.Runtime.InteropServices;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>A small network with BatchNorm (running statistics in State), for the non-finite step tests.</summary>
[Network]
[Input(8, 8, 1)]
[Conv2D(4, 3)] [BatchNorm] [ReLU] [MaxPool(2)]
[Dense(6)] [ReLU] [Dense(3)]
public partial class GuardNet;

/// <summary>
/// Issue 12, item 5: a training step whose loss or gradients are not finite is refused with a
/// <see cref="NonFiniteTrainingException"/> naming the layer, and leaves the parameters, the optimizer's state and the
/// running statistics exactly as they were (bit for bit).
/// </summary>
public class NonFiniteTests
{
    private static int[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    private static float[] Images(int count, int size, int seed)
    {
        var random = new Random(seed);
        var x = new float[count * size];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        return x;
    }

    private static int[] Labels(int count, int classes) => Enumerable.Range(0, count).Select(i => i % classes).ToArray();

    private static Optimizer MakeOptimizer(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f),
        "momentum" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-3f),
        _ => new Adam(1e-3f),
    };

    public static TheoryData<string, int, float> Cases()
    {
        var data = new TheoryData<string, int, float>();
        foreach (string optimizer in new[] { "sgd", "momentum", "adam" })
        {
            foreach (int degree in new[] { 1, 2 })
            {
                data.Add(optimizer, degree, float.NaN);
                data.Add(optimizer, degree, float.PositiveInfinity);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LeNet5_bad_input_is_refused_and_changes_nothing(string optimizerKind, int degree, float bad)
    {
        const int batch = 32;
        float[] good = Images(batch, LeNet5.InputLength, 1);
        float[] next = Images(batch, LeNet5.InputLength, 2);
        int[] labels = Labels(batch, 10);
        float[] poisoned = (float[])next.Clone();
        poisoned[3 * LeNet5.InputLength + 17] = bad;

        // The network under test, and a reference that never sees the poisoned batch.
        var net = new LeNet5(seed: 7) { DegreeOfParallelism = degree };
        var reference = new LeNet5(seed: 7) { DegreeOfParallelism = degree };
        var trainer = new LeNet5.Trainer(net, MakeOptimizer(optimizerKind));
        var referenceTrainer = new LeNet5.Trainer(reference, MakeOptimizer(optimizerKind));
        if (degree > 1) Assert.True(CnnGen.Runtime.BatchWork.PartsFor(batch, 3 * LeNet5.MultiplyAddsPerImage, degree) > 1, "the step must really be split");

        trainer.TrainBatch(good, labels);
        referenceTrainer.TrainBatch(good, labels);
        int[] before = Bits(net.Parameters);

        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.TrainBatch(poisoned, labels));
        Assert.Equal(before, Bits(net.Parameters));
        Assert.Equal(11, e.LayerIndex);
        Assert.Equal("Dense(10)", e.LayerName);
        Assert.StartsWith("fc3.", e.TensorName);
        Assert.Equal(3, e.Image);
        Assert.Contains("layer 11 Dense(10)", e.Message);
        Assert.Contains($"image 3, element 17 is {(float.IsNaN(bad) ? "NaN" : "+∞")}", e.Message);
        Assert.Contains("The loss of image 3 is", e.Message);
        Assert.Contains("not applied", e.Message);

        // The optimizer's state (momentum, Adam's moments and step count) did not move either: the next good step
        // gives the same bits as on the reference, which never saw the poisoned batch.
        float lossAfter = trainer.TrainBatch(next, labels);
        float referenceLoss = referenceTrainer.TrainBatch(next, labels);
        Assert.Equal(referenceLoss, lossAfter);
        Assert.Equal(Bits(reference.Parameters), Bits(net.Parameters));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_learning_rate_that_overflows_is_stopped_at_the_step_that_goes_non_finite(int degree)
    {
        // lr = 1e30: the first step leaves the weights finite but around 1e28; the next forward pass overflows.
        const int batch = 16;
        float[] x = Images(batch, LeNet5.InputLength, 3);
        int[] labels = Labels(batch, 10);
        var net = new LeNet5(seed: 1) { DegreeOfParallelism = degree };
        var trainer = new LeNet5.Trainer(net, new Sgd(1e30f, momentum: 0.9f));
        trainer.TrainBatch(x, labels);
        Assert.True(NonFinite.AllFinite(net.Parameters), "the first step should leave finite (if huge) parameters");
        int[] before = Bits(net.Parameters);

        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.TrainBatch(x, labels));
        Assert.Equal(before, Bits(net.Parameters));
        Assert.Contains("The inputs and parameters are finite: the values overflowed inside the network", e.Message);
        Assert.True(e.Image >= 0 || e.LayerIndex > 0);
        Assert.Throws<NonFiniteTrainingException>(() => trainer.TrainBatch(x, labels));
        Assert.Equal(before, Bits(net.Parameters));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void BatchNorm_running_statistics_are_put_back(string optimizerKind)
    {
        const int batch = 8;
        float[] good = Images(batch, GuardNet.InputLength, 4);
        int[] labels = Labels(batch, 3);
        float[] poisoned = Images(batch, GuardNet.InputLength, 5);
        poisoned[5 * GuardNet.InputLength + 40] = float.NegativeInfinity;

        var net = new GuardNet(seed: 2);
        var reference = new GuardNet(seed: 2);
        var trainer = new GuardNet.Trainer(net, MakeOptimizer(optimizerKind));
        var referenceTrainer = new GuardNet.Trainer(reference, MakeOptimizer(optimizerKind));
        trainer.TrainBatch(good, labels);
        referenceTrainer.TrainBatch(good, labels);
        int[] parameters = Bits(net.Parameters), state = Bits(net.State);
        Assert.NotEmpty(state);

        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.TrainBatch(poisoned, labels));
        Assert.Equal(parameters, Bits(net.Parameters));
        Assert.Equal(state, Bits(net.State));
        Assert.Equal(7, e.LayerIndex);
        Assert.Equal("Dense(3)", e.LayerName);
        Assert.Contains("image 5, element 40 is −∞", e.Message);

        // Computing gradients alone is refused the same way and leaves the running statistics alone.
        Assert.Throws<NonFiniteTrainingException>(() => trainer.ComputeGradients(poisoned, labels));
        Assert.Equal(state, Bits(net.State));
        Assert.Equal(parameters, Bits(net.Parameters));

        trainer.TrainBatch(good, labels);
        referenceTrainer.TrainBatch(good, labels);
        Assert.Equal(Bits(reference.Parameters), Bits(net.Parameters));
        Assert.Equal(Bits(reference.State), Bits(net.State));
    }

    [Fact]
    public void A_regression_target_that_is_not_finite_is_reported_as_the_loss()
    {
        const int batch = 4;
        float[] x = Images(batch, GuardNet.InputLength, 6);
        float[] targets = new float[batch * GuardNet.OutputLength];
        targets[2 * GuardNet.OutputLength + 1] = float.NaN;
        var net = new GuardNet(seed: 3);
        int[] before = Bits(net.Parameters);
        var trainer = new GuardNet.Trainer(net, new Sgd(0.1f));
        var e = Assert.Throws<NonFiniteTrainingException>(() => trainer.TrainBatch(x, targets, Loss.MeanSquaredError));
        Assert.Equal(2, e.Image);
        Assert.Equal(before, Bits(net.Parameters));
        Assert.Contains("The loss of image 2 is NaN", e.Message);
    }

    [Fact]
    public void AllFinite_finds_every_kind_at_every_position()
    {
        // Lengths around the vector width and its 4-vector unrolling, every position, NaN and both infinities.
        foreach (int n in Enumerable.Range(0, 140))
        {
            float[] x = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? float.MaxValue : i % 3 == 1 ? -float.Epsilon : -0f).ToArray();
            Assert.True(NonFinite.AllFinite(x));
            Assert.Equal(-1, NonFinite.IndexOfNonFinite(x));
            for (int i = 0; i < n; i++)
            {
                foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    float keep = x[i];
                    x[i] = bad;
                    Assert.False(NonFinite.AllFinite(x), $"n = {n}, {bad} at {i}");
                    Assert.Equal(i, NonFinite.IndexOfNonFinite(x));
                    Assert.Equal(i, NonFinite.LastIndexOfNonFinite(x));
                    x[i] = keep;
                }
            }
        }
    }
}
