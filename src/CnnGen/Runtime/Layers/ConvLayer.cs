using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>
/// A convolution layer of one shape (<typeparamref name="TShape"/>, a struct the generated network declares), forward
/// and backward, as matrix products (<see cref="Gemm"/>). The weights are [K, C·FH·FW] as PyTorch stores them; every
/// bound is a constant of the shape, so each layer's copy of this code has fixed trip counts and no branch on padding or
/// stride that its shape cannot take. Which method a layer calls is decided at build time (the generator's lowering);
/// scratch sizes follow <see cref="ConvSizes"/>, the contract the generator sizes the buffers with. Backward methods ADD
/// the input gradient into <c>gradInput</c> (branches sum) unless it is empty, and add the parameter gradients.
/// </summary>
/// <typeparam name="TShape">The layer's shape.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ConvLayer<TShape>
    where TShape : struct, IWindowShape
{
    private static int C
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.C;
    }

    private static int H
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.H;
    }

    private static int W
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.W;
    }

    private static int K
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.K;
    }

    private static int OH
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.OH;
    }

    private static int OW
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.OW;
    }

    private static int Taps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.C * TShape.FH * TShape.FW;
    }

    // The zero-padded input frame of a stride-1 convolution, and its wide rows: (OH − 1)·WP + OW columns per channel.
    private static int HP
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.H + (2 * TShape.PH);
    }

    private static int WP
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.W + (2 * TShape.PW);
    }

    private static int Frame
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.C * HP * WP;
    }

    private static int Wide
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ConvSizes.Wide(TShape.OH, TShape.OW, WP);
    }

    private static bool Padded
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.PH > 0 || TShape.PW > 0;
    }

    // Where each kernel tap (c, ky, kx) starts in the padded frame (stride 1: each tap is a contiguous run of it). In a
    // class of its own: a static field here would give ConvLayer a class constructor, and the JIT does not inline the
    // shape's constants (C, Wide, …) from a class it has not initialised yet, so every bound would stay a call.
    private static int[] s_taps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Tables.Taps;
    }

    private static class Tables
    {
        public static readonly int[] Taps = Kernels.ConvTapOffsets(TShape.C, TShape.FH, TShape.FW, HP * WP, WP);
    }

    /// <summary>
    /// Stride 1, one matrix product over "wide rows": out[k, y·WP + x] = bias[k] + Σ_tap W[k, tap] · frame[tapOffset + y·WP + x],
    /// each tap a contiguous run of the frame (no im2col copy); bias and ReLU in the product's epilogue. The FW − 1 extra
    /// columns of each wide row are dropped (none when the frame is as wide as the output). Scratch: the padded frame (if
    /// padded) then K wide rows (unless they are the output).
    /// </summary>
    /// <param name="weights">[K, C·FH·FW].</param>
    /// <param name="bias">[K], or empty.</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × OH × OW.</param>
    /// <param name="scratch">The layer's scratch.</param>
    /// <param name="relu">Whether the ReLU after the layer is applied in the epilogue.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WideRows(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu)
    {
        ReadOnlySpan<float> frame = FrameOf(input, scratch);
        int used = Padded ? Frame : 0;
        if (WP == OW)
        {
            // The wide rows are the output rows (a 1-wide kernel without padding).
            Gemm.MultiplyBroadcast(K, Wide, Taps, weights, Taps, 1, frame, s_taps, output, OH * OW, false, bias, relu);
            return;
        }

        Span<float> wide = scratch.Slice(used, K * Wide);
        Gemm.MultiplyBroadcast(K, Wide, Taps, weights, Taps, 1, frame, s_taps, wide, Wide, false, bias, relu);
        for (int k = 0; k < K; k++)
        {
            for (int oy = 0; oy < OH; oy++)
            {
                wide.Slice((k * Wide) + (oy * WP), OW).CopyTo(output.Slice(((k * OH) + oy) * OW, OW));
            }
        }
    }

    /// <summary>
    /// Stride 1, as <see cref="WideRows"/> but the product reads the frame's rows as runs of OW columns WP apart and writes
    /// the output rows directly (the packed GEMM skips the FW − 1 columns between rows). Scratch: the padded frame (if padded).
    /// </summary>
    /// <param name="weights">[K, C·FH·FW].</param>
    /// <param name="bias">[K], or empty.</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × OH × OW.</param>
    /// <param name="scratch">The layer's scratch.</param>
    /// <param name="relu">Whether the ReLU after the layer is applied in the epilogue.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Runs(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu)
    {
        ReadOnlySpan<float> frame = FrameOf(input, scratch);
        Gemm.MultiplyBroadcast(K, OH * OW, Taps, weights, Taps, 1, frame, s_taps, OW, WP, output, OH * OW, false, bias, relu);
    }

    /// <summary>
    /// Any stride: im2col + one matrix product per chunk of output rows, out[k, p] = bias[k] + Σ_tap W[k, tap] · col[tap, p];
    /// bias and ReLU in the product's epilogue. Scratch: one chunk's columns (<see cref="ConvSizes.ChunkRows"/>).
    /// </summary>
    /// <param name="weights">[K, C·FH·FW].</param>
    /// <param name="bias">[K], or empty.</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × OH × OW.</param>
    /// <param name="scratch">The layer's scratch.</param>
    /// <param name="relu">Whether the ReLU after the layer is applied in the epilogue.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Strided(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu)
    {
        int chunk = ConvSizes.ChunkRows(Taps, OH, OW);
        for (int oy = 0; oy < OH; oy += chunk)
        {
            int rows = Math.Min(chunk, OH - oy), n = rows * OW;
            Span<float> col = scratch.Slice(0, Taps * n);
            Kernels.Im2Col(input, C, H, W, TShape.FH, TShape.FW, TShape.SH, TShape.SW, TShape.PH, TShape.PW, OW, oy, rows, col);
            Gemm.MultiplyBroadcast(K, n, Taps, weights, Taps, 1, col, n, output.Slice(oy * OW), OH * OW, false, bias, relu);
        }
    }

    /// <summary>
    /// Stride 1, 3×3, Winograd F(4×4, 3×3) (<see cref="Winograd"/>): per 4×4 block of outputs Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A, the
    /// 36 element-wise products as matrix products (tiles × C times C × K), 36/16 multiplies per output and channel instead
    /// of 9; the weights transformed when they change (the network's packer), bias and ReLU in the output transform.
    /// </summary>
    /// <param name="packed">The transformed weights and bias (<see cref="Winograd.Pack"/>).</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × OH × OW.</param>
    /// <param name="scratch">The layer's scratch (<see cref="WinogradSizes"/>).</param>
    /// <param name="relu">Whether the ReLU after the layer is applied in the output transform.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Winograd4(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu) =>
        Winograd.Forward(packed, input, 1, C, H, W, K, TShape.PH, 4, relu, output, scratch);

    /// <summary>As <see cref="Winograd4"/> with F(2×2, 3×3): 16/4 multiplies per output and channel, less rounding error, smaller layers.</summary>
    /// <param name="packed">The transformed weights and bias (<see cref="Winograd.Pack"/>).</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × OH × OW.</param>
    /// <param name="scratch">The layer's scratch (<see cref="WinogradSizes"/>).</param>
    /// <param name="relu">Whether the ReLU after the layer is applied in the output transform.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Winograd2(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu) =>
        Winograd.Forward(packed, input, 1, C, H, W, K, TShape.PH, 2, relu, output, scratch);

    /// <summary>
    /// Backward of a Winograd layer, the weight and bias gradients over the images of a part at once: dW in the Winograd
    /// domain (<see cref="Winograd.AddWeightGradient"/>: the inputs' tiles transformed as in the forward pass, dY's by
    /// A·dY·Aᵀ, their products summed over every tile, turned back to 3×3 once), db the sum of dY.
    /// </summary>
    /// <param name="inputs">The forward inputs, <paramref name="images"/> × C × H × W.</param>
    /// <param name="gradOutputs">dLoss/dOutput, <paramref name="images"/> × K × OH × OW.</param>
    /// <param name="images">The part's images.</param>
    /// <param name="gradWeights">Adds dLoss/dW.</param>
    /// <param name="gradBias">Adds dLoss/db, or empty.</param>
    /// <param name="scratch">The layer's backward scratch (<see cref="Winograd.WeightGradientScratchLength"/>).</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WinogradWeightGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<float> gradOutputs, int images, Span<float> gradWeights, Span<float> gradBias, Span<float> scratch, int tile)
    {
        for (int b = 0; b < images; b++)
        {
            BiasGradient(gradOutputs.Slice(b * K * OH * OW, K * OH * OW), gradBias);
        }

        Winograd.AddWeightGradient(inputs, gradOutputs, images, C, H, W, K, TShape.PH, tile, gradWeights, scratch);
    }

    /// <summary>
    /// Backward of a padded (Same) Winograd layer, the input gradient only: gradInput += the convolution of dY with the
    /// turned, transposed kernels, by F(<paramref name="tile"/>×<paramref name="tile"/>, 3×3) as the forward pass
    /// (<see cref="Winograd.AddInputGradient"/>); the weight and bias gradients come from <see cref="WideBackwardPositionMajor"/>
    /// or <see cref="WideBackward"/> handed no input gradient.
    /// </summary>
    /// <param name="packed">The kernels <see cref="Winograd.PackInputGradient"/> transformed.</param>
    /// <param name="gradOutput">dLoss/dOutput, K × H × W.</param>
    /// <param name="gradInput">Adds dLoss/dInput, C × H × W.</param>
    /// <param name="scratch">The layer's backward scratch (<see cref="WinogradSizes"/> with K channels and C filters).</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WinogradInputGradient(ReadOnlySpan<float> packed, ReadOnlySpan<float> gradOutput, Span<float> gradInput, Span<float> scratch, int tile)
    {
        if (TShape.PH != 1 || TShape.PW != 1)
        {
            throw new InvalidOperationException("The Winograd input gradient is for 3×3 stride-1 layers with padding 1.");
        }

        Winograd.AddInputGradient(packed, gradOutput, 1, C, H, W, K, tile, gradInput, scratch);
    }

    /// <summary>
    /// Backward of <see cref="WideRows"/>/<see cref="Runs"/> with the same wide rows and tap offsets: dW[K, taps] += dY[K, wide] · tapsᵀ
    /// and dTaps = Wᵀ · dY (two matrix products), then each tap's gradient is added back into the (padded) frame at its
    /// offset. The wide output gradient has zeros in the FW − 1 extra columns.
    /// </summary>
    /// <param name="weights">[K, C·FH·FW].</param>
    /// <param name="input">The forward input, C × H × W.</param>
    /// <param name="gradOutput">dLoss/dOutput, K × OH × OW.</param>
    /// <param name="gradWeights">Adds dLoss/dW.</param>
    /// <param name="gradBias">Adds dLoss/db, or empty.</param>
    /// <param name="gradInput">Adds dLoss/dInput, or empty when nothing before the layer trains.</param>
    /// <param name="scratch">The layer's backward scratch.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WideBackward(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeights, Span<float> gradBias, Span<float> gradInput, Span<float> scratch) =>
        Backward(weights, input, gradOutput, gradWeights, gradBias, gradInput, scratch, positionMajor: false);

    /// <summary>
    /// As <see cref="WideBackward"/>, with the weight gradient position-major: dW[K, taps] += dY[K, P] · col[P, taps] reduced
    /// over the P output positions (dY transposed once, vectors of K channels, the frame's values broadcast: no horizontal
    /// sums; <see cref="GemmGradients.AddConvWeightGradient"/>).
    /// </summary>
    /// <param name="weights">[K, C·FH·FW].</param>
    /// <param name="input">The forward input, C × H × W.</param>
    /// <param name="gradOutput">dLoss/dOutput, K × OH × OW.</param>
    /// <param name="gradWeights">Adds dLoss/dW.</param>
    /// <param name="gradBias">Adds dLoss/db, or empty.</param>
    /// <param name="gradInput">Adds dLoss/dInput, or empty when nothing before the layer trains.</param>
    /// <param name="scratch">The layer's backward scratch.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WideBackwardPositionMajor(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeights, Span<float> gradBias, Span<float> gradInput, Span<float> scratch) =>
        Backward(weights, input, gradOutput, gradWeights, gradBias, gradInput, scratch, positionMajor: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeights, Span<float> gradBias, Span<float> gradInput, Span<float> scratch, bool positionMajor)
    {
        bool wantInput = !gradInput.IsEmpty;
        ReadOnlySpan<float> frame = FrameOf(input, scratch);
        // Without padding the frame is the input itself: input gradients add straight into gradInput.
        Span<float> gradFrame = gradInput;
        int at = 0;
        if (Padded)
        {
            gradFrame = scratch.Slice(Frame, Frame);
            if (wantInput)
            {
                gradFrame.Clear();
            }

            at = 2 * Frame;
        }

        BiasGradient(gradOutput, gradBias);
        if (positionMajor)
        {
            GemmGradients.AddConvWeightGradient(K, Taps, OH, OW, gradOutput, frame, WP, s_taps, gradWeights, scratch.Slice(at));
            if (!wantInput)
            {
                return;
            }
        }

        ReadOnlySpan<float> wide = gradOutput;
        if (WP != OW)
        {
            Span<float> spread = scratch.Slice(at, K * Wide);
            spread.Clear();
            for (int k = 0; k < K; k++)
            {
                for (int oy = 0; oy < OH; oy++)
                {
                    gradOutput.Slice(((k * OH) + oy) * OW, OW).CopyTo(spread.Slice((k * Wide) + (oy * WP), OW));
                }
            }

            wide = spread;
            at += K * Wide;
        }

        if (!positionMajor)
        {
            Gemm.MultiplyTransposed(K, Taps, Wide, wide, Wide, frame, s_taps, gradWeights, Taps, true);
        }

        if (wantInput)
        {
            Span<float> gradTaps = scratch.Slice(at, Taps * Wide);
            Gemm.MultiplyBroadcast(Taps, Wide, K, weights, 1, Taps, wide, Wide, gradTaps, Wide, false);
            Kernels.AddRows(gradTaps, Wide, s_taps, gradFrame);
            if (Padded)
            {
                // Add the interior of the padded gradient: padding cells have no input behind them.
                for (int c = 0; c < C; c++)
                {
                    for (int y = 0; y < H; y++)
                    {
                        Kernels.Accumulate(gradFrame.Slice((((c * HP) + y + TShape.PH) * WP) + TShape.PW, W), gradInput.Slice(((c * H) + y) * W, W));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="Strided"/>, per chunk of output rows: im2col again, then dW[K, taps] += dY[K, p] · colᵀ and
    /// dCol = Wᵀ · dY (two matrix products), and col2im adds dCol into the input gradient.
    /// </summary>
    /// <param name="weights">[K, C·FH·FW].</param>
    /// <param name="input">The forward input, C × H × W.</param>
    /// <param name="gradOutput">dLoss/dOutput, K × OH × OW.</param>
    /// <param name="gradWeights">Adds dLoss/dW.</param>
    /// <param name="gradBias">Adds dLoss/db, or empty.</param>
    /// <param name="gradInput">Adds dLoss/dInput, or empty when nothing before the layer trains.</param>
    /// <param name="scratch">The layer's backward scratch: a chunk's columns and their gradient.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StridedBackward(ReadOnlySpan<float> weights, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeights, Span<float> gradBias, Span<float> gradInput, Span<float> scratch)
    {
        int p = OH * OW, chunk = ConvSizes.ChunkRows(Taps, OH, OW);
        bool wantInput = !gradInput.IsEmpty;
        BiasGradient(gradOutput, gradBias);
        for (int oy = 0; oy < OH; oy += chunk)
        {
            int rows = Math.Min(chunk, OH - oy), n = rows * OW;
            Span<float> col = scratch.Slice(0, Taps * n);
            Kernels.Im2Col(input, C, H, W, TShape.FH, TShape.FW, TShape.SH, TShape.SW, TShape.PH, TShape.PW, OW, oy, rows, col);
            Gemm.MultiplyTransposed(K, Taps, n, gradOutput.Slice(oy * OW), p, col, n, gradWeights, Taps, true);
            if (wantInput)
            {
                Span<float> gradCol = scratch.Slice(Taps * n, Taps * n);
                Gemm.MultiplyBroadcast(Taps, n, K, weights, 1, Taps, gradOutput.Slice(oy * OW), p, gradCol, n, false);
                Kernels.Col2Im(gradCol, C, H, W, TShape.FH, TShape.FW, TShape.SH, TShape.SW, TShape.PH, TShape.PW, OW, oy, rows, gradInput);
            }
        }
    }

    // db[k] += Σ dY[k, ·].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasGradient(ReadOnlySpan<float> gradOutput, Span<float> gradBias)
    {
        if (gradBias.IsEmpty)
        {
            return;
        }

        for (int k = 0; k < K; k++)
        {
            gradBias[k] += Kernels.Sum(gradOutput.Slice(k * OH * OW, OH * OW));
        }
    }

    // The frame the taps index: the input itself without padding, else the input copied into a zero-padded HP × WP frame
    // at the start of scratch.
    private static ReadOnlySpan<float> FrameOf(ReadOnlySpan<float> input, Span<float> scratch)
    {
        if (!Padded)
        {
            return input.Slice(0, Frame);
        }

        Span<float> padded = scratch.Slice(0, Frame);
        Kernels.PadFrame(input, padded, C, H, W, TShape.PH, TShape.PW);
        return padded;
    }
}
