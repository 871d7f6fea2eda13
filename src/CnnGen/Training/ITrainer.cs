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

    /// <summary>
    /// Computes the gradients of the batch's mean cross-entropy without updating the parameters (the running statistics of
    /// BatchNorm do move, as in any training forward pass); returns the mean loss. Afterwards <see cref="CopyLayerOutputs"/>
    /// reads every layer's output for this batch.
    /// </summary>
    /// <param name="inputs">The batch's images back to back, <see cref="INetwork.InputSize"/> floats each.</param>
    /// <param name="labels">One class index per image.</param>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>
    /// Copies layer <paramref name="layer"/>'s output (0-based, as <see cref="INetwork.Layers"/>) for every image of the last
    /// batch that <see cref="TrainBatch"/> or <see cref="ComputeGradients"/> ran, as that step's forward pass computed it
    /// (training mode, before the optimizer step): the batch's size × the layer's C·H·W floats.
    /// </summary>
    /// <param name="layer">The layer, 0 to <c>Network.Layers.Count − 1</c>.</param>
    /// <param name="outputs">Exactly the last batch's size × the layer's output size floats.</param>
    void CopyLayerOutputs(int layer, Span<float> outputs);

    /// <summary>Restarts the random numbers of the dropout masks from <paramref name="seed"/> (nothing to do without Dropout).</summary>
    /// <param name="seed">The seed; the same seed gives the same masks.</param>
    void ReseedDropout(int seed);
}
