using System;
using System.Numerics;

namespace CnnGen.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum and weight decay, exactly as PyTorch 1.13's
/// <c>torch.optim.SGD</c> (dampening 0, no Nesterov): d = g + λ·p; with momentum μ, b = d on the first step and
/// b = μ·b + d afterwards, d = b; then p = p − lr·d.
/// </summary>
public sealed class Sgd : Optimizer
{
    private float[]? buffer;
    private bool hasBuffer;
    private readonly double momentumValue;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">The step size (PyTorch's <c>lr</c>), ≥ 0.</param>
    /// <param name="momentum">The momentum factor μ, ≥ 0; 0 for plain SGD.</param>
    /// <param name="weightDecay">The L2 penalty λ, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite.</exception>
    public Sgd(float learningRate, float momentum = 0, float weightDecay = 0)
        : base(learningRate, weightDecay)
    {
        CheckNonNegative(momentum, nameof(momentum));
        Momentum = momentum;
        momentumValue = ToDecimal(momentum);
    }

    /// <summary>The momentum factor μ.</summary>
    public float Momentum { get; }

    /// <inheritdoc/>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        CheckLengths(parameters, gradients);
        float negLr = -(float)LearningRateValue;
        float wd = (float)WeightDecayValue;
        bool decay = WeightDecayValue != 0;
        int n = parameters.Length;
        int i = 0;
        int width = Vector<float>.Count;

        if (momentumValue == 0)
        {
            if (Vector.IsHardwareAccelerated)
            {
                var vNegLr = new Vector<float>(negLr);
                var vWd = new Vector<float>(wd);
                for (; i <= n - width; i += width)
                {
                    var p = new Vector<float>(parameters.Slice(i));
                    var d = new Vector<float>(gradients.Slice(i));
                    if (decay) d += vWd * p;
                    (p + vNegLr * d).CopyTo(parameters.Slice(i));
                }
            }

            for (; i < n; i++)
            {
                float p = parameters[i];
                float d = gradients[i];
                if (decay) d += wd * p;
                parameters[i] = p + negLr * d;
            }

            return;
        }

        if (hasBuffer)
        {
            CheckStateLength(buffer!.Length, n);
        }
        else if (buffer is null || buffer.Length != n)
        {
            buffer = new float[n];
        }

        Span<float> b = buffer;
        bool first = !hasBuffer;
        float mu = (float)momentumValue;
        if (Vector.IsHardwareAccelerated)
        {
            var vNegLr = new Vector<float>(negLr);
            var vWd = new Vector<float>(wd);
            var vMu = new Vector<float>(mu);
            for (; i <= n - width; i += width)
            {
                var p = new Vector<float>(parameters.Slice(i));
                var d = new Vector<float>(gradients.Slice(i));
                if (decay) d += vWd * p;
                Vector<float> m = first ? d : new Vector<float>(b.Slice(i)) * vMu + d;
                m.CopyTo(b.Slice(i));
                (p + vNegLr * m).CopyTo(parameters.Slice(i));
            }
        }

        for (; i < n; i++)
        {
            float p = parameters[i];
            float d = gradients[i];
            if (decay) d += wd * p;
            float m = first ? d : b[i] * mu + d;
            b[i] = m;
            parameters[i] = p + negLr * m;
        }

        hasBuffer = true;
    }

    /// <inheritdoc/>
    public override void Reset() => hasBuffer = false;
}
