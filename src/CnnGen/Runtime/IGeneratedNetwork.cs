using System;
using System.ComponentModel;

namespace CnnGen.Runtime;

/// <summary>
/// What a generated network hands the runtime: its sizes, its layer sequences (inference and the training stages) as
/// static methods with every shape a constant, and the buffers they work on. The runtime (<see cref="NetworkCore"/>,
/// <see cref="Training.NetworkTrainer{TNetwork}"/>) owns everything that is the same for every network: argument
/// checks, buffers and workspaces, splitting a batch over threads, the training step's stages, the reduction of the
/// parts' gradients and the optimizer step. The generator implements this interface explicitly on the declared class,
/// so none of it shows in the class's own members. Not meant to be implemented by hand.
/// </summary>
/// <typeparam name="TSelf">The generated network type itself.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGeneratedNetwork<TSelf> : INetwork
    where TSelf : class, IGeneratedNetwork<TSelf>
{
    /// <summary>The network's fixed sizes: input, output, parameters, and the inference workspace.</summary>
    static abstract NetworkSizes Sizes { get; }

    /// <summary>The training step's sizes and stages.</summary>
    static abstract TrainingLayout Training { get; }

    /// <summary>The instance's parameters, state and workspaces.</summary>
    NetworkCore Core { get; }

    /// <summary>
    /// Brings the derived weights up to date before a forward pass: BatchNorm folded into the convolutions before it,
    /// the direct convolutions' packed weights (repacked only when a parameter changed).
    /// </summary>
    /// <param name="core">The network's buffers.</param>
    static abstract void Prepare(NetworkCore core);

    /// <summary>Runs one image through the layer sequence with one workspace, on the calling thread.</summary>
    /// <param name="core">The network's parameters and derived weights.</param>
    /// <param name="input">The image.</param>
    /// <param name="output">Its output.</param>
    /// <param name="workspace">The activations and scratch.</param>
    static abstract void Run(NetworkCore core, ReadOnlySpan<float> input, Span<float> output, Workspace workspace);

    /// <summary>Runs <paramref name="count"/> whole images through the network with one workspace, on the calling thread.</summary>
    /// <param name="core">The network's parameters and derived weights.</param>
    /// <param name="inputs">The images back to back.</param>
    /// <param name="outputs">Their outputs back to back.</param>
    /// <param name="count">The number of images.</param>
    /// <param name="workspace">The activations and scratch of this thread's part.</param>
    static abstract void RunImages(NetworkCore core, ReadOnlySpan<float> inputs, Span<float> outputs, int count, Workspace workspace);

    /// <summary>
    /// Runs one stage of a training step for one part: the layer sequence of a per-image or whole-batch stage (see
    /// <see cref="TrainingLayout.WholeBatch"/>), or, for the stage after the last, the dense layers' parameter gradients
    /// over the whole batch for the part's share of their outputs.
    /// </summary>
    /// <param name="stage">The stage.</param>
    /// <param name="part">The part's buffers and range of images.</param>
    static abstract void TrainStage(int stage, TrainingPart part);
}

/// <summary>A generated network's fixed sizes, as the runtime needs them.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NetworkSizes
{
    /// <summary>Creates the sizes; the generator writes one per network.</summary>
    /// <param name="inputChannels">Channels of one input image.</param>
    /// <param name="inputHeight">Height of one input image.</param>
    /// <param name="inputWidth">Width of one input image.</param>
    /// <param name="outputLength">Floats of one output.</param>
    /// <param name="outputText">The output shape as the layer table writes it, e.g. <c>10</c>.</param>
    /// <param name="parameterCount">Trainable parameters.</param>
    /// <param name="stateCount">BatchNorm running statistics.</param>
    /// <param name="multiplyAddsPerImage">Multiply-adds of one forward pass of one image.</param>
    /// <param name="arenaLength">The inference activations of one image (regions reused once read).</param>
    /// <param name="scratchLength">Convolution scratch of one image.</param>
    /// <param name="workLength">The batch-major dense tail's buffer (0 when the network has none).</param>
    /// <param name="foldedLength">Convolution weights with the BatchNorm after them folded in.</param>
    /// <param name="packedLength">The direct convolutions' packed weights.</param>
    /// <param name="packedSourceLength">The copy of the parameters they were packed from.</param>
    public NetworkSizes(int inputChannels, int inputHeight, int inputWidth, int outputLength, string outputText, int parameterCount, int stateCount,
        long multiplyAddsPerImage, int arenaLength, int scratchLength, int workLength, int foldedLength, int packedLength, int packedSourceLength)
    {
        (InputChannels, InputHeight, InputWidth) = (inputChannels, inputHeight, inputWidth);
        InputLength = inputChannels * inputHeight * inputWidth;
        (OutputLength, OutputText) = (outputLength, outputText);
        (ParameterCount, StateCount, MultiplyAddsPerImage) = (parameterCount, stateCount, multiplyAddsPerImage);
        (ArenaLength, ScratchLength, WorkLength) = (arenaLength, scratchLength, workLength);
        (FoldedLength, PackedLength, PackedSourceLength) = (foldedLength, packedLength, packedSourceLength);
    }

    /// <summary>Channels of one input image.</summary>
    public int InputChannels { get; }

    /// <summary>Height of one input image.</summary>
    public int InputHeight { get; }

    /// <summary>Width of one input image.</summary>
    public int InputWidth { get; }

    /// <summary>Floats of one input image.</summary>
    public int InputLength { get; }

    /// <summary>Floats of one output.</summary>
    public int OutputLength { get; }

    /// <summary>The output shape as the layer table writes it.</summary>
    public string OutputText { get; }

    /// <summary>Trainable parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>BatchNorm running statistics.</summary>
    public int StateCount { get; }

    /// <summary>Multiply-adds of one forward pass of one image.</summary>
    public long MultiplyAddsPerImage { get; }

    /// <summary>The inference activations of one image.</summary>
    public int ArenaLength { get; }

    /// <summary>Convolution scratch.</summary>
    public int ScratchLength { get; }

    /// <summary>The batch-major dense tail's buffer, or 0.</summary>
    public int WorkLength { get; }

    /// <summary>Folded convolution weights.</summary>
    public int FoldedLength { get; }

    /// <summary>Packed direct-convolution weights.</summary>
    public int PackedLength { get; }

    /// <summary>The copy the packed weights were made from.</summary>
    public int PackedSourceLength { get; }

    /// <summary>The input shape as C×H×W, e.g. <c>1×32×32</c>.</summary>
    public string InputText => $"{InputChannels}×{InputHeight}×{InputWidth}";
}

/// <summary>The buffers one thread's part of a forward pass works in: activations, convolution scratch, the dense tail's chunk.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class Workspace
{
    /// <summary>Allocates a workspace of the network's sizes.</summary>
    /// <param name="sizes">The network's sizes.</param>
    public Workspace(NetworkSizes sizes)
    {
        Arena = new float[Math.Max(1, sizes.ArenaLength)];
        Scratch = new float[Math.Max(1, sizes.ScratchLength)];
        Work = new float[Math.Max(1, sizes.WorkLength)];
    }

    /// <summary>The activations.</summary>
    public float[] Arena { get; }

    /// <summary>Convolution scratch.</summary>
    public float[] Scratch { get; }

    /// <summary>The dense tail's chunk of images.</summary>
    public float[] Work { get; }
}
