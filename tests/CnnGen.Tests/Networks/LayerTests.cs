using System;
using System.Linq;
using CnnGen.IO;
using CnnGen.Training;
using Xunit;
using CnnGen.Tests.Runtime;
using static CnnGen.Tests.Networks.Fixtures;

namespace CnnGen.Tests.Networks;

/// <summary>
/// The layer networks of LayerNetworks.cs against their PyTorch twins (tools/fixtures/make_fixtures.py):
/// eval-mode forward passes with non-trivial BatchNorm running statistics, training-mode gradients of
/// cross-entropy and MSE, the running statistics after one training forward, and one Adam step.
/// </summary>
public class LayerTests
{
    public static TheoryData<string> ForwardFixtures => new() { "convbn", "poolnet", "branchnet", "blocknet", "dropoutnet", "edgenet", "stridenet", "wirenet" };

    public static TheoryData<string> TrainFixtures => new() { "convbn", "poolnet", "branchnet", "blocknet", "edgenet", "stridenet", "wirenet" };

    public static TheoryData<string> BatchNormFixtures => new() { "convbn", "poolnet", "blocknet", "edgenet", "wirenet" };

    [Theory]
    [MemberData(nameof(ForwardFixtures))]
    public void Eval_forward_matches_pytorch_within_1e5(string fixture)
    {
        INetwork net = LayerNet.Load(fixture);
        SafeTensorsFile io = Open(fixture + "_forward.safetensors");
        float[] inputs = io["input"].ToArray();
        float[] expected = io["output"].ToArray();
        var output = new float[net.OutputSize];
        int batch = inputs.Length / net.InputSize;
        Assert.Equal(4, batch);
        for (int i = 0; i < batch; i++)
        {
            net.Forward(inputs.AsSpan(i * net.InputSize, net.InputSize), output);
            AssertClose(expected.AsSpan(i * net.OutputSize, net.OutputSize), output, 1e-5, 0, $"{fixture} output of image {i}");
        }
    }

    [Theory]
    [MemberData(nameof(TrainFixtures))]
    public void Cross_entropy_gradients_in_training_mode_equal_pytorch_autograd(string fixture)
    {
        LayerNet h = LayerNet.Create(fixture, new Sgd(0.1f));
        SafeTensorsFile train = Open(fixture + "_train.safetensors");
        float loss = h.ComputeCrossEntropy(train["input"].ToArray(), Labels(train));
        AssertClose(train["ce.loss"].ToArray(), new[] { loss }, 1e-6, 1e-6, fixture + " ce.loss");
        AssertGradients(h, train, "ce.grad.");
    }

    [Theory]
    [MemberData(nameof(TrainFixtures))]
    public void Mean_squared_error_gradients_in_training_mode_equal_pytorch_autograd(string fixture)
    {
        LayerNet h = LayerNet.Create(fixture, new Sgd(0.1f));
        SafeTensorsFile train = Open(fixture + "_train.safetensors");
        float loss = h.ComputeRegression(train["input"].ToArray(), train["target"].ToArray(), Loss.MeanSquaredError);
        AssertClose(train["mse.loss"].ToArray(), new[] { loss }, 1e-6, 1e-6, fixture + " mse.loss");
        AssertGradients(h, train, "mse.grad.");
    }

    [Theory]
    [MemberData(nameof(BatchNormFixtures))]
    public void Running_statistics_after_one_training_forward_equal_pytorch(string fixture)
    {
        LayerNet h = LayerNet.Create(fixture, new Sgd(0.1f));
        SafeTensorsFile train = Open(fixture + "_train.safetensors");
        float[] before = h.Net.State.ToArray();
        h.ComputeCrossEntropy(train["input"].ToArray(), Labels(train));
        int checkedTensors = 0;
        foreach (TensorInfo tensor in h.Net.Tensors.Where(t => t.IsState))
        {
            AssertClose(train["state." + tensor.Name].ToArray(), h.Net.State.Slice(tensor.Offset, tensor.Length), 1e-6, 1e-5, "state." + tensor.Name);
            checkedTensors++;
        }

        Assert.Equal(train.Names.Count(n => n.StartsWith("state.", StringComparison.Ordinal)), checkedTensors);
        Assert.True(checkedTensors > 0);
        Assert.False(before.AsSpan().SequenceEqual(h.Net.State), "the running statistics did not move");
    }

    [Theory]
    [MemberData(nameof(TrainFixtures))]
    public void One_Adam_step_equals_pytorch_parameters_state_and_refolded_forward(string fixture)
    {
        LayerNet h = LayerNet.Create(fixture, new Adam(1e-3f));
        SafeTensorsFile train = Open(fixture + "_train.safetensors");
        float[] ceGrad = new float[h.Net.ParameterSize];
        foreach (TensorInfo tensor in h.Net.Tensors.Where(t => !t.IsState))
        {
            train["ce.grad." + tensor.Name].CopyTo(ceGrad.AsSpan(tensor.Offset, tensor.Length));
        }

        h.TrainCrossEntropy(train["input"].ToArray(), Labels(train));
        float[] ownGrad = h.Gradients();
        foreach (TensorInfo tensor in h.Net.Tensors)
        {
            float[] expected = train["adam." + tensor.Name].ToArray();
            Span<float> actual = (tensor.IsState ? h.Net.State : h.Net.Parameters).Slice(tensor.Offset, tensor.Length);
            if (tensor.IsState)
            {
                AssertClose(expected, actual, 1e-6, 1e-5, "adam." + tensor.Name);
                continue;
            }

            // Adam's first step is lr·g/(|g| + 1e-8): where either gradient is below 1e-6 but they are not both exactly 0
            // (a convolution bias just before a BatchNorm, or a BatchNorm β before another BatchNorm, whose true gradient
            // is 0 and whose computed one is rounding noise or 0) the step is anything in ±lr on either side, so only
            // |difference| ≤ 2·lr is checked there.
            for (int i = 0; i < tensor.Length; i++)
            {
                float g = ceGrad[tensor.Offset + i];
                float own = ownGrad[tensor.Offset + i];
                bool undetermined = (Math.Abs(g) < 1e-6 || Math.Abs(own) < 1e-6) && !(g == 0 && own == 0);
                double tolerance = undetermined ? 2.0001e-3 : 1e-6 + (1e-4 * Math.Abs(expected[i]));
                Assert.True(
                    Math.Abs(actual[i] - expected[i]) <= tolerance,
                    $"adam.{tensor.Name}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (gradients: PyTorch {g:G3}, CnnGen {own:G3})");
                if (undetermined)
                {
                    actual[i] = expected[i]; // the undetermined steps, aligned for the forward pass below
                }
            }
        }

        // The eval forward pass after the step (BatchNorm refolded from the new γ, β and running averages).
        SafeTensorsFile io = Open(fixture + "_forward.safetensors");
        float[] inputs = io["input"].ToArray();
        float[] expectedOut = train["adam.forward.output"].ToArray();
        var outputs = new float[expectedOut.Length];
        h.ForwardBatch(inputs, outputs);
        AssertClose(expectedOut, outputs, 2e-5, 0, fixture + " forward after the Adam step");
    }

    [Theory]
    [MemberData(nameof(ForwardFixtures))]
    public void ForwardBatch_equals_image_by_image_Forward(string fixture)
    {
        LayerNet h = LayerNet.Create(fixture, new Sgd(0.1f));
        float[] inputs = Open(fixture + "_forward.safetensors")["input"].ToArray();
        int batch = inputs.Length / h.Net.InputSize;
        var all = new float[batch * h.Net.OutputSize];
        h.ForwardBatch(inputs, all);
        var one = new float[h.Net.OutputSize];
        for (int i = 0; i < batch; i++)
        {
            h.Net.Forward(inputs.AsSpan(i * h.Net.InputSize, h.Net.InputSize), one);
            Assert.Equal(one, all.AsSpan(i * h.Net.OutputSize, h.Net.OutputSize).ToArray());
        }
    }

    [Theory]
    [InlineData("blocknet")]
    [InlineData("edgenet")]
    public void Gradients_do_not_accumulate_across_calls_and_the_batch_size_may_change(string fixture)
    {
        // BatchNorm networks: the training loss does not depend on the running averages the calls update.
        LayerNet h = LayerNet.Create(fixture, new Sgd(0.1f));
        float[] four = Open(fixture + "_forward.safetensors")["input"].ToArray();
        float[] two = four.AsSpan(0, 2 * h.Net.InputSize).ToArray();
        int[] labels = { 0, 1, 2, 1 };
        float[] Fresh(float[] inputs, int[] l)
        {
            LayerNet fresh = LayerNet.Wrap(h.Net, new Sgd(0.1f), seed: 0);
            fresh.ComputeCrossEntropy(inputs, l);
            return fresh.Gradients();
        }

        float[] expectedFour = Fresh(four, labels);
        float[] expectedTwo = Fresh(two, labels[..2]);
        h.ComputeCrossEntropy(four, labels);
        Assert.Equal(expectedFour, h.Gradients());
        h.ComputeCrossEntropy(two, labels[..2]);
        Assert.Equal(expectedTwo, h.Gradients());
        h.ComputeCrossEntropy(four, labels);
        Assert.Equal(expectedFour, h.Gradients());
    }

    [Theory]
    [InlineData("blocknet")]
    [InlineData("edgenet")]
    [InlineData("dropoutnet")]
    public void Forward_and_training_allocate_nothing_after_the_first_call(string fixture)
    {
        LayerNet h = LayerNet.Create(fixture, new Adam(1e-3f));
        float[] inputs = Open(fixture + "_forward.safetensors")["input"].ToArray();
        int[] labels = { 0, 1, 2, 1 };
        var output = new float[h.Net.OutputSize];
        h.Net.Forward(inputs.AsSpan(0, h.Net.InputSize), output);
        h.TrainCrossEntropy(inputs, labels);
        Allocations.AssertSomeWindowAllocatesNothing(() => h.Net.Forward(inputs.AsSpan(0, h.Net.InputSize), output), calls: 5);
        float first = h.TrainCrossEntropy(inputs, labels);
        float last = first;
        for (int i = 0; i < 20; i++)
        {
            last = h.TrainCrossEntropy(inputs, labels);
        }

        Allocations.AssertSomeWindowAllocatesNothing(() => last = h.TrainCrossEntropy(inputs, labels));
        Assert.True(fixture == "dropoutnet" || last < first, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Layer_tables_and_tensor_names_follow_the_pytorch_twins()
    {
        // Shapes worked out in LayerNetworks.cs; the PyTorch twins assert the same parameter counts.
        Assert.Equal(new[] { "11×7×4", "11×7×4", "11×7×4", "6×4×4", "6×4×6", "6×4×6", "6×4×6", "4×3×6", "72", "5", "5", "4", "4" }, ConvBnNet.LayerTable.Select(l => l.ShapeText));
        Assert.Equal(new[] { "12×12×4", "12×12×4", "5×5×4", "5×5×4", "5×5×5", "5×5×5", "4×4×5", "3×3×5", "3×3×6", "3×3×6", "6", "3" }, PoolNet.LayerTable.Select(l => l.ShapeText));
        Assert.Equal("8×8×10", BranchNet.LayerTable[4].ShapeText);
        Assert.Equal("4×4×9", BlockNet.LayerTable.Single(l => l.Name.StartsWith("Inception", StringComparison.Ordinal) && l.Name.Contains("Concat", StringComparison.Ordinal)).ShapeText);
        Assert.Equal((511, 20), (ConvBnNet.ParameterCount, ConvBnNet.StateCount));
        Assert.Equal((326, 8), (PoolNet.ParameterCount, PoolNet.StateCount));
        Assert.Equal((1094, 0), (BranchNet.ParameterCount, BranchNet.StateCount));
        Assert.Equal((1556, 92), (BlockNet.ParameterCount, BlockNet.StateCount));
        Assert.Equal(476, DropoutNet.ParameterCount);
        Assert.Equal((670, 22), (EdgeNet.ParameterCount, EdgeNet.StateCount));
        Assert.Equal(new[] { "4×9×3", "4×9×3", "4×9×3", "4×9×3", "4×9×3", "4×9×3", "1×3×3", "4", "4" }, StrideNet.LayerTable.Select(l => l.ShapeText));
        Assert.Equal(new[] { 6 }, EdgeNet.TensorTable.Single(t => t.Name == "bn3.running_var").Shape);
        Assert.DoesNotContain(ConvBnNet.TensorTable, t => t.Name == "conv1.bias");
        Assert.Equal(new[] { "bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var" }, ConvBnNet.TensorTable.Where(t => t.IsState).Select(t => t.Name));
        Assert.Equal(new[] { 4, 3, 2, 3 }, ConvBnNet.TensorTable[0].Shape);
        Assert.Equal(12, BlockNet.TensorTable.Count(t => t.Name.EndsWith(".running_var", StringComparison.Ordinal)));
    }

    internal static int[] Labels(SafeTensorsFile train) => train["labels"].ToArray().Select(v => (int)v).ToArray();

    private static void AssertGradients(LayerNet h, SafeTensorsFile train, string prefix)
    {
        float[] gradients = h.Gradients();
        foreach (TensorInfo tensor in h.Net.Tensors.Where(t => !t.IsState))
        {
            AssertClose(train[prefix + tensor.Name].ToArray(), gradients.AsSpan(tensor.Offset, tensor.Length), 1e-6, 1e-4, prefix + tensor.Name);
        }
    }
}

/// <summary>One layer network and its generated Trainer behind delegates (each network has its own Trainer type).</summary>
internal sealed class LayerNet
{
    private LayerNet(INetwork net, Func<float[], int[], float> ce, Func<float[], float[], Loss, float> regression, Func<float[], int[], float> trainCe, Func<float[]> gradients, Action<float[], float[]> forwardBatch)
    {
        Net = net;
        ComputeCrossEntropyFunc = ce;
        ComputeRegressionFunc = regression;
        TrainCrossEntropyFunc = trainCe;
        Gradients = gradients;
        ForwardBatch = forwardBatch;
    }

    public INetwork Net { get; }

    public Func<float[]> Gradients { get; }

    public Action<float[], float[]> ForwardBatch { get; }

    private Func<float[], int[], float> ComputeCrossEntropyFunc { get; }

    private Func<float[], float[], Loss, float> ComputeRegressionFunc { get; }

    private Func<float[], int[], float> TrainCrossEntropyFunc { get; }

    public float ComputeCrossEntropy(float[] inputs, int[] labels) => ComputeCrossEntropyFunc(inputs, labels);

    public float ComputeRegression(float[] inputs, float[] targets, Loss loss) => ComputeRegressionFunc(inputs, targets, loss);

    public float TrainCrossEntropy(float[] inputs, int[] labels) => TrainCrossEntropyFunc(inputs, labels);

    /// <summary>A fresh network of the fixture with seeded parameters (no fixture loaded).</summary>
    public static INetwork New(string fixture, int seed) => fixture switch
    {
        "convbn" => new ConvBnNet(seed),
        "poolnet" => new PoolNet(seed),
        "branchnet" => new BranchNet(seed),
        "blocknet" => new BlockNet(seed),
        "dropoutnet" => new DropoutNet(seed),
        "edgenet" => new EdgeNet(seed),
        "stridenet" => new StrideNet(seed),
        "wirenet" => new WireNet(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(fixture), fixture, null),
    };

    /// <summary>The fixture's network with its PyTorch state dict loaded through SafeTensors.Load (names, shapes, num_batches_tracked skipped).</summary>
    public static INetwork Load(string fixture)
    {
        INetwork net = New(fixture, 0);
        SafeTensors.Load(net, PathOf(fixture + "_state_dict.safetensors"));
        return net;
    }

    /// <summary>The fixture's network (state dict loaded) with a Trainer.</summary>
    public static LayerNet Create(string fixture, Optimizer optimizer, int seed = 0) => Wrap(Load(fixture), optimizer, seed);

    /// <summary>A Trainer for <paramref name="net"/>, whichever layer network it is.</summary>
    public static LayerNet Wrap(INetwork net, Optimizer optimizer, int seed) => net switch
    {
        ConvBnNet n => Of(n, new ConvBnNet.Trainer(n, optimizer, seed)),
        PoolNet n => Of(n, new PoolNet.Trainer(n, optimizer, seed)),
        BranchNet n => Of(n, new BranchNet.Trainer(n, optimizer, seed)),
        BlockNet n => Of(n, new BlockNet.Trainer(n, optimizer, seed)),
        DropoutNet n => Of(n, new DropoutNet.Trainer(n, optimizer, seed)),
        EdgeNet n => Of(n, new EdgeNet.Trainer(n, optimizer, seed)),
        StrideNet n => Of(n, new StrideNet.Trainer(n, optimizer, seed)),
        WireNet n => Of(n, new WireNet.Trainer(n, optimizer, seed)),
        _ => throw new ArgumentException("not a layer network", nameof(net)),
    };

    private static LayerNet Of(ConvBnNet n, ConvBnNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(PoolNet n, PoolNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(BranchNet n, BranchNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(BlockNet n, BlockNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(DropoutNet n, DropoutNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(EdgeNet n, EdgeNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(StrideNet n, StrideNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));

    private static LayerNet Of(WireNet n, WireNet.Trainer t) =>
        new(n, (x, l) => t.ComputeGradients(x, l), (x, y, loss) => t.ComputeGradients(x, y, loss), (x, l) => t.TrainBatch(x, l), () => t.Gradients.ToArray(), (x, y) => n.ForwardBatch(x, y));
}
