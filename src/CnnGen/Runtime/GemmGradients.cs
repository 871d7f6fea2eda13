using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

/// <summary>
/// Gradient products of the emitted training kernels that do not fit <see cref="Gemm"/>'s two shapes, with an
/// explicit <see cref="Vector512{T}"/> path, a <see cref="Vector256{T}"/> path and a scalar fallback, chosen by
/// <c>IsHardwareAccelerated</c>. Not meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GemmGradients
{
    // Kernel taps per register block: 8 accumulators of one vector of output channels each.
    private const int TapBlock = 8;

    /// <summary>
    /// The scratch floats <see cref="AddConvWeightGradient"/> needs: the output gradient transposed, one row of
    /// <paramref name="outChannels"/> (rounded up to a whole 512-bit vector) per output position.
    /// </summary>
    /// <param name="outChannels">K, the convolution's output channels.</param>
    /// <param name="outHeight">Output rows.</param>
    /// <param name="outWidth">Output columns.</param>
    /// <returns>The number of floats.</returns>
    public static int ConvWeightGradientScratch(int outChannels, int outHeight, int outWidth) => ConvSizes.TransposedGradientLength(outChannels, outHeight, outWidth);

    /// <summary>
    /// The weight gradient of a stride-1 convolution, added into <paramref name="gradWeights"/>:
    /// dW[k, t] += Σ over output positions (oy, ox) of dY[k, oy·OW + ox] · frame[tapOffsets[t] + oy·rowStride + ox].
    /// As a product dW[K, taps] += dY[K, P] · col[P, taps] whose reduction runs over the P output positions: the output
    /// gradient is transposed once into <paramref name="scratch"/> (a row of K per position), then each block of 8 taps
    /// keeps 8 vectors of K partial sums in registers, one fused multiply-add per tap and position with the frame value
    /// broadcast — no horizontal sums, no im2col copy, no wasted columns — and adds them into dW once at the end.
    /// </summary>
    /// <param name="outChannels">K, the convolution's output channels.</param>
    /// <param name="taps">The kernel taps C·FH·FW (columns of dW).</param>
    /// <param name="outHeight">OH, output rows.</param>
    /// <param name="outWidth">OW, output columns.</param>
    /// <param name="gradOutput">dY, K planes of OH·OW.</param>
    /// <param name="frame">The (padded) input the convolution read.</param>
    /// <param name="rowStride">The distance between rows of <paramref name="frame"/>.</param>
    /// <param name="tapOffsets">Where each tap's window starts in <paramref name="frame"/> (<see cref="Kernels.ConvTapOffsets"/>).</param>
    /// <param name="gradWeights">dW, K rows of <paramref name="taps"/>.</param>
    /// <param name="scratch">At least <see cref="ConvWeightGradientScratch"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddConvWeightGradient(int outChannels, int taps, int outHeight, int outWidth, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> frame, int rowStride, ReadOnlySpan<int> tapOffsets, Span<float> gradWeights, Span<float> scratch)
    {
        int k = outChannels, positions = outHeight * outWidth;
        if (k <= 0 || taps <= 0 || positions <= 0)
        {
            return;
        }

        Check(gradOutput.Length >= (long)k * positions, nameof(gradOutput));
        Check(gradWeights.Length >= (long)k * taps, nameof(gradWeights));
        Check(tapOffsets.Length >= taps, nameof(tapOffsets));
        Check(scratch.Length >= ConvWeightGradientScratch(k, outHeight, outWidth), nameof(scratch));
        long reach = ((long)(outHeight - 1) * rowStride) + outWidth;
        for (int t = 0; t < taps; t++)
        {
            Check(tapOffsets[t] >= 0 && tapOffsets[t] + reach <= frame.Length, nameof(tapOffsets));
        }

        ref float dy = ref Mem.Ref(gradOutput);
        ref float fr = ref Mem.Ref(frame);
        ref int offs = ref Mem.Ref(tapOffsets);
        ref float dw = ref Mem.Ref(gradWeights);
        if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
        {
            int width = Vector512.IsHardwareAccelerated ? 16 : 8;
            int kp = RoundUp(k, width);
            ref float dyT = ref Mem.Ref(scratch);
            Transpose(k, kp, positions, ref dy, ref dyT);
            if (Vector512.IsHardwareAccelerated)
            {
                Weights<Vector512<float>, Simd512>(k, kp, taps, outHeight, outWidth, ref dyT, ref fr, rowStride, ref offs, ref dw);
            }
            else
            {
                Weights<Vector256<float>, Simd256>(k, kp, taps, outHeight, outWidth, ref dyT, ref fr, rowStride, ref offs, ref dw);
            }

            return;
        }

        for (int kk = 0; kk < k; kk++)
        {
            for (int t = 0; t < taps; t++)
            {
                float sum = 0f;
                for (int oy = 0; oy < outHeight; oy++)
                {
                    ref float g = ref Mem.Offset(ref dy, (kk * positions) + (oy * outWidth));
                    ref float x = ref Mem.Offset(ref fr, Mem.Add(ref offs, t) + (oy * rowStride));
                    for (int ox = 0; ox < outWidth; ox++)
                    {
                        sum += Mem.Add(ref g, ox) * Mem.Add(ref x, ox);
                    }
                }

                Mem.Add(ref dw, (kk * taps) + t) += sum;
            }
        }
    }

    // dyT[q·kp + kk] = dy[kk·positions + q], zero for kk ≥ k; in blocks of 16 positions, so that the reads stay in a
    // few cache lines (reading one position of every channel would touch K lines a power of two apart, one cache set).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(int k, int kp, int positions, ref float dy, ref float dyT)
    {
        for (int q0 = 0; q0 < positions; q0 += 16)
        {
            int q1 = Math.Min(q0 + 16, positions);
            for (int kk = 0; kk < k; kk++)
            {
                ref float source = ref Mem.Offset(ref dy, kk * positions);
                for (int q = q0; q < q1; q++)
                {
                    Mem.Add(ref dyT, (q * kp) + kk) = Mem.Add(ref source, q);
                }
            }

            for (int q = q0; q < q1; q++)
            {
                for (int kk = k; kk < kp; kk++)
                {
                    Mem.Add(ref dyT, (q * kp) + kk) = 0f;
                }
            }
        }
    }

    // The weight gradient over the transposed output gradient, one kernel for every vector width (TS: Simd512 on AVX-512,
    // Simd256 on AVX2): blocks of TapBlock taps × two vectors of output channels where the width allows it (512 bits:
    // each broadcast frame value feeds two FMAs; with 256-bit vectors 16 accumulators and the operands would not fit the
    // 16 registers), then one vector.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Weights<TV, TS>(int k, int kp, int taps, int oh, int ow, ref float dyT, ref float fr, int rowStride, ref int offs, ref float dw)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int width = TS.Width;
        Span<float> block = stackalloc float[2 * 16 * TapBlock];
        ref float bl = ref Mem.Ref(block);
        int c0 = 0;
        if (width == 16)
        {
            for (; c0 + (2 * width) <= kp; c0 += 2 * width)
            {
                for (int t = 0; t < taps; t += TapBlock)
                {
                    int count = Math.Min(TapBlock, taps - t);
                    Block2<TV, TS>(taps, t, oh, ow, ref Mem.Offset(ref dyT, c0), kp, ref fr, rowStride, ref offs, ref bl);
                    AddBlock(ref bl, 2 * width, count, Math.Min(2 * width, k - c0), ref Mem.Offset(ref dw, (c0 * taps) + t), taps);
                }
            }
        }

        for (; c0 < kp; c0 += width)
        {
            for (int t = 0; t < taps; t += TapBlock)
            {
                int count = Math.Min(TapBlock, taps - t);
                Block<TV, TS>(taps, t, oh, ow, ref Mem.Offset(ref dyT, c0), kp, ref fr, rowStride, ref offs, ref bl);
                AddBlock(ref bl, width, count, Math.Min(width, k - c0), ref Mem.Offset(ref dw, (c0 * taps) + t), taps);
            }
        }
    }

    // The sums of taps t … t + 7 (the last block repeats the last tap in its unused accumulators: computed, never
    // added) over every output position, for the vector of output channels at g, stored to block[r·Width + lane].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TV, TS>(int taps, int t, int oh, int ow, ref float g, int kp, ref float fr, int rowStride, ref int offs, ref float block)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int last = taps - 1;
        ref float x0 = ref Mem.Offset(ref fr, Mem.Add(ref offs, t));
        ref float x1 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 1, last)));
        ref float x2 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 2, last)));
        ref float x3 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 3, last)));
        ref float x4 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 4, last)));
        ref float x5 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 5, last)));
        ref float x6 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 6, last)));
        ref float x7 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 7, last)));
        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, a4 = TS.Zero, a5 = TS.Zero, a6 = TS.Zero, a7 = TS.Zero;
        for (int oy = 0; oy < oh; oy++)
        {
            nint i = (nint)oy * rowStride, end = i + ow;
            for (; i < end; i++, g = ref Mem.Walk(ref g, kp))
            {
                TV gv = TS.Load(ref g, 0);
                a0 = TS.Fma(TS.Splat(Mem.Add(ref x0, i)), gv, a0);
                a1 = TS.Fma(TS.Splat(Mem.Add(ref x1, i)), gv, a1);
                a2 = TS.Fma(TS.Splat(Mem.Add(ref x2, i)), gv, a2);
                a3 = TS.Fma(TS.Splat(Mem.Add(ref x3, i)), gv, a3);
                a4 = TS.Fma(TS.Splat(Mem.Add(ref x4, i)), gv, a4);
                a5 = TS.Fma(TS.Splat(Mem.Add(ref x5, i)), gv, a5);
                a6 = TS.Fma(TS.Splat(Mem.Add(ref x6, i)), gv, a6);
                a7 = TS.Fma(TS.Splat(Mem.Add(ref x7, i)), gv, a7);
            }
        }

        nuint w = (nuint)TS.Width;
        TS.Store(a0, ref block, 0);
        TS.Store(a1, ref block, w);
        TS.Store(a2, ref block, 2 * w);
        TS.Store(a3, ref block, 3 * w);
        TS.Store(a4, ref block, 4 * w);
        TS.Store(a5, ref block, 5 * w);
        TS.Store(a6, ref block, 6 * w);
        TS.Store(a7, ref block, 7 * w);
    }

    // As Block for two vectors of output channels, stored to block[r·2·Width + lane].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2<TV, TS>(int taps, int t, int oh, int ow, ref float g, int kp, ref float fr, int rowStride, ref int offs, ref float block)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int last = taps - 1;
        nuint w = (nuint)TS.Width;
        ref float x0 = ref Mem.Offset(ref fr, Mem.Add(ref offs, t));
        ref float x1 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 1, last)));
        ref float x2 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 2, last)));
        ref float x3 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 3, last)));
        ref float x4 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 4, last)));
        ref float x5 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 5, last)));
        ref float x6 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 6, last)));
        ref float x7 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 7, last)));
        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, a4 = TS.Zero, a5 = TS.Zero, a6 = TS.Zero, a7 = TS.Zero;
        TV b0 = TS.Zero, b1 = TS.Zero, b2 = TS.Zero, b3 = TS.Zero, b4 = TS.Zero, b5 = TS.Zero, b6 = TS.Zero, b7 = TS.Zero;
        for (int oy = 0; oy < oh; oy++)
        {
            nint i = (nint)oy * rowStride, end = i + ow;
            for (; i < end; i++, g = ref Mem.Walk(ref g, kp))
            {
                TV gv = TS.Load(ref g, 0);
                TV hv = TS.Load(ref g, w);
                TV x = TS.Splat(Mem.Add(ref x0, i));
                a0 = TS.Fma(x, gv, a0);
                b0 = TS.Fma(x, hv, b0);
                x = TS.Splat(Mem.Add(ref x1, i));
                a1 = TS.Fma(x, gv, a1);
                b1 = TS.Fma(x, hv, b1);
                x = TS.Splat(Mem.Add(ref x2, i));
                a2 = TS.Fma(x, gv, a2);
                b2 = TS.Fma(x, hv, b2);
                x = TS.Splat(Mem.Add(ref x3, i));
                a3 = TS.Fma(x, gv, a3);
                b3 = TS.Fma(x, hv, b3);
                x = TS.Splat(Mem.Add(ref x4, i));
                a4 = TS.Fma(x, gv, a4);
                b4 = TS.Fma(x, hv, b4);
                x = TS.Splat(Mem.Add(ref x5, i));
                a5 = TS.Fma(x, gv, a5);
                b5 = TS.Fma(x, hv, b5);
                x = TS.Splat(Mem.Add(ref x6, i));
                a6 = TS.Fma(x, gv, a6);
                b6 = TS.Fma(x, hv, b6);
                x = TS.Splat(Mem.Add(ref x7, i));
                a7 = TS.Fma(x, gv, a7);
                b7 = TS.Fma(x, hv, b7);
            }
        }

        TS.Store(a0, ref block, 0);
        TS.Store(b0, ref block, w);
        TS.Store(a1, ref block, 2 * w);
        TS.Store(b1, ref block, 3 * w);
        TS.Store(a2, ref block, 4 * w);
        TS.Store(b2, ref block, 5 * w);
        TS.Store(a3, ref block, 6 * w);
        TS.Store(b3, ref block, 7 * w);
        TS.Store(a4, ref block, 8 * w);
        TS.Store(b4, ref block, 9 * w);
        TS.Store(a5, ref block, 10 * w);
        TS.Store(b5, ref block, 11 * w);
        TS.Store(a6, ref block, 12 * w);
        TS.Store(b6, ref block, 13 * w);
        TS.Store(a7, ref block, 14 * w);
        TS.Store(b7, ref block, 15 * w);
    }

    // dw[lane·ldw + r] += block[r·width + lane] for r < count, lane < lanes: a block of taps' sums (one vector of
    // output channels per tap) added into dW's rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddBlock(ref float block, int width, int count, int lanes, ref float dw, int ldw)
    {
        for (int lane = 0; lane < lanes; lane++)
        {
            ref float row = ref Mem.Offset(ref dw, lane * ldw);
            for (int r = 0; r < count; r++)
            {
                Mem.Add(ref row, r) += Mem.Add(ref block, (r * width) + lane);
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static void Check(bool ok, string name)
    {
        if (!ok)
        {
            throw new ArgumentException("The span is shorter than the dimensions and strides require.", name);
        }
    }
}
