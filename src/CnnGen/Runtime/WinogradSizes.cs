// One source file compiled into two assemblies: the runtime (src/CnnGen, Winograd) and the generator
// (generator/CnnGen.Generator links it, Emit/LayerKernels.Winograd.cs), so the buffers the generated code allocates are
// exactly the sizes the kernel indexes. Both targets build it: netstandard2.0 and net10.0 APIs only.
namespace CnnGen.Runtime;

/// <summary>
/// The sizing contract of the Winograd convolution (<c>Winograd</c>) between the code that sizes its buffers and the
/// kernel. A layer is a stride-1 3×3 convolution with padding 0 or 1 on both axes; <c>tile</c> is the output tile m of
/// F(m×m, 3×3), 2 or 4, and α = m + 2 the transformed tile.
/// </summary>
internal static class WinogradSizes
{
    /// <summary>Channels (input and output) are rounded up to a multiple of 16: one 512-bit vector.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// Floats of the transformed input and products one chunk of tiles may take (4 MiB): chunks keep them within the
    /// shared L3 slice and the GEMMs' A and C in L2 across the α² products. A chunk holds at least <see cref="MinChunk"/> tiles.
    /// </summary>
    public const int ChunkBudget = 1 << 20;

    /// <summary>Fewest tiles per chunk: fewer would make the α² products too short to pay for their B panels.</summary>
    public const int MinChunk = 64;

    /// <summary>
    /// Floats between consecutive matrices V[ξ] and M[ξ] of a chunk: the matrix (chunk × channels, a multiple of 16
    /// floats) and one 64-byte line more, so the α² elements of one tile, read and written together by the transforms,
    /// fall in different sets of the L1 cache (a power-of-two stride, as 16 tiles × 64 channels, put them all in one).
    /// </summary>
    public static int MatrixStride(int chunk, int channels) => (chunk * Padded(channels)) + Lanes;

    /// <summary>A channel count rounded up to <see cref="Lanes"/>.</summary>
    public static int Padded(int channels) => (channels + Lanes - 1) / Lanes * Lanes;

    /// <summary>α = m + 2: the side of a transformed tile.</summary>
    public static int Alpha(int tile) => tile + 2;

    /// <summary>The output side of a stride-1 3×3 convolution: size + 2·padding − 2.</summary>
    public static int OutputSize(int size, int padding) => size + (2 * padding) - 2;

    /// <summary>Tiles along one side: ⌈output / m⌉ (the last tile may hang past the output; its extra outputs are dropped).</summary>
    public static int Tiles(int size, int padding, int tile) => (OutputSize(size, padding) + tile - 1) / tile;

    /// <summary>The side of the zero-padded input frame one image is copied into: every tile's α×α window lies inside it.</summary>
    public static int Frame(int size, int padding, int tile) => (Tiles(size, padding, tile) * tile) + 2;

    /// <summary>Floats of the packed weights: U[α²][C][KP] (G·g·Gᵀ per filter and channel), then the bias [KP].</summary>
    public static int PackedLength(int channels, int filters, int tile) =>
        (Alpha(tile) * Alpha(tile) * channels * Padded(filters)) + Padded(filters);

    /// <summary>Floats of the weights and bias the packed buffer was made from: K·C·9 + K.</summary>
    public static int SourceLength(int channels, int filters) => (filters * channels * 9) + filters;

    /// <summary>Tiles per chunk: as many as <see cref="ChunkBudget"/> allows (at least <see cref="MinChunk"/>), at most all of them.</summary>
    public static int ChunkTiles(int channels, int filters, int tile, int tiles)
    {
        int a2 = Alpha(tile) * Alpha(tile);
        int perTile = a2 * (Padded(channels) + Padded(filters));
        int chunk = ChunkBudget / perTile;
        chunk = chunk < MinChunk ? MinChunk : chunk;
        return chunk < tiles ? chunk : tiles;
    }

    /// <summary>
    /// Scratch floats for <paramref name="images"/> images: their frames [image][HF][WF][CP] (channel-last, so the
    /// input transform runs over vectors of channels), then one chunk's transformed input V[α²][T][CP] and products
    /// M[α²][T][KP], each matrix <see cref="MatrixStride"/> floats after the one before.
    /// </summary>
    public static int ScratchLength(int channels, int height, int width, int filters, int padding, int tile, int images)
    {
        int tiles = images * Tiles(height, padding, tile) * Tiles(width, padding, tile);
        int chunk = ChunkTiles(channels, filters, tile, tiles);
        int a2 = Alpha(tile) * Alpha(tile);
        return (images * Frame(height, padding, tile) * Frame(width, padding, tile) * Padded(channels))
            + (a2 * (MatrixStride(chunk, channels) + MatrixStride(chunk, filters)));
    }

    /// <summary>
    /// Scratch floats of the weight gradient (Winograd.AddWeightGradient), any number of images (they go one at a time):
    /// the accumulated dU[ξ] (α²·C·KP), one image's input frame, one image's dY channel-last (KP per position, whole
    /// tiles), and a chunk's V and dM matrices.
    /// </summary>
    public static int WeightGradientScratchLength(int channels, int height, int width, int filters, int padding, int tile)
    {
        int th = Tiles(height, padding, tile), tw = Tiles(width, padding, tile);
        int chunk = ChunkTiles(channels, filters, tile, th * tw);
        int a2 = Alpha(tile) * Alpha(tile);
        return (a2 * channels * Padded(filters))
            + (Frame(height, padding, tile) * Frame(width, padding, tile) * Padded(channels))
            + (th * tile * tw * tile * Padded(filters))
            + (a2 * (MatrixStride(chunk, channels) + MatrixStride(chunk, filters)));
    }
}
