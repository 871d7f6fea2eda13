using System.Linq;

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

/// <summary>The runtime's <c>ConvAlgorithm</c>: how inference computes a convolution.</summary>
internal enum ConvAlgorithmKind
{
    Auto = 0,
    Direct = 1,
    Winograd = 2,
}

internal enum PoolKind
{
    Max,
    Average,
    Min,
    L2,
}

internal enum ActivationKind
{
    ReLU,
    Sigmoid,
    Tanh,
    Softmax,
    LeakyReLU,
    ELU,
}

/// <summary>Names an attribute argument, so that a shape error can be located on it.</summary>
/// <param name="Layer">-1 for <c>[Network]</c>, 0 for <c>[Input]</c>, k for the k-th layer attribute after it.</param>
/// <param name="Argument">A constructor parameter or property name (<c>"kernel"</c>, <c>"Stride"</c>), or null for the whole attribute.</param>
internal sealed record SourceRef(int Layer, string? Argument)
{
    public const int NetworkAttribute = -1;
    public const int InputAttribute = 0;
}

/// <summary>The declared input: one image of height × width × channels.</summary>
internal sealed record InputSpec(int Height, int Width, int Channels);

/// <summary>
/// One declared layer. <see cref="Position"/> is the 1-based index of its attribute among the layer
/// attributes; layers expanded from a block (BasicBlock, Inception) share the block's position and carry
/// its text in <see cref="Origin"/>. <see cref="Name"/> labels the output; <see cref="From"/> names the
/// layer whose output is read instead of the previous one.
/// </summary>
internal abstract record LayerSpec(int Position)
{
    /// <summary>The network input, for <see cref="From"/>.</summary>
    public const string InputName = "input";

    public string? Name { get; init; }

    public string? From { get; init; }

    /// <summary>
    /// <c>Tensor = "…"</c> on Conv2D, Dense and BatchNorm: the state_dict prefix of the layer's tensors; <c>TensorPrefix</c>
    /// on a block: the prefix of its inner names. Null: numbered per kind. A layer expanded from a block carries its full
    /// derived name here (its <see cref="Origin"/> says where the prefix was written).
    /// </summary>
    public string? Tensor { get; init; }

    /// <summary>The block this layer was expanded from, e.g. <c>BasicBlock(128, Stride = 2)</c>; null when declared directly.</summary>
    public string? Origin { get; init; }

    /// <summary>The layer as the user wrote it, e.g. <c>Conv2D(16, 5)</c>, for messages and comments.</summary>
    public abstract string Display { get; }

    /// <summary>"layer 4, Conv2D(16, 5)": how messages name a layer.</summary>
    public string Label => "layer " + Text.Int(Position) + ", " + (Origin is null ? Display : Origin + " → " + Display);

    /// <summary>Name and From as written, appended to <see cref="Display"/> by the subclasses.</summary>
    protected string Wiring => (Name is null ? string.Empty : ", Name = \"" + Name + "\"") + (From is null ? string.Empty : ", From = \"" + From + "\"")
        + (Tensor is null || Origin is not null ? string.Empty : ", " + TensorArgument + " = \"" + Tensor + "\"");

    /// <summary>The attribute argument that names the tensors: <c>TensorPrefix</c> on a block, <c>Tensor</c> otherwise.</summary>
    public string TensorArgument => this is BasicBlockSpec or InceptionSpec || Origin is not null ? "TensorPrefix" : "Tensor";
}

/// <summary>Conv2D. A padding of -1 is <c>Padding.Same</c>.</summary>
internal sealed record ConvSpec(
    int Position,
    int Filters,
    int KernelHeight,
    int KernelWidth,
    int StrideHeight,
    int StrideWidth,
    int PaddingHeight,
    int PaddingWidth,
    bool Bias,
    RoundingMode Rounding)
    : LayerSpec(Position)
{
    public const int SamePadding = -1;

    /// <summary>The <c>Algorithm</c> argument: how inference computes the layer (Plan/ConvAlgorithms.cs decides for Auto).</summary>
    public ConvAlgorithmKind Algorithm { get; init; }

    /// <summary>A square convolution with equal strides and paddings on both axes.</summary>
    public ConvSpec(int position, int filters, int kernel, int stride, int padding, RoundingMode rounding)
        : this(position, filters, kernel, kernel, stride, stride, padding, padding, true, rounding)
    {
    }

    public override string Display => Text.WithWiring(Text.Call(
        "Conv2D",
        Text.Int(Filters),
        KernelHeight == KernelWidth ? Text.Int(KernelHeight) : Text.Int(KernelHeight) + ", " + Text.Int(KernelWidth),
        StrideHeight == StrideWidth ? Text.Named(StrideHeight != 1, "Stride", StrideHeight) : $"StrideHeight = {Text.Int(StrideHeight)}, StrideWidth = {Text.Int(StrideWidth)}",
        PaddingText(),
        Bias ? string.Empty : "Bias = false",
        Text.Rounding(Rounding),
        Algorithm == ConvAlgorithmKind.Auto ? string.Empty : "Algorithm = ConvAlgorithm." + Algorithm), Wiring);

    private string PaddingText()
    {
        if (PaddingHeight == PaddingWidth)
        {
            return PaddingHeight == SamePadding ? "Padding = Padding.Same" : Text.Named(PaddingHeight != 0, "Padding", PaddingHeight);
        }

        return $"PaddingHeight = {Text.Int(PaddingHeight)}, PaddingWidth = {Text.Int(PaddingWidth)}";
    }
}

/// <summary>MaxPool / AvgPool / MinPool / L2Pool(size) with Stride (0 = size), Padding and Rounding.</summary>
internal sealed record PoolSpec(int Position, PoolKind Kind, int Size, int Stride, int Padding, RoundingMode Rounding)
    : LayerSpec(Position)
{
    /// <summary>The stride actually used: the declared one, or the window size when left at 0.</summary>
    public int EffectiveStride => Stride == 0 ? Size : Stride;

    public string AttributeName => Kind switch
    {
        PoolKind.Max => "MaxPool",
        PoolKind.Average => "AvgPool",
        PoolKind.Min => "MinPool",
        _ => "L2Pool",
    };

    public override string Display => Text.WithWiring(
        Text.Call(
            AttributeName,
            Text.Int(Size),
            Text.Named(Stride != 0, "Stride", Stride),
            Text.Named(Padding != 0, "Padding", Padding),
            Text.Rounding(Rounding)),
        Wiring);
}

/// <summary>GlobalAvgPool: the mean of each channel.</summary>
internal sealed record GlobalPoolSpec(int Position) : LayerSpec(Position)
{
    public override string Display => "GlobalAvgPool" + Text.Wrapped(Wiring);
}

/// <summary>Dense(units): a fully connected layer that flattens its input.</summary>
internal sealed record DenseSpec(int Position, int Units) : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(Text.Call("Dense", Text.Int(Units)), Wiring);
}

/// <summary>An explicit Flatten.</summary>
internal sealed record FlattenSpec(int Position) : LayerSpec(Position)
{
    public override string Display => "Flatten" + Text.Wrapped(Wiring);
}

/// <summary>An element-wise activation, or Softmax over the class scores. <see cref="Parameter"/> is LeakyReLU's slope or ELU's α.</summary>
internal sealed record ActivationSpec(int Position, ActivationKind Kind) : LayerSpec(Position)
{
    public double Parameter { get; init; }

    public override string Display => Kind switch
    {
        ActivationKind.LeakyReLU => Text.WithWiring(Text.Call("LeakyReLU", Text.Number(Parameter)), Wiring),
        ActivationKind.ELU => Text.WithWiring(Text.Call("ELU", Text.Number(Parameter)), Wiring),
        _ => Kind + Text.Wrapped(Wiring),
    };
}

/// <summary>Inverted dropout with the given rate (identity at inference).</summary>
internal sealed record DropoutSpec(int Position, double Rate) : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(Text.Call("Dropout", Text.Number(Rate)), Wiring);
}

/// <summary>Batch normalisation per channel.</summary>
internal sealed record BatchNormSpec(int Position, double Epsilon, double Momentum) : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(
        Text.Call(
            "BatchNorm",
            Epsilon == 1e-5 ? string.Empty : "Epsilon = " + Text.Number(Epsilon, "0.######"),
            Momentum == 0.1 ? string.Empty : "Momentum = " + Text.Number(Momentum, "0.######")),
        Wiring);
}

/// <summary>Add: the previous (or From) output plus the named outputs.</summary>
internal sealed record AddSpec(int Position, EquatableArray<string> Inputs) : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(Text.Call("Add", Inputs.Select(n => "\"" + n + "\"").ToArray()), Wiring);
}

/// <summary>Concat: the named outputs joined along the channels.</summary>
internal sealed record ConcatSpec(int Position, EquatableArray<string> Inputs) : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(Text.Call("Concat", Inputs.Select(n => "\"" + n + "\"").ToArray()), Wiring);
}

/// <summary>ResNet's basic block; expanded by shape inference, which knows the input channels.</summary>
internal sealed record BasicBlockSpec(int Position, int Filters, int Stride) : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(Text.Call("BasicBlock", Text.Int(Filters), Text.Named(Stride != 1, "Stride", Stride)), Wiring);
}

/// <summary>GoogLeNet's Inception module; expanded by shape inference.</summary>
internal sealed record InceptionSpec(int Position, int Conv1x1, int Reduce3x3, int Conv3x3, int Reduce5x5, int Conv5x5, int PoolProjection)
    : LayerSpec(Position)
{
    public override string Display => Text.WithWiring(
        Text.Call("Inception", Text.Int(Conv1x1), Text.Int(Reduce3x3), Text.Int(Conv3x3), Text.Int(Reduce5x5), Text.Int(Conv5x5), Text.Int(PoolProjection)),
        Wiring);
}

/// <summary>The whole declaration: input, layers in source order and network-level options.</summary>
internal sealed record NetworkSpec(
    InputSpec Input,
    EquatableArray<LayerSpec> Layers,
    long ExpectedParameters,
    RoundingMode Rounding,
    int Seed)
{
    /// <summary>Budget: warn (CNN0101) above this many parameters; 0 for none.</summary>
    public long MaxParameters { get; init; }

    /// <summary>Budget: warn (CNN0102) above this many multiply-adds per image; 0 for none.</summary>
    public long MaxMultiplyAdds { get; init; }

    /// <summary>Budget: warn (CNN0103) when the last spatial layer's receptive field is smaller; 0 for none.</summary>
    public int MinReceptiveField { get; init; }
}

/// <summary>Small invariant-culture text helpers shared by specs, inference messages and the emitter.</summary>
internal static class Text
{
    public static string Int(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Thousands separated with commas, as in "61,706".</summary>
    public static string Grouped(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A product of sizes that may not fit in a long (three ints can reach 9.9·10²⁷), grouped.</summary>
    public static string Grouped(decimal value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"Name(a, b, Named = c)"; empty arguments are left out.</summary>
    public static string Call(string name, params string[] args) =>
        name + "(" + string.Join(", ", System.Linq.Enumerable.Where(args, a => a.Length > 0)) + ")";

    public static string Named(bool present, string name, int value) => present ? name + " = " + Int(value) : string.Empty;

    public static string Rounding(RoundingMode mode) => mode == RoundingMode.Unspecified ? string.Empty : "Rounding = Rounding." + mode;

    public static string Number(double value, string format = "0.##") => value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Puts ", Name = …, From = …" inside the closing parenthesis of a call.</summary>
    public static string WithWiring(string call, string wiring) => wiring.Length == 0 ? call : call.Substring(0, call.Length - 1) + (call.EndsWith("()", System.StringComparison.Ordinal) ? wiring.Substring(2) : wiring) + ")";

    /// <summary>"(Name = …)" for layers written without arguments, or nothing.</summary>
    public static string Wrapped(string wiring) => wiring.Length == 0 ? string.Empty : "(" + wiring.Substring(2) + ")";
}
