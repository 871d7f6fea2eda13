using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace CnnGen.Runtime;

/// <summary>
/// Shape-independent kernels that generated code calls (element-wise activations, softmax, and the
/// vector primitives under the emitted convolution and dense loops). Not meant to be called directly.
/// Vectorised through <see cref="TensorPrimitives"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Kernels
{
    /// <summary>y += a · x.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, float a, Span<float> y) => TensorPrimitives.MultiplyAdd(x, a, y, y);

    /// <summary>Σ x·y.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Dot(x, y);

    /// <summary>max(0, x), in place.</summary>
    public static void ReLU(Span<float> values) => TensorPrimitives.Max(values, 0f, values);

    /// <summary>1 / (1 + e^−x), in place.</summary>
    public static void Sigmoid(Span<float> values) => TensorPrimitives.Sigmoid(values, values);

    /// <summary>tanh x, in place.</summary>
    public static void Tanh(Span<float> values) => TensorPrimitives.Tanh(values, values);

    /// <summary>Softmax in place, numerically stable (the maximum is subtracted before exponentiating).</summary>
    public static void Softmax(Span<float> values)
    {
        float max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        float sum = TensorPrimitives.Sum(values);
        TensorPrimitives.Multiply(values, 1f / sum, values);
    }
}
