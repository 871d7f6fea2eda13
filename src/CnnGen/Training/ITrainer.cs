using System;

namespace CnnGen.Training;

/// <summary>
/// What every generated <c>Trainer</c> offers to code that handles any network, such as
/// <see cref="Fitting.Fit(ITrainer, IO.IImageDataset, FitOptions, System.Threading.CancellationToken)"/>.
/// </summary>
public interface ITrainer
{
    /// <summary>The network being trained.</summary>
    INetwork Network { get; }

    /// <summary>The optimizer that applies the gradients; its <see cref="Optimizer.LearningRate"/> may change between steps.</summary>
    Optimizer Optimizer { get; }

    /// <summary>One training step with cross-entropy against class labels; returns the batch's mean loss before the step.</summary>
    /// <param name="inputs">The batch's images back to back, <see cref="INetwork.InputSize"/> floats each.</param>
    /// <param name="labels">One class index per image.</param>
    float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>Restarts the random numbers of the dropout masks from <paramref name="seed"/> (nothing to do without Dropout).</summary>
    /// <param name="seed">The seed; the same seed gives the same masks.</param>
    void ReseedDropout(int seed);
}
