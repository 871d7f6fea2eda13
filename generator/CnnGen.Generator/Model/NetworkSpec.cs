namespace CnnGen.Generator.Model;

// The network as the user declared it, free of Roslyn types: the input of shape inference.
// Every record here is value-equatable so the incremental pipeline can cache on it.

/// <summary>How a stride that does not divide its input is treated (mirrors <c>CnnGen.Rounding</c>).</summary>
internal enum RoundingMode
{
    Unspecified = 0,
    Exact = 1,
    Floor = 2,
    Ceil = 3,
}

internal enum PoolKind
{
    Max,
    Average,
}

internal enum ActivationKind
{
    ReLU,
    Sigmoid,
    Tanh,
    Softmax,
}

/// <summary>Names an attribute argument, so that a shape error can be located on it.</summary>
/// <param name="Layer">-1 for <c>[Network]</c>, 0 for <c>[Input]</c>, k for the k-th layer after it.</param>
/// <param name="Argument">A constructor parameter or property name (<c>"kernel"</c>, <c>"Stride"</c>), or null for the whole attribute.</param>
internal sealed record SourceRef(int Layer, string? Argument)
{
    public const int NetworkAttribute = -1;
    public const int InputAttribute = 0;
}

/// <summary>The declared input: one image of height × width × channels.</summary>
internal sealed record InputSpec(int Height, int Width, int Channels);

/// <summary>One declared layer. <see cref="Position"/> is 1-based among the layers after <c>Input</c>.</summary>
internal abstract record LayerSpec(int Position)
{
    /// <summary>The layer as the user wrote it, e.g. <c>Conv2D(16, 5)</c>, for messages and comments.</summary>
    public abstract string Display { get; }

    /// <summary>"layer 4, Conv2D(16, 5)": how messages name a layer.</summary>
    public string Label => "layer " + Position.ToString(System.Globalization.CultureInfo.InvariantCulture) + ", " + Display;
}

/// <summary>Conv2D(filters, kernel, Stride, Padding, Rounding). <see cref="Padding"/> is -1 for <c>Padding.Same</c>.</summary>
internal sealed record ConvSpec(int Position, int Filters, int Kernel, int Stride, int Padding, RoundingMode Rounding)
    : LayerSpec(Position)
{
    public const int SamePadding = -1;

    public override string Display => Text.Call(
        "Conv2D",
        Text.Int(Filters),
        Text.Int(Kernel),
        Text.Named(Stride != 1, "Stride", Stride),
        Padding == SamePadding ? "Padding = Padding.Same" : Text.Named(Padding != 0, "Padding", Padding),
        Text.Rounding(Rounding));
}

/// <summary>MaxPool(size) / AvgPool(size) with Stride (0 = size), Padding and Rounding.</summary>
internal sealed record PoolSpec(int Position, PoolKind Kind, int Size, int Stride, int Padding, RoundingMode Rounding)
    : LayerSpec(Position)
{
    /// <summary>The stride actually used: the declared one, or the window size when left at 0.</summary>
    public int EffectiveStride => Stride == 0 ? Size : Stride;

    public string AttributeName => Kind == PoolKind.Max ? "MaxPool" : "AvgPool";

    public override string Display => Text.Call(
        AttributeName,
        Text.Int(Size),
        Text.Named(Stride != 0, "Stride", Stride),
        Text.Named(Padding != 0, "Padding", Padding),
        Text.Rounding(Rounding));
}

/// <summary>Dense(units): a fully connected layer that flattens its input.</summary>
internal sealed record DenseSpec(int Position, int Units) : LayerSpec(Position)
{
    public override string Display => Text.Call("Dense", Text.Int(Units));
}

/// <summary>An explicit Flatten.</summary>
internal sealed record FlattenSpec(int Position) : LayerSpec(Position)
{
    public override string Display => "Flatten";
}

/// <summary>An element-wise activation, or Softmax over the class scores.</summary>
internal sealed record ActivationSpec(int Position, ActivationKind Kind) : LayerSpec(Position)
{
    public override string Display => Kind.ToString();
}

/// <summary>The whole declaration: input, layers in source order and network-level options.</summary>
internal sealed record NetworkSpec(
    InputSpec Input,
    EquatableArray<LayerSpec> Layers,
    long ExpectedParameters,
    RoundingMode Rounding,
    int Seed);

/// <summary>Small invariant-culture text helpers shared by specs, inference messages and the emitter.</summary>
internal static class Text
{
    public static string Int(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Thousands separated with commas, as in "61,706".</summary>
    public static string Grouped(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"Name(a, b, Named = c)"; empty arguments are left out.</summary>
    public static string Call(string name, params string[] args) =>
        name + "(" + string.Join(", ", System.Linq.Enumerable.Where(args, a => a.Length > 0)) + ")";

    public static string Named(bool present, string name, int value) => present ? name + " = " + Int(value) : string.Empty;

    public static string Rounding(RoundingMode mode) => mode == RoundingMode.Unspecified ? string.Empty : "Rounding = Rounding." + mode;

    public static string Number(double value) => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
