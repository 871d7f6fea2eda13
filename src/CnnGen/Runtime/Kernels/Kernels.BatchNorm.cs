using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

// Batch normalisation: inference, folding into the convolution before it, training forward and backward.
public static partial class Kernels
{
    /// <summary>
    /// Batch normalisation at inference, per channel: y = (x − mean) / √(var + ε) · γ + β, with the running
    /// averages. <paramref name="x"/> and <paramref name="y"/> hold <paramref name="channels"/> planes of
    /// <paramref name="plane"/> values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormInference(ReadOnlySpan<float> x, Span<float> y, int channels, int plane, ReadOnlySpan<float> gammaBeta, ReadOnlySpan<float> state, float epsilon)
    {
        for (int c = 0; c < channels; c++)
        {
            float scale = gammaBeta[c] / MathF.Sqrt(state[channels + c] + epsilon);
            float shift = gammaBeta[channels + c] - (state[c] * scale);
            ScaleShift(x.Slice(c * plane, plane), scale, shift, y.Slice(c * plane, plane));
        }
    }

    /// <summary>
    /// Folds a BatchNorm (running averages) into the convolution before it: w' = w · γ/√(var + ε),
    /// b' = (b − mean) · γ/√(var + ε) + β. <paramref name="bias"/> is empty for a convolution without bias.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FoldBatchNorm(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> gammaBeta, ReadOnlySpan<float> state, float epsilon, Span<float> foldedWeights, Span<float> foldedBias)
    {
        int channels = foldedBias.Length;
        int perFilter = weights.Length / channels;
        for (int k = 0; k < channels; k++)
        {
            float scale = gammaBeta[k] / MathF.Sqrt(state[channels + k] + epsilon);
            TensorPrimitives.Multiply(weights.Slice(k * perFilter, perFilter), scale, foldedWeights.Slice(k * perFilter, perFilter));
            float b = bias.IsEmpty ? 0f : bias[k];
            foldedBias[k] = ((b - state[k]) * scale) + gammaBeta[channels + k];
        }
    }

    /// <summary>
    /// Batch normalisation in training over a batch laid out image after image (each image
    /// <paramref name="channels"/> planes of <paramref name="plane"/> values): normalises with the batch
    /// statistics, saves mean and 1/√(var + ε) per channel for the backward pass, and updates the running
    /// averages as PyTorch does (unbiased variance, weight <paramref name="momentum"/> on the new value).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormTrain(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int plane, ReadOnlySpan<float> gammaBeta, Span<float> state, float epsilon, float momentum, Span<float> saved)
    {
        int size = channels * plane;
        int n = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++)
            {
                sum += TensorPrimitives.Sum(x.Slice((b * size) + (c * plane), plane));
            }

            float mean = (float)(sum / n);
            double squares = 0;
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> values = x.Slice((b * size) + (c * plane), plane);
                for (int i = 0; i < values.Length; i++)
                {
                    double d = values[i] - mean;
                    squares += d * d;
                }
            }

            float variance = (float)(squares / n);
            float invStd = 1f / MathF.Sqrt(variance + epsilon);
            saved[c] = mean;
            saved[channels + c] = invStd;
            // Centred first, (x − mean)·scale + β: folding the mean into the shift (x·scale + β − mean·scale) cancels
            // catastrophically when a channel's spread is small beside its mean, and the gradients inherit the error.
            float scale = gammaBeta[c] * invStd;
            float beta = gammaBeta[channels + c];
            for (int b = 0; b < batch; b++)
            {
                Span<float> target = y.Slice((b * size) + (c * plane), plane);
                TensorPrimitives.Subtract(x.Slice((b * size) + (c * plane), plane), mean, target);
                TensorPrimitives.Multiply(target, scale, target);
                TensorPrimitives.Add(target, beta, target);
            }

            float unbiased = n > 1 ? (float)(squares / (n - 1)) : variance;
            state[c] = ((1f - momentum) * state[c]) + (momentum * mean);
            state[channels + c] = ((1f - momentum) * state[channels + c]) + (momentum * unbiased);
        }
    }

    /// <summary>
    /// Backward of <see cref="BatchNormTrain"/>: dγ += Σ dy·x̂, dβ += Σ dy, and (when <paramref name="dx"/> is
    /// not empty) dx += γ/√(var + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BatchNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int batch, int channels, int plane, ReadOnlySpan<float> gammaBeta, Span<float> gradGammaBeta, ReadOnlySpan<float> saved)
    {
        int size = channels * plane;
        int n = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            float mean = saved[c];
            float invStd = saved[channels + c];
            // Sums in double over centred values (x − mean is exact for values near the mean): Σ dy·x̂ is often a small
            // difference of large terms (it is exactly 0 for a BatchNorm feeding another BatchNorm).
            double sumDy = 0;
            double sumDyCentred = 0;
            for (int b = 0; b < batch; b++)
            {
                int at = (b * size) + (c * plane);
                for (int i = 0; i < plane; i++)
                {
                    double g = dy[at + i];
                    sumDy += g;
                    sumDyCentred += g * (x[at + i] - mean);
                }
            }

            double sumDyXhat = sumDyCentred * invStd;

            gradGammaBeta[c] += (float)sumDyXhat;
            gradGammaBeta[channels + c] += (float)sumDy;
            if (dx.IsEmpty)
            {
                continue;
            }

            double k = (double)gammaBeta[c] * invStd;
            double meanDy = sumDy / n;
            double meanDyCentred = sumDyCentred / n * invStd * invStd;
            for (int b = 0; b < batch; b++)
            {
                int at = (b * size) + (c * plane);
                for (int i = 0; i < plane; i++)
                {
                    dx[at + i] += (float)(k * (dy[at + i] - meanDy - ((x[at + i] - mean) * meanDyCentred)));
                }
            }
        }
    }
}
