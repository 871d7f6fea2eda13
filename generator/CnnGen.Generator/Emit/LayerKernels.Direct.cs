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

    /// <summary>The emitted method of a direct convolution (with the pool when one is fused).</summary>
    public static string DirectMethodName(LayerPlan conv, LayerPlan? pool) =>
        $"DirectConv2D_{Dims(conv.In)}_to_{Dims(conv.Out)}_{conv.Window!.Key}" + (pool is null ? string.Empty : $"_MaxPool_{pool.Window!.Key}");

    public static void WriteDirect(SourceWriter w, LayerPlan conv, LayerPlan? pool)
    {
        string name = DirectMethodName(conv, pool);
        Window win = conv.Window!;
        int hp = conv.In.Height + (2 * win.PaddingHeight), wp = conv.In.Width + (2 * win.PaddingWidth);
        int cellsH = pool?.Out.Height ?? conv.Out.Height, cellsW = pool?.Out.Width ?? conv.Out.Width;
        int pfh = pool?.Window!.KernelHeight ?? 1, pfw = pool?.Window!.KernelWidth ?? 1;
        int positions = Positions(cellsH * cellsW * pfh * pfw);
        bool padded = IsPadded(conv);
        w.Line($"// Where each of the C·FH·FW kernel taps of {name} starts in the {hp}×{wp} (padded) input frame, and where");
        w.Line(pool is null
            ? $"// the window of each of the {conv.Out.Height}×{conv.Out.Width} output positions starts (then repeats up to {positions}, a whole number of 8-position blocks)."
            : $"// the window of each output position starts, the {pfh}×{pfw} positions of each of the {cellsH}×{cellsW} pooled cells together (then repeats up to {positions}).");
        w.Line($"private static readonly int[] s_{name}_taps = global::CnnGen.Runtime.Kernels.ConvTapOffsets({conv.In.Channels}, {win.KernelHeight}, {win.KernelWidth}, {hp * wp}, {wp});");
        w.Line($"private static readonly int[] s_{name}_positions = global::CnnGen.Runtime.DirectConv.Positions({wp}, {win.StrideHeight}, {win.StrideWidth}, {cellsH}, {cellsW}, {pfh}, {pfw});");
        w.Line();
        w.Line($"// Conv2D {ConvSummary(conv)}" + (pool is null ? "." : $", then max pooling {pfh}×{pfw} → {pool.Out.Text}, fused."));
        w.Line($"// Direct convolution vectorised over the {conv.Out.Channels} output channels (K ≥ 8 and a small layer: no column is wasted, unlike");
        w.Line("// the wide rows of a GEMM, and no im2col copy): weights packed [C·FH·FW][K rounded up to 16], one vector load per");
        w.Line("// tap and one broadcast per input pixel, 8 output positions per register block.");
        if (pool is not null)
        {
            w.Line("// The max pool is fused into the epilogue: max over each pooled cell's positions, then + bias, then ReLU (the same");
            w.Line("// values as bias → ReLU → pool: max commutes with adding a constant and ReLU is monotonic); the convolution's own");
            w.Line("// output is never written, and no output row outside a whole pooling window is computed.");
        }

        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} packed, {Ros} input, {Sp} output, {Sp} scratch, bool relu)");
        w.Line($"const int C = {conv.In.Channels}, H = {conv.In.Height}, W = {conv.In.Width}, K = {conv.Out.Channels};");
        w.Line($"const int PH = {win.PaddingHeight}, PW = {win.PaddingWidth}, HP = H + 2 * PH, WP = W + 2 * PW;");
        bool rows = IsWideConv(conv);
        int products = rows
            ? DirectConvSizes.RowsScratchLength(positions, cellsH * pfh, cellsW * pfw, conv.Out.Channels)
            : DirectConvSizes.ScratchLength(positions, conv.Out.Channels);
        w.Line(rows
            ? $"const int FH = {win.KernelHeight}, FW = {win.KernelWidth}, Rows = {cellsH * pfh}, Cols = {cellsW * pfw}, PFH = {pfh}, PFW = {pfw}, Products = {products};"
            : $"const int Cells = {cellsH * cellsW}, Group = {pfh * pfw}, Products = {products};");
        string frame = padded ? "padded" : "input.Slice(0, C * HP * WP)";
        string rest = padded ? "scratch.Slice(C * HP * WP, Products)" : "scratch.Slice(0, Products)";
        if (padded)
        {
            w.Line($"{Sp} padded = scratch.Slice(0, C * HP * WP);");
            WritePaddedCopy(w, "padded");
        }
        else
        {
            w.Line("// Without padding the frame is the input itself.");
        }

        if (rows)
        {
            w.Line("// Stride 1: the outputs are whole rows of the frame, so (with AVX-512 and a 3- or 5-wide kernel) the register block is");
            w.Line("// 2 rows × 8 columns and each input pixel is broadcast once for every output it feeds; the position table otherwise.");
            w.Line($"global::CnnGen.Runtime.DirectConv.ForwardRows({frame}, HP, WP, C, FH, FW, Rows, Cols, PFH, PFW, s_{name}_taps, s_{name}_positions, packed, K, relu, output, {rest});");
        }
        else
        {
            w.Line($"global::CnnGen.Runtime.DirectConv.Forward({frame}, s_{name}_taps, s_{name}_positions, Group, Cells, packed, K, relu, output, {rest});");
        }

        w.Close();
    }
}
