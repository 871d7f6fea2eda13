using System.ComponentModel;

namespace CnnGen.Runtime;

/// <summary>
/// The shape of a convolution or pooling layer as a type: the generated network declares one struct per distinct layer
/// shape implementing it with constants, and the layer kernels (<see cref="ConvLayer{TShape}"/>, <see cref="PoolLayer{TShape}"/>,
/// <see cref="DirectConvLayer{TShape, TPool}"/>) are generic over it. Generics over structs are compiled once per type
/// argument, by the JIT and by Native AOT alike, so every bound is a constant in the machine code of that layer's copy:
/// trip counts are fixed, padding and stride branches that cannot happen are removed, and tables are sized once.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IWindowShape
{
    /// <summary>Input channels.</summary>
    static abstract int C { get; }

    /// <summary>Input height.</summary>
    static abstract int H { get; }

    /// <summary>Input width.</summary>
    static abstract int W { get; }

    /// <summary>Output channels.</summary>
    static abstract int K { get; }

    /// <summary>Output height.</summary>
    static abstract int OH { get; }

    /// <summary>Output width.</summary>
    static abstract int OW { get; }

    /// <summary>Window height.</summary>
    static abstract int FH { get; }

    /// <summary>Window width.</summary>
    static abstract int FW { get; }

    /// <summary>Vertical stride.</summary>
    static abstract int SH { get; }

    /// <summary>Horizontal stride.</summary>
    static abstract int SW { get; }

    /// <summary>Rows of zero padding above and below.</summary>
    static abstract int PH { get; }

    /// <summary>Columns of zero padding left and right.</summary>
    static abstract int PW { get; }
}

/// <summary>The shape of a dense layer as a type (see <see cref="IWindowShape"/>): inputs and outputs per image.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IDenseShape
{
    /// <summary>Inputs per image.</summary>
    static abstract int In { get; }

    /// <summary>Outputs per image.</summary>
    static abstract int Out { get; }
}

/// <summary>No pooling fused into a <see cref="DirectConvLayer{TShape, TPool}"/>: every window size 0.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct NoPool : IWindowShape
{
    /// <inheritdoc/>
    public static int C => 0;

    /// <inheritdoc/>
    public static int H => 0;

    /// <inheritdoc/>
    public static int W => 0;

    /// <inheritdoc/>
    public static int K => 0;

    /// <inheritdoc/>
    public static int OH => 0;

    /// <inheritdoc/>
    public static int OW => 0;

    /// <inheritdoc/>
    public static int FH => 0;

    /// <inheritdoc/>
    public static int FW => 0;

    /// <inheritdoc/>
    public static int SH => 0;

    /// <inheritdoc/>
    public static int SW => 0;

    /// <inheritdoc/>
    public static int PH => 0;

    /// <inheritdoc/>
    public static int PW => 0;
}
