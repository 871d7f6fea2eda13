using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Runtime;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The inference path's direct convolution (runtime <c>DirectConv</c>): chosen per layer from its shapes, for small
/// layers with enough output channels to fill a vector, optionally with the max pool after it fused in.
/// </summary>
internal static partial class LayerKernels
{
    /// <summary>Fewest output channels for the channel-vectorised kernel: fewer would leave most of a vector idle.</summary>
    private const int DirectMinChannels = 8;

    /// <summary>Most multiply-adds of a layer for the direct kernel: larger layers keep the GEMM, whose blocking suits them.</summary>
    private const long DirectMaxMultiplyAdds = 2_000_000;

    /// <summary>
    /// Most floats of the direct kernel's channel-last products (16 KiB, within L1): past that, writing and re-reading them
    /// costs more than the GEMM's wasted columns (CifarNet's first layer, 32 K floats: 48 µs direct against 18 µs for the
    /// wide-row GEMM in a full-opts probe on 2026-11-30).
    /// </summary>
    private const int DirectMaxProducts = 1 << 12;

    // Sizes from the runtime's own contract (src/CnnGen/Runtime/DirectConvSizes.cs, linked): never written twice.
    private static int PaddedChannels(LayerPlan layer) => DirectConvSizes.PaddedChannels(layer.Out.Channels);

    /// <summary>
    /// Whether a convolution runs through the channel-vectorised direct kernel at inference: K ≥ 8 (a vector of
    /// output channels is mostly useful), at most 2 M multiply-adds (a small layer, where the GEMM's wide rows or
    /// im2col copy weigh most), products that fit L1, and every window inside the padded frame (with
    /// <c>Rounding.Ceil</c> the last window can hang over it; the direct kernel reads only the frame).
    /// </summary>
    public static bool IsDirectConv(LayerPlan layer) =>
        layer.Spec is ConvSpec
        && layer.Out.Channels >= DirectMinChannels
        && layer.MultiplyAdds <= DirectMaxMultiplyAdds
        && Positions(layer.Out.Height * layer.Out.Width) * PaddedChannels(layer) <= DirectMaxProducts
        && WindowsInsideFrame(layer);

    private static bool WindowsInsideFrame(LayerPlan layer)
    {
        Window w = layer.Window!;
        return ((long)(layer.Out.Height - 1) * w.StrideHeight) + w.KernelHeight <= layer.In.Height + (2L * w.PaddingHeight)
            && ((long)(layer.Out.Width - 1) * w.StrideWidth) + w.KernelWidth <= layer.In.Width + (2L * w.PaddingWidth);
    }

    private static int Positions(int count) => DirectConvSizes.PaddedPositions(count);

    /// <summary>Floats of a direct convolution's packed weights and bias.</summary>
    public static int PackedLength(LayerPlan layer) => DirectConvSizes.PackedLength(layer.Out.Channels, Taps(layer));

    /// <summary>
    /// Whether a max pool can be fused into the direct convolution before it: non-overlapping windows (stride = window),
    /// no padding, and every window whole (the pool's output is ⌊OH / PFH⌋ × ⌊OW / PFW⌋), so each pooled cell is the
    /// maximum of exactly its PFH·PFW convolution outputs.
    /// </summary>
    public static bool CanFusePool(LayerPlan conv, LayerPlan pool)
    {
        if (pool.Spec is not PoolSpec { Kind: PoolKind.Max })
        {
            return false;
        }

        Window w = pool.Window!;
        return w.StrideHeight == w.KernelHeight && w.StrideWidth == w.KernelWidth
            && w.PaddingHeight == 0 && w.PaddingWidth == 0
            && pool.Out.Height == conv.Out.Height / w.KernelHeight
            && pool.Out.Width == conv.Out.Width / w.KernelWidth;
    }

    /// <summary>Scratch floats of a direct convolution: the padded frame (if padded) and the channel-last products.</summary>
    public static int DirectScratchLength(LayerPlan conv, LayerPlan? pool)
    {
        (int hp, int wp) = (conv.In.Height + (2 * conv.Window!.PaddingHeight), conv.In.Width + (2 * conv.Window.PaddingWidth));
        int frame = IsPadded(conv) ? conv.In.Channels * hp * wp : 0;
        int positions = pool is null
            ? conv.Out.Height * conv.Out.Width
            : pool.Out.Height * pool.Out.Width * pool.Window!.KernelHeight * pool.Window.KernelWidth;
        int rows = pool is null ? conv.Out.Height : pool.Out.Height * pool.Window!.KernelHeight;
        int cols = pool is null ? conv.Out.Width : pool.Out.Width * pool.Window!.KernelWidth;
        return frame + (IsWideConv(conv)
            ? DirectConvSizes.RowsScratchLength(Positions(positions), rows, cols, conv.Out.Channels)
            : DirectConvSizes.ScratchLength(Positions(positions), conv.Out.Channels));
    }

    /// <summary>The direct kernel a convolution calls (with the pool when one is fused): row blocks at stride 1, the position table otherwise.</summary>
    public static string DirectMethodName(LayerPlan conv, LayerPlan? pool) =>
        $"{Runtime}DirectConvLayer<{ShapeName(conv)}, {(pool is null ? Runtime + "NoPool" : ShapeName(pool))}>.{(IsWideConv(conv) ? "Rows" : "Table")}";
}
