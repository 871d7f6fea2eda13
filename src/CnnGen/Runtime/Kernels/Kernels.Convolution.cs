using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

// What the convolutions share around their products: the padded frame, the kernel taps' offsets, the row sums.
public static partial class Kernels
{
    /// <summary>Copies C × H × W <paramref name="input"/> into <paramref name="frame"/>, zero-padded by PH rows and PW columns on each side.</summary>
    /// <param name="input">C × H × W floats.</param>
    /// <param name="frame">C × (H + 2·PH) × (W + 2·PW) floats.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="padHeight">PH.</param>
    /// <param name="padWidth">PW.</param>
    public static void PadFrame(ReadOnlySpan<float> input, Span<float> frame, int channels, int height, int width, int padHeight, int padWidth)
    {
        int hp = height + (2 * padHeight), wp = width + (2 * padWidth);
        frame.Clear();
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                input.Slice(((c * height) + y) * width, width).CopyTo(frame.Slice((((c * hp) + y + padHeight) * wp) + padWidth, width));
            }
        }
    }

    /// <summary>
    /// Where each kernel tap (c, ky, kx) of a stride-1 convolution starts in its (padded) input frame:
    /// c·<paramref name="planeStride"/> + ky·<paramref name="rowStride"/> + kx, in PyTorch's weight order. With
    /// these as the row offsets of B, a convolution is one matrix product with no im2col copy.
    /// </summary>
    public static int[] ConvTapOffsets(int channels, int kernelHeight, int kernelWidth, int planeStride, int rowStride)
    {
        var offsets = new int[channels * kernelHeight * kernelWidth];
        int t = 0;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                for (int kx = 0; kx < kernelWidth; kx++)
                {
                    offsets[t++] = (c * planeStride) + (ky * rowStride) + kx;
                }
            }
        }

        return offsets;
    }

    /// <summary>
    /// target[offsets[t] + j] += rows[t·length + j] for every row t and 0 ≤ j &lt; length, row after row (rows may
    /// overlap in the target): the col2im of a stride-1 convolution's wide rows. One call instead of one per tap; the
    /// last vector of a row ends at its last element, with the lanes already added masked to zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddRows(ReadOnlySpan<float> rows, int length, ReadOnlySpan<int> offsets, Span<float> target)
    {
        int count = offsets.Length;
        if (rows.Length < count * length)
        {
            throw new ArgumentException("rows holds fewer than offsets.Length rows of the given length.", nameof(rows));
        }

        for (int t = 0; t < count; t++)
        {
            if (offsets[t] < 0 || offsets[t] + length > target.Length)
            {
                throw new ArgumentException("A row offset falls outside the target.", nameof(offsets));
            }
        }

        ref float src = ref Mem.Ref(rows);
        ref float dst = ref Mem.Ref(target);
        if (Vector512.IsHardwareAccelerated && length >= 16)
        {
            AddRowsVectors<Vector512<float>, Simd512>(ref src, length, offsets, ref dst);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            AddRowsVectors<Vector256<float>, Simd256>(ref src, length, offsets, ref dst);
            return;
        }

        for (int t = 0; t < count; t++)
        {
            ref float s = ref Mem.Offset(ref src, t * length);
            ref float d = ref Mem.Offset(ref dst, offsets[t]);
            for (int j = 0; j < length; j++)
            {
                Mem.Add(ref d, j) += Mem.Add(ref s, j);
            }
        }
    }

    /// <summary><see cref="AddRows"/> for rows of at least one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRowsVectors<TV, TS>(ref float src, int length, ReadOnlySpan<int> offsets, ref float dst)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int full = length / TS.Width * TS.Width;
        TV tail = TS.From(length - TS.Width, full);
        for (int t = 0; t < offsets.Length; t++)
        {
            ref float s = ref Mem.Offset(ref src, t * length);
            ref float d = ref Mem.Offset(ref dst, offsets[t]);
            for (int j = 0; j < full; j += TS.Width)
            {
                TS.Store(TS.Add(TS.Load(ref d, (nuint)j), TS.Load(ref s, (nuint)j)), ref d, (nuint)j);
            }

            if (full != length)
            {
                nuint at = (nuint)(length - TS.Width);
                TS.Store(TS.Add(TS.Load(ref d, at), TS.And(TS.Load(ref s, at), tail)), ref d, at);
            }
        }
    }
}
