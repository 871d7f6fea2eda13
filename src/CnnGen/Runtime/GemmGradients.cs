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
    public static int ConvWeightGradientScratch(int outChannels, int outHeight, int outWidth) => outHeight * outWidth * RoundUp(outChannels, 16);

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
                Weights512(k, kp, taps, outHeight, outWidth, ref dyT, ref fr, rowStride, ref offs, ref dw);
            }
            else
            {
                Weights256(k, kp, taps, outHeight, outWidth, ref dyT, ref fr, rowStride, ref offs, ref dw);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Weights512(int k, int kp, int taps, int oh, int ow, ref float dyT, ref float fr, int rowStride, ref int offs, ref float dw)
    {
        Span<float> block = stackalloc float[32 * TapBlock];
        ref float bl = ref Mem.Ref(block);
        int c0 = 0;

        // Two vectors of output channels at a time where there are (each broadcast frame value feeds two FMAs), then one.
        for (; c0 + 32 <= kp; c0 += 32)
        {
            for (int t = 0; t < taps; t += TapBlock)
            {
                int count = Math.Min(TapBlock, taps - t);
                Block512x2(taps, t, oh, ow, ref Mem.Offset(ref dyT, c0), kp, ref fr, rowStride, ref offs, ref bl);
                AddBlock(ref bl, 32, count, Math.Min(32, k - c0), ref Mem.Offset(ref dw, (c0 * taps) + t), taps);
            }
        }

        for (; c0 < kp; c0 += 16)
        {
            for (int t = 0; t < taps; t += TapBlock)
            {
                int count = Math.Min(TapBlock, taps - t);
                Block512(taps, t, oh, ow, ref Mem.Offset(ref dyT, c0), kp, ref fr, rowStride, ref offs, ref bl);
                AddBlock(ref bl, 16, count, Math.Min(16, k - c0), ref Mem.Offset(ref dw, (c0 * taps) + t), taps);
            }
        }
    }

    // The sums of taps t … t + 7 (the last block repeats the last tap in its unused accumulators: computed, never
    // added) over every output position, for the 16 output channels at g, stored to block[r·16 + lane].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512(int taps, int t, int oh, int ow, ref float g, int kp, ref float fr, int rowStride, ref int offs, ref float block)
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
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int oy = 0; oy < oh; oy++)
        {
            nint i = (nint)oy * rowStride, end = i + ow;
            for (; i < end; i++, g = ref Mem.Walk(ref g, kp))
            {
                Vector512<float> gv = Mem.Load512(ref g);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x0, i)), gv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x1, i)), gv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x2, i)), gv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x3, i)), gv, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x4, i)), gv, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x5, i)), gv, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x6, i)), gv, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Mem.Add(ref x7, i)), gv, a7);
            }
        }

        Mem.Store(a0, ref block, 0);
        Mem.Store(a1, ref block, 16);
        Mem.Store(a2, ref block, 32);
        Mem.Store(a3, ref block, 48);
        Mem.Store(a4, ref block, 64);
        Mem.Store(a5, ref block, 80);
        Mem.Store(a6, ref block, 96);
        Mem.Store(a7, ref block, 112);
    }

    // As Block512 for 32 output channels (two vectors), stored to block[r·32 + lane].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block512x2(int taps, int t, int oh, int ow, ref float g, int kp, ref float fr, int rowStride, ref int offs, ref float block)
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
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        for (int oy = 0; oy < oh; oy++)
        {
            nint i = (nint)oy * rowStride, end = i + ow;
            for (; i < end; i++, g = ref Mem.Walk(ref g, kp))
            {
                Vector512<float> gv = Mem.Load512(ref g);
                Vector512<float> hv = Mem.Load512(ref g, 16);
                Vector512<float> x = Vector512.Create(Mem.Add(ref x0, i));
                a0 = Vector512.FusedMultiplyAdd(x, gv, a0);
                b0 = Vector512.FusedMultiplyAdd(x, hv, b0);
                x = Vector512.Create(Mem.Add(ref x1, i));
                a1 = Vector512.FusedMultiplyAdd(x, gv, a1);
                b1 = Vector512.FusedMultiplyAdd(x, hv, b1);
                x = Vector512.Create(Mem.Add(ref x2, i));
                a2 = Vector512.FusedMultiplyAdd(x, gv, a2);
                b2 = Vector512.FusedMultiplyAdd(x, hv, b2);
                x = Vector512.Create(Mem.Add(ref x3, i));
                a3 = Vector512.FusedMultiplyAdd(x, gv, a3);
                b3 = Vector512.FusedMultiplyAdd(x, hv, b3);
                x = Vector512.Create(Mem.Add(ref x4, i));
                a4 = Vector512.FusedMultiplyAdd(x, gv, a4);
                b4 = Vector512.FusedMultiplyAdd(x, hv, b4);
                x = Vector512.Create(Mem.Add(ref x5, i));
                a5 = Vector512.FusedMultiplyAdd(x, gv, a5);
                b5 = Vector512.FusedMultiplyAdd(x, hv, b5);
                x = Vector512.Create(Mem.Add(ref x6, i));
                a6 = Vector512.FusedMultiplyAdd(x, gv, a6);
                b6 = Vector512.FusedMultiplyAdd(x, hv, b6);
                x = Vector512.Create(Mem.Add(ref x7, i));
                a7 = Vector512.FusedMultiplyAdd(x, gv, a7);
                b7 = Vector512.FusedMultiplyAdd(x, hv, b7);
            }
        }

        Mem.Store(a0, ref block, 0);
        Mem.Store(b0, ref block, 16);
        Mem.Store(a1, ref block, 32);
        Mem.Store(b1, ref block, 48);
        Mem.Store(a2, ref block, 64);
        Mem.Store(b2, ref block, 80);
        Mem.Store(a3, ref block, 96);
        Mem.Store(b3, ref block, 112);
        Mem.Store(a4, ref block, 128);
        Mem.Store(b4, ref block, 144);
        Mem.Store(a5, ref block, 160);
        Mem.Store(b5, ref block, 176);
        Mem.Store(a6, ref block, 192);
        Mem.Store(b6, ref block, 208);
        Mem.Store(a7, ref block, 224);
        Mem.Store(b7, ref block, 240);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Weights256(int k, int kp, int taps, int oh, int ow, ref float dyT, ref float fr, int rowStride, ref int offs, ref float dw)
    {
        Span<float> block = stackalloc float[8 * TapBlock];
        ref float bl = ref Mem.Ref(block);
        for (int c0 = 0; c0 < kp; c0 += 8)
        {
            int lanes = Math.Min(8, k - c0);
            for (int t = 0; t < taps; t += TapBlock)
            {
                // The last block repeats the last tap in its unused accumulators (computed, never added).
                int count = Math.Min(TapBlock, taps - t), last = taps - 1;
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                for (int oy = 0; oy < oh; oy++)
                {
                    ref float g = ref Mem.Offset(ref dyT, (oy * ow * kp) + c0);
                    nint row = (nint)oy * rowStride;
                    ref float x0 = ref Mem.Offset(ref fr, Mem.Add(ref offs, t) + row);
                    ref float x1 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 1, last)) + row);
                    ref float x2 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 2, last)) + row);
                    ref float x3 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 3, last)) + row);
                    ref float x4 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 4, last)) + row);
                    ref float x5 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 5, last)) + row);
                    ref float x6 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 6, last)) + row);
                    ref float x7 = ref Mem.Offset(ref fr, Mem.Add(ref offs, Math.Min(t + 7, last)) + row);
                    for (int ox = 0; ox < ow; ox++, g = ref Mem.Walk(ref g, kp))
                    {
                        Vector256<float> gv = Mem.Load256(ref g);
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x0, ox)), gv, a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x1, ox)), gv, a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x2, ox)), gv, a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x3, ox)), gv, a3);
                        a4 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x4, ox)), gv, a4);
                        a5 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x5, ox)), gv, a5);
                        a6 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x6, ox)), gv, a6);
                        a7 = Vector256.FusedMultiplyAdd(Vector256.Create(Mem.Add(ref x7, ox)), gv, a7);
                    }
                }

                Mem.Store(a0, ref bl, 0);
                Mem.Store(a1, ref bl, 8);
                Mem.Store(a2, ref bl, 16);
                Mem.Store(a3, ref bl, 24);
                Mem.Store(a4, ref bl, 32);
                Mem.Store(a5, ref bl, 40);
                Mem.Store(a6, ref bl, 48);
                Mem.Store(a7, ref bl, 56);
                AddBlock(ref bl, 8, count, lanes, ref Mem.Offset(ref dw, (c0 * taps) + t), taps);
            }
        }
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
