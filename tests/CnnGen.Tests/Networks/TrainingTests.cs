using System;
using System.Linq;
using CnnGen.IO;
using CnnGen.Training;
using Xunit;
using CnnGen.Tests.Runtime;
using static CnnGen.Tests.Networks.Fixtures;

namespace CnnGen.Tests.Networks;

/// <summary>
/// The emitted backward pass, proven two ways: equal to PyTorch autograd (gradients and one or two
/// optimizer steps, fixtures from tools/fixtures/make_fixtures.py) and equal to central finite differences.
/// </summary>
public class TrainingTests
{
    private static (LeNet5 Net, float[] Inputs, int[] Labels, SafeTensorsFile Train) LeNetFixture()
    {
        var net = new LeNet5();
        LoadParameters(net, Open("lenet5_state_dict.safetensors"));
        SafeTensorsFile train = Open("lenet5_train.safetensors");
        int[] labels = train["labels"].ToArray().Select(v => (int)v).ToArray();
        return (net, train["input"].ToArray(), labels, train);
    }

    [Fact]
    public void LeNet5_cross_entropy_gradients_equal_pytorch_autograd()
    {
        var (net, inputs, labels, train) = LeNetFixture();
        var trainer = new LeNet5.Trainer(net, new Sgd(0.1f));
        float loss = trainer.ComputeGradients(inputs, labels);
        Assert.Equal(train["loss"].ToArray()[0], loss, 1e-5f);
        foreach (TensorInfo tensor in LeNet5.TensorTable)
        {
            AssertClose(train["grad." + tensor.Name].ToArray(), trainer.Gradients.Slice(tensor.Offset, tensor.Length), 1e-6, 1e-4, "grad." + tensor.Name);
        }
    }

    [Theory]
    [InlineData("sgd", 1)]
    [InlineData("momentum", 1)]
    [InlineData("momentum2", 2)]
    [InlineData("adam", 1)]
    [InlineData("adam2", 2)]
    public void LeNet5_optimizer_steps_equal_pytorch(string fixture, int steps)
    {
        var (net, inputs, labels, train) = LeNetFixture();
        Optimizer optimizer = fixture.StartsWith("sgd", StringComparison.Ordinal) ? new Sgd(0.1f)
            : fixture.StartsWith("momentum", StringComparison.Ordinal) ? new Sgd(0.1f, momentum: 0.9f, weightDecay: 5e-4f)
            : new Adam(1e-3f);
        var trainer = new LeNet5.Trainer(net, optimizer);
        for (int i = 0; i < steps; i++)
        {
            trainer.TrainBatch(inputs, labels);
        }

        foreach (TensorInfo tensor in ((INetwork)net).Tensors)
        {
            AssertClose(train[fixture + "." + tensor.Name].ToArray(), net.Parameters.Slice(tensor.Offset, tensor.Length), 1e-6, 1e-4, fixture + "." + tensor.Name);
        }
    }

    [Theory]
    [InlineData(Loss.MeanSquaredError, "mse")]
    [InlineData(Loss.L1, "l1")]
    public void Regression_loss_gradients_equal_pytorch_autograd(Loss loss, string prefix)
    {
        var net = new SigmoidNet();
        LoadParameters(net, Open("sigmoidnet_state_dict.safetensors"));
        SafeTensorsFile train = Open("sigmoidnet_train.safetensors");
        var trainer = new SigmoidNet.Trainer(net, new Sgd(0.1f));
        float value = trainer.ComputeGradients(train["input"].ToArray(), train["target"].ToArray(), loss);
        Assert.Equal(train[prefix + ".loss"].ToArray()[0], value, 1e-5f);
        foreach (TensorInfo tensor in ((INetwork)net).Tensors)
        {
            AssertClose(train[prefix + ".grad." + tensor.Name].ToArray(), trainer.Gradients.Slice(tensor.Offset, tensor.Length), 1e-6, 1e-4, tensor.Name);
        }
    }

    [Fact]
    public void LeNet5_gradients_equal_central_finite_differences()
    {
        var net = new LeNet5(seed: 3);
        float[] inputs = ForwardTests.Random(2 * LeNet5.InputLength, 11);
        int[] labels = { 3, 8 };
        var trainer = new LeNet5.Trainer(net, new Sgd(0.1f));
        CheckFiniteDifferences(net, () => trainer.ComputeGradients(inputs, labels), () => trainer.Gradients.ToArray());
    }

    [Fact]
    public void Strided_padded_conv_tanh_avgpool_gradients_equal_central_finite_differences()
    {
        var net = new PadStride(seed: 4);
        float[] inputs = ForwardTests.Random(2 * PadStride.InputLength, 12);
        float[] targets = ForwardTests.Random(2 * PadStride.OutputLength, 13);
        var trainer = new PadStride.Trainer(net, new Sgd(0.1f));
        CheckFiniteDifferences(net, () => trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError), () => trainer.Gradients.ToArray());
        int[] labels = { 1, 4 };
        CheckFiniteDifferences(net, () => trainer.ComputeGradients(inputs, labels), () => trainer.Gradients.ToArray());
    }

    [Fact]
    public void Sigmoid_maxpool_gradients_equal_central_finite_differences()
    {
        var net = new SigmoidNet(seed: 5);
        float[] inputs = ForwardTests.Random(3 * SigmoidNet.InputLength, 14);
        float[] targets = ForwardTests.Random(3 * SigmoidNet.OutputLength, 15);
        var trainer = new SigmoidNet.Trainer(net, new Sgd(0.1f));
        CheckFiniteDifferences(net, () => trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError), () => trainer.Gradients.ToArray());
    }

    [Fact]
    public void Softmax_backward_without_fused_cross_entropy_equals_finite_differences()
    {
        // A regression loss on softmax probabilities goes through the softmax Jacobian, not the fused p − y.
        var net = new LeNet5(seed: 8);
        float[] inputs = ForwardTests.Random(2 * LeNet5.InputLength, 16);
        float[] targets = ForwardTests.Random(2 * LeNet5.OutputLength, 17);
        var trainer = new LeNet5.Trainer(net, new Sgd(0.1f));
        CheckFiniteDifferences(net, () => trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError), () => trainer.Gradients.ToArray());
    }

    [Fact]
    public void Training_reduces_the_loss_and_allocates_nothing_after_the_first_step()
    {
        var net = new LeNet5(seed: 1);
        float[] inputs = ForwardTests.Random(8 * LeNet5.InputLength, 21);
        int[] labels = { 0, 1, 2, 3, 4, 5, 6, 7 };
        var trainer = new LeNet5.Trainer(net, new Adam(1e-3f));
        float first = trainer.TrainBatch(inputs, labels);
        float last = first;

        // The trainer allocates only in Prepare, on the first step; at least 30 steps run, for the loss.
        for (int i = 0; i < 20; i++)
        {
            last = trainer.TrainBatch(inputs, labels);
        }

        Allocations.AssertSomeWindowAllocatesNothing(() => last = trainer.TrainBatch(inputs, labels));
        Assert.True(last < first * 0.5f, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Bad_batches_are_rejected_with_clear_errors()
    {
        var net = new LeNet5();
        var trainer = new LeNet5.Trainer(net, new Sgd(0.1f));
        var ex = Assert.Throws<ArgumentException>(() => trainer.TrainBatch(new float[LeNet5.InputLength * 2], new[] { 1 }));
        Assert.Contains("2 images", ex.Message);
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.TrainBatch(new float[LeNet5.InputLength], new[] { 10 }));
        Assert.Contains("0 to 9", range.Message);
        Assert.Throws<ArgumentException>(() => trainer.TrainBatch(new float[LeNet5.InputLength], new float[LeNet5.OutputLength], Loss.CrossEntropy));
    }

    /// <summary>Compares analytic gradients with (L(θ + h) − L(θ − h)) / 2h at a spread of parameters of every tensor.</summary>
    private static void CheckFiniteDifferences(INetwork net, Func<float> loss, Func<float[]> gradients)
    {
        loss();
        float[] analytic = gradients();
        var random = new Random(99);
        Span<float> p = net.Parameters;
        foreach (TensorInfo tensor in ((INetwork)net).Tensors)
        {
            for (int n = 0; n < 6; n++)
            {
                int i = tensor.Offset + random.Next(tensor.Length);
                float saved = p[i];
                const float h = 2e-3f;
                net.Parameters[i] = saved + h;
                double up = loss();
                net.Parameters[i] = saved - h;
                double down = loss();
                net.Parameters[i] = saved;
                double numeric = (up - down) / (2 * h);
                double tolerance = 2e-3 + (2e-2 * Math.Abs(numeric));
                Assert.True(
                    Math.Abs(numeric - analytic[i]) <= tolerance,
                    $"{tensor.Name}[{i - tensor.Offset}]: backward gives {analytic[i]:G6}, finite differences {numeric:G6}");
            }
        }
    }
}
