using CnnGen.Generator.Plan;
using CnnGen.Runtime;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The Winograd convolution (runtime <c>Winograd</c>), for the layers Plan/ConvAlgorithms.cs chooses: at inference the
/// weights transformed once per parameter change by the same packer as the direct convolutions' (PackDirectConvolutions),
/// and the runtime's <c>ConvLayer&lt;TShape&gt;.Winograd4</c>/<c>Winograd2</c> over the layer's shape struct; in training the
/// same kernels for the forward product, <c>WinogradWeightGradient</c> for the weight gradient and
/// <c>WinogradInputGradient</c> for a padded layer's input gradient, from the weights the trainer transforms before each
/// step (PrepareTraining).
/// </summary>
internal static partial class LayerKernels
{
    // Sizes from the runtime's own contract (src/CnnGen/Runtime/WinogradSizes.cs, linked): never written twice.

    /// <summary>Whether inference computes this layer with Winograd.</summary>
    public static bool IsWinogradConv(LayerPlan layer) => ConvAlgorithms.WinogradTile(layer) > 0;

    /// <summary>Floats of a Winograd layer's transformed weights and bias.</summary>
    public static int WinogradPackedLength(LayerPlan layer) =>
        WinogradSizes.PackedLength(layer.In.Channels, layer.Out.Channels, ConvAlgorithms.WinogradTile(layer));

    /// <summary>Floats of a Winograd layer's scratch for one image.</summary>
    public static int WinogradScratchLength(LayerPlan layer) =>
        WinogradSizes.ScratchLength(layer.In.Channels, layer.In.Height, layer.In.Width, layer.Out.Channels, layer.Window!.PaddingHeight, ConvAlgorithms.WinogradTile(layer), 1);

    /// <summary>The Winograd kernel a convolution calls: the runtime's ConvLayer over its shape, F(4×4) or F(2×2).</summary>
    public static string WinogradMethodName(LayerPlan layer) =>
        $"{Runtime}ConvLayer<{ShapeName(layer)}>.Winograd{ConvAlgorithms.WinogradTile(layer)}";

    /// <summary>Floats of a padded Winograd layer's turned kernels for its input gradient (K channels, C filters, no bias).</summary>
    public static int WinogradInputGradientPackedLength(LayerPlan layer) =>
        WinogradSizes.PackedLength(layer.Out.Channels, layer.In.Channels, ConvAlgorithms.WinogradTile(layer));

    /// <summary>Floats of scratch its input gradient needs for one image.</summary>
    public static int WinogradInputGradientScratchLength(LayerPlan layer) =>
        WinogradSizes.ScratchLength(layer.Out.Channels, layer.Out.Height, layer.Out.Width, layer.In.Channels, 1, ConvAlgorithms.WinogradTile(layer), 1);

    /// <summary>Floats of scratch its weight gradient needs (any number of images).</summary>
    public static int WinogradWeightGradientScratchLength(LayerPlan layer) =>
        WinogradSizes.WeightGradientScratchLength(layer.In.Channels, layer.In.Height, layer.In.Width, layer.Out.Channels, layer.Window!.PaddingHeight, ConvAlgorithms.WinogradTile(layer));

    /// <summary>The call that adds a part's weight and bias gradients of a Winograd layer.</summary>
    public static string WinogradWeightGradientCall(LayerPlan layer, string inputs, string gradOutputs, string gradWeights, string gradBias) =>
        $"{Runtime}ConvLayer<{ShapeName(layer)}>.WinogradWeightGradient({inputs}, {gradOutputs}, to - from, {gradWeights}, {gradBias}, scratch, tile: {ConvAlgorithms.WinogradTile(layer)});";

    /// <summary>The call that adds one image's input gradient of a padded Winograd layer.</summary>
    public static string WinogradInputGradientCall(LayerPlan layer, string packed, string gradOutput, string gradInput) =>
        $"{Runtime}ConvLayer<{ShapeName(layer)}>.WinogradInputGradient({packed}, {gradOutput}, {gradInput}, scratch, tile: {ConvAlgorithms.WinogradTile(layer)});";

    /// <summary>The trainer's line that turns and transforms one padded Winograd layer's kernels for its input gradient.</summary>
    public static string WinogradInputGradientPackCall(LayerPlan layer, string weights, int sourceOffset, int packOffset) =>
        $"global::CnnGen.Runtime.Winograd.PackInputGradient({weights}, {layer.Out.Channels}, {layer.In.Channels}, {ConvAlgorithms.WinogradTile(layer)}, source.Slice({sourceOffset}, {layer.WeightCount + layer.Out.Channels}), packed.Slice({packOffset}, {WinogradInputGradientPackedLength(layer)}));";

    /// <summary>The packer's line for one Winograd layer (weights and bias already chosen: the layer's own or folded).</summary>
    public static string WinogradPackCall(LayerPlan layer, string weights, string bias, int sourceOffset, int packOffset) =>
        $"global::CnnGen.Runtime.Winograd.Pack({weights}, {bias}, {layer.Out.Channels}, {layer.In.Channels}, {ConvAlgorithms.WinogradTile(layer)}, source.Slice({sourceOffset}, {layer.WeightCount + layer.Out.Channels}), packed.Slice({packOffset}, {WinogradPackedLength(layer)}));";
}
