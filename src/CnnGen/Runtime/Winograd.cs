using System;
using System.Buffers;
using System.Numerics.Tensors;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Runtime;

/// <summary>
/// Stride-1 3×3 convolutions (padding 0 or 1) by Winograd's minimal filtering F(m×m, 3×3), m = 2 or 4 (Lavin &amp; Gray,
/// 2016): each m×m block of outputs of one filter and channel is Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A, so over all channels the
/// products become α² = (m + 2)² independent matrix products, M[ξ] = V[ξ]·U[ξ] (tiles × C times C × K), with
/// α²/m² multiplies per output and channel instead of 9: 4 for F(2×2) (2.25× fewer), 2.25 for F(4×4) (4× fewer).
/// <list type="bullet">
/// <item>The weight transform U = G·g·Gᵀ is done in double precision by <see cref="Pack"/>, once per parameter change
/// (it compares the weights with the copy it packed from, as <see cref="DirectConv.Pack"/> does), and each U[ξ] is
/// written in the packed product's panels (<see cref="Gemm.PanelIndex"/>) when the machine has vectors, so the products
/// do not copy the weights into panels on every call.</item>
/// <item>The input is copied channel-last into a zero-padded frame, so the input transform Bᵀ·d·B runs over vectors of
/// channels; its results V[ξ][tile][CP] are the A operands of the products, which go through
/// <see cref="Gemm.MultiplyPanels"/> (or, without vectors, <see cref="Gemm.MultiplyBroadcast(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, Span{float}, int, bool, ReadOnlySpan{float}, bool)"/>).</item>
/// <item>The output transform Aᵀ·M·A runs over vectors of filters and adds the bias and applies the ReLU in its
/// epilogue before writing the channel-first output; outputs of a last tile that hang past the output are dropped.</item>
/// <item>Training: the forward product is <see cref="Forward"/>; a padded layer's input gradient, dX = the convolution of dY
/// with each kernel turned by 180° and channels and filters swapped, is <see cref="AddInputGradient"/> over the kernels
/// <see cref="PackInputGradient"/> transformed: the same transforms and products, K channels in and C out, added into dX.</item>
/// </list>
/// Tiles are processed in chunks (<see cref="WinogradSizes.ChunkTiles"/>) across the images of a batch. Explicit
/// <see cref="Vector512{T}"/> and <see cref="Vector256{T}"/> transforms and a scalar fallback, chosen by
/// <c>IsHardwareAccelerated</c>; every unchecked access goes through <see cref="Mem"/>. Not meant to be called directly:
/// the generated networks call it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Winograd
{
    /// <summary>Floats of the packed weights: U[α²][C][KP] then the bias [KP].</summary>
    /// <param name="channels">Input channels C.</param>
    /// <param name="filters">Output channels K.</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    public static int PackedLength(int channels, int filters, int tile) => WinogradSizes.PackedLength(channels, filters, tile);

    /// <summary>Floats of the weights and bias <see cref="Pack"/> keeps to compare with: K·C·9 + K.</summary>
    /// <param name="channels">Input channels C.</param>
    /// <param name="filters">Output channels K.</param>
    public static int SourceLength(int channels, int filters) => WinogradSizes.SourceLength(channels, filters);

    /// <summary>Scratch floats <see cref="Forward"/> needs for a batch of <paramref name="images"/>.</summary>
    /// <param name="channels">Input channels C.</param>
    /// <param name="height">Input height H.</param>
    /// <param name="width">Input width W.</param>
    /// <param name="filters">Output channels K.</param>
    /// <param name="padding">0 or 1 (both axes).</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    /// <param name="images">Images per call.</param>
    public static int ScratchLength(int channels, int height, int width, int filters, int padding, int tile, int images) =>
        WinogradSizes.ScratchLength(channels, height, width, filters, padding, tile, images);

    /// <summary>Scratch floats <see cref="AddWeightGradient"/> needs, for any number of images.</summary>
    /// <param name="channels">Input channels C.</param>
    /// <param name="height">Input height H.</param>
    /// <param name="width">Input width W.</param>
    /// <param name="filters">Output channels K.</param>
    /// <param name="padding">0 or 1 (both axes).</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    public static int WeightGradientScratchLength(int channels, int height, int width, int filters, int padding, int tile) =>
        WinogradSizes.WeightGradientScratchLength(channels, height, width, filters, padding, tile);

    /// <summary>
    /// Transforms weights [K][C][3][3] (PyTorch's order) into U[ξ][c][k] = (G·g_kc·Gᵀ)[ξ] (computed in double, zeros in
    /// the padded filters; each C × KP matrix U[ξ] in the product's panels when the machine has vectors, row-major
    /// otherwise) and copies the bias after them, unless <paramref name="source"/> already holds the same bits as
    /// <paramref name="weights"/> and <paramref name="bias"/>: then <paramref name="packed"/> is current.
    /// </summary>
    /// <param name="weights">K·C·9 floats.</param>
    /// <param name="bias">K floats, or empty for no bias.</param>
    /// <param name="filters">K.</param>
    /// <param name="channels">C.</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    /// <param name="source"><see cref="SourceLength"/> floats: the weights and bias the packed buffer was made from.</param>
    /// <param name="packed"><see cref="PackedLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int filters, int channels, int tile, Span<float> source, Span<float> packed) =>
        Transform(weights, bias, filters, channels, tile, source, packed, inputGradient: false);

    /// <summary>
    /// For <see cref="AddInputGradient"/>: transforms the same weights [K][C][3][3] as the weights of the convolution that
    /// takes dY back to dX (stride 1, padding 1): its channels are the layer's K filters and its filters the layer's C
    /// channels, each 3×3 kernel turned by 180° (w'[c][k][a][b] = w[k][c][2 − a][2 − b]), no bias; U'[ξ][k][c] laid out as
    /// <see cref="Pack"/> lays out U, unless <paramref name="source"/> already holds the same bits as <paramref name="weights"/>.
    /// </summary>
    /// <param name="weights">K·C·9 floats.</param>
    /// <param name="filters">K.</param>
    /// <param name="channels">C.</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    /// <param name="source"><see cref="SourceLength"/>(C, K) floats: the weights the packed buffer was made from.</param>
    /// <param name="packed"><see cref="PackedLength"/>(K, C, tile) floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackInputGradient(ReadOnlySpan<float> weights, int filters, int channels, int tile, Span<float> source, Span<float> packed) =>
        Transform(weights, default, filters, channels, tile, source, packed, inputGradient: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transform(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int filters, int channels, int tile, Span<float> source, Span<float> packed, bool inputGradient)
    {
        CheckTile(tile);
        int taps = channels * 9;
        Span<float> sourceWeights = source.Slice(0, filters * taps);
        Span<float> sourceBias = source.Slice(filters * taps, filters);
        weights = weights.Slice(0, filters * taps);
        bool biasSame = bias.IsEmpty
            ? !MemoryMarshal.AsBytes(sourceBias).ContainsAnyExcept((byte)0)
            : MemoryMarshal.AsBytes(bias.Slice(0, filters)).SequenceEqual(MemoryMarshal.AsBytes(sourceBias));
        if (biasSame && MemoryMarshal.AsBytes(weights).SequenceEqual(MemoryMarshal.AsBytes(sourceWeights)))
        {
            return;
        }

        weights.CopyTo(sourceWeights);
        if (bias.IsEmpty)
        {
            sourceBias.Clear();
        }
        else
        {
            bias.Slice(0, filters).CopyTo(sourceBias);
        }

        // The transformed matrices are rows × cols: C × K for the forward convolution, K × C (kernels turned) for the
        // input gradient's.
        (int rows, int cols) = inputGradient ? (filters, channels) : (channels, filters);
        int kp = WinogradSizes.Padded(cols), alpha = tile + 2, a2 = alpha * alpha;
        packed = packed.Slice(0, PackedLength(rows, cols, tile));

        // Every element of the matrices is written below when no column is padding; then only the bias needs clearing.
        packed.Slice(kp == cols ? a2 * rows * kp : 0).Clear();
        double[,] g = tile == 2 ? G2 : G4;
        int panelWidth = Gemm.PanelWidth;

        // One row at a time, every column at once (vectors of columns through TensorPrimitives): its taps f[r][col]
        // (3·3 rows of the columns), then (G·f)[i][j][col] (α·3 rows), then each U[ξ = i·α + j][row][·] = ((G·f)·Gᵀ)[i][j]
        // (a row of the columns), written into the panels in runs of consecutive columns. Filter by filter this took
        // 1.7 ms for 128 → 128 (4 ms for CifarNet's five Winograd layers, against 1.2 ms so).
        double[] rented = ArrayPool<double>.Shared.Rent((9 + (alpha * 3) + 1) * cols);
        try
        {
            Span<double> f = rented.AsSpan(0, 9 * cols);
            Span<double> gf = rented.AsSpan(9 * cols, alpha * 3 * cols);
            Span<double> u = rented.AsSpan((9 + (alpha * 3)) * cols, cols);
            for (int c = 0; c < rows; c++)
            {
                for (int k = 0; k < cols; k++)
                {
                    // Forward: row c is a channel, column k a filter. Input gradient: row c is a filter, column k a
                    // channel, and tap r of the turned kernel is tap 8 − r of the layer's.
                    ReadOnlySpan<float> taps9 = weights.Slice(inputGradient ? (c * taps) + (k * 9) : (k * taps) + (c * 9), 9);
                    for (int r = 0; r < 9; r++)
                    {
                        f[(r * cols) + k] = taps9[inputGradient ? 8 - r : r];
                    }
                }

                for (int i = 0; i < alpha; i++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        // (G·f)[i][j] = Σ_r G[i][r]·f[r][j]
                        Combine(g[i, 0], f.Slice(j * cols, cols), g[i, 1], f.Slice((3 + j) * cols, cols), g[i, 2], f.Slice((6 + j) * cols, cols), gf.Slice(((i * 3) + j) * cols, cols));
                    }
                }

                for (int i = 0; i < alpha; i++)
                {
                    for (int j = 0; j < alpha; j++)
                    {
                        // ((G·f)·Gᵀ)[i][j] = Σ_s (G·f)[i][s]·G[j][s]
                        Combine(g[j, 0], gf.Slice(i * 3 * cols, cols), g[j, 1], gf.Slice(((i * 3) + 1) * cols, cols), g[j, 2], gf.Slice(((i * 3) + 2) * cols, cols), u);
                        Span<float> matrix = packed.Slice(((i * alpha) + j) * rows * kp, rows * kp);
                        int run = panelWidth > 0 ? panelWidth : cols;
                        for (int k0 = 0; k0 < cols; k0 += run)
                        {
                            int count = Math.Min(run, cols - k0);
                            int at = panelWidth > 0 ? Gemm.PanelIndex(c, k0, rows, kp, panelWidth) : (c * kp) + k0;
                            Span<float> to = matrix.Slice(at, count);
                            ReadOnlySpan<double> from = u.Slice(k0, count);
                            for (int k = 0; k < count; k++)
                            {
                                to[k] = (float)from[k];
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }

        if (!inputGradient)
        {
            for (int k = 0; k < filters; k++)
            {
                packed[(a2 * channels * kp) + k] = sourceBias[k];
            }
        }
    }

    // destination = a·x + b·y + c·z in double, terms with a zero coefficient skipped (G has zeros).
    private static void Combine(double a, ReadOnlySpan<double> x, double b, ReadOnlySpan<double> y, double c, ReadOnlySpan<double> z, Span<double> destination)
    {
        destination.Clear();
        if (a != 0)
        {
            TensorPrimitives.MultiplyAdd(x, a, destination, destination);
        }

        if (b != 0)
        {
            TensorPrimitives.MultiplyAdd(y, b, destination, destination);
        }

        if (c != 0)
        {
            TensorPrimitives.MultiplyAdd(z, c, destination, destination);
        }
    }

    // G of F(2×2, 3×3) and of F(4×4, 3×3) (interpolation points 0, ±1, ±2 and ∞).
    private static readonly double[,] G2 = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };

    private static readonly double[,] G4 =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    // How Run writes its output: over it (the forward pass) or added into it (an input gradient).
    private interface IWrite
    {
        static abstract bool Accumulate { get; }
    }

    private readonly struct Overwrite : IWrite
    {
        public static bool Accumulate => false;
    }

    private readonly struct AddInto : IWrite
    {
        public static bool Accumulate => true;
    }

    // Output size, tiles and padded frame of each axis.
    private static (int OutHeight, int OutWidth, int TilesDown, int TilesAcross, int FrameHeight, int FrameWidth) Tiling(int height, int width, int padding, int tile) =>
        (WinogradSizes.OutputSize(height, padding), WinogradSizes.OutputSize(width, padding), WinogradSizes.Tiles(height, padding, tile),
         WinogradSizes.Tiles(width, padding, tile), WinogradSizes.Frame(height, padding, tile), WinogradSizes.Frame(width, padding, tile));

    private static void CheckShape(int images, int channels, int height, int width, int filters, int padding, int tile)
    {
        CheckTile(tile);
        if (padding is not (0 or 1) || images < 0 || channels < 1 || filters < 1 || height + (2 * padding) < 3 || width + (2 * padding) < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), "A Winograd convolution needs padding 0 or 1 and an input at least as large as its 3×3 kernel.");
        }
    }

    private static void CheckTile(int tile)
    {
        if (tile is not (2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(tile), tile, "The Winograd tile is 2 (F(2×2, 3×3)) or 4 (F(4×4, 3×3)).");
        }
    }

    /// <summary>
    /// output = relu?(conv3×3(input) + bias) for <paramref name="images"/> images [C][H][W] → [K][OH][OW] (OH = H + 2·padding − 2,
    /// likewise OW), stride 1, with the weights <see cref="Pack"/> made.
    /// </summary>
    /// <param name="packed">The packed weights and bias.</param>
    /// <param name="input">images × C·H·W floats.</param>
    /// <param name="images">Images in the batch.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="filters">K.</param>
    /// <param name="padding">0 or 1 (both axes).</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    /// <param name="relu">Apply max(0, ·) after the bias.</param>
    /// <param name="output">images × K·OH·OW floats.</param>
    /// <param name="scratch"><see cref="ScratchLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, int images, int channels, int height, int width, int filters, int padding, int tile, bool relu, Span<float> output, Span<float> scratch) =>
        Convolve(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch, accumulate: false);

    /// <summary>
    /// gradInput += dLoss/dInput of a stride-1 3×3 convolution with padding 1, C → K channels of H × W, for
    /// <paramref name="images"/> images: the convolution of dY (K channels) with the turned, transposed kernels
    /// <see cref="PackInputGradient"/> made, by the same transforms and products as <see cref="Forward"/>.
    /// </summary>
    /// <param name="packed">The weights <see cref="PackInputGradient"/> transformed.</param>
    /// <param name="gradOutput">images × K·H·W floats: dLoss/dOutput.</param>
    /// <param name="images">Images in the batch.</param>
    /// <param name="channels">C, the layer's input channels.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="filters">K, the layer's output channels.</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    /// <param name="gradInput">images × C·H·W floats: dLoss/dInput is added into them.</param>
    /// <param name="scratch"><see cref="ScratchLength"/>(K, H, W, C, 1, tile, images) floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInputGradient(ReadOnlySpan<float> packed, ReadOnlySpan<float> gradOutput, int images, int channels, int height, int width, int filters, int tile, Span<float> gradInput, Span<float> scratch) =>
        Convolve(packed, gradOutput, images, filters, height, width, channels, 1, tile, false, gradInput, scratch, accumulate: true);

    /// <summary>
    /// gradWeights += dLoss/dW of a stride-1 3×3 convolution (padding 0 or 1), C → K channels, over
    /// <paramref name="images"/> images, in the Winograd domain: with V = Bᵀ·d·B of each input tile (as <see cref="Forward"/>)
    /// and dM = A·dY·Aᵀ of the tile's output gradient (outputs past the edge count as zero), dU[ξ] = Σ_tiles V[ξ]ᵀ·dM[ξ]
    /// (α² products C × tiles times tiles × K, summed over every tile of every image), then dW = Gᵀ·dU·G once at the end.
    /// The bias gradient is not included.
    /// </summary>
    /// <param name="input">images × C·H·W floats: the layer's input.</param>
    /// <param name="gradOutput">images × K·OH·OW floats: dLoss/dOutput.</param>
    /// <param name="images">Images in the batch.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="filters">K.</param>
    /// <param name="padding">0 or 1 (both axes).</param>
    /// <param name="tile">The output tile m: 2 or 4.</param>
    /// <param name="gradWeights">K·C·9 floats (PyTorch's order): dLoss/dW is added into them.</param>
    /// <param name="scratch"><see cref="WeightGradientScratchLength"/> floats.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddWeightGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, int images, int channels, int height, int width, int filters, int padding, int tile, Span<float> gradWeights, Span<float> scratch)
    {
        CheckShape(images, channels, height, width, filters, padding, tile);

        int oh = WinogradSizes.OutputSize(height, padding), ow = WinogradSizes.OutputSize(width, padding);
        if (input.Length < (long)images * channels * height * width || gradOutput.Length < (long)images * filters * oh * ow
            || gradWeights.Length < filters * channels * 9 || scratch.Length < WinogradSizes.WeightGradientScratchLength(channels, height, width, filters, padding, tile))
        {
            throw new ArgumentException("A span is shorter than the layer's shapes require.");
        }

        if (images == 0)
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            WeightGradient<Vector512<float>, Simd512>(input, gradOutput, images, channels, height, width, filters, padding, tile, gradWeights, scratch);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            WeightGradient<Vector256<float>, Simd256>(input, gradOutput, images, channels, height, width, filters, padding, tile, gradWeights, scratch);
        }
        else
        {
            WeightGradient<float, SimdScalar>(input, gradOutput, images, channels, height, width, filters, padding, tile, gradWeights, scratch);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradient<TV, TL>(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, int images, int channels, int height, int width, int filters, int padding, int tile, Span<float> gradWeights, Span<float> scratch)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        (int cp, int kp, int alpha, int a2) = (WinogradSizes.Padded(channels), WinogradSizes.Padded(filters), tile + 2, (tile + 2) * (tile + 2));
        (int oh, int ow, int th, int tw, int hf, int wf) = Tiling(height, width, padding, tile);
        int perImage = th * tw, chunk = WinogradSizes.ChunkTiles(channels, filters, tile, perImage);
        int gw = tw * tile;
        Span<float> du = scratch.Slice(0, a2 * channels * kp);
        Span<float> frame = scratch.Slice(du.Length, hf * wf * cp);
        Span<float> gy = scratch.Slice(du.Length + frame.Length, th * tile * gw * kp);
        int vs = WinogradSizes.MatrixStride(chunk, cp), ms = WinogradSizes.MatrixStride(chunk, kp);
        Span<float> v = scratch.Slice(du.Length + frame.Length + gy.Length, a2 * vs);
        Span<float> m = scratch.Slice(du.Length + frame.Length + gy.Length + v.Length, a2 * ms);
        Span<float> work = stackalloc float[6 * 6 * 16];
        du.Clear();
        for (int b = 0; b < images; b++)
        {
            // The image channel-last in its padded frame, and dY channel-last over whole tiles (zeros past the output).
            CopyFrame(input.Slice(b * channels * height * width, channels * height * width), channels, height, width, padding, cp, hf, wf, frame);
            CopyFrame(gradOutput.Slice(b * filters * oh * ow, filters * oh * ow), filters, oh, ow, 0, kp, th * tile, gw, gy);
            for (int first = 0; first < perImage; first += chunk)
            {
                int count = Math.Min(chunk, perImage - first);
                ref float fr = ref Mem.Ref(frame);
                ref float gr = ref Mem.Ref(gy);
                ref float vr = ref Mem.Ref(v);
                ref float mr = ref Mem.Ref(m);
                ref float wr = ref Mem.Ref(work);
                for (int t = 0; t < count; t++)
                {
                    int at = first + t, ty = at / tw, tx = at - (ty * tw);
                    ref float d = ref Mem.Offset(ref fr, ((ty * tile * wf) + (tx * tile)) * cp);
                    for (int c = 0; c < cp; c += TL.Width)
                    {
                        InputTile<TV, TL>(tile, ref Mem.Offset(ref d, c), wf * cp, cp, ref wr, ref Mem.Offset(ref vr, (t * cp) + c), vs);
                    }

                    ref float g = ref Mem.Offset(ref gr, ((ty * tile * gw) + (tx * tile)) * kp);
                    for (int k = 0; k < kp; k += TL.Width)
                    {
                        GradientTile<TV, TL>(tile, ref Mem.Offset(ref g, k), gw * kp, kp, ref wr, ref Mem.Offset(ref mr, (t * kp) + k), ms);
                    }
                }

                // dU[ξ] (C × KP) += V[ξ]ᵀ (C × count) · dM[ξ] (count × KP)
                for (int xi = 0; xi < a2; xi++)
                {
                    Gemm.MultiplyBroadcast(channels, kp, count, v.Slice(xi * vs), 1, cp, m.Slice(xi * ms), kp, du.Slice(xi * channels * kp, channels * kp), kp, true);
                }
            }
        }

        AddInverseTransform(du, channels, filters, kp, tile, gradWeights);
    }

    // dW[k][c] += Gᵀ·dU_kc·G (α × α → 3 × 3) for every channel c, a row of filters at a time (TensorPrimitives).
    private static void AddInverseTransform(ReadOnlySpan<float> du, int channels, int filters, int kp, int tile, Span<float> gradWeights)
    {
        int alpha = tile + 2, taps = channels * 9;
        double[,] g = tile == 2 ? G2 : G4;
        float[] rented = ArrayPool<float>.Shared.Rent(((alpha * 3) + 1) * filters);
        try
        {
            Span<float> t = rented.AsSpan(0, alpha * 3 * filters);
            Span<float> row = rented.AsSpan(alpha * 3 * filters, filters);
            for (int c = 0; c < channels; c++)
            {
                // t[i][s] = Σ_j dU[i·α + j]·G[j][s]
                for (int i = 0; i < alpha; i++)
                {
                    for (int s = 0; s < 3; s++)
                    {
                        Span<float> target = t.Slice(((i * 3) + s) * filters, filters);
                        target.Clear();
                        for (int j = 0; j < alpha; j++)
                        {
                            if (g[j, s] != 0)
                            {
                                TensorPrimitives.MultiplyAdd(du.Slice((((i * alpha) + j) * channels * kp) + (c * kp), filters), (float)g[j, s], target, target);
                            }
                        }
                    }
                }

                // dW[k][c][r][s] += Σ_i G[i][r]·t[i][s]
                for (int r = 0; r < 3; r++)
                {
                    for (int s = 0; s < 3; s++)
                    {
                        row.Clear();
                        for (int i = 0; i < alpha; i++)
                        {
                            if (g[i, r] != 0)
                            {
                                TensorPrimitives.MultiplyAdd(t.Slice(((i * 3) + s) * filters, filters), (float)g[i, r], row, row);
                            }
                        }

                        int at = (c * 9) + (r * 3) + s;
                        for (int k = 0; k < filters; k++)
                        {
                            gradWeights[(k * taps) + at] += row[k];
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    // A·y·Aᵀ of one tile's output gradient y (m × m, y[r][s] at y + r·rowStride + s·colStride) for one vector of
    // filters: the result's element ξ at m + ξ·mStride; work holds the α × m intermediate (A·y).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientTile<TV, TL>(int tile, ref float y, int rowStride, int colStride, ref float work, ref float m, int mStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        int w = TL.Width, alpha = tile + 2;
        for (int s = 0; s < tile; s++)
        {
            if (tile == 2)
            {
                GradientLine2<TV, TL>(ref Mem.Offset(ref y, s * colStride), rowStride, ref Mem.Offset(ref work, s * w), tile * w);
            }
            else
            {
                GradientLine4<TV, TL>(ref Mem.Offset(ref y, s * colStride), rowStride, ref Mem.Offset(ref work, s * w), tile * w);
            }
        }

        for (int i = 0; i < alpha; i++)
        {
            if (tile == 2)
            {
                GradientLine2<TV, TL>(ref Mem.Offset(ref work, i * tile * w), w, ref Mem.Offset(ref m, i * alpha * mStride), mStride);
            }
            else
            {
                GradientLine4<TV, TL>(ref Mem.Offset(ref work, i * tile * w), w, ref Mem.Offset(ref m, i * alpha * mStride), mStride);
            }
        }
    }

    // A·x for F(2, 3) (A is Aᵀ of the output transform, transposed): x0, x0 + x1, x0 − x1, −x1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientLine2<TV, TL>(ref float x, int xStride, ref float y, int yStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV x0 = TL.Load(ref x, 0), x1 = TL.Load(ref x, (nuint)xStride);
        TL.Store(x0, ref y, 0);
        TL.Store(TL.Add(x0, x1), ref y, (nuint)yStride);
        TL.Store(TL.Sub(x0, x1), ref y, (nuint)(2 * yStride));
        TL.Store(TL.Sub(TL.Zero, x1), ref y, (nuint)(3 * yStride));
    }

    // A·x for F(4, 3), with a = x0 + x2, b = x1 + x3, c = x0 + 4·x2, e = 2·x1 + 8·x3: x0, a + b, a − b, c + e, c − e, x3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientLine4<TV, TL>(ref float x, int xStride, ref float y, int yStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV x0 = TL.Load(ref x, 0), x1 = TL.Load(ref x, (nuint)xStride), x2 = TL.Load(ref x, (nuint)(2 * xStride)), x3 = TL.Load(ref x, (nuint)(3 * xStride));
        TV a = TL.Add(x0, x2), b = TL.Add(x1, x3), c = TL.Fma(x2, TL.Splat(4f), x0), e = TL.Fma(x3, TL.Splat(8f), TL.Add(x1, x1));
        TL.Store(x0, ref y, 0);
        TL.Store(TL.Add(a, b), ref y, (nuint)yStride);
        TL.Store(TL.Sub(a, b), ref y, (nuint)(2 * yStride));
        TL.Store(TL.Add(c, e), ref y, (nuint)(3 * yStride));
        TL.Store(TL.Sub(c, e), ref y, (nuint)(4 * yStride));
        TL.Store(x3, ref y, (nuint)(5 * yStride));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convolve(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, int images, int channels, int height, int width, int filters, int padding, int tile, bool relu, Span<float> output, Span<float> scratch, bool accumulate)
    {
        CheckShape(images, channels, height, width, filters, padding, tile);

        int oh = WinogradSizes.OutputSize(height, padding), ow = WinogradSizes.OutputSize(width, padding);
        if (packed.Length < PackedLength(channels, filters, tile) || input.Length < (long)images * channels * height * width
            || output.Length < (long)images * filters * oh * ow || scratch.Length < ScratchLength(channels, height, width, filters, padding, tile, images))
        {
            throw new ArgumentException("A span is shorter than the layer's shapes require.");
        }

        if (images == 0)
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            if (accumulate)
            {
                Run<Vector512<float>, Simd512, AddInto>(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch);
            }
            else
            {
                Run<Vector512<float>, Simd512, Overwrite>(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            if (accumulate)
            {
                Run<Vector256<float>, Simd256, AddInto>(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch);
            }
            else
            {
                Run<Vector256<float>, Simd256, Overwrite>(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch);
            }
        }
        else
        {
            if (accumulate)
            {
                Run<float, SimdScalar, AddInto>(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch);
            }
            else
            {
                Run<float, SimdScalar, Overwrite>(packed, input, images, channels, height, width, filters, padding, tile, relu, output, scratch);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TV, TL, TWrite>(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, int images, int channels, int height, int width, int filters, int padding, int tile, bool relu, Span<float> output, Span<float> scratch)
        where TV : struct
        where TL : struct, ILanes<TV>
        where TWrite : struct, IWrite
    {
        // A constant of the instantiation: the JIT keeps only one side of each test of it.
        bool accumulate = TWrite.Accumulate;
        (int cp, int kp, int alpha, int a2) = (WinogradSizes.Padded(channels), WinogradSizes.Padded(filters), tile + 2, (tile + 2) * (tile + 2));
        (int oh, int ow, int th, int tw, int hf, int wf) = Tiling(height, width, padding, tile);
        int perImage = th * tw, tiles = images * perImage;
        int chunk = WinogradSizes.ChunkTiles(channels, filters, tile, tiles);
        int frameLength = hf * wf * cp;
        Span<float> frames = scratch.Slice(0, images * frameLength);
        int vs = WinogradSizes.MatrixStride(chunk, cp), ms = WinogradSizes.MatrixStride(chunk, kp);
        Span<float> v = scratch.Slice(frames.Length, a2 * vs);
        Span<float> m = scratch.Slice(frames.Length + v.Length, a2 * ms);
        for (int b = 0; b < images; b++)
        {
            CopyFrame(input.Slice(b * channels * height * width, channels * height * width), channels, height, width, padding, cp, hf, wf, frames.Slice(b * frameLength, frameLength));
        }

        ReadOnlySpan<float> u = packed.Slice(0, a2 * channels * kp);
        ReadOnlySpan<float> bias = packed.Slice(a2 * channels * kp, kp);
        Span<float> work = stackalloc float[(6 * 6 * 16) + (4 * 4 * 16)];
        int outPlane = oh * ow;
        bool panels = Gemm.PanelWidth > 0;
        for (int first = 0; first < tiles; first += chunk)
        {
            int count = Math.Min(chunk, tiles - first);

            // References taken per chunk, next to their use: the checked build remembers the latest spans handed to Mem.Ref,
            // and the α² products hand it many.
            ref float fr = ref Mem.Ref(frames);
            ref float vr = ref Mem.Ref(v);
            ref float wr = ref Mem.Ref(work);

            // Input transform: V[ξ][t][c] = (Bᵀ·d·B)[ξ] for the chunk's tiles, a vector of channels at a time.
            for (int t = 0; t < count; t++)
            {
                int at = first + t, image = at / perImage, rest = at - (image * perImage), ty = rest / tw, tx = rest - (ty * tw);
                ref float d = ref Mem.Offset(ref fr, (image * frameLength) + (((ty * tile * wf) + (tx * tile)) * cp));
                for (int c = 0; c < cp; c += TL.Width)
                {
                    InputTile<TV, TL>(tile, ref Mem.Offset(ref d, c), wf * cp, cp, ref wr, ref Mem.Offset(ref vr, (t * cp) + c), vs);
                }
            }

            // The α² products M[ξ] (count × KP) = V[ξ] (count × C) · U[ξ] (C × KP), U prepacked in the product's panels
            // when the machine has vectors (Pack wrote it so).
            for (int xi = 0; xi < a2; xi++)
            {
                if (panels)
                {
                    Gemm.MultiplyPanels(count, kp, channels, v.Slice(xi * vs), cp, u.Slice(xi * channels * kp, channels * kp), m.Slice(xi * ms), kp);
                }
                else
                {
                    Gemm.MultiplyBroadcast(count, filters, channels, v.Slice(xi * vs), cp, 1, u.Slice(xi * channels * kp), kp, m.Slice(xi * ms), kp, false);
                }
            }

            ref float mr = ref Mem.Ref(m);
            ref float br = ref Mem.Ref(bias);
            ref float outr = ref Mem.Ref(output);
            wr = ref Mem.Ref(work);

            // Output transform: Aᵀ·M·A + bias, ReLU, a vector of filters at a time; tile t's m² results overwrite M[0 … m²)[t]
            // (every M[ξ][t] is read first).
            for (int t = 0; t < count; t++)
            {
                for (int k = 0; k < filters; k += TL.Width)
                {
                    OutputTile<TV, TL>(tile, ref Mem.Offset(ref mr, (t * kp) + k), ms, ref wr, TL.Load(ref br, (nuint)k), relu);
                }
            }

            // Then written channel-first in a pass of its own (read back right after the vector stores, each lane would wait
            // for its store to retire: no store-to-load forwarding from part of a vector), a row of tiles at a time and
            // filter by filter, so each output row is written in order (filter planes 4 KiB apart would evict each other).
            for (int t0 = 0; t0 < count;)
            {
                int at = first + t0, image = at / perImage, rest = at - (image * perImage), ty = rest / tw, tx0 = rest - (ty * tw);
                int run = Math.Min(tw - tx0, count - t0);
                int rows = Math.Min(tile, oh - (ty * tile)), cols = Math.Min(tile * run, ow - (tx0 * tile));
                ref float o = ref Mem.Offset(ref outr, (image * filters * outPlane) + (ty * tile * ow) + (tx0 * tile));
                ref float y0 = ref Mem.Offset(ref mr, t0 * kp);
                int k = 0;
                if (Avx.IsSupported)
                {
                    // 8 filters × 8 columns at a time: 8 loads of 8 filters (one per column), an 8×8 transpose, 8 row stores.
                    int shift = tile == 2 ? 1 : 2, cols8 = cols & ~7;
                    for (; k + 8 <= filters; k += 8)
                    {
                        ref float plane = ref Mem.Offset(ref o, k * outPlane);
                        for (int r = 0; r < rows; r++)
                        {
                            ref float target = ref Mem.Offset(ref plane, r * ow);
                            ref float source = ref Mem.Offset(ref y0, (r * tile * ms) + k);
                            for (int x = 0; x < cols8; x += 8)
                            {
                                Vector256<float> c0 = Column(ref source, x, shift, tile, ms, kp);
                                Vector256<float> c1 = Column(ref source, x + 1, shift, tile, ms, kp);
                                Vector256<float> c2 = Column(ref source, x + 2, shift, tile, ms, kp);
                                Vector256<float> c3 = Column(ref source, x + 3, shift, tile, ms, kp);
                                Vector256<float> c4 = Column(ref source, x + 4, shift, tile, ms, kp);
                                Vector256<float> c5 = Column(ref source, x + 5, shift, tile, ms, kp);
                                Vector256<float> c6 = Column(ref source, x + 6, shift, tile, ms, kp);
                                Vector256<float> c7 = Column(ref source, x + 7, shift, tile, ms, kp);
                                Transpose8(ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                                ref float to = ref Mem.Offset(ref target, x);
                                if (accumulate)
                                {
                                    c0 += Mem.Load256(ref to, 0);
                                    c1 += Mem.Load256(ref to, (nuint)outPlane);
                                    c2 += Mem.Load256(ref to, (nuint)(2 * outPlane));
                                    c3 += Mem.Load256(ref to, (nuint)(3 * outPlane));
                                    c4 += Mem.Load256(ref to, (nuint)(4 * outPlane));
                                    c5 += Mem.Load256(ref to, (nuint)(5 * outPlane));
                                    c6 += Mem.Load256(ref to, (nuint)(6 * outPlane));
                                    c7 += Mem.Load256(ref to, (nuint)(7 * outPlane));
                                }

                                Mem.Store(c0, ref to, 0);
                                Mem.Store(c1, ref to, (nuint)outPlane);
                                Mem.Store(c2, ref to, (nuint)(2 * outPlane));
                                Mem.Store(c3, ref to, (nuint)(3 * outPlane));
                                Mem.Store(c4, ref to, (nuint)(4 * outPlane));
                                Mem.Store(c5, ref to, (nuint)(5 * outPlane));
                                Mem.Store(c6, ref to, (nuint)(6 * outPlane));
                                Mem.Store(c7, ref to, (nuint)(7 * outPlane));
                            }

                            for (int x = cols8; x < cols; x++)
                            {
                                ref float from = ref Mem.Offset(ref source, ((x & (tile - 1)) * ms) + ((x >> shift) * kp));
                                for (int j = 0; j < 8; j++)
                                {
                                    ref float y = ref Mem.Add(ref target, (j * outPlane) + x);
                                    y = accumulate ? y + Mem.Add(ref from, j) : Mem.Add(ref from, j);
                                }
                            }
                        }
                    }
                }

                for (; k < filters; k++)
                {
                    ref float plane = ref Mem.Offset(ref o, k * outPlane);
                    for (int r = 0; r < rows; r++)
                    {
                        ref float target = ref Mem.Offset(ref plane, r * ow);
                        ref float source = ref Mem.Offset(ref y0, (r * tile * ms) + k);
                        for (int t = 0, x = 0; x < cols; t++)
                        {
                            ref float from = ref Mem.Offset(ref source, t * kp);
                            for (int s = 0; s < tile && x < cols; s++, x++)
                            {
                                ref float y = ref Mem.Add(ref target, x);
                                y = accumulate ? y + Mem.Add(ref from, s * ms) : Mem.Add(ref from, s * ms);
                            }
                        }
                    }
                }

                t0 += run;
            }
        }
    }

    // The image [C][H][W] into the frame [HF][WF][CP] at (padding, padding), zeros elsewhere.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyFrame(ReadOnlySpan<float> input, int channels, int height, int width, int padding, int cp, int hf, int wf, Span<float> frame)
    {
        if (channels != cp)
        {
            frame.Clear();
        }
        else
        {
            // Only the border: rows above and below the image, and the columns left and right of it.
            frame.Slice(0, padding * wf * cp).Clear();
            frame.Slice((padding + height) * wf * cp).Clear();
            for (int y = 0; y < height; y++)
            {
                int row = (y + padding) * wf * cp;
                frame.Slice(row, padding * cp).Clear();
                frame.Slice(row + ((padding + width) * cp), (wf - padding - width) * cp).Clear();
            }
        }

        ref float src = ref Mem.Ref(input);
        ref float dst = ref Mem.Ref(frame);
        int plane = height * width;

        // Row by row: the image row of every channel and the frame row it goes to stay in L1. With AVX, 8 channels × 8
        // columns at a time through an 8×8 transpose.
        for (int y = 0; y < height; y++)
        {
            ref float t = ref Mem.Offset(ref dst, (((y + padding) * wf) + padding) * cp);
            int c = 0;
            if (Avx.IsSupported)
            {
                for (; c + 8 <= channels; c += 8)
                {
                    ref float s = ref Mem.Offset(ref src, (c * plane) + (y * width));
                    int x = 0;
                    for (; x + 8 <= width; x += 8)
                    {
                        ref float from = ref Mem.Offset(ref s, x);
                        Vector256<float> r0 = Mem.Load256(ref from, 0), r1 = Mem.Load256(ref from, (nuint)plane);
                        Vector256<float> r2 = Mem.Load256(ref from, (nuint)(2 * plane)), r3 = Mem.Load256(ref from, (nuint)(3 * plane));
                        Vector256<float> r4 = Mem.Load256(ref from, (nuint)(4 * plane)), r5 = Mem.Load256(ref from, (nuint)(5 * plane));
                        Vector256<float> r6 = Mem.Load256(ref from, (nuint)(6 * plane)), r7 = Mem.Load256(ref from, (nuint)(7 * plane));
                        Transpose8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                        ref float to = ref Mem.Offset(ref t, (x * cp) + c);
                        Mem.Store(r0, ref to, 0);
                        Mem.Store(r1, ref to, (nuint)cp);
                        Mem.Store(r2, ref to, (nuint)(2 * cp));
                        Mem.Store(r3, ref to, (nuint)(3 * cp));
                        Mem.Store(r4, ref to, (nuint)(4 * cp));
                        Mem.Store(r5, ref to, (nuint)(5 * cp));
                        Mem.Store(r6, ref to, (nuint)(6 * cp));
                        Mem.Store(r7, ref to, (nuint)(7 * cp));
                    }

                    for (; x < width; x++)
                    {
                        for (int i = 0; i < 8; i++)
                        {
                            Mem.Add(ref t, (x * cp) + c + i) = Mem.Add(ref s, (i * plane) + x);
                        }
                    }
                }
            }

            for (; c < channels; c++)
            {
                ref float s = ref Mem.Offset(ref src, (c * plane) + (y * width));
                for (int x = 0; x < width; x++)
                {
                    Mem.Add(ref t, (x * cp) + c) = Mem.Add(ref s, x);
                }
            }
        }
    }

    // The 8 filters of output column x (tile x >> shift, position x mod tile) at source + position·chunkStride + tile·kp.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Column(ref float source, int x, int shift, int tile, int chunkStride, int kp) =>
        Mem.Load256(ref source, (nuint)(((x & (tile - 1)) * chunkStride) + ((x >> shift) * kp)));

    // Rows r0 … r7 of an 8×8 block become its columns (AVX: unpack, shuffle, then swap 128-bit halves).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3, ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        r0 = Avx.Permute2x128(s0, s4, 0x20);
        r1 = Avx.Permute2x128(s1, s5, 0x20);
        r2 = Avx.Permute2x128(s2, s6, 0x20);
        r3 = Avx.Permute2x128(s3, s7, 0x20);
        r4 = Avx.Permute2x128(s0, s4, 0x31);
        r5 = Avx.Permute2x128(s1, s5, 0x31);
        r6 = Avx.Permute2x128(s2, s6, 0x31);
        r7 = Avx.Permute2x128(s3, s7, 0x31);
    }

    // Bᵀ·d·B of one tile and one vector of channels: d[i][j] at d + i·rowStride + j·colStride, the result's element ξ
    // at v + ξ·vStride; work holds the α × α intermediate (Bᵀ·d).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTile<TV, TL>(int tile, ref float d, int rowStride, int colStride, ref float work, ref float v, int vStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        int w = TL.Width;
        if (tile == 2)
        {
            for (int j = 0; j < 4; j++)
            {
                InputLine2<TV, TL>(ref Mem.Offset(ref d, j * colStride), rowStride, ref Mem.Offset(ref work, j * w), 4 * w);
            }

            for (int i = 0; i < 4; i++)
            {
                InputLine2<TV, TL>(ref Mem.Offset(ref work, i * 4 * w), w, ref Mem.Offset(ref v, i * 4 * vStride), vStride);
            }
        }
        else
        {
            for (int j = 0; j < 6; j++)
            {
                InputLine4<TV, TL>(ref Mem.Offset(ref d, j * colStride), rowStride, ref Mem.Offset(ref work, j * w), 6 * w);
            }

            for (int i = 0; i < 6; i++)
            {
                InputLine4<TV, TL>(ref Mem.Offset(ref work, i * 6 * w), w, ref Mem.Offset(ref v, i * 6 * vStride), vStride);
            }
        }
    }

    // Bᵀ·x for F(2, 3): x0 − x2, x1 + x2, x2 − x1, x1 − x3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputLine2<TV, TL>(ref float x, int xStride, ref float y, int yStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV x0 = TL.Load(ref x, 0), x1 = TL.Load(ref x, (nuint)xStride), x2 = TL.Load(ref x, (nuint)(2 * xStride)), x3 = TL.Load(ref x, (nuint)(3 * xStride));
        TL.Store(TL.Sub(x0, x2), ref y, 0);
        TL.Store(TL.Add(x1, x2), ref y, (nuint)yStride);
        TL.Store(TL.Sub(x2, x1), ref y, (nuint)(2 * yStride));
        TL.Store(TL.Sub(x1, x3), ref y, (nuint)(3 * yStride));
    }

    // Bᵀ·x for F(4, 3): 4x0 − 5x2 + x4; ±(x3 − 4x1) + (x4 − 4x2); ±2(x3 − x1) + (x4 − x2); 4x1 − 5x3 + x5.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputLine4<TV, TL>(ref float x, int xStride, ref float y, int yStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV x0 = TL.Load(ref x, 0), x1 = TL.Load(ref x, (nuint)xStride), x2 = TL.Load(ref x, (nuint)(2 * xStride));
        TV x3 = TL.Load(ref x, (nuint)(3 * xStride)), x4 = TL.Load(ref x, (nuint)(4 * xStride)), x5 = TL.Load(ref x, (nuint)(5 * xStride));
        TV a = TL.Fma(x2, TL.Splat(-4f), x4), b = TL.Fma(x1, TL.Splat(-4f), x3);
        TV c = TL.Sub(x4, x2), e = TL.Multiply(TL.Sub(x3, x1), TL.Splat(2f));
        TL.Store(TL.Fma(x0, TL.Splat(4f), TL.Fma(x2, TL.Splat(-5f), x4)), ref y, 0);
        TL.Store(TL.Add(a, b), ref y, (nuint)yStride);
        TL.Store(TL.Sub(a, b), ref y, (nuint)(2 * yStride));
        TL.Store(TL.Add(c, e), ref y, (nuint)(3 * yStride));
        TL.Store(TL.Sub(c, e), ref y, (nuint)(4 * yStride));
        TL.Store(TL.Fma(x1, TL.Splat(4f), TL.Fma(x3, TL.Splat(-5f), x5)), ref y, (nuint)(5 * yStride));
    }

    // Aᵀ·M·A + bias, ReLU, of one tile and one vector of filters: M[ξ] at m + ξ·mStride; result (r, s) stored over
    // M[r·m + s] once every M[ξ] has been read.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTile<TV, TL>(int tile, ref float m, int mStride, ref float work, TV bias, bool relu)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        int w = TL.Width, alpha = tile + 2;

        // work[r][j] = (Aᵀ·M)[r][j] for r < m, j < α; then row r of the result from work[r][·].
        for (int j = 0; j < alpha; j++)
        {
            if (tile == 2)
            {
                OutputLine2<TV, TL>(ref Mem.Offset(ref m, j * mStride), alpha * mStride, ref Mem.Offset(ref work, j * w), alpha * w);
            }
            else
            {
                OutputLine4<TV, TL>(ref Mem.Offset(ref m, j * mStride), alpha * mStride, ref Mem.Offset(ref work, j * w), alpha * w);
            }
        }

        ref float result = ref Mem.Offset(ref work, tile * alpha * w);
        for (int r = 0; r < tile; r++)
        {
            if (tile == 2)
            {
                OutputLine2<TV, TL>(ref Mem.Offset(ref work, r * alpha * w), w, ref Mem.Offset(ref result, r * tile * w), w);
            }
            else
            {
                OutputLine4<TV, TL>(ref Mem.Offset(ref work, r * alpha * w), w, ref Mem.Offset(ref result, r * tile * w), w);
            }

            for (int s = 0; s < tile; s++)
            {
                TV y = TL.Add(TL.Load(ref result, (nuint)(((r * tile) + s) * w)), bias);
                TL.Store(relu ? TL.Relu(y) : y, ref m, (nuint)(((r * tile) + s) * mStride));
            }
        }
    }

    // Aᵀ·x for F(2, 3): x0 + x1 + x2, x1 − x2 − x3.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputLine2<TV, TL>(ref float x, int xStride, ref float y, int yStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV x0 = TL.Load(ref x, 0), x1 = TL.Load(ref x, (nuint)xStride), x2 = TL.Load(ref x, (nuint)(2 * xStride)), x3 = TL.Load(ref x, (nuint)(3 * xStride));
        TL.Store(TL.Add(TL.Add(x0, x1), x2), ref y, 0);
        TL.Store(TL.Sub(TL.Sub(x1, x2), x3), ref y, (nuint)yStride);
    }

    // Aᵀ·x for F(4, 3), with a = x1 + x2, b = x1 − x2, c = x3 + x4, e = x3 − x4: x0 + a + c, b + 2e, a + 4c, b + 8e + x5.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputLine4<TV, TL>(ref float x, int xStride, ref float y, int yStride)
        where TV : struct
        where TL : struct, ILanes<TV>
    {
        TV x0 = TL.Load(ref x, 0), x1 = TL.Load(ref x, (nuint)xStride), x2 = TL.Load(ref x, (nuint)(2 * xStride));
        TV x3 = TL.Load(ref x, (nuint)(3 * xStride)), x4 = TL.Load(ref x, (nuint)(4 * xStride)), x5 = TL.Load(ref x, (nuint)(5 * xStride));
        TV a = TL.Add(x1, x2), b = TL.Sub(x1, x2), c = TL.Add(x3, x4), e = TL.Sub(x3, x4);
        TL.Store(TL.Add(TL.Add(x0, a), c), ref y, 0);
        TL.Store(TL.Fma(e, TL.Splat(2f), b), ref y, (nuint)yStride);
        TL.Store(TL.Fma(c, TL.Splat(4f), a), ref y, (nuint)(2 * yStride));
        TL.Store(TL.Add(TL.Fma(e, TL.Splat(8f), b), x5), ref y, (nuint)(3 * yStride));
    }
}
