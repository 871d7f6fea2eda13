using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>
/// A pooling layer of one shape (<typeparamref name="TShape"/>, a struct the generated network declares; K = C), forward
/// and backward. Windows are clipped to the padded input: padded cells never win a maximum or minimum, count as zeros in
/// an average's divisor (PyTorch's count_include_pad) and add nothing to an L2 norm. Arg-max and arg-min take the first
/// cell equal to the forward output (PyTorch's tie rule), found without branches. Backward methods ADD into <c>gradInput</c>.
/// </summary>
/// <typeparam name="TShape">The layer's shape.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PoolLayer<TShape>
    where TShape : struct, IWindowShape
{
    private static int C
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.C;
    }

    private static int H
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.H;
    }

    private static int W
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.W;
    }

    private static int OH
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.OH;
    }

    private static int OW
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.OW;
    }

    /// <summary>2×2 max pooling of stride 2 without padding: vertical maxima of each row pair 16 columns at a time, then of each column pair (one shuffle).</summary>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">C × OH × OW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max2x2(ReadOnlySpan<float> input, Span<float> output) => Kernels.MaxPool2x2(input, output, C, H, W);

    /// <summary>Max pooling, branch-free: vector maxima of the window's rows, then of each column's FW neighbours, every SW-th kept.</summary>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">C × OH × OW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max(ReadOnlySpan<float> input, Span<float> output) =>
        Kernels.ExtremePool(input, output, C, H, W, TShape.FH, TShape.FW, TShape.SH, TShape.SW, TShape.PH, TShape.PW, OH, OW, min: false);

    /// <summary>Min pooling, as <see cref="Max"/>.</summary>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">C × OH × OW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Min(ReadOnlySpan<float> input, Span<float> output) =>
        Kernels.ExtremePool(input, output, C, H, W, TShape.FH, TShape.FW, TShape.SH, TShape.SW, TShape.PH, TShape.PW, OH, OW, min: true);

    /// <summary>Average pooling: padded cells count as zeros in the divisor (windows are clipped to the padded input).</summary>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">C × OH × OW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Average(ReadOnlySpan<float> input, Span<float> output) => Sums(input, output, squares: false);

    /// <summary>L2-norm pooling, √(Σ x²) over the window, as PyTorch's LPPool2d with p = 2.</summary>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">C × OH × OW.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void L2(ReadOnlySpan<float> input, Span<float> output) => Sums(input, output, squares: true);

    /// <summary>
    /// Backward of 2×2 max or min pooling of stride 2 with every window inside the input: 8 windows of a row at once, the
    /// tie rule applied with vector lane masks. With <paramref name="relu"/>, <paramref name="input"/> is a ReLU's output
    /// and <paramref name="gradInput"/> the gradient of that ReLU's input (its backward fused here).
    /// </summary>
    /// <param name="input">The forward input.</param>
    /// <param name="output">The forward output.</param>
    /// <param name="gradOutput">dLoss/dOutput.</param>
    /// <param name="gradInput">Adds dLoss/dInput.</param>
    /// <param name="relu">Whether the ReLU before the pooling is fused into this backward.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Extreme2x2Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> gradOutput, Span<float> gradInput, bool relu) =>
        Kernels.ExtremePool2x2Backward(input, output, gradOutput, gradInput, C, H, W, OH, OW, relu);

    /// <summary>Backward of max or min pooling: each window's gradient goes to its arg-max (arg-min) only, 0 elsewhere.</summary>
    /// <param name="input">The forward input.</param>
    /// <param name="output">The forward output.</param>
    /// <param name="gradOutput">dLoss/dOutput.</param>
    /// <param name="gradInput">Adds dLoss/dInput.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExtremeBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        for (int c = 0; c < C; c++)
        {
            ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);
            Span<float> gradChannel = gradInput.Slice(c * H * W, H * W);
            for (int oy = 0; oy < OH; oy++)
            {
                (_, _, int ya, int yb) = Rows(oy);
                for (int ox = 0; ox < OW; ox++)
                {
                    (_, _, int xa, int xb) = Columns(ox);
                    int o = (((c * OH) + oy) * OW) + ox;
                    float target = output[o];

                    // The first cell equal to the forward output: scanned last to first, each equal one kept (no branches,
                    // so random data costs no mispredictions). Windows inside the input take the same path with constant
                    // bounds, which the compiler sees per shape.
                    int best = -1;
                    for (int y = yb - 1; y >= ya; y--)
                    {
                        for (int x = xb - 1; x >= xa; x--)
                        {
                            int at = (y * W) + x;
                            best += (at - best) & -(channel[at] == target ? 1 : 0);
                        }
                    }

                    if (best >= 0)
                    {
                        gradChannel[best] += gradOutput[o];
                    }
                }
            }
        }
    }

    /// <summary>Backward of average pooling: each window's gradient is shared equally by the cells it averaged.</summary>
    /// <param name="input">The forward input (unused: the gradient does not depend on it).</param>
    /// <param name="output">The forward output (unused).</param>
    /// <param name="gradOutput">dLoss/dOutput.</param>
    /// <param name="gradInput">Adds dLoss/dInput.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        for (int c = 0; c < C; c++)
        {
            Span<float> gradChannel = gradInput.Slice(c * H * W, H * W);
            for (int oy = 0; oy < OH; oy++)
            {
                (int y0, int y1, int ya, int yb) = Rows(oy);
                for (int ox = 0; ox < OW; ox++)
                {
                    (int x0, int x1, int xa, int xb) = Columns(ox);
                    float share = gradOutput[(((c * OH) + oy) * OW) + ox] / ((y1 - y0) * (x1 - x0));
                    for (int y = ya; y < yb; y++)
                    {
                        for (int x = xa; x < xb; x++)
                        {
                            gradChannel[(y * W) + x] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Backward of L2-norm pooling: d√(Σx²)/dx = x / √(Σx²) (0 where the window is all zeros).</summary>
    /// <param name="input">The forward input.</param>
    /// <param name="output">The forward output.</param>
    /// <param name="gradOutput">dLoss/dOutput.</param>
    /// <param name="gradInput">Adds dLoss/dInput.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void L2Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        for (int c = 0; c < C; c++)
        {
            ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);
            Span<float> gradChannel = gradInput.Slice(c * H * W, H * W);
            for (int oy = 0; oy < OH; oy++)
            {
                (_, _, int ya, int yb) = Rows(oy);
                for (int ox = 0; ox < OW; ox++)
                {
                    (_, _, int xa, int xb) = Columns(ox);
                    int o = (((c * OH) + oy) * OW) + ox;
                    float norm = output[o];
                    if (norm > 0f)
                    {
                        float scale = gradOutput[o] / norm;
                        for (int y = ya; y < yb; y++)
                        {
                            for (int x = xa; x < xb; x++)
                            {
                                gradChannel[(y * W) + x] += scale * channel[(y * W) + x];
                            }
                        }
                    }
                }
            }
        }
    }

    private static void Sums(ReadOnlySpan<float> input, Span<float> output, bool squares)
    {
        for (int c = 0; c < C; c++)
        {
            ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);
            for (int oy = 0; oy < OH; oy++)
            {
                (int y0, int y1, int ya, int yb) = Rows(oy);
                for (int ox = 0; ox < OW; ox++)
                {
                    (int x0, int x1, int xa, int xb) = Columns(ox);
                    float sum = 0f;
                    for (int y = ya; y < yb; y++)
                    {
                        ReadOnlySpan<float> run = channel.Slice((y * W) + xa, xb - xa);
                        sum += squares ? TensorPrimitives.SumOfSquares(run) : TensorPrimitives.Sum(run);
                    }

                    output[(((c * OH) + oy) * OW) + ox] = squares ? MathF.Sqrt(sum) : sum / ((y1 - y0) * (x1 - x0));
                }
            }
        }
    }

    // Output row oy's window: [y0, y1) clipped to the padded input, [ya, yb) to the input itself.
    private static (int Y0, int Y1, int Ya, int Yb) Rows(int oy)
    {
        int y0 = (oy * TShape.SH) - TShape.PH;
        int y1 = Math.Min(y0 + TShape.FH, H + TShape.PH);
        return (y0, y1, Math.Max(y0, 0), Math.Min(y1, H));
    }

    // Output column ox's window, as Rows.
    private static (int X0, int X1, int Xa, int Xb) Columns(int ox)
    {
        int x0 = (ox * TShape.SW) - TShape.PW;
        int x1 = Math.Min(x0 + TShape.FW, W + TShape.PW);
        return (x0, x1, Math.Max(x0, 0), Math.Min(x1, W));
    }
}

/// <summary>Global average pooling of one shape (<typeparamref name="TShape"/>): the mean of each channel, and its backward.</summary>
/// <typeparam name="TShape">The layer's shape (C, H, W of its input).</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GlobalAvgPoolLayer<TShape>
    where TShape : struct, IWindowShape
{
    private static int Plane
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.H * TShape.W;
    }

    /// <summary>output[c] = mean of channel c.</summary>
    /// <param name="input">C × H × W.</param>
    /// <param name="output">C.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int c = 0; c < TShape.C; c++)
        {
            output[c] = TensorPrimitives.Sum(input.Slice(c * Plane, Plane)) / Plane;
        }
    }

    /// <summary>Each cell gets its channel's gradient / (H·W), added into <paramref name="gradInput"/>.</summary>
    /// <param name="gradOutput">dLoss/dOutput, C.</param>
    /// <param name="gradInput">Adds dLoss/dInput, C × H × W.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        for (int c = 0; c < TShape.C; c++)
        {
            TensorPrimitives.Add(gradInput.Slice(c * Plane, Plane), gradOutput[c] / Plane, gradInput.Slice(c * Plane, Plane));
        }
    }
}
