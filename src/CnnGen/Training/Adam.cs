using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CnnGen.Training;

/// <summary>
/// Adam (Kingma and Ba, 2015), exactly as PyTorch 1.13's <c>torch.optim.Adam</c> without AMSGrad: with t the step
/// number, g = g + λ·p; m = β₁·m + (1 − β₁)·g; v = β₂·v + (1 − β₂)·g²; then
/// p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). Weight decay is the L2 penalty added to the gradient (not AdamW).
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly double beta1Value;
    private readonly double beta2Value;
    private readonly double epsilonValue;
    private float[]? m;
    private float[]? v;
    private float negStepSize;
    private float bc2Sqrt;

    /// <summary>Creates the optimizer; the defaults are PyTorch's.</summary>
    /// <param name="learningRate">The step size (PyTorch's <c>lr</c>), ≥ 0.</param>
    /// <param name="beta1">Decay of the first-moment estimate, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment estimate, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, ≥ 0.</param>
    /// <param name="weightDecay">The L2 penalty λ, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0)
        : base(learningRate, weightDecay)
    {
        CheckBeta(beta1, nameof(beta1));
        CheckBeta(beta2, nameof(beta2));
        CheckNonNegative(epsilon, nameof(epsilon));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        beta1Value = ToDecimal(beta1);
        beta2Value = ToDecimal(beta2);
        epsilonValue = ToDecimal(epsilon);
    }

    /// <summary>Decay of the first-moment estimate β₁.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment estimate β₂.</summary>
    public float Beta2 { get; }

    /// <summary>The denominator term ε.</summary>
    public float Epsilon { get; }

    /// <summary>Number of steps taken since creation or the last <see cref="Reset"/>.</summary>
    public long StepCount { get; private set; }

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void BeginStep(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int n = length;
        if (StepCount > 0)
        {
            CheckStateLength(m!.Length, n);
        }
        else
        {
            if (m is null || m.Length != n)
            {
                m = new float[n];
                v = new float[n];
            }
            else
            {
                Array.Clear(m);
                Array.Clear(v!);
            }
        }

        StepCount++;
        double t = StepCount;
        double biasCorrection1 = 1 - Math.Pow(beta1Value, t);
        double biasCorrection2 = 1 - Math.Pow(beta2Value, t);
        negStepSize = (float)(-(LearningRateValue / biasCorrection1));
        bc2Sqrt = (float)Math.Sqrt(biasCorrection2);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void StepRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, int count)
    {
        CheckRange(parameters, gradients, StepCount > 0 ? m!.Length : -1, offset, count);
        parameters = parameters.Slice(offset, count);
        gradients = gradients.Slice(offset, count);
        float negStepSize = this.negStepSize;
        float bc2Sqrt = this.bc2Sqrt;
        float b1 = (float)beta1Value, oneMinusB1 = (float)(1 - beta1Value);
        float b2 = (float)beta2Value, oneMinusB2 = (float)(1 - beta2Value);
        float eps = (float)epsilonValue;
        float wd = (float)WeightDecayValue;
        bool decay = WeightDecayValue != 0;

        Span<float> ms = m.AsSpan(offset, count), vs = v.AsSpan(offset, count);
        int n = count;
        int i = 0;
        int width = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vB1 = new Vector<float>(b1);
            var vOneMinusB1 = new Vector<float>(oneMinusB1);
            var vB2 = new Vector<float>(b2);
            var vOneMinusB2 = new Vector<float>(oneMinusB2);
            var vBc2Sqrt = new Vector<float>(bc2Sqrt);
            var vEps = new Vector<float>(eps);
            var vNegStep = new Vector<float>(negStepSize);
            var vWd = new Vector<float>(wd);
            for (; i <= n - width; i += width)
            {
                var p = new Vector<float>(parameters.Slice(i));
                var g = new Vector<float>(gradients.Slice(i));
                if (decay) g += vWd * p;
                var mi = new Vector<float>(ms.Slice(i)) * vB1 + vOneMinusB1 * g;
                var vi = new Vector<float>(vs.Slice(i)) * vB2 + vOneMinusB2 * g * g;
                mi.CopyTo(ms.Slice(i));
                vi.CopyTo(vs.Slice(i));
                var denom = Vector.SquareRoot(vi) / vBc2Sqrt + vEps;
                (p + vNegStep * mi / denom).CopyTo(parameters.Slice(i));
            }
        }

        for (; i < n; i++)
        {
            float p = parameters[i];
            float g = gradients[i];
            if (decay) g += wd * p;
            float mi = ms[i] * b1 + oneMinusB1 * g;
            float vi = vs[i] * b2 + oneMinusB2 * g * g;
            ms[i] = mi;
            vs[i] = vi;
            float denom = MathF.Sqrt(vi) / bc2Sqrt + eps;
            parameters[i] = p + negStepSize * mi / denom;
        }
    }

    /// <inheritdoc/>
    public override void Reset() => StepCount = 0;

    /// <inheritdoc/>
    public override void SaveState(IDictionary<string, float[]> arrays, IDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(values);
        values["step"] = StepCount.ToString(CultureInfo.InvariantCulture);
        if (StepCount > 0)
        {
            arrays["exp_avg"] = (float[])m!.Clone();
            arrays["exp_avg_sq"] = (float[])v!.Clone();
        }
    }

    /// <inheritdoc/>
    public override void LoadState(IReadOnlyDictionary<string, float[]> arrays, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        ArgumentNullException.ThrowIfNull(values);
        long step = RequiredInteger(values, "step");
        if (step == 0)
        {
            StepCount = 0;
            return;
        }

        float[] first = Required(arrays, "exp_avg"), second = Required(arrays, "exp_avg_sq");
        if (first.Length != second.Length)
        {
            throw new System.IO.InvalidDataException($"The optimizer state's exp_avg has {first.Length} values but exp_avg_sq has {second.Length}.");
        }

        m = (float[])first.Clone();
        v = (float[])second.Clone();
        StepCount = step;
    }

    private static void CheckBeta(float value, string name)
    {
        if (!(value >= 0 && value < 1)) throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1).");
    }
}
