using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

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
    public static void Accumulate(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Add(x, y, y);

    /// <summary>y = x · scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        TensorPrimitives.Multiply(x, scale, y);
        TensorPrimitives.Add(y, shift, y);
    }
}
