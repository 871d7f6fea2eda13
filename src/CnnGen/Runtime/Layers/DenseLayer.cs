using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>
/// A dense layer of one shape (<typeparamref name="TShape"/>, a struct the generated network declares), as matrix
/// products over a batch of images with the weights [out, in] as PyTorch stores them (rows of both contiguous).
/// </summary>
/// <typeparam name="TShape">The layer's shape.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseLayer<TShape>
    where TShape : struct, IDenseShape
{
    private static int In
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.In;
    }

    private static int Out
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TShape.Out;
    }

    /// <summary>output[b, o] = bias[o] + Σ_i weight[o, i] · input[b, i] for each image b; bias and ReLU fused into the product.</summary>
    /// <param name="weights">[Out, In].</param>
    /// <param name="bias">[Out], or empty.</param>
    /// <param name="input">batch × In.</param>
    /// <param name="output">batch × Out.</param>
    /// <param name="batch">Images.</param>
    /// <param name="relu">Whether the ReLU after the layer is applied in the epilogue.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> input, Span<float> output, int batch, bool relu) =>
        Gemm.MultiplyTransposed(batch, Out, In, input, In, weights, In, output, Out, false, bias, relu);

    /// <summary>
    /// dX[b, in] += dY · W over the images of a part. The weights' gradient is taken over the whole batch once the backward
    /// pass is done (<see cref="WeightGradient"/>).
    /// </summary>
    /// <param name="weights">[Out, In].</param>
    /// <param name="gradOutput">batch × Out.</param>
    /// <param name="gradInput">Adds batch × In.</param>
    /// <param name="batch">Images.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> weights, ReadOnlySpan<float> gradOutput, Span<float> gradInput, int batch) =>
        Gemm.MultiplyBroadcast(batch, In, Out, gradOutput, Out, 1, weights, In, gradInput, In, true);

    /// <summary>
    /// The parameters' gradient over the whole batch for part <paramref name="part"/> of <paramref name="parts"/> of the
    /// outputs (<see cref="BatchWork.Start(int, int, int)"/>): dW[o, in] = Σ_b dY[b, o] · X[b, in] (one matrix product
    /// whose depth is the batch) and db[o] = Σ_b dY[b, o], written, not added.
    /// </summary>
    /// <param name="input">The forward input, batch × In.</param>
    /// <param name="gradOutput">batch × Out.</param>
    /// <param name="gradWeights">[Out, In]: rows [first, first + count) written.</param>
    /// <param name="gradBias">[Out], or empty: [first, first + count) written.</param>
    /// <param name="batch">Images.</param>
    /// <param name="part">This part.</param>
    /// <param name="parts">The parts the outputs are split into.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradient(ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeights, Span<float> gradBias, int batch, int part, int parts)
    {
        int first = BatchWork.Start(Out, part, parts);
        int count = BatchWork.Start(Out, part + 1, parts) - first;
        if (count <= 0)
        {
            return;
        }

        if (!gradBias.IsEmpty)
        {
            gradOutput.Slice(first, count).CopyTo(gradBias.Slice(first, count));
            for (int b = 1; b < batch; b++)
            {
                Kernels.Accumulate(gradOutput.Slice((b * Out) + first, count), gradBias.Slice(first, count));
            }
        }

        Gemm.MultiplyBroadcast(count, In, batch, gradOutput.Slice(first), 1, Out, input, In, gradWeights.Slice(first * In), In, false);
    }
}
