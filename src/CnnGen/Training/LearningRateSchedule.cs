using System;

namespace CnnGen.Training;

/// <summary>
/// The learning rate as a function of the training step, set on the optimizer before every step by
/// <see cref="Fitting.Fit"/>. Steps count from 0 over the whole run (all epochs); an epoch is
/// <c>stepsPerEpoch</c> steps.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>The rate of step <paramref name="step"/>.</summary>
    /// <param name="step">0-based step over the whole run.</param>
    /// <param name="stepsPerEpoch">Steps (batches) per epoch, ≥ 1.</param>
    /// <param name="totalSteps">Steps of the whole run, ≥ 1.</param>
    public abstract float RateAt(long step, int stepsPerEpoch, long totalSteps);

    /// <summary>The same rate at every step.</summary>
    /// <param name="rate">The rate, finite and ≥ 0.</param>
    public static LearningRateSchedule Constant(float rate) => new ConstantSchedule(CheckRate(rate, nameof(rate)));

    /// <summary>
    /// Step decay (PyTorch's <c>StepLR</c> per epoch): <paramref name="initialRate"/> · <paramref name="factor"/>^⌊epoch / <paramref name="everyEpochs"/>⌋
    /// with epoch counted from 0.
    /// </summary>
    /// <param name="initialRate">The rate of the first epochs, finite and ≥ 0.</param>
    /// <param name="everyEpochs">Epochs between decays, ≥ 1.</param>
    /// <param name="factor">Multiplies the rate at each decay, in (0, 1].</param>
    public static LearningRateSchedule StepDecay(float initialRate, int everyEpochs, float factor)
    {
        CheckRate(initialRate, nameof(initialRate));
        if (everyEpochs < 1) throw new ArgumentOutOfRangeException(nameof(everyEpochs), everyEpochs, "everyEpochs must be at least 1 (epochs between two decays).");
        if (!(factor > 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be in (0, 1] (e.g. 0.5 halves the rate).");
        return new StepSchedule(initialRate, everyEpochs, factor);
    }

    /// <summary>
    /// Cosine annealing over the whole run, per step (PyTorch's <c>CosineAnnealingLR</c> with T_max = total steps):
    /// min + (initial − min) · (1 + cos(π · step / totalSteps)) / 2.
    /// </summary>
    /// <param name="initialRate">The rate of step 0, finite and ≥ 0.</param>
    /// <param name="minimumRate">The rate approached at the end, in [0, initialRate].</param>
    public static LearningRateSchedule Cosine(float initialRate, float minimumRate = 0)
    {
        CheckRate(initialRate, nameof(initialRate));
        CheckRate(minimumRate, nameof(minimumRate));
        if (minimumRate > initialRate) throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, $"minimumRate must not exceed initialRate ({initialRate}).");
        return new CosineSchedule(initialRate, minimumRate);
    }

    /// <summary>
    /// The one-cycle policy as PyTorch's <c>OneCycleLR</c> (cosine annealing, two phases): from
    /// max / <paramref name="divFactor"/> up to <paramref name="maxRate"/> over the first
    /// <paramref name="warmupFraction"/> of the steps, then down to max / (<paramref name="divFactor"/> · <paramref name="finalDivFactor"/>)
    /// at the last step. Within a phase from rate a at step s₀ to rate b at step s₁: b + (a − b) · (1 + cos(π · (step − s₀) / (s₁ − s₀))) / 2,
    /// with the first phase ending at step warmupFraction · totalSteps − 1 and the second at totalSteps − 1.
    /// </summary>
    /// <param name="maxRate">The peak rate, finite and &gt; 0.</param>
    /// <param name="warmupFraction">The share of the run spent rising, in (0, 1).</param>
    /// <param name="divFactor">The start rate is maxRate / divFactor; ≥ 1.</param>
    /// <param name="finalDivFactor">The end rate is the start rate / finalDivFactor; ≥ 1.</param>
    public static LearningRateSchedule OneCycle(float maxRate, float warmupFraction = 0.3f, float divFactor = 25, float finalDivFactor = 1e4f)
    {
        CheckRate(maxRate, nameof(maxRate));
        if (maxRate == 0) throw new ArgumentOutOfRangeException(nameof(maxRate), maxRate, "maxRate must be > 0.");
        if (!(warmupFraction > 0 && warmupFraction < 1)) throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction, "warmupFraction must be in (0, 1).");
        if (!(divFactor >= 1) || !float.IsFinite(divFactor)) throw new ArgumentOutOfRangeException(nameof(divFactor), divFactor, "divFactor must be finite and ≥ 1.");
        if (!(finalDivFactor >= 1) || !float.IsFinite(finalDivFactor)) throw new ArgumentOutOfRangeException(nameof(finalDivFactor), finalDivFactor, "finalDivFactor must be finite and ≥ 1.");
        return new OneCycleSchedule(maxRate, warmupFraction, divFactor, finalDivFactor);
    }

    private static float CheckRate(float rate, string name)
    {
        if (!float.IsFinite(rate) || rate < 0) throw new ArgumentOutOfRangeException(name, rate, $"{name} must be finite and ≥ 0.");
        return rate;
    }

    private static double Anneal(double from, double to, double fraction) => to + (from - to) * (1 + Math.Cos(Math.PI * fraction)) / 2;

    private sealed class ConstantSchedule(float rate) : LearningRateSchedule
    {
        public override float RateAt(long step, int stepsPerEpoch, long totalSteps) => rate;
    }

    private sealed class StepSchedule(float initial, int every, float factor) : LearningRateSchedule
    {
        public override float RateAt(long step, int stepsPerEpoch, long totalSteps)
        {
            long epoch = step / Math.Max(1, stepsPerEpoch);
            return (float)(initial * Math.Pow(factor, epoch / every));
        }
    }

    private sealed class CosineSchedule(float initial, float minimum) : LearningRateSchedule
    {
        public override float RateAt(long step, int stepsPerEpoch, long totalSteps) =>
            (float)Anneal(initial, minimum, Math.Min(1.0, (double)step / Math.Max(1, totalSteps)));
    }

    private sealed class OneCycleSchedule(float max, float warmup, float div, float finalDiv) : LearningRateSchedule
    {
        public override float RateAt(long step, int stepsPerEpoch, long totalSteps)
        {
            double initial = (double)max / div, final = initial / finalDiv;
            double peakStep = (double)warmup * totalSteps - 1, lastStep = totalSteps - 1;
            if (step <= peakStep)
            {
                return (float)(peakStep <= 0 ? max : Anneal(initial, max, step / peakStep));
            }

            double span = lastStep - peakStep;
            return (float)(span <= 0 ? final : Anneal(max, final, Math.Min(1.0, (step - peakStep) / span)));
        }
    }
}
