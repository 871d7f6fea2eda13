using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

// The element-wise layers: activations, softmax and dropout, forward and backward.
public static partial class Kernels
{
    /// <summary>max(0, x), in place.</summary>
    public static void ReLU(Span<float> values) => ReLU(values, values);

    /// <summary>y = max(0, x) (a NaN stays NaN, so a diverging step is still seen by the loss).</summary>
    /// <exception cref="ArgumentException"><paramref name="y"/> is shorter than <paramref name="x"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReLU(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length;
        if (y.Length < n) throw new ArgumentException($"The destination holds {y.Length} values, fewer than the {n} of the source.", nameof(y));
        ref float xr = ref Mem.Ref(x);
        ref float yr = ref Mem.Ref(y);
        int i = Vector512.IsHardwareAccelerated ? ReLUVectors<Vector512<float>, Simd512>(ref xr, ref yr, n)
            : Vector256.IsHardwareAccelerated ? ReLUVectors<Vector256<float>, Simd256>(ref xr, ref yr, n)
            : 0;
        for (; i < n; i++) Mem.Add(ref yr, i) = MathF.Max(Mem.Add(ref xr, i), 0f);
    }

    /// <summary>The whole vectors of <see cref="ReLU(ReadOnlySpan{float}, Span{float})"/>; returns how many elements they covered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReLUVectors<TV, TS>(ref float x, ref float y, int n)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int i = 0;
        for (; i + TS.Width <= n; i += TS.Width) TS.Store(TS.Relu(TS.Load(ref x, (nuint)i)), ref y, (nuint)i);
        return i;
    }

    /// <summary>
    /// y = max(0, a + b) in one pass: a residual connection's sum and the ReLU after it (a NaN stays NaN). y may be a or b
    /// itself.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="b"/> or <paramref name="y"/> is shorter than <paramref name="a"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddReLU(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        int n = a.Length;
        if (b.Length < n || y.Length < n) throw new ArgumentException($"The second source holds {b.Length} values and the destination {y.Length}; both need the {n} of the first source.", nameof(y));
        ref float ar = ref Mem.Ref(a);
        ref float br = ref Mem.Ref(b);
        ref float yr = ref Mem.Ref(y);
        int i = Vector512.IsHardwareAccelerated ? AddReLUVectors<Vector512<float>, Simd512>(ref ar, ref br, ref yr, n)
            : Vector256.IsHardwareAccelerated ? AddReLUVectors<Vector256<float>, Simd256>(ref ar, ref br, ref yr, n)
            : 0;
        for (; i < n; i++) Mem.Add(ref yr, i) = MathF.Max(Mem.Add(ref ar, i) + Mem.Add(ref br, i), 0f);
    }

    /// <summary>The whole vectors of <see cref="AddReLU"/>; returns how many elements they covered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddReLUVectors<TV, TS>(ref float a, ref float b, ref float y, int n)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int i = 0;
        for (; i + TS.Width <= n; i += TS.Width) TS.Store(TS.Relu(TS.Add(TS.Load(ref a, (nuint)i), TS.Load(ref b, (nuint)i))), ref y, (nuint)i);
        return i;
    }

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
        // Element by element: the class vectors are short (10 to 1,000 values), and a scalar loop is fully optimised from
        // the first call, where TensorPrimitives' generic paths start in tier-0 code (docs/benchmarks.md, "The main job's first epoch").
        int n = x.Length;
        if (n == 0) throw new ArgumentException("Softmax needs at least one value.", nameof(x));
        if (y.Length < n) throw new ArgumentException($"The destination holds {y.Length} values, fewer than the {n} of the source.", nameof(y));
        float max = x[0];
        for (int i = 1; i < n; i++) max = MathF.Max(max, x[i]);
        float sum = 0f;
        for (int i = 0; i < n; i++)
        {
            float e = MathF.Exp(x[i] - max);
            y[i] = e;
            sum += e;
        }

        float scale = 1f / sum;
        for (int i = 0; i < n; i++) y[i] *= scale;
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
        int i = Vector512.IsHardwareAccelerated ? ReLUBackwardVectors<Vector512<float>, Simd512>(ref xr, ref gr, ref dr, n)
            : Vector256.IsHardwareAccelerated ? ReLUBackwardVectors<Vector256<float>, Simd256>(ref xr, ref gr, ref dr, n)
            : 0;
        for (; i < n; i++)
        {
            if (Mem.Add(ref xr, i) > 0f)
            {
                Mem.Add(ref dr, i) += Mem.Add(ref gr, i);
            }
        }
    }

    /// <summary>The whole vectors of <see cref="ReLUBackward"/>; returns how many elements they covered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReLUBackwardVectors<TV, TS>(ref float x, ref float dy, ref float dx, int n)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int i = 0;
        for (; i + TS.Width <= n; i += TS.Width)
        {
            TV keep = TS.GreaterThan(TS.Load(ref x, (nuint)i), TS.Zero);
            TS.Store(TS.Add(TS.Load(ref dx, (nuint)i), TS.And(TS.Load(ref dy, (nuint)i), keep)), ref dx, (nuint)i);
        }

        return i;
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
}
