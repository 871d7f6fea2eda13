using CnnGen.Generator.Model;

namespace CnnGen.Generator.Plan;

/// <summary>
/// The one place that decides how inference computes a convolution: Winograd (runtime <c>Winograd</c>, emitted by
/// Emit/LayerKernels.Winograd.cs) or the direct paths (the GEMM over the frame, or the channel-vectorised <c>DirectConv</c>
/// for small layers). <c>Algorithm = ConvAlgorithm.Winograd</c> forces it on any layer it can compute (CNN0018 on one it
/// cannot), <c>ConvAlgorithm.Direct</c> rules it out, and <c>Auto</c> takes it where it measured faster.
/// </summary>
internal static class ConvAlgorithms
{
    /// <summary>
    /// Fewest outputs per image and filter for F(4×4, 3×3) under Auto: 16×16 (16 whole tiles). Measured on 2026-12-03 (per-thread CPU time,
    /// one core, AVX-512, the runtime kernel against the GEMM the generator emits otherwise, one layer at a time, a
    /// throwaway probe): F(4×4) ran 1.1–1.6× on CifarNet's 32×32 and 16×16 layers with C ≥ 32, 1.9–2× on ResNet-18's 56²
    /// and 28² stages and 1.7–2.5× on VGG-16's 224²–28² layers; at 14×14 it tied, at 8×8 with 64–128 channels it gained 1.2×, at 7×7 with
    /// 512 channels it lost (0.5×: the α² = 36 transformed weight matrices are streamed for only 4 tiles).
    /// </summary>
    private const int MinOutputsF4 = 16 * 16;

    /// <summary>
    /// Fewest outputs per image and filter for F(2×2, 3×3), when F(4×4) has too few: 12×12 (36 tiles). At 14×14 with C, K ≥ 256
    /// (ResNet-18's layer3, VGG-16's conv5) F(2×2) ran 1.15–1.3× the GEMM; at 7×7 it lost (0.6–0.7×).
    /// </summary>
    private const int MinOutputsF2 = 12 * 12;

    /// <summary>
    /// Fewest input and output channels under Auto: with fewer the transforms (per tile, linear in C and K) weigh too much
    /// beside the products (C·K): CifarNet's first layer (3 channels) ran 0.25–0.45× the GEMM.
    /// </summary>
    private const int MinChannels = 32;

    /// <summary>
    /// Below 12×12 outputs (from 8×8) F(4×4) only while its transformed weights, α²·C·K = 36·C·K floats, stay within
    /// 4 MiB: CifarNet's 8×8 layers (64 → 128, 128 → 128: 1.2 and 2.4 MB) ran 1.2× the GEMM, where weights that must come
    /// from memory for a few tiles lose (ResNet-18's 7×7, 512 → 512: 38 MB, 0.5×).
    /// </summary>
    private const int MinOutputsSmall = 8 * 8;

    private const long MaxSmallWeights = 1L << 20;

    /// <summary>Whether the Winograd kernel can compute a convolution of this window: 3×3, stride 1, the same padding 0 or 1 on both axes.</summary>
    public static bool CanUseWinograd(Window w) =>
        w.KernelHeight == 3 && w.KernelWidth == 3 && w.StrideHeight == 1 && w.StrideWidth == 1
        && w.PaddingHeight == w.PaddingWidth && w.PaddingHeight is 0 or 1;

    /// <summary>Why <see cref="CanUseWinograd"/> is false, for CNN0018's message.</summary>
    public static string WhyNotWinograd(Window w) =>
        w.KernelHeight != 3 || w.KernelWidth != 3 ? $"Winograd computes 3×3 kernels only, not {w.KernelText}"
        : w.StrideHeight != 1 || w.StrideWidth != 1 ? $"Winograd computes stride 1 only, not stride {w.StrideText}"
        : $"Winograd needs the same padding, 0 or 1, on both axes, not {w.PaddingText}";

    /// <summary>
    /// The Winograd output tile m of F(m×m, 3×3) inference uses for this layer: 4 or 2, or 0 when it runs a direct path.
    /// </summary>
    public static int WinogradTile(LayerPlan layer)
    {
        if (layer.Spec is not ConvSpec conv || conv.Algorithm == ConvAlgorithmKind.Direct || !CanUseWinograd(layer.Window!))
        {
            return 0;
        }

        int outputs = layer.Out.Height * layer.Out.Width;
        if (conv.Algorithm == ConvAlgorithmKind.Winograd)
        {
            return outputs >= MinOutputsF4 ? 4 : 2;
        }

        if (layer.In.Channels < MinChannels || layer.Out.Channels < MinChannels)
        {
            return 0;
        }

        return outputs >= MinOutputsF4 ? 4
            : outputs >= MinOutputsF2 ? 2
            : outputs >= MinOutputsSmall && 36L * layer.In.Channels * layer.Out.Channels <= MaxSmallWeights ? 4
            : 0;
    }
}
