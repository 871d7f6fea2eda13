using System;

namespace CnnGen;

/// <summary>
/// What every layer attribute shares: an optional <see cref="Name"/> for its output and an optional
/// <see cref="From"/> naming the layer whose output it reads (by default, the layer declared before it).
/// Together with <see cref="AddAttribute"/> and <see cref="ConcatAttribute"/> they describe branches.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>Names this layer's output so that a later layer can read it (<see cref="From"/>, Add, Concat).</summary>
    public string? Name { get; set; }

    /// <summary>Reads the output of the named layer instead of the one declared just before; <c>"input"</c> is the network input.</summary>
    public string? From { get; set; }
}

/// <summary>
/// A 2-D convolution with <c>filters</c> kernels of kernel-height × kernel-width × (input channels), plus
/// one bias per filter unless <see cref="Bias"/> is false. Output size per axis: (W − F + 2P)/S + 1.
/// Parameters: F_h·F_w·C·K (+ K).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <summary>Declares <paramref name="filters"/> square kernels of side <paramref name="kernel"/>.</summary>
    public Conv2DAttribute(int filters, int kernel)
    {
        Filters = filters;
        KernelHeight = kernel;
        KernelWidth = kernel;
    }

    /// <summary>Declares <paramref name="filters"/> rectangular kernels of <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/>.</summary>
    public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>Number of filters K, the output channels.</summary>
    public int Filters { get; }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
    /// <summary>Stride S on both axes (default 1).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Vertical stride; overrides <see cref="Stride"/> for the height axis.</summary>
    public int StrideHeight { get; set; }
    /// <summary>Horizontal stride; overrides <see cref="Stride"/> for the width axis.</summary>
    public int StrideWidth { get; set; }
    /// <summary>Zero padding P on every side, or <see cref="CnnGen.Padding.Same"/> / <see cref="CnnGen.Padding.Valid"/>.</summary>
    public int Padding { get; set; }
    /// <summary>Zero rows added above and below; overrides <see cref="Padding"/> for the height axis.</summary>
    public int PaddingHeight { get; set; }
    /// <summary>Zero columns added left and right; overrides <see cref="Padding"/> for the width axis.</summary>
    public int PaddingWidth { get; set; }
    /// <summary>Whether the layer adds a bias per filter (default true; false before a BatchNorm, as in ResNet).</summary>
    public bool Bias { get; set; } = true;
    /// <summary>
    /// The name of this layer's tensors without the final <c>.weight</c>/<c>.bias</c>, as a PyTorch state_dict spells
    /// it (e.g. <c>"features.0"</c>, <c>"layer1.0.conv1"</c>), for <c>SafeTensors.Load</c>/<c>Save</c>,
    /// <c>INetwork.Tensors</c> and compiled-in weights. Dot-separated parts of letters, digits and '_'. By default
    /// layers are numbered per kind in declaration order (<c>conv1</c>, <c>conv2</c> …).
    /// </summary>
    public string? Tensor { get; set; }
    /// <summary>Overrides the network's <see cref="NetworkAttribute.Rounding"/> for this layer.</summary>
    public Rounding Rounding { get; set; }
    /// <summary>
    /// How inference and training compute this layer (default <see cref="ConvAlgorithm.Auto"/>: chosen from its shapes);
    /// <see cref="ConvAlgorithm.Winograd"/> needs a 3×3 kernel, stride 1 and padding 0 or 1 (CNN0018 otherwise).
    /// </summary>
    public ConvAlgorithm Algorithm { get; set; }
}

/// <summary>Options every pooling layer shares: window, stride (default: the window), padding, rounding.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class PoolAttribute : LayerAttribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> pooling window.</summary>
    protected PoolAttribute(int size) => Size = size;

    /// <summary>Window side.</summary>
    public int Size { get; }
    /// <summary>Stride; 0 (the default) means equal to <see cref="Size"/>, so windows do not overlap.</summary>
    public int Stride { get; set; }
    /// <summary>Padding on every side, at most half the window (padded cells never win a max or min; they count as zeros in an average).</summary>
    public int Padding { get; set; }
    /// <summary>Overrides the network's <see cref="NetworkAttribute.Rounding"/> for this layer.</summary>
    public Rounding Rounding { get; set; }
}

/// <summary>Max pooling; the gradient flows to the arg-max of each window only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPoolAttribute : PoolAttribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> max pooling.</summary>
    public MaxPoolAttribute(int size) : base(size) { }
}

/// <summary>Average pooling (padded cells count as zeros, as PyTorch's default <c>count_include_pad</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPoolAttribute : PoolAttribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> average pooling.</summary>
    public AvgPoolAttribute(int size) : base(size) { }
}

/// <summary>Min pooling (seed 004); the gradient flows to the arg-min of each window only.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MinPoolAttribute : PoolAttribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> min pooling.</summary>
    public MinPoolAttribute(int size) : base(size) { }
}

/// <summary>L2-norm pooling (seed 001): √(Σ x²) over each window, as PyTorch's <c>LPPool2d(2, …)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class L2PoolAttribute : PoolAttribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> L2-norm pooling.</summary>
    public L2PoolAttribute(int size) : base(size) { }
}

/// <summary>Global average pooling: the mean of each channel, H×W×C → C (GoogLeNet, ResNet).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPoolAttribute : LayerAttribute
{
}

/// <summary>
/// A fully connected layer of <c>units</c> outputs. It flattens whatever comes before it in
/// (C, H, W) order, as PyTorch's <c>flatten</c>. Parameters: in·out + out.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Declares a fully connected layer with <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>Number of outputs.</summary>
    public int Units { get; }
    /// <summary>
    /// The name of this layer's tensors without the final <c>.weight</c>/<c>.bias</c>, as a PyTorch state_dict spells
    /// it (e.g. <c>"features.0"</c>, <c>"layer1.0.conv1"</c>), for <c>SafeTensors.Load</c>/<c>Save</c>,
    /// <c>INetwork.Tensors</c> and compiled-in weights. Dot-separated parts of letters, digits and '_'. By default
    /// layers are numbered per kind in declaration order (<c>fc1</c>, <c>fc2</c> …).
    /// </summary>
    public string? Tensor { get; set; }
}

/// <summary>Flattens (C, H, W) into a vector of C·H·W values. Optional: <see cref="DenseAttribute"/> flattens implicitly.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
}

/// <summary>Rectified linear unit, max(0, x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : LayerAttribute
{
}

/// <summary>Leaky ReLU: x for x &gt; 0, slope·x otherwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>Declares a leaky ReLU with the given negative slope (PyTorch's default is 0.01).</summary>
    public LeakyReLUAttribute(double slope = 0.01) => Slope = slope;

    /// <summary>The slope for negative inputs.</summary>
    public double Slope { get; }
}

/// <summary>Exponential linear unit: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ELUAttribute : LayerAttribute
{
    /// <summary>Declares an ELU with the given α (PyTorch's default is 1).</summary>
    public ELUAttribute(double alpha = 1.0) => Alpha = alpha;

    /// <summary>The saturation value for large negative inputs is −α.</summary>
    public double Alpha { get; }
}

/// <summary>Logistic sigmoid, 1 / (1 + e^−x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : LayerAttribute
{
}

/// <summary>Hyperbolic tangent.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : LayerAttribute
{
}

/// <summary>
/// Softmax over the class scores: the last layer of a classifier. Nothing may follow it. Trained with
/// cross-entropy, the two are fused (the gradient is p − y).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
}

/// <summary>
/// Inverted dropout (seed 001): during training each value is zeroed with probability <c>rate</c> and the
/// survivors are scaled by 1/(1 − rate); at inference it is the identity. The masks come from a seeded generator.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Declares dropout with the given rate (PyTorch's default is 0.5).</summary>
    public DropoutAttribute(double rate = 0.5) => Rate = rate;

    /// <summary>The probability of zeroing a value, in [0, 1).</summary>
    public double Rate { get; }
}

/// <summary>
/// Batch normalisation per channel: batch statistics while training, running averages at inference
/// (where it is folded into the convolution before it). Parameters: 2·C (γ, β); state: running mean and variance.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance before the square root (PyTorch's default 1e-5).</summary>
    public double Epsilon { get; set; } = 1e-5;

    /// <summary>Weight of the new batch statistic in the running averages (PyTorch's default 0.1).</summary>
    public double Momentum { get; set; } = 0.1;
    /// <summary>
    /// The name of this layer's tensors without the final <c>.weight</c>/<c>.bias</c>, as a PyTorch state_dict spells
    /// it (e.g. <c>"features.0"</c>, <c>"layer1.0.conv1"</c>), for <c>SafeTensors.Load</c>/<c>Save</c>,
    /// <c>INetwork.Tensors</c> and compiled-in weights. Dot-separated parts of letters, digits and '_'. By default
    /// layers are numbered per kind in declaration order (<c>bn1</c>, <c>bn2</c> …).
    /// </summary>
    public string? Tensor { get; set; }
}

/// <summary>Element-wise sum of the previous layer's output and the named layers' outputs (a residual connection). Shapes must match.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>Adds the outputs of <paramref name="layers"/> to the previous layer's output.</summary>
    public AddAttribute(params string[] layers) => Layers = layers;

    /// <summary>The names of the layers to add.</summary>
    public string[] Layers { get; }
}

/// <summary>Channel concatenation of the named layers' outputs, in order (the Inception module's join). Heights and widths must match.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute : LayerAttribute
{
    /// <summary>Concatenates the outputs of <paramref name="layers"/> along the channels.</summary>
    public ConcatAttribute(params string[] layers) => Layers = layers;

    /// <summary>The names of the layers to join.</summary>
    public string[] Layers { get; }
}

/// <summary>
/// ResNet's basic block (He et al., 2016, as torchvision): 3×3 conv → BatchNorm → ReLU → 3×3 conv →
/// BatchNorm, plus a shortcut — the identity, or a 1×1 strided conv + BatchNorm (projection) when the
/// stride or the channels change — then Add and ReLU. Expands to those layers.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BasicBlockAttribute : LayerAttribute
{
    /// <summary>Declares a basic block with <paramref name="filters"/> output channels.</summary>
    public BasicBlockAttribute(int filters) => Filters = filters;

    /// <summary>Output channels of both convolutions.</summary>
    public int Filters { get; }
    /// <summary>Stride of the first convolution (and of the projection); 2 halves the spatial size.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>
    /// The prefix of the block's tensor names as torchvision spells them: with <c>"layer1.0"</c> the block's tensors are
    /// <c>layer1.0.conv1</c>, <c>layer1.0.bn1</c>, <c>layer1.0.conv2</c>, <c>layer1.0.bn2</c> and, with a projection,
    /// <c>layer1.0.downsample.0</c> (conv) and <c>layer1.0.downsample.1</c> (BatchNorm). By default the block's layers
    /// are numbered with the others (conv, bn).
    /// </summary>
    public string? TensorPrefix { get; set; }
}

/// <summary>
/// GoogLeNet's Inception module as torchvision builds it: four branches from the same input — 1×1;
/// 1×1 → 3×3; 1×1 → 3×3 (torchvision's "5×5" branch uses 3×3); 3×3 max pool (stride 1, ceil) → 1×1 —
/// each convolution without bias and followed by BatchNorm(ε = 0.001) and ReLU, joined by Concat.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InceptionAttribute : LayerAttribute
{
    /// <summary>Declares an Inception module with the branch widths of the GoogLeNet paper's table 1.</summary>
    public InceptionAttribute(int conv1x1, int reduce3x3, int conv3x3, int reduce5x5, int conv5x5, int poolProjection)
    {
        Conv1x1 = conv1x1;
        Reduce3x3 = reduce3x3;
        Conv3x3 = conv3x3;
        Reduce5x5 = reduce5x5;
        Conv5x5 = conv5x5;
        PoolProjection = poolProjection;
    }

    /// <summary>Filters of the 1×1 branch.</summary>
    public int Conv1x1 { get; }
    /// <summary>Filters of the 1×1 reduction before the 3×3 convolution.</summary>
    public int Reduce3x3 { get; }
    /// <summary>Filters of the 3×3 convolution.</summary>
    public int Conv3x3 { get; }
    /// <summary>Filters of the 1×1 reduction before the "5×5" convolution.</summary>
    public int Reduce5x5 { get; }
    /// <summary>Filters of the "5×5" convolution (3×3 in torchvision).</summary>
    public int Conv5x5 { get; }
    /// <summary>Filters of the 1×1 projection after the max pool.</summary>
    public int PoolProjection { get; }
    /// <summary>
    /// The prefix of the module's tensor names as torchvision's <c>Inception</c> spells them: with <c>"inception3a"</c>
    /// the tensors are <c>inception3a.branch1.conv</c>/<c>.bn</c>, <c>branch2.0</c>, <c>branch2.1</c>, <c>branch3.0</c>,
    /// <c>branch3.1</c> and <c>branch4.1</c> (each with <c>.conv</c> and <c>.bn</c>). By default the module's layers are
    /// numbered with the others (conv, bn).
    /// </summary>
    public string? TensorPrefix { get; set; }
}
