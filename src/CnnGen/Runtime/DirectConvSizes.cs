// One source file compiled into two assemblies: the runtime (src/CnnGen, DirectConv) and the generator
// (generator/CnnGen.Generator links it, Emit/LayerKernels.Direct.cs), so the buffers the generated code allocates are
// exactly the sizes the kernels index. Both targets build it: netstandard2.0 and net10.0 APIs only.
namespace CnnGen.Runtime;

/// <summary>The sizing contract of the direct convolution between the code that sizes its buffers and the kernel.</summary>
internal static class DirectConvSizes
{
    /// <summary>The packed width of the output channels: K is rounded up to a multiple of 16 (one 512-bit vector).</summary>
    public const int Lanes = 16;

    /// <summary>Output positions per register block; the position table is padded to a multiple of it.</summary>
    public const int Block = 8;

    /// <summary>K rounded up to <see cref="Lanes"/>.</summary>
    public static int PaddedChannels(int channels) => (channels + Lanes - 1) / Lanes * Lanes;

    /// <summary>A count of output positions rounded up to <see cref="Block"/>: the position table's length.</summary>
    public static int PaddedPositions(int count) => (count + Block - 1) / Block * Block;

    /// <summary>Floats of a packed layer: the weights [taps][KP] then the bias [KP].</summary>
    public static int PackedLength(int channels, int taps) => (taps + 1) * PaddedChannels(channels);

    /// <summary>Floats of the channel-last products of every position in a table of <paramref name="positions"/>.</summary>
    public static int ScratchLength(int positions, int channels) => positions * PaddedChannels(channels);

    /// <summary>Floats of the products when rows × cols are computed as row blocks: the larger of that and the table's.</summary>
    public static int RowsScratchLength(int positions, int rows, int cols, int channels) =>
        (positions > rows * cols ? positions : rows * cols) * PaddedChannels(channels);
}
