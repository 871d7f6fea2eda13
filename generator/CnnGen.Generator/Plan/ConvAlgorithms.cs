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
    /// Fewest output tiles per image for F(4×4, 3×3) under Auto: 16×16 outputs. Measured on 2026-12-03 (per-thread CPU time,
    /// one core, AVX-512, the runtime kernel against the GEMM the generator emits otherwise, one layer at a time): with
    /// C, K ≥ 64, F(4×4) ran 1.05–1.3× at 16×16 (CifarNet's conv4), 1.5–1.7× on ResNet-18's 56² and 28² stages and
    /// 1.7–2.5× on VGG-16's 224²–28² layers; at 14×14 it tied and at 7×7 and 8×8 it lost or tied (the α² = 36
    /// transformed weight matrices are streamed once per few tiles).
    /// </summary>
    private const int MinTilesF4 = 16;

    /// <summary>
    /// Fewest output tiles per image for F(2×2, 3×3), when F(4×4) has too few: 12×12 outputs. At 14×14 with C, K ≥ 256
    /// (ResNet-18's layer3, VGG-16's conv5) F(2×2) ran 1.15–1.2× the GEMM; at 7×7 it lost (0.6–0.7×).
    /// </summary>
    private const int MinTilesF2 = 36;

    /// <summary>
    /// Fewest input and output channels under Auto: with fewer the transforms (per tile, linear in C and K) weigh too much
    /// beside the products (C·K): CifarNet's 32-channel layers ran 0.7–1.0× the GEMM.
    /// </summary>
    private const int MinChannels = 64;

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

        int tiles4 = Tiles(layer, 4), tiles2 = Tiles(layer, 2);
        if (conv.Algorithm == ConvAlgorithmKind.Winograd)
        {
            return tiles4 >= MinTilesF4 ? 4 : 2;
        }

        if (layer.In.Channels < MinChannels || layer.Out.Channels < MinChannels)
        {
            return 0;
        }

        return tiles4 >= MinTilesF4 ? 4 : tiles2 >= MinTilesF2 ? 2 : 0;
    }

    private static int Tiles(LayerPlan layer, int tile) => ((layer.Out.Height + tile - 1) / tile) * ((layer.Out.Width + tile - 1) / tile);
}
