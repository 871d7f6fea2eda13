using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>
/// The inference path's direct convolution of one shape (<typeparamref name="TShape"/>), optionally with the max pool
/// after it fused into its epilogue (<typeparamref name="TPool"/>, or <see cref="NoPool"/>): vectorised over the output
/// channels, weights packed [C·FH·FW][K rounded up to 16] (<see cref="DirectConv.Pack"/>), one vector load per tap and one
/// broadcast per input pixel, 8 output positions per register block (<see cref="DirectConv"/>). With a pool, each pooled
/// cell is the max over its positions, then + bias, then ReLU (the same values as bias → ReLU → pool: max commutes with
/// adding a constant and ReLU is monotonic); the convolution's own output is never written. Scratch follows
/// <see cref="DirectConvSizes"/>: the padded frame (if padded), then the channel-last products.
/// </summary>
/// <typeparam name="TShape">The convolution's shape.</typeparam>
/// <typeparam name="TPool">The fused max pool's shape, or <see cref="NoPool"/>.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DirectConvLayer<TShape, TPool>
    where TShape : struct, IWindowShape
    where TPool : struct, IWindowShape
{
    private static int HP
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.H + (2 * TShape.PH);
    }

    private static int WP
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.W + (2 * TShape.PW);
    }

    private static int Frame
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.C * HP * WP;
    }

    private static bool Padded
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.PH > 0 || TShape.PW > 0;
    }

    private static bool Pooled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TPool.FH > 0;
    }

    // The cells written: the pooled cells, or every output position; and the window of positions each one is the max of.
    private static int CellsHigh
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Pooled ? TPool.OH : TShape.OH;
    }

    private static int CellsWide
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Pooled ? TPool.OW : TShape.OW;
    }

    private static int PoolHeight
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Pooled ? TPool.FH : 1;
    }

    private static int PoolWidth
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Pooled ? TPool.FW : 1;
    }

    private static int Positions
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => DirectConvSizes.PaddedPositions(CellsHigh * CellsWide * PoolHeight * PoolWidth);
    }

    // Where each kernel tap starts in the padded frame, and where the window of each output position starts (the
    // positions of each pooled cell together), repeated up to a whole number of 8-position blocks.
    // (In a class of their own, so that DirectConvLayer has no class constructor: see ConvLayer.)
    private static int[] s_taps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Tables.Taps;
    }

    private static int[] s_positions
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Tables.Positions;
    }

    private static class Tables
    {
        public static readonly int[] Taps = Kernels.ConvTapOffsets(TShape.C, TShape.FH, TShape.FW, HP * WP, WP);
        public static readonly int[] Positions = DirectConv.Positions(WP, TShape.SH, TShape.SW, CellsHigh, CellsWide, PoolHeight, PoolWidth);
    }

    /// <summary>
    /// Stride 1: the outputs are whole rows of the frame, so (with AVX-512 and a 3- or 5-wide kernel) the register block is
    /// 2 rows × 8 columns and each input pixel is broadcast once for every output it feeds; the position table otherwise.
    /// </summary>
    /// <param name="packed">The packed weights and bias.</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × the cells.</param>
    /// <param name="scratch">The layer's scratch.</param>
    /// <param name="relu">Whether the ReLU after the layer (before the pool) is applied.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu)
    {
        int rows = CellsHigh * PoolHeight, cols = CellsWide * PoolWidth;
        int products = DirectConvSizes.RowsScratchLength(Positions, rows, cols, TShape.K);
        DirectConv.ForwardRows(FrameOf(input, scratch), HP, WP, TShape.C, TShape.FH, TShape.FW, rows, cols, PoolHeight, PoolWidth, s_taps, s_positions, packed, TShape.K, relu, output, scratch.Slice(Padded ? Frame : 0, products));
    }

    /// <summary>Any stride: the position table, 8 positions per register block.</summary>
    /// <param name="packed">The packed weights and bias.</param>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">K × the cells.</param>
    /// <param name="scratch">The layer's scratch.</param>
    /// <param name="relu">Whether the ReLU after the layer (before the pool) is applied.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Table(ReadOnlySpan<float> packed, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, bool relu)
    {
        int products = DirectConvSizes.ScratchLength(Positions, TShape.K);
        DirectConv.Forward(FrameOf(input, scratch), s_taps, s_positions, PoolHeight * PoolWidth, CellsHigh * CellsWide, packed, TShape.K, relu, output, scratch.Slice(Padded ? Frame : 0, products));
    }

    private static ReadOnlySpan<float> FrameOf(ReadOnlySpan<float> input, Span<float> scratch)
    {
        if (!Padded)
        {
            return input.Slice(0, Frame);
        }

        Span<float> padded = scratch.Slice(0, Frame);
        Kernels.PadFrame(input, padded, TShape.C, TShape.H, TShape.W, TShape.PH, TShape.PW);
        return padded;
    }
}
