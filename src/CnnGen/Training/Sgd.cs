using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;

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
    private bool first;
    private int stepLength = -1;
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
        BeginStep(parameters.Length);
        StepRange(parameters, gradients, 0, parameters.Length);
    }

    /// <inheritdoc/>
    public override bool StepsInRanges => true;

    /// <inheritdoc/>
    public override void BeginStep(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (momentumValue != 0)
        {
            if (hasBuffer)
            {
                CheckStateLength(buffer!.Length, length);
            }
            else if (buffer is null || buffer.Length != length)
            {
                buffer = new float[length];
            }

            first = !hasBuffer;
            hasBuffer = true;
        }

        stepLength = length;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void StepRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, int count)
    {
        CheckRange(parameters, gradients, stepLength, offset, count);
        parameters = parameters.Slice(offset, count);
        gradients = gradients.Slice(offset, count);
        float negLr = -(float)LearningRateValue;
        float wd = (float)WeightDecayValue;
        bool decay = WeightDecayValue != 0;
        int n = count;
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

        Span<float> b = buffer.AsSpan(offset, count);
        bool firstStep = first;
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
                Vector<float> m = firstStep ? d : new Vector<float>(b.Slice(i)) * vMu + d;
                m.CopyTo(b.Slice(i));
                (p + vNegLr * m).CopyTo(parameters.Slice(i));
            }
        }

        for (; i < n; i++)
        {
            float p = parameters[i];
            float d = gradients[i];
            if (decay) d += wd * p;
            float m = firstStep ? d : b[i] * mu + d;
            b[i] = m;
            parameters[i] = p + negLr * m;
        }
    }

    /// <inheritdoc/>
    public override void Reset() => (hasBuffer, stepLength) = (false, -1);

    /// <inheritdoc/>
    public override void SaveState(IDictionary<string, float[]> arrays, IDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(values);
        values["has_momentum_buffer"] = hasBuffer ? "1" : "0";
        if (hasBuffer) arrays["momentum_buffer"] = (float[])buffer!.Clone();
    }

    /// <inheritdoc/>
    public override void LoadState(IReadOnlyDictionary<string, float[]> arrays, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(values);
        bool has = RequiredInteger(values, "has_momentum_buffer") != 0;
        if (has) buffer = (float[])Required(arrays, "momentum_buffer").Clone();
        (hasBuffer, stepLength) = (has, -1);
    }
}
