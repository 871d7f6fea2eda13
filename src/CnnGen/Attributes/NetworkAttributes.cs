using System;

namespace CnnGen;

/// <summary>
/// Marks a <c>partial class</c> as a network. The layers follow as attributes on the same class, in
/// source order, starting with <see cref="InputAttribute"/>. The CnnGen source generator checks every
/// shape at build time and emits the forward (and training) code for exactly those shapes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>
    /// The number of trainable parameters the author expects. When set (non-zero), a different count
    /// computed from the declared layers is build error CNN0003, with the per-layer breakdown.
    /// </summary>
    public long ExpectedParameters { get; set; }

    /// <summary>
    /// How every convolution and pooling layer of this network treats a stride that does not divide its
    /// input exactly, unless a layer says otherwise. <see cref="Rounding.Exact"/> (the default) makes such a
    /// stride build error CNN0001; <see cref="Rounding.Floor"/> is PyTorch's silent default and
    /// <see cref="Rounding.Ceil"/> is PyTorch's <c>ceil_mode</c>.
    /// </summary>
    public Rounding Rounding { get; set; }

    /// <summary>The seed of the parameter initialisation used by the parameterless constructor (unless <see cref="Weights"/> is set).</summary>
    public int Seed { get; set; }

    /// <summary>
    /// A safetensors file to compile into the network, named by its file name (e.g. <c>"lenet5.safetensors"</c>;
    /// or a trailing part of its path when two items share a name). The file must be an <c>AdditionalFiles</c>
    /// item of the project. At build time the generator checks every tensor — PyTorch <c>state_dict</c> names,
    /// dtype F32, exactly the declared shapes, nothing missing and nothing extra (BatchNorm's
    /// <c>num_batches_tracked</c> excepted) — and reports a mismatch on this argument (CNN0201–CNN0206). The
    /// tensors become static read-only data of the assembly; the parameterless constructor copies them into
    /// <c>Parameters</c> and <c>State</c>: no file at run time, no parsing at start-up.
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>Budget: more trainable parameters than this is warning CNN0101 (0 for no limit).</summary>
    public long MaxParameters { get; set; }

    /// <summary>Budget: more multiply-adds per image than this is warning CNN0102 (0 for no limit).</summary>
    public long MaxMultiplyAdds { get; set; }

    /// <summary>
    /// Budget: the receptive field of the last convolution or pooling layer — how many input pixels one of
    /// its outputs sees per axis — must be at least this, or warning CNN0103 (0 for no requirement).
    /// </summary>
    public int MinReceptiveField { get; set; }
}

/// <summary>The input of the network: height, width and channels of one image (public layout is C, H, W).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares an input of <paramref name="height"/> × <paramref name="width"/> × <paramref name="channels"/>.</summary>
    public InputAttribute(int height, int width, int channels)
    {
        Height = height;
        Width = width;
        Channels = channels;
    }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Number of channels (1 for grey, 3 for RGB).</summary>
    public int Channels { get; }
}

/// <summary>How a layer whose stride does not divide its input exactly computes its output size.</summary>
public enum Rounding
{
    /// <summary>Not set here: a layer takes the network's mode, a network means <see cref="Exact"/>.</summary>
    Unspecified = 0,
    /// <summary>The stride must fit exactly: (W − F + 2P) must be a multiple of S, or the build fails (CNN0001).</summary>
    Exact = 1,
    /// <summary>Round the output size down, dropping the last rows and columns (PyTorch's default).</summary>
    Floor = 2,
    /// <summary>Round the output size up, letting the last window hang over the edge (PyTorch's <c>ceil_mode=True</c>).</summary>
    Ceil = 3,
}

/// <summary>
/// Padding values for the <c>Padding</c> argument of convolution and pooling layers. Any value ≥ 0 is an
/// explicit number of zero rows and columns added on every side.
/// </summary>
public static class Padding
{
    /// <summary>No padding (seed 004's "valid" convolution).</summary>
    public const int Valid = 0;
    /// <summary>Pad (F − 1)/2 on every side so that a stride-1 layer keeps its input size (seed 004's "same" convolution; needs an odd kernel).</summary>
    public const int Same = -1;
}
