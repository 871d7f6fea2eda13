using System;
using System.Collections.Generic;

namespace CnnGen;

/// <summary>
/// A network's graph as plain data: the input shape and every primitive layer (blocks such as <c>BasicBlock</c> and
/// <c>Inception</c> already expanded) in execution order, with its inputs, output shape, window and parameter tensor
/// names. Emitted by the generator for every network (<see cref="INetwork.Graph"/>) for code that translates a
/// network into another format, such as the ONNX exporter in CnnGen.Onnx.
/// </summary>
/// <param name="InputChannels">Channels of one input image.</param>
/// <param name="InputHeight">Height of one input image.</param>
/// <param name="InputWidth">Width of one input image.</param>
/// <param name="Nodes">The layers in execution order; each reads <see cref="InputName"/> or earlier nodes' outputs.</param>
public sealed record NetworkGraph(int InputChannels, int InputHeight, int InputWidth, IReadOnlyList<GraphNode> Nodes)
{
    /// <summary>The name a node lists in <see cref="GraphNode.Inputs"/> to read the network's input image.</summary>
    public const string InputName = "input";

    /// <summary>The last node, whose output is the network's output.</summary>
    public GraphNode Output => Nodes[Nodes.Count - 1];
}

/// <summary>What a <see cref="GraphNode"/> computes.</summary>
public enum GraphOp
{
    /// <summary>2-D convolution; <see cref="GraphNode.Weight"/> [K, C, FH, FW], optional <see cref="GraphNode.Bias"/> [K].</summary>
    Conv,

    /// <summary>Max pooling; padded cells never win.</summary>
    MaxPool,

    /// <summary>Average pooling; padded cells count as zeros in the divisor (PyTorch's <c>count_include_pad</c>), windows clipped to the padded input.</summary>
    AvgPool,

    /// <summary>Min pooling; padded cells never win.</summary>
    MinPool,

    /// <summary>√(Σ x²) over the window (Lp pooling with p = 2); padded cells add nothing.</summary>
    L2Pool,

    /// <summary>The mean of each channel.</summary>
    GlobalAvgPool,

    /// <summary>Fully connected layer on the flattened (C, H, W) input; <see cref="GraphNode.Weight"/> [out, in], <see cref="GraphNode.Bias"/> [out].</summary>
    Dense,

    /// <summary>Flattens (C, H, W) into a vector, channel-first.</summary>
    Flatten,

    /// <summary>max(x, 0).</summary>
    ReLU,

    /// <summary>x for x ≥ 0, <see cref="GraphNode.Alpha"/>·x otherwise.</summary>
    LeakyReLU,

    /// <summary>x for x ≥ 0, <see cref="GraphNode.Alpha"/>·(eˣ − 1) otherwise.</summary>
    ELU,

    /// <summary>1 / (1 + e⁻ˣ).</summary>
    Sigmoid,

    /// <summary>tanh x.</summary>
    Tanh,

    /// <summary>Softmax over a vector.</summary>
    Softmax,

    /// <summary>Inverted dropout of rate <see cref="GraphNode.Alpha"/>: the identity at inference.</summary>
    Dropout,

    /// <summary>Batch normalisation per channel with the running averages at inference; <see cref="GraphNode.Weight"/> (γ), <see cref="GraphNode.Bias"/> (β), <see cref="GraphNode.RunningMean"/>, <see cref="GraphNode.RunningVar"/>, <see cref="GraphNode.Epsilon"/>.</summary>
    BatchNorm,

    /// <summary>The element-wise sum of the inputs (all of one shape).</summary>
    Add,

    /// <summary>The inputs joined along the channels, in order.</summary>
    Concat,
}

/// <summary>
/// One primitive layer of a <see cref="NetworkGraph"/>. Shapes are channel-first; a vector of N values is N × 1 × 1.
/// </summary>
/// <param name="Name">Unique within the graph: the layer's tensor prefix (<c>conv1</c>, <c>bn2</c>, <c>fc3</c>) or its kind and index.</param>
/// <param name="Op">What it computes.</param>
/// <param name="Inputs">The nodes it reads (<see cref="NetworkGraph.InputName"/> for the image), in order.</param>
/// <param name="Channels">Output channels (or the vector length).</param>
/// <param name="Height">Output height (1 for vectors).</param>
/// <param name="Width">Output width (1 for vectors).</param>
public sealed record GraphNode(string Name, GraphOp Op, IReadOnlyList<string> Inputs, int Channels, int Height, int Width)
{
    /// <summary>The layer as declared, e.g. <c>Conv2D(16, 5)</c> (for blocks: the inner layer).</summary>
    public string Display { get; init; } = string.Empty;

    /// <summary>Window height (convolution and pooling), 0 otherwise.</summary>
    public int KernelHeight { get; init; }

    /// <summary>Window width (convolution and pooling), 0 otherwise.</summary>
    public int KernelWidth { get; init; }

    /// <summary>Vertical stride.</summary>
    public int StrideHeight { get; init; } = 1;

    /// <summary>Horizontal stride.</summary>
    public int StrideWidth { get; init; } = 1;

    /// <summary>Rows of padding above and below the input, as declared (<c>Padding.Same</c> resolved); zeros for a convolution, see <see cref="GraphOp"/> for each pooling.</summary>
    public int PaddingHeight { get; init; }

    /// <summary>Columns of padding left and right of the input, as declared.</summary>
    public int PaddingWidth { get; init; }

    /// <summary>
    /// True when the output size was rounded up (<c>Rounding.Ceil</c> where the stride does not fit): the last window
    /// runs past the padding at the end, over cells that read as zeros (convolution) or do not count (pooling; an
    /// average divides by the part of the window inside the padded input). Otherwise the size is
    /// ⌊(W − F + 2P)/S⌋ + 1.
    /// </summary>
    public bool CeilMode { get; init; }

    /// <summary>LeakyReLU's slope, ELU's α, or Dropout's rate; 0 otherwise.</summary>
    public double Alpha { get; init; }

    /// <summary>BatchNorm's ε; 0 otherwise.</summary>
    public double Epsilon { get; init; }

    /// <summary>Name of the weight tensor in <see cref="INetwork.Tensors"/> (convolution, dense, BatchNorm's γ), or null.</summary>
    public string? Weight { get; init; }

    /// <summary>Name of the bias tensor (BatchNorm's β), or null.</summary>
    public string? Bias { get; init; }

    /// <summary>Name of BatchNorm's running mean (in <see cref="INetwork.State"/>), or null.</summary>
    public string? RunningMean { get; init; }

    /// <summary>Name of BatchNorm's running variance (in <see cref="INetwork.State"/>), or null.</summary>
    public string? RunningVar { get; init; }

    /// <summary>Whether the output is a vector (N × 1 × 1).</summary>
    public bool IsVector => Height == 1 && Width == 1;
}
