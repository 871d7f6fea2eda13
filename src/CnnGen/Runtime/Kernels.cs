using System;
using System.Buffers;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

/// <summary>
/// Shape-independent kernels that generated code calls: element-wise activations and their gradients,
/// softmax, batch normalisation, dropout, and the vector primitives under the emitted convolution and
/// dense loops. Not meant to be called directly. Every backward kernel ADDS into its input gradient, so
/// a tensor read by several layers (a residual branch) receives the sum of their gradients.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Kernels
{
    /// <summary>y += a · x.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, float a, Span<float> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    /// <summary>Σ x·y.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Dot(x, y);

    /// <summary>y += x.</summary>
    public static void Accumulate(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Add(x, y, y);

    /// <summary>max(0, x), in place.</summary>
    public static void ReLU(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    /// <summary>y = max(0, x).</summary>
    public static void ReLU(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>y = x for x &gt; 0, slope·x otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReLU(ReadOnlySpan<float> x, Span<float> y, float slope)
    {
        for (int i = 0; i < y.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0f ? v : slope * v;
        }
    }

    /// <summary>y = x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ELU(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        for (int i = 0; i < y.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0f ? v : alpha * (MathF.Exp(v) - 1f);
        }
    }

    /// <summary>y = 1 / (1 + e^−x); each element's result depends only on its value, not on the span's length.</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => EveryLengthAlike<SigmoidOp>(x, y);

    /// <summary>y = tanh x; each element's result depends only on its value, not on the span's length.</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => EveryLengthAlike<TanhOp>(x, y);

    /// <summary>An approximated element-wise function of <see cref="TensorPrimitives"/>.</summary>
    private interface IApproximated
    {
        static abstract void Apply(ReadOnlySpan<float> x, Span<float> y);
    }

    private readonly struct SigmoidOp : IApproximated
    {
        public static void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sigmoid(x, y);
    }

    private readonly struct TanhOp : IApproximated
    {
        public static void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);
    }

    /// <summary>
    /// <see cref="TensorPrimitives"/> picks its vector width from the span's length (512-bit from 16 floats, 256-bit from
    /// 8, …, scalar below), and its approximations of e^x differ by an ulp or two between widths. So <c>ForwardBatch</c>,
    /// whose spans hold a whole batch, would not give an image the bits <c>Forward</c> gives it. Every element is sent
    /// through the widest path instead: the span rounded down to 16 floats in one call, the rest padded to 16.
    /// </summary>
    private static void EveryLengthAlike<TOp>(ReadOnlySpan<float> x, Span<float> y)
        where TOp : struct, IApproximated
    {
        const int Width = 16; // Vector512<float>.Count, the widest TensorPrimitives uses; a multiple of every narrower one
        if (y.Length < x.Length) throw new ArgumentException($"The destination holds {y.Length} values, fewer than the {x.Length} of the source.", nameof(y));
        int whole = x.Length - (x.Length % Width);
        if (whole > 0) TOp.Apply(x[..whole], y[..whole]);
        int rest = x.Length - whole;
        if (rest > 0)
        {
            Span<float> padded = stackalloc float[Width];
            padded.Clear();
            x[whole..].CopyTo(padded);
            TOp.Apply(padded, padded);
            padded[..rest].CopyTo(y[whole..]);
        }
    }

    /// <summary>y = softmax(x), numerically stable (the maximum is subtracted before exponentiating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        float sum = TensorPrimitives.Sum(y);
        TensorPrimitives.Multiply(y, 1f / sum, y);
    }

    /// <summary>dx += dy where x &gt; 0 (branch-free: a vector mask, so random signs cost no mispredictions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReLUBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = dx.Length;
        if (x.Length < n || dy.Length < n)
        {
            throw new ArgumentException("x and dy must be as long as dx.");
        }

        ref float xr = ref Mem.Ref(x);
        ref float gr = ref Mem.Ref(dy);
        ref float dr = ref Mem.Ref(dx);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> keep = Vector512.GreaterThan(Mem.Load512(ref xr, (nuint)i), Vector512<float>.Zero);
                Mem.Store((Mem.Load512(ref dr, (nuint)i) + (Mem.Load512(ref gr, (nuint)i) & keep)), ref dr, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> keep = Vector256.GreaterThan(Mem.Load256(ref xr, (nuint)i), Vector256<float>.Zero);
                Mem.Store((Mem.Load256(ref dr, (nuint)i) + (Mem.Load256(ref gr, (nuint)i) & keep)), ref dr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            if (Mem.Add(ref xr, i) > 0f)
            {
                Mem.Add(ref dr, i) += Mem.Add(ref gr, i);
            }
        }
    }

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

    /// <summary>dx += dy · (x &gt; 0 ? 1 : slope).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyReLUBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float slope)
    {
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] += x[i] > 0f ? dy[i] : slope * dy[i];
        }
    }

    /// <summary>dx += dy · (x &gt; 0 ? 1 : y + α), from the input x and output y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ELUBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
    {
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] += x[i] > 0f ? dy[i] : dy[i] * (y[i] + alpha);
        }
    }

    /// <summary>dx += dy · y · (1 − y), from the output y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] += dy[i] * y[i] * (1f - y[i]);
        }
    }

    /// <summary>dx += dy · (1 − y²), from the output y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] += dy[i] * (1f - (y[i] * y[i]));
        }
    }

    /// <summary>dx += y ⊙ (dy − ⟨dy, y⟩), from the output y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        float dot = TensorPrimitives.Dot(dy, y);
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i] += y[i] * (dy[i] - dot);
        }
    }

    /// <summary>
    /// Batch normalisation at inference, per channel: y = (x − mean) / √(var + ε) · γ + β, with the running
    /// averages. <paramref name="x"/> and <paramref name="y"/> hold <paramref name="channels"/> planes of
    /// <paramref name="plane"/> values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormInference(ReadOnlySpan<float> x, Span<float> y, int channels, int plane, ReadOnlySpan<float> gammaBeta, ReadOnlySpan<float> state, float epsilon)
    {
        for (int c = 0; c < channels; c++)
        {
            float scale = gammaBeta[c] / MathF.Sqrt(state[channels + c] + epsilon);
            float shift = gammaBeta[channels + c] - (state[c] * scale);
            ScaleShift(x.Slice(c * plane, plane), scale, shift, y.Slice(c * plane, plane));
        }
    }

    /// <summary>
    /// Folds a BatchNorm (running averages) into the convolution before it: w' = w · γ/√(var + ε),
    /// b' = (b − mean) · γ/√(var + ε) + β. <paramref name="bias"/> is empty for a convolution without bias.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FoldBatchNorm(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gammaBeta, ReadOnlySpan<float> state, float epsilon, Span<float> foldedWeights, Span<float> foldedBias)
    {
        int channels = foldedBias.Length;
        int perFilter = weights.Length / channels;
        for (int k = 0; k < channels; k++)
        {
            float scale = gammaBeta[k] / MathF.Sqrt(state[channels + k] + epsilon);
            TensorPrimitives.Multiply(weights.Slice(k * perFilter, perFilter), scale, foldedWeights.Slice(k * perFilter, perFilter));
            float b = bias.IsEmpty ? 0f : bias[k];
            foldedBias[k] = ((b - state[k]) * scale) + gammaBeta[channels + k];
        }
    }

    /// <summary>
    /// Batch normalisation in training over a batch laid out image after image (each image
    /// <paramref name="channels"/> planes of <paramref name="plane"/> values): normalises with the batch
    /// statistics, saves mean and 1/√(var + ε) per channel for the backward pass, and updates the running
    /// averages as PyTorch does (unbiased variance, weight <paramref name="momentum"/> on the new value).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormTrain(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int plane, ReadOnlySpan<float> gammaBeta, Span<float> state, float epsilon, float momentum, Span<float> saved)
    {
        int size = channels * plane;
        int n = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
            {
                sum += TensorPrimitives.Sum(x.Slice((b * size) + (c * plane), plane));
            }

            float mean = (float)(sum / n);
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> values = x.Slice((b * size) + (c * plane), plane);
                for (int i = 0; i < values.Length; i++)
                {
                    double d = values[i] - mean;
                    squares += d * d;
                }
            }

            float variance = (float)(squares / n);
            float invStd = 1f / MathF.Sqrt(variance + epsilon);
            saved[c] = mean;
            saved[channels + c] = invStd;
            // Centred first, (x − mean)·scale + β: folding the mean into the shift (x·scale + β − mean·scale) cancels
            // catastrophically when a channel's spread is small beside its mean, and the gradients inherit the error.
            float scale = gammaBeta[c] * invStd;
            float beta = gammaBeta[channels + c];
            for (int b = 0; b < batch; b++)
            {
                Span<float> target = y.Slice((b * size) + (c * plane), plane);
                TensorPrimitives.Subtract(x.Slice((b * size) + (c * plane), plane), mean, target);
                TensorPrimitives.Multiply(target, scale, target);
                TensorPrimitives.Add(target, beta, target);
            }

            float unbiased = n > 1 ? (float)(squares / (n - 1)) : variance;
            state[c] = ((1f - momentum) * state[c]) + (momentum * mean);
            state[channels + c] = ((1f - momentum) * state[channels + c]) + (momentum * unbiased);
        }
    }

    /// <summary>
    /// Backward of <see cref="BatchNormTrain"/>: dγ += Σ dy·x̂, dβ += Σ dy, and (when <paramref name="dx"/> is
    /// not empty) dx += γ/√(var + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int batch, int channels, int plane, ReadOnlySpan<float> gammaBeta, Span<float> gradGammaBeta, ReadOnlySpan<float> saved)
    {
        int size = channels * plane;
        int n = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            float mean = saved[c];
            float invStd = saved[channels + c];
            // Sums in double over centred values (x − mean is exact for values near the mean): Σ dy·x̂ is often a small
            // difference of large terms (it is exactly 0 for a BatchNorm feeding another BatchNorm).
            double sumDy = 0;
            double sumDyCentred = 0;
            for (int b = 0; b < batch; b++)
            {
                int at = (b * size) + (c * plane);
                for (int i = 0; i < plane; i++)
                {
                    double g = dy[at + i];
                    sumDy += g;
                    sumDyCentred += g * (x[at + i] - mean);
                }
            }

            double sumDyXhat = sumDyCentred * invStd;

            gradGammaBeta[c] += (float)sumDyXhat;
            gradGammaBeta[channels + c] += (float)sumDy;
            if (dx.IsEmpty)
            {
                continue;
            }

            double k = (double)gammaBeta[c] * invStd;
            double meanDy = sumDy / n;
            double meanDyCentred = sumDyCentred / n * invStd * invStd;
            for (int b = 0; b < batch; b++)
            {
                int at = (b * size) + (c * plane);
                for (int i = 0; i < plane; i++)
                {
                    dx[at + i] += (float)(k * (dy[at + i] - meanDy - ((x[at + i] - mean) * meanDyCentred)));
                }
            }
        }
    }

    /// <summary>Inverted dropout in training: each value kept with probability 1 − rate and scaled by 1/(1 − rate); the scale (0 or 1/(1 − rate)) is saved in <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DropoutTrain(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        float keep = 1f / (1f - rate);
        for (int i = 0; i < y.Length; i++)
        {
            float m = random.NextSingle() >= rate ? keep : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>dx += dy · mask.</summary>
    public static void DropoutBackward(ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dx) => TensorPrimitives.MultiplyAdd(dy, mask, dx, dx);

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
            int full = length / 16 * 16;
            Vector512<float> tail = Vector512.GreaterThanOrEqual(Vector512.Create(length - 16) + Vector512<int>.Indices, Vector512.Create(full)).AsSingle();
            for (int t = 0; t < count; t++)
            {
                ref float s = ref Mem.Offset(ref src, t * length);
                ref float d = ref Mem.Offset(ref dst, offsets[t]);
                int j = 0;
                for (; j < full; j += 16)
                {
                    Mem.Store((Mem.Load512(ref d, (nuint)j) + Mem.Load512(ref s, (nuint)j)), ref d, (nuint)j);
                }

                if (full != length)
                {
                    nuint at = (nuint)(length - 16);
                    Mem.Store((Mem.Load512(ref d, at) + (Mem.Load512(ref s, at) & tail)), ref d, at);
                }
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            int full = length / 8 * 8;
            Vector256<float> tail = Vector256.GreaterThanOrEqual(Vector256.Create(length - 8) + Vector256<int>.Indices, Vector256.Create(full)).AsSingle();
            for (int t = 0; t < count; t++)
            {
                ref float s = ref Mem.Offset(ref src, t * length);
                ref float d = ref Mem.Offset(ref dst, offsets[t]);
                int j = 0;
                for (; j < full; j += 8)
                {
                    Mem.Store((Mem.Load256(ref d, (nuint)j) + Mem.Load256(ref s, (nuint)j)), ref d, (nuint)j);
                }

                if (full != length)
                {
                    nuint at = (nuint)(length - 8);
                    Mem.Store((Mem.Load256(ref d, at) + (Mem.Load256(ref s, at) & tail)), ref d, at);
                }
            }

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
                            for (int ox = start; ox < end; ox++)
                            {
                                d[ox] = row[(ox * strideWidth) + kx - padWidth];
                            }
                        }
                    }
                }
            }
        }
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

    /// <summary>y = x · scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        TensorPrimitives.Multiply(x, scale, y);
        TensorPrimitives.Add(y, shift, y);
    }
}
