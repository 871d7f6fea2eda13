// One source file compiled into two assemblies: the runtime (src/CnnGen, the layer kernels in Runtime/Layers) and the
// generator (generator/CnnGen.Generator links it), so the scratch the generated code allocates is exactly what the
// kernels index. Both targets build it: netstandard2.0 and net10.0 APIs only.
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>The sizing contract of the convolution kernels (<c>ConvLayer</c>) between the code that sizes their scratch and the kernels.</summary>
internal static class ConvSizes
{
    /// <summary>Floats of im2col columns a strided convolution fills at a time (2 MiB): larger layers go in chunks of output rows.</summary>
    public const int ColumnBudget = 1 << 19;

    /// <summary>Multiply-adds per output of a convolution: C·FH·FW, one per kernel tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Taps(int channels, int kernelHeight, int kernelWidth) => channels * kernelHeight * kernelWidth;

    /// <summary>The wide rows of a stride-1 convolution over a frame WP wide: (OH − 1)·WP + OW columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Wide(int outHeight, int outWidth, int frameWidth) => ((outHeight - 1) * frameWidth) + outWidth;

    /// <summary>Output rows per im2col chunk of a strided convolution.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ChunkRows(int taps, int outHeight, int outWidth)
    {
        int byBudget = ColumnBudget / (taps * outWidth > 1 ? taps * outWidth : 1);
        int rows = outHeight < byBudget ? outHeight : byBudget;
        return rows > 1 ? rows : 1;
    }

    /// <summary>The transposed output gradient of the position-major weight gradient: OH·OW rows of K rounded up to 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TransposedGradientLength(int outChannels, int outHeight, int outWidth) => outHeight * outWidth * ((outChannels + 15) / 16 * 16);
}
