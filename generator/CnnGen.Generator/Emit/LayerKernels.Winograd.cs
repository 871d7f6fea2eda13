using CnnGen.Generator.Plan;
using CnnGen.Runtime;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The inference path's Winograd convolution (runtime <c>Winograd</c>), for the layers Plan/ConvAlgorithms.cs chooses: the
/// weights transformed once per parameter change by the same packer as the direct convolutions' (PackDirectConvolutions),
/// one emitted method per distinct shape that calls the runtime kernel with the layer's constants.
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

    /// <summary>The emitted method of a Winograd convolution.</summary>
    public static string WinogradMethodName(LayerPlan layer) =>
        $"WinogradConv2D_{Dims(layer.In)}_to_{Dims(layer.Out)}_{layer.Window!.Key}_F{ConvAlgorithms.WinogradTile(layer)}";

    /// <summary>The packer's line for one Winograd layer (weights and bias already chosen: the layer's own or folded).</summary>
    public static string WinogradPackCall(LayerPlan layer, string weights, string bias, int sourceOffset, int packOffset) =>
        $"global::CnnGen.Runtime.Winograd.Pack({weights}, {bias}, {layer.Out.Channels}, {layer.In.Channels}, {ConvAlgorithms.WinogradTile(layer)}, source.Slice({sourceOffset}, {layer.WeightCount + layer.Out.Channels}), packed.Slice({packOffset}, {WinogradPackedLength(layer)}));";

    public static void WriteWinograd(SourceWriter w, LayerPlan layer)
    {
        int tile = ConvAlgorithms.WinogradTile(layer);
        w.Line($"// Conv2D {ConvSummary(layer)}.");
        w.Line($"// Winograd F({tile}×{tile}, 3×3): per {tile}×{tile} block of outputs, Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A, so the products are {(tile + 2) * (tile + 2)} matrix");
        w.Line($"// products (tiles × C times C × K) with {(tile + 2) * (tile + 2)}/{tile * tile} multiplies per output and channel instead of 9; weights transformed when they");
        w.Line("// change (PackDirectConvolutions), the input copied channel-last and transformed, bias and ReLU in the output transform.");
        w.Line(Tiering.Optimized);
        w.Open($"private static void {WinogradMethodName(layer)}({Ros} packed, {Ros} input, {Sp} output, {Sp} scratch, bool relu)");
        w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width}, K = {layer.Out.Channels}, P = {layer.Window!.PaddingHeight}, Tile = {tile};");
        w.Line("global::CnnGen.Runtime.Winograd.Forward(packed, input, 1, C, H, W, K, P, Tile, relu, output, scratch);");
        w.Close();
    }
}
