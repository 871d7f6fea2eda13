using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

// Pooling: the general max/min pooling, and the 2×2 stride-2 max pool forward (MaxPool2x2) and backward.
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
            WindowExtremes<Vector512<float>, Simd512>(ref x, ref m, count, width, kernelHeight, kernelWidth, min);
        }
        else
        {
            WindowExtremes<Vector256<float>, Simd256>(ref x, ref m, count, width, kernelHeight, kernelWidth, min);
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

    /// <summary>
    /// m[i] = the maximum (or minimum) of x over the window whose top-left cell is i, for 0 ≤ i &lt; count (count ≥ one
    /// vector); the last vector overlaps the one before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WindowExtremes<TV, TS>(ref float x, ref float m, int count, int width, int kernelHeight, int kernelWidth, bool min)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        for (int i = 0; ; i += TS.Width)
        {
            nuint at = (nuint)Math.Min(i, count - TS.Width);
            TV best = TS.Load(ref x, at);
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                for (int kx = ky == 0 ? 1 : 0; kx < kernelWidth; kx++)
                {
                    TV v = TS.Load(ref x, at + (nuint)((ky * width) + kx));
                    best = min ? TS.Min(best, v) : TS.Max(best, v);
                }
            }

            TS.Store(best, ref m, at);
            if ((int)at == count - TS.Width)
            {
                return;
            }
        }
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
            ExtremeVectors<Vector512<float>, Simd512>(ref t, ref s, n, min);
            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ExtremeVectors<Vector256<float>, Simd256>(ref t, ref s, n, min);
            return;
        }

        for (int i = 0; i < n; i++)
        {
            float a = Mem.Add(ref t, i), b = Mem.Add(ref s, i);
            Mem.Add(ref t, i) = min ? (b < a ? b : a) : (b > a ? b : a);
        }
    }

    /// <summary><see cref="Extreme"/> for n ≥ one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExtremeVectors<TV, TS>(ref float t, ref float s, int n, bool min)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        for (int i = 0; ; i += TS.Width)
        {
            nuint at = (nuint)Math.Min(i, n - TS.Width);
            TV a = TS.Load(ref t, at), b = TS.Load(ref s, at);
            TS.Store(min ? TS.Min(a, b) : TS.Max(a, b), ref t, at);
            if ((int)at == n - TS.Width)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Max pooling with a 2×2 window, stride 2 and no padding (floor: an odd last row or column is left out), the most
    /// common pool, without the general kernel's per-window bookkeeping: per output row, the vertical maximum of its two
    /// input rows one vector at a time, then the maximum of each column pair through one lane swap, keeping the even
    /// lanes (rows of at least half a vector; scalar otherwise). Its backward is <see cref="ExtremePool2x2Backward"/>.
    /// output[c, oy, ox] = max of input[c, 2·oy + dy, 2·ox + dx] for dy, dx in {0, 1}.
    /// </summary>
    /// <param name="input">C × H × W floats.</param>
    /// <param name="output">C × (H / 2) × (W / 2) floats.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxPool2x2(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width)
    {
        int oh = height / 2, ow = width / 2;
        if (input.Length < channels * height * width || output.Length < channels * oh * ow)
        {
            throw new ArgumentException("The input or output is too short for the shapes.");
        }

        ref float x = ref Mem.Ref(input);
        ref float y = ref Mem.Ref(output);
        if (Vector512.IsHardwareAccelerated && ow >= 8)
        {
            MaxPool2x2Vectors<Vector512<float>, Simd512>(ref x, ref y, channels, height, width);
            return;
        }

        if (Vector256.IsHardwareAccelerated && ow >= 4)
        {
            MaxPool2x2Vectors<Vector256<float>, Simd256>(ref x, ref y, channels, height, width);
            return;
        }

        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                ref float top = ref Mem.Offset(ref x, ((c * height) + (2 * oy)) * width);
                ref float bottom = ref Mem.Offset(ref top, width);
                ref float o = ref Mem.Offset(ref y, ((c * oh) + oy) * ow);
                for (int ox = 0; ox < ow; ox++)
                {
                    float a = MathF.Max(Mem.Add(ref top, 2 * ox), Mem.Add(ref top, (2 * ox) + 1));
                    float b = MathF.Max(Mem.Add(ref bottom, 2 * ox), Mem.Add(ref bottom, (2 * ox) + 1));
                    Mem.Add(ref o, ox) = MathF.Max(a, b);
                }
            }
        }
    }

    /// <summary><see cref="MaxPool2x2"/> for output rows of at least Width / 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxPool2x2Vectors<TV, TS>(ref float x, ref float y, int channels, int height, int width)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int oh = height / 2, ow = width / 2, step = TS.Width / 2;
        for (int row = 0; row < channels * oh; row++)
        {
            int c = row / oh, oy = row - (c * oh);
            ref float top = ref Mem.Offset(ref x, ((c * height) + (2 * oy)) * width);
            ref float bottom = ref Mem.Offset(ref top, width);
            ref float o = ref Mem.Offset(ref y, row * ow);
            for (int ox = 0; ox < ow; ox += step)
            {
                // The last block overlaps the one before rather than reading past the row: it starts at ow − Width / 2.
                int at = Math.Min(ox, ow - step);
                TV m = TS.Max(TS.Load(ref top, (nuint)(2 * at)), TS.Load(ref bottom, (nuint)(2 * at)));
                TS.StoreEvenLanes(TS.Max(m, TS.SwapPairs(m)), ref o, (nuint)at);
            }
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
                    ox = PoolBackwardVectors<Vector512<float>, Simd512>(ref x, ref t, ref g, ref d, o, row, width, outWidth, inLength, outLength, relu);
                }
                else if (Vector256.IsHardwareAccelerated)
                {
                    ox = PoolBackwardVectors<Vector256<float>, Simd256>(ref x, ref t, ref g, ref d, o, row, width, outWidth, inLength, outLength, relu);
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

    /// <summary>
    /// The windows of one output row of <see cref="ExtremePool2x2Backward"/> Width / 2 at a time, while their loads stay
    /// inside the spans (the lanes past the row masked): each output and its gradient broadcast to both columns of its
    /// window, the tie rule applied with lane masks. Returns the first window left for the scalar loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PoolBackwardVectors<TV, TS>(ref float x, ref float t, ref float g, ref float d, int o, int row, int width, int outWidth, int inLength, int outLength, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int windows = TS.Width / 2, ox = 0;
        for (; ox < outWidth && o + ox + windows <= outLength && row + width + (2 * ox) + TS.Width <= inLength; ox += windows)
        {
            TV target = TS.LoadPairs(ref t, (nuint)(o + ox));
            TV grad = TS.LoadPairs(ref g, (nuint)(o + ox));
            TV lanes = TS.Below(2 * Math.Min(windows, outWidth - ox));
            if (relu)
            {
                lanes = TS.And(lanes, TS.GreaterThan(target, TS.Zero));
            }

            // Row-major tie rule: the top-left cell if it matches; the top-right if it does and its left neighbour does not;
            // a bottom cell only if no top cell of its window matches.
            nuint top = (nuint)(row + (2 * ox)), bottom = top + (nuint)width;
            TV m0 = TS.And(TS.Equal(TS.Load(ref x, top), target), lanes);
            TV m1 = TS.And(TS.Equal(TS.Load(ref x, bottom), target), lanes);
            TV s0 = TS.SwapPairs(m0), s1 = TS.SwapPairs(m1);
            TV take0 = TS.AndNot(m0, TS.And(s0, TS.OddLanes));
            TV take1 = TS.AndNot(TS.AndNot(m1, TS.And(s1, TS.OddLanes)), TS.Or(m0, s0));
            TV d0 = TS.Load(ref d, top), d1 = TS.Load(ref d, bottom);
            TS.Store(TS.Select(take0, TS.Add(d0, grad), d0), ref d, top);
            TS.Store(TS.Select(take1, TS.Add(d1, grad), d1), ref d, bottom);
        }

        return ox;
    }
}
