using System;
using System.Runtime.CompilerServices;

namespace CnnGen.Training;

/// <summary>The loss functions a network can be trained with.</summary>
public enum Loss
{
    /// <summary>Cross-entropy of the softmax of the outputs against a class label (PyTorch's <c>CrossEntropyLoss</c>).</summary>
    CrossEntropy,

    /// <summary>Mean squared error against a target vector (PyTorch's <c>MSELoss</c>).</summary>
    MeanSquaredError,

    /// <summary>Mean absolute error against a target vector (PyTorch's <c>L1Loss</c>).</summary>
    L1,
}

/// <summary>
/// Loss values of one sample and their gradients with respect to the network's output. Batch averaging is the
/// caller's: it passes <c>scale</c> (e.g. 1/B for a batch of B), which multiplies the gradient only; the returned
/// value is the sample's unscaled loss. Gradients are written (not accumulated) into the destination span.
/// </summary>
public static class Losses
{
    /// <summary>The smallest probability taken into the logarithm (the smallest normal float, PyTorch's <c>finfo.tiny</c>).</summary>
    public const float MinimumProbability = 1.17549435e-38f;

    /// <summary>
    /// Cross-entropy given softmax probabilities (the output of a network ending in Softmax): returns
    /// −ln(max(p[label], <see cref="MinimumProbability"/>)) and writes the fused softmax + cross-entropy gradient with
    /// respect to the pre-softmax scores, <c>scale · (p − onehot(label))</c>.
    /// </summary>
    /// <param name="probabilities">The softmax output p.</param>
    /// <param name="label">The true class, in [0, p.Length).</param>
    /// <param name="gradLogits">Receives the gradient; same length as <paramref name="probabilities"/>.</param>
    /// <param name="scale">Multiplies the gradient (e.g. 1/B).</param>
    /// <returns>The sample's loss.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> probabilities, int label, Span<float> gradLogits, float scale)
    {
        CheckLabel(probabilities, label, gradLogits, nameof(probabilities), nameof(gradLogits));
        for (int i = 0; i < probabilities.Length; i++) gradLogits[i] = scale * (probabilities[i] - (i == label ? 1f : 0f));
        return (float)-Math.Log(Math.Max(probabilities[label], MinimumProbability));
    }

    /// <summary>
    /// Cross-entropy given raw scores (logits), computed through a numerically stable log-softmax: returns
    /// logsumexp(z) − z[label] and writes <c>scale · (softmax(z) − onehot(label))</c>.
    /// </summary>
    /// <param name="logits">The scores z.</param>
    /// <param name="label">The true class, in [0, z.Length).</param>
    /// <param name="gradLogits">Receives the gradient; same length as <paramref name="logits"/>.</param>
    /// <param name="scale">Multiplies the gradient (e.g. 1/B).</param>
    /// <returns>The sample's loss.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float CrossEntropyFromLogits(ReadOnlySpan<float> logits, int label, Span<float> gradLogits, float scale)
    {
        CheckLabel(logits, label, gradLogits, nameof(logits), nameof(gradLogits));
        float max = float.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);

        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            sum += Math.Exp((double)logits[i] - max);
        }

        for (int i = 0; i < logits.Length; i++)
        {
            double softmax = Math.Exp((double)logits[i] - max) / sum;
            gradLogits[i] = (float)(scale * (softmax - (i == label ? 1.0 : 0.0)));
        }

        return (float)(max + Math.Log(sum) - logits[label]);
    }

    /// <summary>
    /// Mean squared error of one sample, Σ(o − t)² / n, with gradient <c>scale · 2(o − t) / n</c>. With a batch of B
    /// samples and scale 1/B this is PyTorch's <c>mse_loss</c> (mean over all B·n elements).
    /// </summary>
    /// <param name="output">The network's output o.</param>
    /// <param name="target">The target t; same length.</param>
    /// <param name="gradOutput">Receives the gradient; same length.</param>
    /// <param name="scale">Multiplies the gradient (e.g. 1/B).</param>
    /// <returns>The sample's loss.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> gradOutput, float scale)
    {
        CheckTarget(output, target, gradOutput);
        int n = output.Length;
        double coefficient = 2.0 * scale / n;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double d = (double)output[i] - target[i];
            sum += d * d;
            gradOutput[i] = (float)(coefficient * d);
        }

        return (float)(sum / n);
    }

    /// <summary>
    /// Mean absolute error of one sample, Σ|o − t| / n, with gradient <c>scale · sign(o − t) / n</c> where sign(0) = 0,
    /// as PyTorch's <c>l1_loss</c>.
    /// </summary>
    /// <param name="output">The network's output o.</param>
    /// <param name="target">The target t; same length.</param>
    /// <param name="gradOutput">Receives the gradient; same length.</param>
    /// <param name="scale">Multiplies the gradient (e.g. 1/B).</param>
    /// <returns>The sample's loss.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float L1(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> gradOutput, float scale)
    {
        CheckTarget(output, target, gradOutput);
        int n = output.Length;
        float step = (float)((double)scale / n);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double d = (double)output[i] - target[i];
            sum += Math.Abs(d);
            gradOutput[i] = d > 0 ? step : d < 0 ? -step : d == 0 ? 0f : float.NaN;
        }

        return (float)(sum / n);
    }

    private static void CheckLabel(ReadOnlySpan<float> values, int label, Span<float> gradient, string name, string gradientName)
    {
        if (values.IsEmpty) throw new ArgumentException("There are no outputs.", name);
        if ((uint)label >= (uint)values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"The label must be a class index in [0, {values.Length}).");
        }

        if (gradient.Length != values.Length)
        {
            throw new ArgumentException($"The gradient has {gradient.Length} elements; the output has {values.Length}.", gradientName);
        }
    }

    private static void CheckTarget(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> gradient)
    {
        if (output.IsEmpty) throw new ArgumentException("There are no outputs.", nameof(output));
        if (target.Length != output.Length)
        {
            throw new ArgumentException($"The target has {target.Length} elements; the output has {output.Length}.", nameof(target));
        }

        if (gradient.Length != output.Length)
        {
            throw new ArgumentException($"The gradient has {gradient.Length} elements; the output has {output.Length}.", "gradOutput");
        }
    }
}
