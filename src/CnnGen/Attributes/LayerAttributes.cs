using System;

namespace CnnGen;

/// <summary>
/// A 2-D convolution with <c>filters</c> kernels of <c>kernel</c> × <c>kernel</c> × (input channels), plus
/// one bias per filter. Output size per axis: (W − F + 2P)/S + 1. Parameters: F·F·C·K + K.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>Declares <paramref name="filters"/> square kernels of side <paramref name="kernel"/>.</summary>
    public Conv2DAttribute(int filters, int kernel)
    {
        Filters = filters;
        Kernel = kernel;
    }

    /// <summary>Number of filters K, the output channels.</summary>
    public int Filters { get; }
    /// <summary>Kernel side F.</summary>
    public int Kernel { get; }
    /// <summary>Stride S (default 1).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Zero padding P on every side, or <see cref="CnnGen.Padding.Same"/> / <see cref="CnnGen.Padding.Valid"/>.</summary>
    public int Padding { get; set; }
    /// <summary>Overrides the network's <see cref="NetworkAttribute.Rounding"/> for this layer.</summary>
    public Rounding Rounding { get; set; }
}

/// <summary>
/// Max pooling over <c>size</c> × <c>size</c> windows (stride defaults to the size, so windows do not
/// overlap). No parameters; the gradient flows to the arg-max of each window only.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPoolAttribute : Attribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> max pooling.</summary>
    public MaxPoolAttribute(int size) => Size = size;

    /// <summary>Window side.</summary>
    public int Size { get; }
    /// <summary>Stride; 0 (the default) means equal to <see cref="Size"/>.</summary>
    public int Stride { get; set; }
    /// <summary>Zero padding on every side (padded cells never win the max).</summary>
    public int Padding { get; set; }
    /// <summary>Overrides the network's <see cref="NetworkAttribute.Rounding"/> for this layer.</summary>
    public Rounding Rounding { get; set; }
}

/// <summary>
/// Average pooling over <c>size</c> × <c>size</c> windows (stride defaults to the size). No parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPoolAttribute : Attribute
{
    /// <summary>Declares a <paramref name="size"/> × <paramref name="size"/> average pooling.</summary>
    public AvgPoolAttribute(int size) => Size = size;

    /// <summary>Window side.</summary>
    public int Size { get; }
    /// <summary>Stride; 0 (the default) means equal to <see cref="Size"/>.</summary>
    public int Stride { get; set; }
    /// <summary>Zero padding on every side (padded cells count as zeros, as PyTorch's default).</summary>
    public int Padding { get; set; }
    /// <summary>Overrides the network's <see cref="NetworkAttribute.Rounding"/> for this layer.</summary>
    public Rounding Rounding { get; set; }
}

/// <summary>
/// A fully connected layer of <c>units</c> outputs. It flattens whatever comes before it in
/// (C, H, W) order, as PyTorch's <c>flatten</c>. Parameters: in·out + out.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a fully connected layer with <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>Number of outputs.</summary>
    public int Units { get; }
}

/// <summary>Flattens (C, H, W) into a vector of C·H·W values. Optional: <see cref="DenseAttribute"/> flattens implicitly.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}

/// <summary>Rectified linear unit, max(0, x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : Attribute
{
}

/// <summary>Logistic sigmoid, 1 / (1 + e^−x).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : Attribute
{
}

/// <summary>Hyperbolic tangent.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : Attribute
{
}

/// <summary>
/// Softmax over the class scores: the last layer of a classifier. Nothing may follow it. Trained with
/// cross-entropy, the two are fused (the gradient is p − y).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : Attribute
{
}
