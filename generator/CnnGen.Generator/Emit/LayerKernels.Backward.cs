using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Runtime;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The backward kernels a layer calls: the runtime's layer kernel over its shape struct, mirroring the forward ones.
/// Each adds its parameter gradients into the gradient buffer (which mirrors the parameter buffer) and ADDS the gradient
/// with respect to its input into <c>gradInput</c> (so branches sum), unless it is handed an empty span because no
/// earlier layer has parameters to train.
/// </summary>
internal static partial class LayerKernels
{
    public static string BackwardName(LayerPlan layer) => layer.Spec switch
    {
        ConvSpec when IsWideConv(layer) => $"{Runtime}ConvLayer<{ShapeName(layer)}>.{(PositionMajorWeightGradient(layer) ? "WideBackwardPositionMajor" : "WideBackward")}",
        ConvSpec => $"{Runtime}ConvLayer<{ShapeName(layer)}>.StridedBackward",
        PoolSpec when IsTwoByTwoExtremePool(layer) => $"{Runtime}PoolLayer<{ShapeName(layer)}>.Extreme2x2Backward",
        PoolSpec p => $"{Runtime}PoolLayer<{ShapeName(layer)}>.{p.Kind switch { PoolKind.Max or PoolKind.Min => "ExtremeBackward", PoolKind.Average => "AverageBackward", _ => "L2Backward" }}",
        GlobalPoolSpec => $"{Runtime}GlobalAvgPoolLayer<{ShapeName(layer)}>.Backward",
        DenseSpec => $"{Runtime}DenseLayer<{ShapeName(layer)}>.Backward",
        _ => string.Empty,
    };

    /// <summary>The dense layers' parameter gradient over the whole batch, for a range of their outputs.</summary>
    public static string WeightGradientName(LayerPlan layer) => $"{Runtime}DenseLayer<{ShapeName(layer)}>.WeightGradient";

    /// <summary>Scratch floats a layer's backward kernel needs.</summary>
    public static int BackwardScratchLength(LayerPlan layer)
    {
        if (layer.Spec is not ConvSpec)
        {
            return 0;
        }

        if (!IsWideConv(layer))
        {
            // im2col columns and their gradient
            return 2 * Taps(layer) * ChunkRows(layer) * layer.Out.Width;
        }

        (int hp, int wp, int wide) = Frame(layer);
        int padded = IsPadded(layer) ? layer.In.Channels * hp * wp : 0;

        // padded input + padded input gradient + the wide output gradient + the taps' gradient, or (before the input
        // gradient, in the same place) the transposed output gradient of the weight-gradient product
        int input = (WideIsOutput(layer) ? 0 : layer.Out.Channels * wide) + (Taps(layer) * wide);
        return (2 * padded) + System.Math.Max(input, PositionMajorWeightGradient(layer) ? TransposedGradientLength(layer) : 0);
    }

    /// <summary>
    /// Whether a stride-1 convolution's weight gradient is the position-major product (GemmGradients.AddConvWeightGradient:
    /// vectors of output channels, no horizontal sums): with at least 16 output channels (a whole 512-bit vector) and at
    /// least as many taps as channels (with fewer taps the transposition of dY weighs more than the products saved).
    /// </summary>
    private static bool PositionMajorWeightGradient(LayerPlan layer) => layer.Out.Channels >= 16 && Taps(layer) >= layer.Out.Channels;

    /// <summary>GemmGradients.ConvWeightGradientScratch: OH·OW rows of K rounded up to 16.</summary>
    private static int TransposedGradientLength(LayerPlan layer) => ConvSizes.TransposedGradientLength(layer.Out.Channels, layer.Out.Height, layer.Out.Width);

    /// <summary>Whether every window of a pooling layer lies inside its input (no padding, no ceil-rounded last window).</summary>
    private static bool Inside(LayerPlan layer)
    {
        Window win = layer.Window!;
        return win.PaddingHeight == 0 && win.PaddingWidth == 0
            && ((layer.Out.Height - 1) * win.StrideHeight) + win.KernelHeight <= layer.In.Height
            && ((layer.Out.Width - 1) * win.StrideWidth) + win.KernelWidth <= layer.In.Width;
    }

    /// <summary>
    /// Whether a layer is max or min pooling with 2×2 windows of stride 2 inside the input, whose backward is
    /// Kernels.ExtremePool2x2Backward (and takes a <c>relu</c> argument: a ReLU before it can be fused into it).
    /// </summary>
    public static bool IsTwoByTwoExtremePool(LayerPlan layer) => layer.Spec is PoolSpec { Kind: PoolKind.Max or PoolKind.Min } && Inside(layer)
        && layer.Window!.KernelHeight == 2 && layer.Window.KernelWidth == 2 && layer.Window.StrideHeight == 2 && layer.Window.StrideWidth == 2;
}
