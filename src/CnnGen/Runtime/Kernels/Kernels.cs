using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

/// <summary>
/// Shape-independent kernels that generated code calls: element-wise activations and their gradients,
/// softmax, batch normalisation, dropout, and the vector primitives under the emitted convolution and
/// dense loops. Not meant to be called directly. Every backward kernel ADDS into its input gradient, so
/// a tensor read by several layers (a residual branch) receives the sum of their gradients.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Kernels
{
    /// <summary>y += a · x.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, float a, Span<float> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    /// <summary>Σ x·y.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Dot(x, y);

    /// <summary>y += x.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length;
        if (y.Length != n) throw new ArgumentException($"y holds {y.Length} values and x {n}; they must be as long.", nameof(y));
        ref float xr = ref Mem.Ref(x);
        ref float yr = ref Mem.Ref(y);
        int i = Vector512.IsHardwareAccelerated ? AccumulateVectors<Vector512<float>, Simd512>(ref xr, ref yr, n)
            : Vector256.IsHardwareAccelerated ? AccumulateVectors<Vector256<float>, Simd256>(ref xr, ref yr, n)
            : 0;
        for (; i < n; i++) Mem.Add(ref yr, i) += Mem.Add(ref xr, i);
    }

    /// <summary>The whole vectors of <see cref="Accumulate"/>, two at a time; returns how many elements they covered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateVectors<TV, TS>(ref float x, ref float y, int n)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int i = 0, w = TS.Width;
        for (; i + (2 * w) <= n; i += 2 * w)
        {
            TS.Store(TS.Add(TS.Load(ref y, (nuint)i), TS.Load(ref x, (nuint)i)), ref y, (nuint)i);
            TS.Store(TS.Add(TS.Load(ref y, (nuint)(i + w)), TS.Load(ref x, (nuint)(i + w))), ref y, (nuint)(i + w));
        }

        for (; i + w <= n; i += w) TS.Store(TS.Add(TS.Load(ref y, (nuint)i), TS.Load(ref x, (nuint)i)), ref y, (nuint)i);
        return i;
    }

    /// <summary>Σ x (0 for an empty span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(ReadOnlySpan<float> x)
    {
        int n = x.Length;
        ref float xr = ref Mem.Ref(x);
        float sum = 0f;
        int i = Vector512.IsHardwareAccelerated ? SumVectors<Vector512<float>, Simd512>(ref xr, n, ref sum)
            : Vector256.IsHardwareAccelerated ? SumVectors<Vector256<float>, Simd256>(ref xr, n, ref sum)
            : 0;
        for (; i < n; i++) sum += Mem.Add(ref xr, i);
        return sum;
    }

    /// <summary>The whole vectors of <see cref="Sum"/> in two accumulators, added into <paramref name="sum"/>; returns how many elements they covered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SumVectors<TV, TS>(ref float x, int n, ref float sum)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int i = 0, w = TS.Width;
        TV a = TS.Zero, b = TS.Zero;
        for (; i + (2 * w) <= n; i += 2 * w)
        {
            a = TS.Add(a, TS.Load(ref x, (nuint)i));
            b = TS.Add(b, TS.Load(ref x, (nuint)(i + w)));
        }

        for (; i + w <= n; i += w) a = TS.Add(a, TS.Load(ref x, (nuint)i));
        sum += TS.Sum(TS.Add(a, b));
        return i;
    }

    /// <summary>
    /// The index of the largest value, the first of equal ones (+0 counts as larger than −0), or of the first NaN if
    /// there is one, as <see cref="TensorPrimitives.IndexOfMax(ReadOnlySpan{float})"/> answers; −1 for an empty span.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int IndexOfMax(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) return -1;
        int best = 0;
        float max = x[0];
        if (float.IsNaN(max)) return 0;
        for (int i = 1; i < x.Length; i++)
        {
            float v = x[i];
            if (float.IsNaN(v)) return i;
            if (v > max || (v == max && float.IsNegative(max) && !float.IsNegative(v)))
            {
                max = v;
                best = i;
            }
        }

        return best;
    }

    /// <summary>y = x · scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        TensorPrimitives.Multiply(x, scale, y);
        TensorPrimitives.Add(y, shift, y);
    }
}
