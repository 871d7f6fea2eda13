using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

// im2col and col2im: a convolution's windows as the columns of a matrix, and the gradient back.
public static partial class Kernels
{
    /// <summary>
    /// im2col for output rows [<paramref name="firstRow"/>, firstRow + <paramref name="rows"/>) of a convolution:
    /// <paramref name="col"/>[(c·FH + ky)·FW + kx][y·OW + ox] = input[c, (firstRow + y)·SH + ky − PH, ox·SW + kx − PW],
    /// zero where that falls in the padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2Col(ReadOnlySpan<float> input, int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth, int outWidth, int firstRow, int rows, Span<float> col)
    {
        int n = rows * outWidth;
        int r = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                for (int kx = 0; kx < kernelWidth; kx++, r++)
                {
                    Span<float> dst = col.Slice(r * n, n);
                    (int start, int end) = ValidColumns(kx, width, outWidth, strideWidth, padWidth);
                    for (int y = 0; y < rows; y++)
                    {
                        Span<float> d = dst.Slice(y * outWidth, outWidth);
                        int iy = ((firstRow + y) * strideHeight) + ky - padHeight;
                        if ((uint)iy >= (uint)height || start >= end)
                        {
                            d.Clear();
                            continue;
                        }

                        d.Slice(0, start).Clear();
                        d.Slice(end).Clear();
                        ReadOnlySpan<float> row = plane.Slice(iy * width, width);
                        if (strideWidth == 1)
                        {
                            row.Slice(start + kx - padWidth, end - start).CopyTo(d.Slice(start));
                        }
                        else
                        {
                            int ox = strideWidth == 2 ? EveryOther(row, kx - padWidth, d, start, end) : start;
                            for (; ox < end; ox++)
                            {
                                d[ox] = row[(ox * strideWidth) + kx - padWidth];
                            }
                        }
                    }
                }
            }
        }
    }

    // Stride 2: d[ox] = row[2·ox + shift] for ox from start, a vector at a time while its 2·Width source floats lie in
    // the row; returns the first ox left to the scalar loop. Fully optimised from the first call, as every kernel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int EveryOther(ReadOnlySpan<float> row, int shift, Span<float> d, int start, int end) =>
        Vector512.IsHardwareAccelerated ? EveryOther<Vector512<float>, Simd512>(row, shift, d, start, end)
        : Vector256.IsHardwareAccelerated ? EveryOther<Vector256<float>, Simd256>(row, shift, d, start, end)
        : start;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EveryOther<TV, TS>(ReadOnlySpan<float> row, int shift, Span<float> d, int start, int end)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int w = TS.Width, ox = start;
        ref float source = ref Mem.Ref(row);
        ref float target = ref Mem.Ref(d);
        for (; ox + w <= end && (2 * ox) + shift + (2 * w) <= row.Length; ox += w)
        {
            TS.Store(TS.LoadEvenLanes(ref source, (nuint)((2 * ox) + shift)), ref target, (nuint)ox);
        }

        return ox;
    }

    /// <summary>The inverse scatter of <see cref="Im2Col"/>: adds each column entry into the input cell it was read from.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2Im(ReadOnlySpan<float> col, int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth, int outWidth, int firstRow, int rows, Span<float> gradInput)
    {
        int n = rows * outWidth;
        int r = 0;
        for (int c = 0; c < channels; c++)
        {
            Span<float> plane = gradInput.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                for (int kx = 0; kx < kernelWidth; kx++, r++)
                {
                    ReadOnlySpan<float> src = col.Slice(r * n, n);
                    (int start, int end) = ValidColumns(kx, width, outWidth, strideWidth, padWidth);
                    for (int y = 0; y < rows; y++)
                    {
                        int iy = ((firstRow + y) * strideHeight) + ky - padHeight;
                        if ((uint)iy >= (uint)height || start >= end)
                        {
                            continue;
                        }

                        ReadOnlySpan<float> s = src.Slice(y * outWidth, outWidth);
                        Span<float> row = plane.Slice(iy * width, width);
                        if (strideWidth == 1)
                        {
                            Span<float> target = row.Slice(start + kx - padWidth, end - start);
                            TensorPrimitives.Add(s.Slice(start, end - start), target, target);
                        }
                        else
                        {
                            for (int ox = start; ox < end; ox++)
                            {
                                row[(ox * strideWidth) + kx - padWidth] += s[ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns ox with 0 ≤ ox·stride + kx − pad &lt; width, as [start, end).</summary>
    private static (int Start, int End) ValidColumns(int kx, int width, int outWidth, int stride, int pad)
    {
        int start = Math.Max(0, (pad - kx + stride - 1) / stride);
        int last = width - 1 + pad - kx;
        int end = last < 0 ? 0 : Math.Min(outWidth, (last / stride) + 1);
        return (start, Math.Max(start, end));
    }
}
