using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

/// <summary>
/// The direct convolution of the inference path for small layers with enough output channels (K ≥ 8): the vector
/// runs along the K output channels, so no column of the output is wasted (the "wide rows" of a stride-1 GEMM
/// compute FW − 1 dropped columns per row) and any stride or padding needs no im2col copy. The weights are packed
/// [C·FH·FW][KP] (KP = K rounded up to <see cref="Lanes"/>) with the bias after them, so each kernel tap is one
/// vector load of its KP weights; each input pixel is one broadcast. The register block is 8 output positions ×
/// one vector of channels (8 independent FMA chains, the latency × throughput of Zen 5's and most x64 cores' FMA
/// units), and the positions of a block need not be neighbours: each comes from a table of input offsets, which
/// lets the same loop serve every stride and lets a max pooling that follows be fused (the positions of one
/// pooled cell are consecutive in the table; its epilogue takes their maximum, then adds the bias and applies the
/// ReLU, the same values as bias → ReLU → pool since max commutes with + bias and ReLU is monotonic).
/// The kernels are written once over <see cref="ISimd{TV}"/> (Runtime/Simd/): the position blocks run on
/// <see cref="Vector512{T}"/> or <see cref="Vector256{T}"/>, the row blocks on Vector512, else a scalar fallback, chosen by
/// <c>IsHardwareAccelerated</c>. Not meant to be called directly: the generated networks call it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DirectConv
{
    /// <summary>The packed width of the output channels: K is rounded up to a multiple of 16 (one <see cref="Vector512{T}"/>).</summary>
    public const int Lanes = DirectConvSizes.Lanes;

    /// <summary>Output positions per register block; the position table is padded to a multiple of it.</summary>
    public const int Block = DirectConvSizes.Block;

    /// <summary>K rounded up to <see cref="Lanes"/>.</summary>
    /// <param name="channels">The output channels K.</param>
    public static int PaddedChannels(int channels) => DirectConvSizes.PaddedChannels(channels);

    /// <summary>Floats of a packed layer: the weights [taps][KP] then the bias [KP].</summary>
    /// <param name="channels">The output channels K.</param>
    /// <param name="taps">C·FH·FW.</param>
    public static int PackedLength(int channels, int taps) => DirectConvSizes.PackedLength(channels, taps);

    /// <summary>
    /// Packs weights [K][taps] (PyTorch's order) and the bias into [taps][KP] + [KP] (zeros in the padded lanes),
    /// unless <paramref name="source"/> already holds the same bits as <paramref name="weights"/> and
    /// <paramref name="bias"/>, in which case <paramref name="packed"/> is current: the comparison (a vectorised
    /// memory compare) costs less than the repack, and no change to the parameters can go unseen.
    /// </summary>
    /// <param name="weights">K × taps floats.</param>
    /// <param name="bias">K floats, or empty for no bias (zeros).</param>
    /// <param name="channels">K.</param>
    /// <param name="taps">C·FH·FW.</param>
    /// <param name="source">K × taps + K floats: the weights and bias the packed buffer was made from.</param>
    /// <param name="packed"><see cref="PackedLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int channels, int taps, Span<float> source, Span<float> packed)
    {
        int kp = PaddedChannels(channels);
        Span<float> sourceWeights = source.Slice(0, channels * taps);
        Span<float> sourceBias = source.Slice(channels * taps, channels);
        weights = weights.Slice(0, channels * taps);
        bool biasSame = bias.IsEmpty
            ? !MemoryMarshal.AsBytes(sourceBias).ContainsAnyExcept((byte)0)
            : MemoryMarshal.AsBytes(bias.Slice(0, channels)).SequenceEqual(MemoryMarshal.AsBytes(sourceBias));
        if (biasSame && MemoryMarshal.AsBytes(weights).SequenceEqual(MemoryMarshal.AsBytes(sourceWeights)))
        {
            return;
        }

        weights.CopyTo(sourceWeights);
        if (bias.IsEmpty)
        {
            sourceBias.Clear();
        }
        else
        {
            bias.Slice(0, channels).CopyTo(sourceBias);
        }

        packed = packed.Slice(0, (taps + 1) * kp);
        packed.Clear();
        for (int k = 0; k < channels; k++)
        {
            ReadOnlySpan<float> row = weights.Slice(k * taps, taps);
            for (int t = 0; t < row.Length; t++)
            {
                packed[(t * kp) + k] = row[t];
            }

            packed[(taps * kp) + k] = sourceBias[k];
        }
    }

    /// <summary>
    /// The table of input offsets for <see cref="Forward"/>: for each output position to compute, where its window
    /// starts in the (padded) input frame, ordered by output cell. Without pooling a cell is one position (row-major
    /// over OH × OW); with a pool of window PFH × PFW and the same stride (no padding, floor mode), a cell is a pooled
    /// output (row-major over POH × POW) and its PFH·PFW positions follow each other. Padded with copies of the last
    /// offset to a multiple of <see cref="Block"/> (those results are computed and ignored).
    /// </summary>
    /// <param name="frameWidth">WP, the row stride of the (padded) input frame.</param>
    /// <param name="strideHeight">The convolution's vertical stride.</param>
    /// <param name="strideWidth">The convolution's horizontal stride.</param>
    /// <param name="outHeight">POH (or OH without pooling): rows of cells.</param>
    /// <param name="outWidth">POW (or OW without pooling): columns of cells.</param>
    /// <param name="poolHeight">PFH, 1 without pooling.</param>
    /// <param name="poolWidth">PFW, 1 without pooling.</param>
    public static int[] Positions(int frameWidth, int strideHeight, int strideWidth, int outHeight, int outWidth, int poolHeight, int poolWidth)
    {
        int count = outHeight * outWidth * poolHeight * poolWidth;
        var offsets = new int[(count + Block - 1) / Block * Block];
        int i = 0;
        for (int cy = 0; cy < outHeight; cy++)
        {
            for (int cx = 0; cx < outWidth; cx++)
            {
                for (int dy = 0; dy < poolHeight; dy++)
                {
                    for (int dx = 0; dx < poolWidth; dx++)
                    {
                        int oy = (cy * poolHeight) + dy, ox = (cx * poolWidth) + dx;
                        offsets[i++] = (oy * strideHeight * frameWidth) + (ox * strideWidth);
                    }
                }
            }
        }

        for (; i < offsets.Length; i++)
        {
            offsets[i] = offsets[count - 1];
        }

        return offsets;
    }

    /// <summary>Scratch floats <see cref="Forward"/> needs: the channel-last products of every position in the table.</summary>
    /// <param name="positions">The length of the position table.</param>
    /// <param name="channels">K.</param>
    public static int ScratchLength(int positions, int channels) => DirectConvSizes.ScratchLength(positions, channels);

    /// <summary>
    /// output[k, cell] = act(max over the cell's <paramref name="group"/> positions p of Σ_tap frame[positions[p] + taps[tap]] ·
    /// W[tap, k], + bias[k]) for the K channels and the cells of the table (channel-first output, as PyTorch).
    /// </summary>
    /// <param name="frame">The (padded) input frame, C × HP × WP.</param>
    /// <param name="taps">Each kernel tap's offset in the frame (c·HP·WP + ky·WP + kx), in the packed weights' order.</param>
    /// <param name="positions">The table of <see cref="Positions"/>.</param>
    /// <param name="group">Positions per cell: PFH·PFW, 1 without pooling.</param>
    /// <param name="cells">Output cells (positions without the padding / group).</param>
    /// <param name="packed">The packed weights and bias of <see cref="Pack"/>.</param>
    /// <param name="channels">K.</param>
    /// <param name="relu">Whether to apply ReLU after the bias.</param>
    /// <param name="output">K × cells floats.</param>
    /// <param name="scratch"><see cref="ScratchLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> frame, ReadOnlySpan<int> taps, ReadOnlySpan<int> positions, int group, int cells, ReadOnlySpan<float> packed, int channels, bool relu, Span<float> output, Span<float> scratch)
    {
        int kp = PaddedChannels(channels);
        int tapCount = taps.Length;
        if (packed.Length < (tapCount + 1) * kp || scratch.Length < positions.Length * kp || output.Length < channels * cells
            || positions.Length % Block != 0 || positions.Length < group * cells)
        {
            throw new ArgumentException("The packed weights, position table, scratch or output do not fit the layer.");
        }

        // Every offset must stay inside the frame: the loops below read through refs without bounds checks.
        if (positions.Length > 0 && taps.Length > 0
            && (System.Numerics.Tensors.TensorPrimitives.Min(positions) < 0 || System.Numerics.Tensors.TensorPrimitives.Min(taps) < 0
                || (long)System.Numerics.Tensors.TensorPrimitives.Max(positions) + System.Numerics.Tensors.TensorPrimitives.Max(taps) >= frame.Length))
        {
            throw new ArgumentException("A position's window leaves the input frame.", nameof(positions));
        }

        ref float f = ref Mem.Ref(frame);
        ref int tr = ref Mem.Ref(taps);
        ref float w = ref Mem.Ref(packed);
        ref float s = ref Mem.Ref(scratch);
        for (int b = 0; b < positions.Length; b += Block)
        {
            ref float o = ref Mem.Offset(ref s, b * kp);
            if (Vector512.IsHardwareAccelerated)
            {
                for (int kc = 0; kc < kp; kc += 16)
                {
                    PositionBlock<Simd512, Vector512<float>>(ref f, positions.Slice(b, Block), ref tr, tapCount, ref Mem.Offset(ref w, kc), kp, ref Mem.Offset(ref o, kc));
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (int kc = 0; kc < channels; kc += 8)
                {
                    PositionBlock<Simd256, Vector256<float>>(ref f, positions.Slice(b, Block), ref tr, tapCount, ref Mem.Offset(ref w, kc), kp, ref Mem.Offset(ref o, kc));
                }
            }
            else
            {
                BlockScalar(ref f, positions.Slice(b, Block), ref tr, tapCount, ref w, kp, channels, ref o);
            }
        }

        Span<int> offsets = stackalloc int[group];
        for (int g = 0; g < group; g++)
        {
            offsets[g] = g;
        }

        Epilogue(scratch, offsets, cells, cells, 0, group, packed.Slice(tapCount * kp, kp), channels, relu, output);
    }

    /// <summary>Scratch floats <see cref="ForwardRows"/> needs: the larger of the row-block and the position-table products.</summary>
    /// <param name="positions">The length of the position table.</param>
    /// <param name="rows">Output rows computed.</param>
    /// <param name="cols">Output columns computed.</param>
    /// <param name="channels">K.</param>
    public static int RowsScratchLength(int positions, int rows, int cols, int channels) => DirectConvSizes.RowsScratchLength(positions, rows, cols, channels);

    /// <summary>
    /// As <see cref="Forward"/> for a stride-1 convolution, whose output positions are whole rows × columns of the frame: with
    /// <see cref="Vector512{T}"/>, a 3- or 5-wide kernel, at least 2 rows and 5 columns, the register block is 2 output rows × 8,
    /// 6 or 5 columns (whichever computes the fewest columns twice; up to 16 accumulators) and each input pixel is broadcast once for all the outputs it feeds (the kernel row's
    /// weight vectors stay in registers), so the loop is bound by the FMAs rather than by one broadcast load per FMA;
    /// otherwise the position table of <see cref="Forward"/>. Both sum the taps in the same order: same bits either way.
    /// </summary>
    /// <param name="frame">The (padded) input frame, C × HP × WP.</param>
    /// <param name="frameHeight">HP.</param>
    /// <param name="frameWidth">WP.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="kernelHeight">FH.</param>
    /// <param name="kernelWidth">FW.</param>
    /// <param name="rows">Output rows computed: POH·PFH with a pool, OH without.</param>
    /// <param name="cols">Output columns computed: POW·PFW with a pool, OW without.</param>
    /// <param name="poolHeight">PFH, 1 without pooling.</param>
    /// <param name="poolWidth">PFW, 1 without pooling.</param>
    /// <param name="taps">As for <see cref="Forward"/>.</param>
    /// <param name="positions">As for <see cref="Forward"/> (the fallback).</param>
    /// <param name="packed">The packed weights and bias of <see cref="Pack"/>.</param>
    /// <param name="channels">K.</param>
    /// <param name="relu">Whether to apply ReLU after the bias.</param>
    /// <param name="output">K × cells floats.</param>
    /// <param name="scratch"><see cref="RowsScratchLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardRows(ReadOnlySpan<float> frame, int frameHeight, int frameWidth, int inChannels, int kernelHeight, int kernelWidth, int rows, int cols, int poolHeight, int poolWidth, ReadOnlySpan<int> taps, ReadOnlySpan<int> positions, ReadOnlySpan<float> packed, int channels, bool relu, Span<float> output, Span<float> scratch)
    {
        int cells = (rows / poolHeight) * (cols / poolWidth);
        if (!Vector512.IsHardwareAccelerated || (kernelWidth != 3 && kernelWidth != 5) || rows < 2 || cols < 5)
        {
            Forward(frame, taps, positions, poolHeight * poolWidth, cells, packed, channels, relu, output, scratch);
            return;
        }

        int kp = PaddedChannels(channels);
        int tapCount = inChannels * kernelHeight * kernelWidth;
        if (taps.Length != tapCount || packed.Length < (tapCount + 1) * kp || scratch.Length < rows * cols * kp || output.Length < channels * cells
            || rows % poolHeight != 0 || cols % poolWidth != 0
            || rows + kernelHeight - 1 > frameHeight || cols + kernelWidth - 1 > frameWidth || frame.Length < inChannels * frameHeight * frameWidth)
        {
            throw new ArgumentException("The frame, packed weights, scratch or output do not fit the layer.");
        }

        ref float f = ref Mem.Ref(frame);
        ref float w = ref Mem.Ref(packed);
        ref float s = ref Mem.Ref(scratch);
        int plane = frameHeight * frameWidth;
        int n = RowBlockWidth(cols);

        for (int kc = 0; kc < kp; kc += 16)
        {
            for (int y0 = 0; y0 < rows; y0 += 2)
            {
                // An odd last row and a last column block that does not fill n overlap the block before: the same values again.
                int y = Math.Min(y0, rows - 2);
                for (int x0 = 0; x0 < cols; x0 += n)
                {
                    int x = Math.Min(x0, cols - n);
                    ref float top = ref Mem.Offset(ref f, (y * frameWidth) + x);
                    ref float o = ref Mem.Offset(ref s, (((y * cols) + x) * kp) + kc);
                    ref float wk = ref Mem.Offset(ref w, kc);
                    switch ((kernelWidth, n))
                    {
                        case (3, 8): Rows<Simd512, Vector512<float>, Rows3x8>(ref top, frameWidth, plane, inChannels, kernelHeight, ref wk, kp, ref o, cols); break;
                        case (3, 6): Rows<Simd512, Vector512<float>, Rows3x6>(ref top, frameWidth, plane, inChannels, kernelHeight, ref wk, kp, ref o, cols); break;
                        case (3, _): Rows<Simd512, Vector512<float>, Rows3x5>(ref top, frameWidth, plane, inChannels, kernelHeight, ref wk, kp, ref o, cols); break;
                        case (_, 8): Rows<Simd512, Vector512<float>, Rows5x8>(ref top, frameWidth, plane, inChannels, kernelHeight, ref wk, kp, ref o, cols); break;
                        case (_, 6): Rows<Simd512, Vector512<float>, Rows5x6>(ref top, frameWidth, plane, inChannels, kernelHeight, ref wk, kp, ref o, cols); break;
                        default: Rows<Simd512, Vector512<float>, Rows5x5>(ref top, frameWidth, plane, inChannels, kernelHeight, ref wk, kp, ref o, cols); break;
                    }
                }
            }
        }

        Span<int> offsets = stackalloc int[poolHeight * poolWidth];
        for (int dy = 0; dy < poolHeight; dy++)
        {
            for (int dx = 0; dx < poolWidth; dx++)
            {
                offsets[(dy * poolWidth) + dx] = (dy * cols) + dx;
            }
        }

        Epilogue(scratch, offsets, cells, cols / poolWidth, poolHeight * cols, poolWidth, packed.Slice(tapCount * kp, kp), channels, relu, output);
    }

    /// <summary>
    /// The column block of <see cref="ForwardRows"/> for <paramref name="cols"/> output columns (at least 5): of 8, 6 and 5
    /// columns, the widest that computes the fewest columns twice — and never wider than the row, since a last block that
    /// does not fill its width is moved back to end at the last column and would otherwise start before the first.
    /// </summary>
    public static int RowBlockWidth(int cols)
    {
        if (cols < 5)
        {
            throw new ArgumentOutOfRangeException(nameof(cols), cols, "The row blocks need at least 5 output columns.");
        }

        int n = 5;
        int computed = (cols + 4) / 5 * 5;
        for (int candidate = 6; candidate <= 8; candidate += 2)
        {
            int c = (cols + candidate - 1) / candidate * candidate;
            if (candidate <= cols && c <= computed)
            {
                n = candidate;
                computed = c;
            }
        }

        return n;
    }

    /// <summary>The register block of <see cref="ForwardRows"/>: 2 output rows × <see cref="N"/> columns, for a kernel <see cref="FW"/> wide.</summary>
    private interface IRowBlock
    {
        static abstract int N { get; }

        static abstract int FW { get; }
    }

    private readonly struct Rows3x8 : IRowBlock
    {
        public static int N { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 8; }

        public static int FW { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 3; }
    }

    private readonly struct Rows3x6 : IRowBlock
    {
        public static int N { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 6; }

        public static int FW { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 3; }
    }

    private readonly struct Rows3x5 : IRowBlock
    {
        public static int N { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; }

        public static int FW { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 3; }
    }

    private readonly struct Rows5x8 : IRowBlock
    {
        public static int N { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 8; }

        public static int FW { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; }
    }

    private readonly struct Rows5x6 : IRowBlock
    {
        public static int N { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 6; }

        public static int FW { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; }
    }

    private readonly struct Rows5x5 : IRowBlock
    {
        public static int N { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; }

        public static int FW { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; }
    }

    // 2 output rows × N columns of one vector of output channels, for a kernel FW wide (3 or 5; N is 5, 6 or 8): per channel
    // and kernel row, FW weight vectors and N + FW − 1 broadcasts per output row feed 2·N·FW FMAs into 2·N accumulators
    // (FW = 5, N = 8: 5 + 2·12 loads per 80 FMAs). Column by column, each input pixel is broadcast once and multiplied by
    // every tap that reads it. One body for every block: the statements a smaller block does not have are behind conditions
    // on TB's constants, which the JIT and Native AOT remove from each copy (one per TB, as for the layers' shape structs),
    // so each copy is the straight-line code of a hand-written block, with the same FMAs in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TS, TV, TB>(ref float top, int frameWidth, int plane, int channels, int kernelHeight, ref float w, int kp, ref float o, int cols)
        where TS : ISimd<TV>
        where TV : struct
        where TB : IRowBlock
    {
        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, a4 = TS.Zero, a5 = TS.Zero, a6 = TS.Zero, a7 = TS.Zero;
        TV b0 = TS.Zero, b1 = TS.Zero, b2 = TS.Zero, b3 = TS.Zero, b4 = TS.Zero, b5 = TS.Zero, b6 = TS.Zero, b7 = TS.Zero;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                ref float r0 = ref Mem.Offset(ref top, (c * plane) + (ky * frameWidth));
                ref float r1 = ref Mem.Offset(ref r0, frameWidth);
                ref float wr = ref Mem.Offset(ref w, ((c * kernelHeight) + ky) * TB.FW * kp);
                TV w0 = TS.Load(ref wr, 0);
                TV w1 = TS.Load(ref wr, (nuint)kp);
                TV w2 = TS.Load(ref wr, (nuint)(2 * kp));
                TV w3 = TB.FW > 3 ? TS.Load(ref wr, (nuint)(3 * kp)) : TS.Zero;
                TV w4 = TB.FW > 4 ? TS.Load(ref wr, (nuint)(4 * kp)) : TS.Zero;
                TV x;
                x = TS.Splat(Mem.Add(ref r0, 0));
                a0 = TS.Fma(x, w0, a0);

                x = TS.Splat(Mem.Add(ref r0, 1));
                a1 = TS.Fma(x, w0, a1);
                a0 = TS.Fma(x, w1, a0);

                x = TS.Splat(Mem.Add(ref r0, 2));
                a2 = TS.Fma(x, w0, a2);
                a1 = TS.Fma(x, w1, a1);
                a0 = TS.Fma(x, w2, a0);

                x = TS.Splat(Mem.Add(ref r0, 3));
                a3 = TS.Fma(x, w0, a3);
                a2 = TS.Fma(x, w1, a2);
                a1 = TS.Fma(x, w2, a1);
                if (TB.FW > 3) { a0 = TS.Fma(x, w3, a0); }

                x = TS.Splat(Mem.Add(ref r0, 4));
                a4 = TS.Fma(x, w0, a4);
                a3 = TS.Fma(x, w1, a3);
                a2 = TS.Fma(x, w2, a2);
                if (TB.FW > 3) { a1 = TS.Fma(x, w3, a1); }
                if (TB.FW > 4) { a0 = TS.Fma(x, w4, a0); }

                x = TS.Splat(Mem.Add(ref r0, 5));
                if (TB.N > 5) { a5 = TS.Fma(x, w0, a5); }
                a4 = TS.Fma(x, w1, a4);
                a3 = TS.Fma(x, w2, a3);
                if (TB.FW > 3) { a2 = TS.Fma(x, w3, a2); }
                if (TB.FW > 4) { a1 = TS.Fma(x, w4, a1); }

                x = TS.Splat(Mem.Add(ref r0, 6));
                if (TB.N > 6) { a6 = TS.Fma(x, w0, a6); }
                if (TB.N > 5) { a5 = TS.Fma(x, w1, a5); }
                a4 = TS.Fma(x, w2, a4);
                if (TB.FW > 3) { a3 = TS.Fma(x, w3, a3); }
                if (TB.FW > 4) { a2 = TS.Fma(x, w4, a2); }

                if (TB.N + TB.FW > 8)
                {
                    x = TS.Splat(Mem.Add(ref r0, 7));
                    if (TB.N > 7) { a7 = TS.Fma(x, w0, a7); }
                    if (TB.N > 6) { a6 = TS.Fma(x, w1, a6); }
                    if (TB.N > 5) { a5 = TS.Fma(x, w2, a5); }
                    if (TB.FW > 3) { a4 = TS.Fma(x, w3, a4); }
                    if (TB.FW > 4) { a3 = TS.Fma(x, w4, a3); }
                }

                if (TB.N + TB.FW > 9)
                {
                    x = TS.Splat(Mem.Add(ref r0, 8));
                    if (TB.N > 7) { a7 = TS.Fma(x, w1, a7); }
                    if (TB.N > 6) { a6 = TS.Fma(x, w2, a6); }
                    if (TB.N > 5 && TB.FW > 3) { a5 = TS.Fma(x, w3, a5); }
                    if (TB.FW > 4) { a4 = TS.Fma(x, w4, a4); }
                }

                if (TB.N + TB.FW > 10)
                {
                    x = TS.Splat(Mem.Add(ref r0, 9));
                    if (TB.N > 7) { a7 = TS.Fma(x, w2, a7); }
                    if (TB.N > 6 && TB.FW > 3) { a6 = TS.Fma(x, w3, a6); }
                    if (TB.N > 5 && TB.FW > 4) { a5 = TS.Fma(x, w4, a5); }
                }

                if (TB.N + TB.FW > 11)
                {
                    x = TS.Splat(Mem.Add(ref r0, 10));
                    if (TB.N > 7 && TB.FW > 3) { a7 = TS.Fma(x, w3, a7); }
                    if (TB.N > 6 && TB.FW > 4) { a6 = TS.Fma(x, w4, a6); }
                }

                if (TB.N + TB.FW > 12)
                {
                    x = TS.Splat(Mem.Add(ref r0, 11));
                    if (TB.N > 7 && TB.FW > 4) { a7 = TS.Fma(x, w4, a7); }
                }

                x = TS.Splat(Mem.Add(ref r1, 0));
                b0 = TS.Fma(x, w0, b0);

                x = TS.Splat(Mem.Add(ref r1, 1));
                b1 = TS.Fma(x, w0, b1);
                b0 = TS.Fma(x, w1, b0);

                x = TS.Splat(Mem.Add(ref r1, 2));
                b2 = TS.Fma(x, w0, b2);
                b1 = TS.Fma(x, w1, b1);
                b0 = TS.Fma(x, w2, b0);

                x = TS.Splat(Mem.Add(ref r1, 3));
                b3 = TS.Fma(x, w0, b3);
                b2 = TS.Fma(x, w1, b2);
                b1 = TS.Fma(x, w2, b1);
                if (TB.FW > 3) { b0 = TS.Fma(x, w3, b0); }

                x = TS.Splat(Mem.Add(ref r1, 4));
                b4 = TS.Fma(x, w0, b4);
                b3 = TS.Fma(x, w1, b3);
                b2 = TS.Fma(x, w2, b2);
                if (TB.FW > 3) { b1 = TS.Fma(x, w3, b1); }
                if (TB.FW > 4) { b0 = TS.Fma(x, w4, b0); }

                x = TS.Splat(Mem.Add(ref r1, 5));
                if (TB.N > 5) { b5 = TS.Fma(x, w0, b5); }
                b4 = TS.Fma(x, w1, b4);
                b3 = TS.Fma(x, w2, b3);
                if (TB.FW > 3) { b2 = TS.Fma(x, w3, b2); }
                if (TB.FW > 4) { b1 = TS.Fma(x, w4, b1); }

                x = TS.Splat(Mem.Add(ref r1, 6));
                if (TB.N > 6) { b6 = TS.Fma(x, w0, b6); }
                if (TB.N > 5) { b5 = TS.Fma(x, w1, b5); }
                b4 = TS.Fma(x, w2, b4);
                if (TB.FW > 3) { b3 = TS.Fma(x, w3, b3); }
                if (TB.FW > 4) { b2 = TS.Fma(x, w4, b2); }

                if (TB.N + TB.FW > 8)
                {
                    x = TS.Splat(Mem.Add(ref r1, 7));
                    if (TB.N > 7) { b7 = TS.Fma(x, w0, b7); }
                    if (TB.N > 6) { b6 = TS.Fma(x, w1, b6); }
                    if (TB.N > 5) { b5 = TS.Fma(x, w2, b5); }
                    if (TB.FW > 3) { b4 = TS.Fma(x, w3, b4); }
                    if (TB.FW > 4) { b3 = TS.Fma(x, w4, b3); }
                }

                if (TB.N + TB.FW > 9)
                {
                    x = TS.Splat(Mem.Add(ref r1, 8));
                    if (TB.N > 7) { b7 = TS.Fma(x, w1, b7); }
                    if (TB.N > 6) { b6 = TS.Fma(x, w2, b6); }
                    if (TB.N > 5 && TB.FW > 3) { b5 = TS.Fma(x, w3, b5); }
                    if (TB.FW > 4) { b4 = TS.Fma(x, w4, b4); }
                }

                if (TB.N + TB.FW > 10)
                {
                    x = TS.Splat(Mem.Add(ref r1, 9));
                    if (TB.N > 7) { b7 = TS.Fma(x, w2, b7); }
                    if (TB.N > 6 && TB.FW > 3) { b6 = TS.Fma(x, w3, b6); }
                    if (TB.N > 5 && TB.FW > 4) { b5 = TS.Fma(x, w4, b5); }
                }

                if (TB.N + TB.FW > 11)
                {
                    x = TS.Splat(Mem.Add(ref r1, 10));
                    if (TB.N > 7 && TB.FW > 3) { b7 = TS.Fma(x, w3, b7); }
                    if (TB.N > 6 && TB.FW > 4) { b6 = TS.Fma(x, w4, b6); }
                }

                if (TB.N + TB.FW > 12)
                {
                    x = TS.Splat(Mem.Add(ref r1, 11));
                    if (TB.N > 7 && TB.FW > 4) { b7 = TS.Fma(x, w4, b7); }
                }
            }
        }

        TS.Store(a0, ref o, 0);
        TS.Store(b0, ref o, (nuint)(cols * kp));
        TS.Store(a1, ref o, (nuint)kp);
        TS.Store(b1, ref o, (nuint)((cols + 1) * kp));
        TS.Store(a2, ref o, (nuint)(2 * kp));
        TS.Store(b2, ref o, (nuint)((cols + 2) * kp));
        TS.Store(a3, ref o, (nuint)(3 * kp));
        TS.Store(b3, ref o, (nuint)((cols + 3) * kp));
        TS.Store(a4, ref o, (nuint)(4 * kp));
        TS.Store(b4, ref o, (nuint)((cols + 4) * kp));
        if (TB.N > 5)
        {
            TS.Store(a5, ref o, (nuint)(5 * kp));
            TS.Store(b5, ref o, (nuint)((cols + 5) * kp));
        }

        if (TB.N > 6)
        {
            TS.Store(a6, ref o, (nuint)(6 * kp));
            TS.Store(b6, ref o, (nuint)((cols + 6) * kp));
        }

        if (TB.N > 7)
        {
            TS.Store(a7, ref o, (nuint)(7 * kp));
            TS.Store(b7, ref o, (nuint)((cols + 7) * kp));
        }
    }

    // 8 positions × one vector of channels: per tap one weight vector and 8 broadcast FMAs (16 accumulators and
    // temporaries fit AVX2's 16 ymm registers as well as AVX-512's 32 zmm).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PositionBlock<TS, TV>(ref float f, ReadOnlySpan<int> at, ref int taps, int tapCount, ref float w, int kp, ref float o)
        where TS : ISimd<TV>
        where TV : struct
    {
        ref float p0 = ref Mem.Offset(ref f, at[0]);
        ref float p1 = ref Mem.Offset(ref f, at[1]);
        ref float p2 = ref Mem.Offset(ref f, at[2]);
        ref float p3 = ref Mem.Offset(ref f, at[3]);
        ref float p4 = ref Mem.Offset(ref f, at[4]);
        ref float p5 = ref Mem.Offset(ref f, at[5]);
        ref float p6 = ref Mem.Offset(ref f, at[6]);
        ref float p7 = ref Mem.Offset(ref f, at[7]);
        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, a4 = TS.Zero, a5 = TS.Zero, a6 = TS.Zero, a7 = TS.Zero;
        for (int t = 0; t < tapCount; t++)
        {
            nint off = Mem.Add(ref taps, t);
            TV wv = TS.Load(ref w, (nuint)(t * kp));
            a0 = TS.Fma(TS.Splat(Mem.Add(ref p0, off)), wv, a0);
            a1 = TS.Fma(TS.Splat(Mem.Add(ref p1, off)), wv, a1);
            a2 = TS.Fma(TS.Splat(Mem.Add(ref p2, off)), wv, a2);
            a3 = TS.Fma(TS.Splat(Mem.Add(ref p3, off)), wv, a3);
            a4 = TS.Fma(TS.Splat(Mem.Add(ref p4, off)), wv, a4);
            a5 = TS.Fma(TS.Splat(Mem.Add(ref p5, off)), wv, a5);
            a6 = TS.Fma(TS.Splat(Mem.Add(ref p6, off)), wv, a6);
            a7 = TS.Fma(TS.Splat(Mem.Add(ref p7, off)), wv, a7);
        }

        TS.Store(a0, ref o, 0);
        TS.Store(a1, ref o, (nuint)kp);
        TS.Store(a2, ref o, (nuint)(2 * kp));
        TS.Store(a3, ref o, (nuint)(3 * kp));
        TS.Store(a4, ref o, (nuint)(4 * kp));
        TS.Store(a5, ref o, (nuint)(5 * kp));
        TS.Store(a6, ref o, (nuint)(6 * kp));
        TS.Store(a7, ref o, (nuint)(7 * kp));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockScalar(ref float f, ReadOnlySpan<int> at, ref int taps, int tapCount, ref float w, int kp, int channels, ref float o)
    {
        for (int r = 0; r < Block; r++)
        {
            ref float p = ref Mem.Offset(ref f, at[r]);
            for (int k = 0; k < channels; k++)
            {
                float sum = 0f;
                for (int t = 0; t < tapCount; t++)
                {
                    sum = MathF.FusedMultiplyAdd(Mem.Add(ref p, Mem.Add(ref taps, t)), Mem.Add(ref w, (t * kp) + k), sum);
                }

                Mem.Add(ref o, (r * kp) + k) = sum;
            }
        }
    }

    // Max over each cell's positions, + bias, ReLU, then the cell's K channels to their channel-first places.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Epilogue(Span<float> products, ReadOnlySpan<int> groupOffsets, int cells, int cellsPerRow, int rowStep, int colStep, ReadOnlySpan<float> bias, int channels, bool relu, Span<float> output)
    {
        int kp = bias.Length;
        int group = groupOffsets.Length;
        ref int go = ref Mem.Ref(groupOffsets);
        ref float pr = ref Mem.Ref(products);
        ref float br = ref Mem.Ref(bias);
        ref float or = ref Mem.Ref(output);
        int last = (((cells - 1) / cellsPerRow) * rowStep) + (((cells - 1) % cellsPerRow) * colStep) + System.Numerics.Tensors.TensorPrimitives.Max(groupOffsets);
        if (products.Length < (last + 1) * kp || output.Length < channels * cells || System.Numerics.Tensors.TensorPrimitives.Min(groupOffsets) < 0)
        {
            throw new ArgumentException("The products or the output are too short.");
        }

        // Cells in tiles of 16: each cell's maximum, bias and ReLU in place, then the tile written channel by channel, so the
        // channel-first output gets runs of 16 consecutive floats (one store per cell and channel strided by the plane would
        // put every store of a large layer in the same cache set).
        Span<int> tile = stackalloc int[16];
        for (int start = 0; start < cells; start += 16)
        {
            int count = Math.Min(16, cells - start);
            for (int t = 0; t < count; t++)
            {
                int cell = start + t;
                tile[t] = (((cell / cellsPerRow) * rowStep) + ((cell % cellsPerRow) * colStep)) * kp;
                EpilogueCell(ref Mem.Offset(ref pr, tile[t]), ref go, group, ref br, kp, relu);
            }

            for (int k = 0; k < channels; k++)
            {
                ref float row = ref Mem.Offset(ref or, (k * cells) + start);
                for (int t = 0; t < count; t++)
                {
                    Mem.Add(ref row, t) = Mem.Add(ref pr, tile[t] + k);
                }
            }
        }
    }

    /// <summary>The whole vectors of <see cref="EpilogueCell"/>; returns how many filters they covered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EpilogueVectors<TV, TS>(ref float first, ref int go, int group, ref float br, int kp, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int k = 0;
        for (; k + TS.Width <= kp; k += TS.Width)
        {
            TV m = TS.Load(ref first, (nuint)k);
            for (int g = 1; g < group; g++)
            {
                m = TS.Max(m, TS.Load(ref first, (nuint)((Mem.Add(ref go, g) * kp) + k)));
            }

            m = TS.Add(m, TS.Load(ref br, (nuint)k));
            TS.Store(relu ? TS.Relu(m) : m, ref first, (nuint)k);
        }

        return k;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EpilogueCell(ref float first, ref int go, int group, ref float br, int kp, bool relu)
    {
        int k = Vector512.IsHardwareAccelerated ? EpilogueVectors<Vector512<float>, Simd512>(ref first, ref go, group, ref br, kp, relu)
            : Vector256.IsHardwareAccelerated ? EpilogueVectors<Vector256<float>, Simd256>(ref first, ref go, group, ref br, kp, relu)
            : 0;
        for (; k < kp; k++)
        {
            float m = Mem.Add(ref first, k);
            for (int g = 1; g < group; g++)
            {
                m = MathF.Max(m, Mem.Add(ref first, (Mem.Add(ref go, g) * kp) + k));
            }

            m += Mem.Add(ref br, k);
            Mem.Add(ref first, k) = relu ? MathF.Max(m, 0f) : m;
        }
    }
}
