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
/// Explicit <see cref="Vector512{T}"/> and <see cref="Vector256{T}"/> paths and a scalar fallback, chosen by
/// <c>IsHardwareAccelerated</c>. Not meant to be called directly: the generated networks call it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DirectConv
{
    /// <summary>The packed width of the output channels: K is rounded up to a multiple of 16 (one <see cref="Vector512{T}"/>).</summary>
    public const int Lanes = 16;

    /// <summary>Output positions per register block; the position table is padded to a multiple of it.</summary>
    public const int Block = 8;

    /// <summary>K rounded up to <see cref="Lanes"/>.</summary>
    /// <param name="channels">The output channels K.</param>
    public static int PaddedChannels(int channels) => (channels + Lanes - 1) / Lanes * Lanes;

    /// <summary>Floats of a packed layer: the weights [taps][KP] then the bias [KP].</summary>
    /// <param name="channels">The output channels K.</param>
    /// <param name="taps">C·FH·FW.</param>
    public static int PackedLength(int channels, int taps) => (taps + 1) * PaddedChannels(channels);

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
    public static int ScratchLength(int positions, int channels) => positions * PaddedChannels(channels);

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

        ref float f = ref MemoryMarshal.GetReference(frame);
        ref int tr = ref MemoryMarshal.GetReference(taps);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float s = ref MemoryMarshal.GetReference(scratch);
        for (int b = 0; b < positions.Length; b += Block)
        {
            ref float o = ref Unsafe.Add(ref s, b * kp);
            if (Vector512.IsHardwareAccelerated)
            {
                for (int kc = 0; kc < kp; kc += 16)
                {
                    Block512(ref f, positions.Slice(b, Block), ref tr, tapCount, ref Unsafe.Add(ref w, kc), kp, ref Unsafe.Add(ref o, kc));
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (int kc = 0; kc < channels; kc += 8)
                {
                    Block256(ref f, positions.Slice(b, Block), ref tr, tapCount, ref Unsafe.Add(ref w, kc), kp, ref Unsafe.Add(ref o, kc));
                }
            }
            else
            {
                BlockScalar(ref f, positions.Slice(b, Block), ref tr, tapCount, ref w, kp, channels, ref o);
            }
        }

        Epilogue(scratch, group, cells, packed.Slice(tapCount * kp, kp), channels, relu, output);
    }

    // 8 positions × 16 channels: per tap one weight vector and 8 broadcast FMAs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(ref float f, ReadOnlySpan<int> at, ref int taps, int tapCount, ref float w, int kp, ref float o)
    {
        ref float p0 = ref Unsafe.Add(ref f, at[0]);
        ref float p1 = ref Unsafe.Add(ref f, at[1]);
        ref float p2 = ref Unsafe.Add(ref f, at[2]);
        ref float p3 = ref Unsafe.Add(ref f, at[3]);
        ref float p4 = ref Unsafe.Add(ref f, at[4]);
        ref float p5 = ref Unsafe.Add(ref f, at[5]);
        ref float p6 = ref Unsafe.Add(ref f, at[6]);
        ref float p7 = ref Unsafe.Add(ref f, at[7]);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int t = 0; t < tapCount; t++)
        {
            nint off = Unsafe.Add(ref taps, t);
            Vector512<float> wv = Vector512.LoadUnsafe(ref w, (nuint)(t * kp));
            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p0, off)), wv, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p1, off)), wv, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p2, off)), wv, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p3, off)), wv, a3);
            a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p4, off)), wv, a4);
            a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p5, off)), wv, a5);
            a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p6, off)), wv, a6);
            a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p7, off)), wv, a7);
        }

        a0.StoreUnsafe(ref o);
        a1.StoreUnsafe(ref o, (nuint)kp);
        a2.StoreUnsafe(ref o, (nuint)(2 * kp));
        a3.StoreUnsafe(ref o, (nuint)(3 * kp));
        a4.StoreUnsafe(ref o, (nuint)(4 * kp));
        a5.StoreUnsafe(ref o, (nuint)(5 * kp));
        a6.StoreUnsafe(ref o, (nuint)(6 * kp));
        a7.StoreUnsafe(ref o, (nuint)(7 * kp));
    }

    // 8 positions × 8 channels (16 ymm registers: 8 accumulators, the weights, the broadcasts).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block256(ref float f, ReadOnlySpan<int> at, ref int taps, int tapCount, ref float w, int kp, ref float o)
    {
        ref float p0 = ref Unsafe.Add(ref f, at[0]);
        ref float p1 = ref Unsafe.Add(ref f, at[1]);
        ref float p2 = ref Unsafe.Add(ref f, at[2]);
        ref float p3 = ref Unsafe.Add(ref f, at[3]);
        ref float p4 = ref Unsafe.Add(ref f, at[4]);
        ref float p5 = ref Unsafe.Add(ref f, at[5]);
        ref float p6 = ref Unsafe.Add(ref f, at[6]);
        ref float p7 = ref Unsafe.Add(ref f, at[7]);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int t = 0; t < tapCount; t++)
        {
            nint off = Unsafe.Add(ref taps, t);
            Vector256<float> wv = Vector256.LoadUnsafe(ref w, (nuint)(t * kp));
            a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p0, off)), wv, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p1, off)), wv, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p2, off)), wv, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p3, off)), wv, a3);
            a4 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p4, off)), wv, a4);
            a5 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p5, off)), wv, a5);
            a6 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p6, off)), wv, a6);
            a7 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref p7, off)), wv, a7);
        }

        a0.StoreUnsafe(ref o);
        a1.StoreUnsafe(ref o, (nuint)kp);
        a2.StoreUnsafe(ref o, (nuint)(2 * kp));
        a3.StoreUnsafe(ref o, (nuint)(3 * kp));
        a4.StoreUnsafe(ref o, (nuint)(4 * kp));
        a5.StoreUnsafe(ref o, (nuint)(5 * kp));
        a6.StoreUnsafe(ref o, (nuint)(6 * kp));
        a7.StoreUnsafe(ref o, (nuint)(7 * kp));
    }

    private static void BlockScalar(ref float f, ReadOnlySpan<int> at, ref int taps, int tapCount, ref float w, int kp, int channels, ref float o)
    {
        for (int r = 0; r < Block; r++)
        {
            ref float p = ref Unsafe.Add(ref f, at[r]);
            for (int k = 0; k < channels; k++)
            {
                float sum = 0f;
                for (int t = 0; t < tapCount; t++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, Unsafe.Add(ref taps, t)), Unsafe.Add(ref w, (t * kp) + k), sum);
                }

                Unsafe.Add(ref o, (r * kp) + k) = sum;
            }
        }
    }

    // Max over each cell's positions, + bias, ReLU, then the cell's K channels to their channel-first places.
    private static void Epilogue(Span<float> products, int group, int cells, ReadOnlySpan<float> bias, int channels, bool relu, Span<float> output)
    {
        int kp = bias.Length;
        ref float pr = ref MemoryMarshal.GetReference(products);
        ref float br = ref MemoryMarshal.GetReference(bias);
        ref float or = ref MemoryMarshal.GetReference(output);
        if (products.Length < cells * group * kp || output.Length < channels * cells)
        {
            throw new ArgumentException("The products or the output are too short.");
        }

        for (int cell = 0; cell < cells; cell++)
        {
            ref float first = ref Unsafe.Add(ref pr, cell * group * kp);
            int k = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; k + 16 <= kp; k += 16)
                {
                    Vector512<float> m = Vector512.LoadUnsafe(ref first, (nuint)k);
                    for (int g = 1; g < group; g++)
                    {
                        m = Vector512.Max(m, Vector512.LoadUnsafe(ref first, (nuint)((g * kp) + k)));
                    }

                    m += Vector512.LoadUnsafe(ref br, (nuint)k);
                    (relu ? Vector512.Max(m, Vector512<float>.Zero) : m).StoreUnsafe(ref first, (nuint)k);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; k + 8 <= kp; k += 8)
                {
                    Vector256<float> m = Vector256.LoadUnsafe(ref first, (nuint)k);
                    for (int g = 1; g < group; g++)
                    {
                        m = Vector256.Max(m, Vector256.LoadUnsafe(ref first, (nuint)((g * kp) + k)));
                    }

                    m += Vector256.LoadUnsafe(ref br, (nuint)k);
                    (relu ? Vector256.Max(m, Vector256<float>.Zero) : m).StoreUnsafe(ref first, (nuint)k);
                }
            }

            for (; k < kp; k++)
            {
                float m = Unsafe.Add(ref first, k);
                for (int g = 1; g < group; g++)
                {
                    m = MathF.Max(m, Unsafe.Add(ref first, (g * kp) + k));
                }

                m += Unsafe.Add(ref br, k);
                Unsafe.Add(ref first, k) = relu ? MathF.Max(m, 0f) : m;
            }

            for (k = 0; k < channels; k++)
            {
                Unsafe.Add(ref or, (k * cells) + cell) = Unsafe.Add(ref first, k);
            }
        }
    }
}
