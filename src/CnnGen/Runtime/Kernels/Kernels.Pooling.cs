using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

// Pooling: the general max/min pooling and the 2×2, stride-2 backward (its forward: MaxPool2x2).
public static partial class Kernels
{
    /// <summary>
    /// Max pooling (or min pooling, <paramref name="min"/>) of <paramref name="channels"/> planes, branch-free: per
    /// output row the window's input rows are reduced with vector maxima into a row framed by padding cells that
    /// never win, then each column of that row with its FW − 1 right neighbours, and every SW-th value is kept.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExtremePool(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight, int padWidth, int outHeight, int outWidth, bool min)
    {
        if (input.Length < channels * height * width || output.Length < channels * outHeight * outWidth)
        {
            throw new ArgumentException("The input or output span is shorter than the pooling shapes require.");
        }

        if (padHeight == 0 && padWidth == 0 && ((outHeight - 1) * strideHeight) + kernelHeight <= height && ((outWidth - 1) * strideWidth) + kernelWidth <= width
            && Vector256.IsHardwareAccelerated && input.Length >= channels * height * width && channels * height * width >= 16 + ((kernelHeight - 1) * width) + kernelWidth)
        {
            ExtremePoolInside(input, output, channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, outHeight, outWidth, min);
            return;
        }

        int frame = Math.Max(width + (2 * padWidth), ((outWidth - 1) * strideWidth) + kernelWidth);
        int reach = ((outWidth - 1) * strideWidth) + 1;
        float[]? rented = null;
        Span<float> buffer = frame + reach <= 1024 ? stackalloc float[1024] : (rented = ArrayPool<float>.Shared.Rent(frame + reach));
        Span<float> row = buffer.Slice(0, frame);
        Span<float> window = buffer.Slice(frame, reach);
        float empty = min ? float.PositiveInfinity : float.NegativeInfinity;
        row.Fill(empty);
        Span<float> inner = row.Slice(padWidth, width);
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * height * width, height * width);
            Span<float> outPlane = output.Slice(c * outHeight * outWidth, outHeight * outWidth);
            for (int oy = 0; oy < outHeight; oy++)
            {
                int y0 = (oy * strideHeight) - padHeight;
                int ya = Math.Max(y0, 0), yb = Math.Min(y0 + kernelHeight, height);
                if (ya >= yb)
                {
                    inner.Fill(empty);
                }
                else
                {
                    plane.Slice(ya * width, width).CopyTo(inner);
                    for (int y = ya + 1; y < yb; y++)
                    {
                        Extreme(inner, plane.Slice(y * width, width), min);
                    }
                }

                row.Slice(0, reach).CopyTo(window);
                for (int kx = 1; kx < kernelWidth; kx++)
                {
                    Extreme(window, row.Slice(kx, reach), min);
                }

                Span<float> o = outPlane.Slice(oy * outWidth, outWidth);
                for (int ox = 0; ox < o.Length; ox++)
                {
                    o[ox] = window[ox * strideWidth];
                }
            }
        }

        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Every window inside the input (no padding, floor rounding): the window maximum at every input position at
    /// once, M[i] = max over the taps of input[i + ky·W + kx], in whole vectors over all channels (positions whose
    /// window crosses a row or plane edge are computed but never kept), then every stride-th position is picked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExtremePoolInside(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int outHeight, int outWidth, bool min)
    {
        int reach = ((kernelHeight - 1) * width) + kernelWidth - 1;
        int count = (channels * height * width) - reach;
        float[] rented = ArrayPool<float>.Shared.Rent(count);
        ref float x = ref Mem.Ref(input);
        ref float m = ref Mem.Ref(rented);
        if (Vector512.IsHardwareAccelerated && count >= 16)
        {
            for (int i = 0; ; i += 16)
            {
                nuint at = (nuint)Math.Min(i, count - 16);
                Vector512<float> best = Mem.Load512(ref x, at);
                for (int ky = 0; ky < kernelHeight; ky++)
                {
                    for (int kx = ky == 0 ? 1 : 0; kx < kernelWidth; kx++)
                    {
                        Vector512<float> v = Mem.Load512(ref x, at + (nuint)((ky * width) + kx));
                        best = min ? Vector512.Min(best, v) : Vector512.Max(best, v);
                    }
                }

                Mem.Store(best, ref m, at);
                if ((int)at == count - 16)
                {
                    break;
                }
            }
        }
        else
        {
            for (int i = 0; ; i += 8)
            {
                nuint at = (nuint)Math.Min(i, count - 8);
                Vector256<float> best = Mem.Load256(ref x, at);
                for (int ky = 0; ky < kernelHeight; ky++)
                {
                    for (int kx = ky == 0 ? 1 : 0; kx < kernelWidth; kx++)
                    {
                        Vector256<float> v = Mem.Load256(ref x, at + (nuint)((ky * width) + kx));
                        best = min ? Vector256.Min(best, v) : Vector256.Max(best, v);
                    }
                }

                Mem.Store(best, ref m, at);
                if ((int)at == count - 8)
                {
                    break;
                }
            }
        }

        ref float o = ref Mem.Ref(output);
        int k = 0;
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < outHeight; oy++)
            {
                ref float row = ref Mem.Offset(ref m, (c * height * width) + (oy * strideHeight * width));
                for (int ox = 0; ox < outWidth; ox++, k++)
                {
                    Mem.Add(ref o, k) = Mem.Add(ref row, ox * strideWidth);
                }
            }
        }

        ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>target = max(target, source) (or min) element-wise; the last vector overlaps the one before, which max allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Extreme(Span<float> target, ReadOnlySpan<float> source, bool min)
    {
        int n = target.Length;
        ref float t = ref Mem.Ref(target);
        ref float s = ref Mem.Ref(source);
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            for (int i = 0; ; i += 16)
            {
                nuint at = (nuint)Math.Min(i, n - 16);
                Vector512<float> a = Mem.Load512(ref t, at), b = Mem.Load512(ref s, at);
                Mem.Store((min ? Vector512.Min(a, b) : Vector512.Max(a, b)), ref t, at);
                if ((int)at == n - 16)
                {
                    return;
                }
            }
        }

        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            for (int i = 0; ; i += 8)
            {
                nuint at = (nuint)Math.Min(i, n - 8);
                Vector256<float> a = Mem.Load256(ref t, at), b = Mem.Load256(ref s, at);
                Mem.Store((min ? Vector256.Min(a, b) : Vector256.Max(a, b)), ref t, at);
                if ((int)at == n - 8)
                {
                    return;
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            float a = Mem.Add(ref t, i), b = Mem.Add(ref s, i);
            Mem.Add(ref t, i) = min ? (b < a ? b : a) : (b > a ? b : a);
        }
    }

    /// <summary>
    /// Backward of 2×2 max or min pooling with stride 2 and no padding whose windows all lie inside the input
    /// (2·outHeight ≤ height, 2·outWidth ≤ width): each window's gradient is ADDED to the first of its cells, in row-major
    /// order, that equals the forward output (the arg-max or arg-min; nothing if none does, e.g. a NaN). Vectorised: 8
    /// windows of an output row at once, the outputs and their gradients broadcast to both columns of their windows, the
    /// tie rule applied with lane masks; no branches on the data. With <paramref name="relu"/> the pooled input is a ReLU's
    /// output and <paramref name="gradInput"/> is the gradient of that ReLU's INPUT: a window's gradient is added only where
    /// its output is positive (the ReLU's own backward, fused: the chosen cell equals the output, and a ReLU's output is
    /// positive exactly where its input is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExtremePool2x2Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> gradOutput, Span<float> gradInput, int channels, int height, int width, int outHeight, int outWidth, bool relu)
    {
        if (2 * outHeight > height || 2 * outWidth > width || input.Length < channels * height * width || gradInput.Length < channels * height * width
            || output.Length < channels * outHeight * outWidth || gradOutput.Length < channels * outHeight * outWidth)
        {
            throw new ArgumentException("The spans are shorter than the pooling shapes require, or a window does not lie inside the input.");
        }

        ref float x = ref Mem.Ref(input);
        ref float t = ref Mem.Ref(output);
        ref float g = ref Mem.Ref(gradOutput);
        ref float d = ref Mem.Ref(gradInput);
        int inLength = channels * height * width, outLength = channels * outHeight * outWidth;
        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < outHeight; oy++)
            {
                int o = ((c * outHeight) + oy) * outWidth;
                int row = (((c * height) + (2 * oy)) * width);
                int ox = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    // Whole or partial groups of 8 windows whose 16-float loads stay inside the spans; the lanes past the row are masked.
                    for (; ox < outWidth && o + ox + 8 <= outLength && row + width + (2 * ox) + 16 <= inLength; ox += 8)
                    {
                        PoolBackward8(ref x, ref t, ref g, ref d, o + ox, row + (2 * ox), width, Math.Min(8, outWidth - ox), relu);
                    }
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    for (; ox < outWidth && o + ox + 4 <= outLength && row + width + (2 * ox) + 8 <= inLength; ox += 4)
                    {
                        PoolBackward4(ref x, ref t, ref g, ref d, o + ox, row + (2 * ox), width, Math.Min(4, outWidth - ox), relu);
                    }
                }

                for (; ox < outWidth; ox++)
                {
                    int at = row + (2 * ox);
                    float target = Mem.Add(ref t, o + ox);
                    int best = Mem.Add(ref x, at) == target ? at
                        : Mem.Add(ref x, at + 1) == target ? at + 1
                        : Mem.Add(ref x, at + width) == target ? at + width
                        : Mem.Add(ref x, at + width + 1) == target ? at + width + 1
                        : -1;
                    if (best >= 0 && (!relu || target > 0f))
                    {
                        Mem.Add(ref d, best) += Mem.Add(ref g, o + ox);
                    }
                }
            }
        }
    }

    /// <summary>8 windows of <see cref="ExtremePool2x2Backward"/>: outputs at <paramref name="o"/>, top-left cells at <paramref name="at"/>, <paramref name="valid"/> of them real; with <paramref name="relu"/> only those whose output is positive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolBackward8(ref float x, ref float t, ref float g, ref float d, int o, int at, int width, int valid, bool relu)
    {
        Vector512<int> expand = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        Vector512<int> swap = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        Vector512<int> odd = Vector512.Create(0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1);
        Vector512<float> target = Vector512.Shuffle(Mem.Load256(ref t, (nuint)o).ToVector512Unsafe(), expand);
        Vector512<float> grad = Vector512.Shuffle(Mem.Load256(ref g, (nuint)o).ToVector512Unsafe(), expand);
        Vector512<int> lanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(2 * valid));
        if (relu)
        {
            lanes &= Vector512.GreaterThan(target, Vector512<float>.Zero).AsInt32();
        }

        nuint top = (nuint)at, bottom = (nuint)(at + width);
        Vector512<int> m0 = Vector512.Equals(Mem.Load512(ref x, top), target).AsInt32() & lanes;
        Vector512<int> m1 = Vector512.Equals(Mem.Load512(ref x, bottom), target).AsInt32() & lanes;
        Vector512<int> s0 = Vector512.Shuffle(m0, swap), s1 = Vector512.Shuffle(m1, swap);
        Vector512<int> take0 = Vector512.AndNot(m0, s0 & odd);
        Vector512<int> take1 = Vector512.AndNot(Vector512.AndNot(m1, s1 & odd), m0 | s0);
        Vector512<float> d0 = Mem.Load512(ref d, top), d1 = Mem.Load512(ref d, bottom);
        Mem.Store(Vector512.ConditionalSelect(take0.AsSingle(), d0 + grad, d0), ref d, top);
        Mem.Store(Vector512.ConditionalSelect(take1.AsSingle(), d1 + grad, d1), ref d, bottom);
    }

    /// <summary>4 windows of <see cref="ExtremePool2x2Backward"/> with 256-bit vectors (the same steps as <see cref="PoolBackward8"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolBackward4(ref float x, ref float t, ref float g, ref float d, int o, int at, int width, int valid, bool relu)
    {
        Vector256<int> expand = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        Vector256<int> swap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> odd = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1);
        Vector256<float> target = Vector256.Shuffle(Mem.Load128(ref t, (nuint)o).ToVector256Unsafe(), expand);
        Vector256<float> grad = Vector256.Shuffle(Mem.Load128(ref g, (nuint)o).ToVector256Unsafe(), expand);
        Vector256<int> lanes = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(2 * valid));
        if (relu)
        {
            lanes &= Vector256.GreaterThan(target, Vector256<float>.Zero).AsInt32();
        }

        nuint top = (nuint)at, bottom = (nuint)(at + width);
        Vector256<int> m0 = Vector256.Equals(Mem.Load256(ref x, top), target).AsInt32() & lanes;
        Vector256<int> m1 = Vector256.Equals(Mem.Load256(ref x, bottom), target).AsInt32() & lanes;
        Vector256<int> s0 = Vector256.Shuffle(m0, swap), s1 = Vector256.Shuffle(m1, swap);
        Vector256<int> take0 = Vector256.AndNot(m0, s0 & odd);
        Vector256<int> take1 = Vector256.AndNot(Vector256.AndNot(m1, s1 & odd), m0 | s0);
        Vector256<float> d0 = Mem.Load256(ref d, top), d1 = Mem.Load256(ref d, bottom);
        Mem.Store(Vector256.ConditionalSelect(take0.AsSingle(), d0 + grad, d0), ref d, top);
        Mem.Store(Vector256.ConditionalSelect(take1.AsSingle(), d1 + grad, d1), ref d, bottom);
    }
}
