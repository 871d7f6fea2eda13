using System;
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.Training;

/// <summary>
/// Updates a parameter buffer from its gradient, one <see cref="Step"/> per batch. An optimizer keeps per-parameter
/// state (momentum, moment estimates) for one parameter buffer: use one optimizer per buffer (a generated network
/// keeps all its parameters in one buffer). The state is allocated on the first step; later steps allocate nothing.
/// </summary>
/// <remarks>
/// Hyperparameters are given as <see cref="float"/> but used as the shortest decimal that rounds to that float
/// (0.9f is taken as 0.9, not 0.899999976), so derived constants such as 1 − β₁ are computed in double precision
/// exactly as PyTorch computes them from the Python value the user wrote.
/// </remarks>
public abstract class Optimizer
{
    private float learningRate;
    private float weightDecay;

    /// <summary>Sets the common hyperparameters.</summary>
    /// <param name="learningRate">The step size, ≥ 0.</param>
    /// <param name="weightDecay">The L2 penalty coefficient added to the gradient (g + λ·p), ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative or not finite.</exception>
    protected Optimizer(float learningRate, float weightDecay)
    {
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The step size. May be changed between steps (learning-rate schedules).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public float LearningRate
    {
        get => learningRate;
        set
        {
            CheckNonNegative(value, nameof(LearningRate));
            learningRate = value;
            LearningRateValue = ToDecimal(value);
        }
    }

    /// <summary>The L2 penalty: the gradient used is g + <see cref="WeightDecay"/> · p (PyTorch's <c>weight_decay</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public float WeightDecay
    {
        get => weightDecay;
        set
        {
            CheckNonNegative(value, nameof(WeightDecay));
            weightDecay = value;
            WeightDecayValue = ToDecimal(value);
        }
    }

    /// <summary><see cref="LearningRate"/> as the decimal value it stands for, in double precision.</summary>
    private protected double LearningRateValue { get; private set; }

    /// <summary><see cref="WeightDecay"/> as the decimal value it stands for, in double precision.</summary>
    private protected double WeightDecayValue { get; private set; }

    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/> (the gradient of the loss, already averaged over the batch).</summary>
    /// <param name="parameters">The parameters; always the same buffer (same length) between calls to <see cref="Reset"/>.</param>
    /// <param name="gradients">The gradient, one value per parameter.</param>
    /// <exception cref="ArgumentException">The lengths differ, or differ from the buffer the optimizer's state was made for.</exception>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>
    /// Whether this optimizer can update its buffer in ranges (<see cref="BeginStep"/>, then <see cref="StepRange"/> over
    /// ranges that cover the buffer), so that a trainer may split the step across threads. <see cref="Sgd"/> and
    /// <see cref="Adam"/> can; an optimizer that does not override these members is stepped whole with <see cref="Step"/>
    /// on the calling thread.
    /// </summary>
    public virtual bool StepsInRanges => false;

    /// <summary>
    /// Starts a step over a buffer of <paramref name="length"/> parameters that is then updated range by range with
    /// <see cref="StepRange"/>: checks or allocates the state and advances the step count, on the calling thread. Every
    /// parameter must then be updated exactly once before the next step. <see cref="Step"/> is <see cref="BeginStep"/>
    /// and one <see cref="StepRange"/> over the whole buffer, and gives the same bits as any split into ranges.
    /// </summary>
    /// <param name="length">The number of parameters (the buffer's length).</param>
    /// <exception cref="ArgumentException">The optimizer holds state for a buffer of another length.</exception>
    /// <exception cref="NotSupportedException"><see cref="StepsInRanges"/> is false.</exception>
    public virtual void BeginStep(int length) => throw new NotSupportedException($"{GetType().Name} does not step in ranges: call Step.");

    /// <summary>
    /// Updates the parameters [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>) of the step
    /// started by <see cref="BeginStep"/>. Ranges of one step that do not overlap may be updated at the same time on
    /// different threads.
    /// </summary>
    /// <param name="parameters">The whole parameter buffer (its length was given to <see cref="BeginStep"/>).</param>
    /// <param name="gradients">The whole gradient buffer, one value per parameter.</param>
    /// <param name="offset">The first parameter of the range.</param>
    /// <param name="count">The number of parameters in the range.</param>
    /// <exception cref="ArgumentException">The lengths differ from the step's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the buffer.</exception>
    /// <exception cref="InvalidOperationException">No step was started with <see cref="BeginStep"/>.</exception>
    /// <exception cref="NotSupportedException"><see cref="StepsInRanges"/> is false.</exception>
    public virtual void StepRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, int count) =>
        throw new NotSupportedException($"{GetType().Name} does not step in ranges: call Step.");

    /// <summary>Forgets all state (momentum, moment estimates, step count): the next step behaves like the first.</summary>
    public abstract void Reset();

    /// <summary>
    /// Adds the optimizer's state (momentum, moment estimates, step count) to a checkpoint: float arrays under
    /// <paramref name="arrays"/>, numbers as invariant text under <paramref name="values"/>. <see cref="Sgd"/> and
    /// <see cref="Adam"/> implement it; a custom optimizer that does not cannot be checkpointed.
    /// </summary>
    /// <param name="arrays">Receives copies of the state arrays, by name.</param>
    /// <param name="values">Receives the scalar state, by name.</param>
    /// <exception cref="NotSupportedException">The optimizer does not save its state.</exception>
    public virtual void SaveState(IDictionary<string, float[]> arrays, IDictionary<string, string> values) =>
        throw new NotSupportedException($"{GetType().Name} does not save its state: override SaveState and LoadState to checkpoint it.");

    /// <summary>Restores the state written by <see cref="SaveState"/>; the next step continues as if there had been no interruption.</summary>
    /// <param name="arrays">The state arrays, by name.</param>
    /// <param name="values">The scalar state, by name.</param>
    /// <exception cref="System.IO.InvalidDataException">Something is missing or malformed.</exception>
    /// <exception cref="NotSupportedException">The optimizer does not save its state.</exception>
    public virtual void LoadState(IReadOnlyDictionary<string, float[]> arrays, IReadOnlyDictionary<string, string> values) =>
        throw new NotSupportedException($"{GetType().Name} does not save its state: override SaveState and LoadState to checkpoint it.");

    /// <summary>The array <paramref name="name"/> of a saved state, or an <see cref="System.IO.InvalidDataException"/> naming it.</summary>
    private protected static float[] Required(IReadOnlyDictionary<string, float[]> arrays, string name) =>
        arrays.TryGetValue(name, out float[]? a) ? a : throw new System.IO.InvalidDataException($"The optimizer state has no array '{name}'.");

    /// <summary>The integer <paramref name="name"/> of a saved state, or an <see cref="System.IO.InvalidDataException"/> naming it.</summary>
    private protected static long RequiredInteger(IReadOnlyDictionary<string, string> values, string name) =>
        values.TryGetValue(name, out string? text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n >= 0
            ? n
            : throw new System.IO.InvalidDataException($"The optimizer state has no valid value '{name}' (a whole number ≥ 0).");

    /// <summary>Throws unless both spans have the same length.</summary>
    private protected static void CheckLengths(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != gradients.Length)
        {
            throw new ArgumentException(
                $"There are {parameters.Length} parameters but {gradients.Length} gradients; they must have the same length.", nameof(gradients));
        }
    }

    /// <summary>Throws unless both buffers have <paramref name="length"/> values and the range lies inside them.</summary>
    private protected static void CheckRange(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients, int length, int offset, int count)
    {
        if (length < 0)
        {
            throw new InvalidOperationException("StepRange updates a step started by BeginStep: call BeginStep first.");
        }

        CheckLengths(parameters, gradients);
        CheckStateLength(length, parameters.Length);
        if (offset < 0 || count < 0 || offset > length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The range [{offset}, {offset} + {count}) is not inside the {length} parameters.");
        }
    }

    /// <summary>Throws unless the optimizer's state, made for <paramref name="stateLength"/> parameters, fits <paramref name="length"/>.</summary>
    private protected static void CheckStateLength(int stateLength, int length)
    {
        if (stateLength != length)
        {
            throw new ArgumentException(
                $"This optimizer holds state for {stateLength} parameters but was given {length}. Use one optimizer per parameter buffer, or call Reset() first.",
                "parameters");
        }
    }

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> for a negative or non-finite value.</summary>
    private protected static void CheckNonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and ≥ 0.");
    }

    /// <summary>The shortest decimal that rounds to <paramref name="value"/>, as a double (0.9f gives 0.9).</summary>
    private protected static double ToDecimal(float value)
    {
        Span<char> text = stackalloc char[32];
        if (!value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture)) return value;
        return double.Parse(text.Slice(0, written), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
