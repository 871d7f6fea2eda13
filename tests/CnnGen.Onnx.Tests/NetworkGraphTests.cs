using System.Linq;
using Xunit;

namespace CnnGen.Onnx.Tests;

/// <summary>The emitted <c>Graph</c>: blocks expanded with their wiring, windows resolved, rounding and tensor names, as worked by hand.</summary>
public sealed class NetworkGraphTests
{
    [Fact]
    public void Convolutions_carry_resolved_padding_and_which_layers_round_up()
    {
        NetworkGraph graph = ConvNet.Graph;
        Assert.Equal((2, 14, 11), (graph.InputChannels, graph.InputHeight, graph.InputWidth));
        Assert.Equal(new[] { "conv1", "relu_2", "conv2", "relu_4", "conv3", "conv4", "conv5" }, graph.Nodes.Select(n => n.Name));

        // 14×11, 3×3 stride 2 padding 1, Rounding.Ceil: ⌈(14 − 3 + 2)/2⌉ + 1 = 8 (floor 7), (11 − 3 + 2)/2 + 1 = 6.
        GraphNode conv2 = graph.Nodes[2];
        Assert.Equal((GraphOp.Conv, 5, 8, 6), (conv2.Op, conv2.Channels, conv2.Height, conv2.Width));
        Assert.True(conv2.CeilMode);
        Assert.Equal(new[] { "relu_2" }, conv2.Inputs);

        // 8×6, 2×3 stride 3×1, padding 1×0, Rounding.Floor, no bias: ⌊(8 − 2 + 2)/3⌋ + 1 = 3, 6 − 3 + 1 = 4.
        GraphNode conv3 = graph.Nodes[4];
        Assert.Equal((2, 3, 3, 1, 1, 0), (conv3.KernelHeight, conv3.KernelWidth, conv3.StrideHeight, conv3.StrideWidth, conv3.PaddingHeight, conv3.PaddingWidth));
        Assert.Equal((3, 4), (conv3.Height, conv3.Width));
        Assert.False(conv3.CeilMode);
        Assert.Equal("conv3.weight", conv3.Weight);
        Assert.Null(conv3.Bias);

        // Padding.Same on a 3×3 kernel is 1.
        Assert.Equal((1, 1), (graph.Nodes[5].PaddingHeight, graph.Nodes[5].PaddingWidth));

        // 3×4, 2×2 stride 2, Rounding.Ceil: ⌈(3 − 2)/2⌉ + 1 = 2 (floor 1), (4 − 2)/2 + 1 = 2.
        GraphNode conv5 = graph.Output;
        Assert.Equal((4, 2, 2), (conv5.Channels, conv5.Height, conv5.Width));
        Assert.True(conv5.CeilMode);
    }

    [Fact]
    public void Basic_blocks_and_inception_are_expanded_with_their_shortcuts_and_tensor_names()
    {
        NetworkGraph graph = BlockNet.Graph;

        // BasicBlock(8) on 15×15×8: conv, bn, relu, conv, bn, Add with the block's input (the image), relu.
        Assert.Equal(
            new[] { "conv1", "bn1", "relu_3", "conv2", "bn2", "add_6", "relu_7" },
            graph.Nodes.Take(7).Select(n => n.Name));
        Assert.Equal(new[] { "bn2", NetworkGraph.InputName }, graph.Nodes[5].Inputs);

        // BasicBlock(12, Stride = 2): the 1×1 stride-2 projection reads the block's input; Add joins its BatchNorm and the main path's.
        GraphNode projection = graph.Nodes.Single(n => n.Name == "conv5");
        Assert.Equal(new[] { "relu_7" }, projection.Inputs);
        Assert.Equal((1, 1, 2, 0), (projection.KernelHeight, projection.KernelWidth, projection.StrideHeight, projection.PaddingHeight));
        Assert.Equal((12, 8, 8), (projection.Channels, projection.Height, projection.Width));
        GraphNode add = graph.Nodes.Single(n => n.Name == "add_15");
        Assert.Equal(new[] { "bn5", "bn4" }, add.Inputs);

        GraphNode bn1 = graph.Nodes[1];
        Assert.Equal(GraphOp.BatchNorm, bn1.Op);
        Assert.Equal(("bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"), (bn1.Weight, bn1.Bias, bn1.RunningMean, bn1.RunningVar));
        Assert.Equal(1e-5, bn1.Epsilon);

        // Inception(4, 3, 6, 2, 3, 2) on 8×8×12: four branches joined in order, 4 + 6 + 3 + 2 = 15 channels; BatchNorm ε = 0.001.
        GraphNode concat = graph.Nodes.Single(n => n.Op == GraphOp.Concat);
        Assert.Equal((15, 8, 8), (concat.Channels, concat.Height, concat.Width));
        Assert.Equal(4, concat.Inputs.Count);
        Assert.All(graph.Nodes.SkipWhile(n => n.Name != "relu_16").Skip(1).Where(n => n.Op == GraphOp.BatchNorm), n => Assert.Equal(0.001, n.Epsilon));
        Assert.Equal(new[] { GraphOp.GlobalAvgPool, GraphOp.Dense, GraphOp.Softmax }, graph.Nodes.TakeLast(3).Select(n => n.Op));
    }

    [Fact]
    public void Activation_and_dropout_parameters_are_kept()
    {
        NetworkGraph graph = ActivationNet.Graph;
        Assert.Equal(0.1, graph.Nodes.Single(n => n.Op == GraphOp.LeakyReLU).Alpha);
        Assert.Equal(0.7, graph.Nodes.Single(n => n.Op == GraphOp.ELU).Alpha);
        Assert.Equal(new[] { 0.3, 0.5 }, graph.Nodes.Where(n => n.Op == GraphOp.Dropout).Select(n => n.Alpha));
        Assert.Equal(new[] { 1e-5, 0.001, 1e-5 }, graph.Nodes.Where(n => n.Op == GraphOp.BatchNorm).Select(n => n.Epsilon));
        Assert.Same(ActivationNet.Graph, ((INetwork)new ActivationNet(1)).Graph);
    }
}
