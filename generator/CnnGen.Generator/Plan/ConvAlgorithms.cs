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
    /// Fewest outputs per image and filter for F(4×4, 3×3) under Auto: 14×14 (16 tiles, the last row and column of them
    /// half past the edge). Per layer (tools/bench/WinogradProbe, per-thread CPU time, one core, AVX-512, against the GEMM
    /// the generator emits otherwise) F(4×4) ran 1.1–1.5× on CifarNet's 32×32 and 16×16 layers with C ≥ 32, 1.9–2.1× on
    /// ResNet-18's 56² and 28² stages and 2.1–3.3× on VGG-16's 224²–28² layers (2026-12-03). At 14×14 (from 16×16 before
    /// 2026-12-04), once the products prefetched their weights: 573 µs against F(2×2)'s 736 on ResNet-18's 256-channel
    /// layer3, 2,972 against 2,969 on VGG-16's 512-channel conv5; in the whole network (tools/bench/cputime, alternated
    /// three times) ResNet-18 went from 1.19–1.21× to 1.24–1.25× ONNX Runtime at batch 1 and from 1.20–1.22× to
    /// 1.24–1.25× at batch 8, VGG-16 within its noise (1.64–2.02× against 1.77–1.88×).
    /// </summary>
    private const int MinOutputsF4 = 14 * 14;

    /// <summary>
    /// Fewest outputs for F(2×2, 3×3) under Auto, below 14×14: 7×7 (16 tiles, a quarter of their outputs past the edge).
    /// Per layer (tools/bench/WinogradProbe, weights transformed once as the network does, 2026-12-04): at 14×14 with 256
    /// channels (ResNet-18's layer3) F(2×2) ran 1.74× the GEMM, at 8×8 with 64–128 channels (CifarNet) 1.76–1.79×, at 7×7
    /// with 512 (ResNet-18's layer4) 1.20×. In the whole network (tools/bench/cputime, per-thread CPU time, alternated three
    /// times against the rule before): CifarNet's 8×8 layers took batch 1 from 0.89–0.93× to 0.94–1.02× ONNX Runtime and
    /// batch 8 from 1.02–1.03× to 1.13–1.25×; ResNet-18's layer4 batch 8 from 1.01–1.03× to 1.08–1.11×, batch 1 the same
    /// within the noise (1.06–1.09× against 1.05–1.13×). F(4×4) at 8×8 lost at CifarNet's batch 1 (0.84–0.86×: 2.25× the
    /// transformed weights, read again after its dense layer's 4 MiB). Explicit <c>Algorithm = ConvAlgorithm.Winograd</c>
    /// takes F(2×2) on any layer below 14×14.
    /// </summary>
    private const int MinOutputsF2 = 7 * 7;

    /// <summary>
    /// Fewest input and output channels under Auto: with fewer the transforms (per tile, linear in C and K) weigh too much
    /// beside the products (C·K): CifarNet's first layer (3 channels) ran 0.5× the GEMM, VGG-16's 0.6×.
    /// </summary>
    private const int MinChannels = 32;

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

        if (outputs >= MinOutputsF4)
        {
            return 4;
        }

        return outputs >= MinOutputsF2 ? 2 : 0;
    }
}
