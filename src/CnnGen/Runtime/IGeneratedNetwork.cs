using System;
using System.ComponentModel;

namespace CnnGen.Runtime;

/// <summary>
/// What a generated network hands the runtime: its sizes, tables, initialisation and layer sequences (inference and the
/// training stages) as static methods with every shape a constant. The runtime (<see cref="GeneratedNetwork{TSelf}"/>,
/// <see cref="NetworkCore"/>, <see cref="Training.NetworkTrainer{TNetwork}"/>) owns everything that is the same for
/// every network: the public members, argument checks, buffers and workspaces, splitting a batch over threads and into
/// chunks, the training step's stages, the loss, the reduction of the parts' gradients and the optimizer step. The
/// generator implements this interface explicitly on the declared class, so none of it shows in the class's own members.
/// Not meant to be implemented by hand.
/// </summary>
/// <typeparam name="TSelf">The generated network type itself.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGeneratedNetwork<TSelf> : INetwork
    where TSelf : GeneratedNetwork<TSelf>, IGeneratedNetwork<TSelf>
{
    /// <summary>The network's fixed sizes: input, output, parameters, and the inference workspace.</summary>
    static abstract NetworkSizes Sizes { get; }

    /// <summary>The training step's sizes and stages.</summary>
    static abstract TrainingLayout Training { get; }

    /// <summary>One row per layer: name, output shape, parameters, multiply-adds.</summary>
    static abstract System.Collections.Generic.IReadOnlyList<LayerInfo> LayerTable { get; }

    /// <summary>The tensors with their PyTorch <c>state_dict</c> names, shapes and offsets.</summary>
    static abstract System.Collections.Generic.IReadOnlyList<TensorInfo> TensorTable { get; }

    /// <summary>The graph of primitive layers, for exporters.</summary>
    new static abstract NetworkGraph Graph { get; }

    /// <summary>Initialises every parameter from <paramref name="seed"/> and resets the BatchNorm running averages.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="state">The BatchNorm running averages.</param>
    /// <param name="seed">The seed.</param>
    static abstract void Initialize(Span<float> parameters, Span<float> state, int seed);

    /// <summary>
    /// Brings the derived weights up to date before a forward pass: BatchNorm folded into the convolutions before it,
    /// the direct convolutions' packed weights (repacked only when a parameter changed).
    /// </summary>
    /// <param name="core">The network's buffers.</param>
    static abstract void Prepare(NetworkCore core);

    /// <summary>
    /// Before each training step: transforms the weights of the Winograd convolutions for the step's forward products and
    /// input gradients (<see cref="TrainingLayout.PackedLength"/> floats). Only networks with Winograd convolutions implement it.
    /// </summary>
    /// <param name="parameters">The parameters as the last step left them.</param>
    /// <param name="source">The copy of the parameters the transformed weights were made from (<see cref="TrainingLayout.PackedSourceLength"/>).</param>
    /// <param name="packed">The transformed weights (<see cref="TrainingLayout.PackedLength"/>).</param>
    /// <param name="part">This part, 0 to <paramref name="parts"/> − 1: it transforms its share of the layers.</param>
    /// <param name="parts">The parts the work is split into, each on its own thread.</param>
    static virtual void PrepareTraining(ReadOnlySpan<float> parameters, Span<float> source, Span<float> packed, int part, int parts)
    {
    }

    /// <summary>
    /// Runs one image through the layers before the batch-major tail (<see cref="NetworkSizes.Chunk"/>), or, in a
    /// network without one, through every layer; on the calling thread, with one workspace.
    /// </summary>
    /// <param name="core">The network's parameters and derived weights.</param>
    /// <param name="input">The image.</param>
    /// <param name="output">The input of the tail's first layer, or the network's output.</param>
    /// <param name="workspace">The activations and scratch.</param>
    static abstract void RunHead(NetworkCore core, ReadOnlySpan<float> input, Span<float> output, Workspace workspace);

    /// <summary>
    /// Runs the batch-major tail (dense layers and what follows them) over a chunk of images at once, each layer one
    /// matrix product over the chunk: <paramref name="x"/> holds the images' inputs of its first layer back to back.
    /// </summary>
    /// <param name="core">The network's parameters.</param>
    /// <param name="x">The chunk's inputs, <paramref name="batch"/> × <see cref="NetworkSizes.HeadLength"/>.</param>
    /// <param name="output">The chunk's outputs.</param>
    /// <param name="batch">The images in the chunk.</param>
    /// <param name="ping">One buffer of the chunk's activations, <see cref="NetworkSizes.Chunk"/> × <see cref="NetworkSizes.TailWidth"/>.</param>
    /// <param name="pong">The other.</param>
    static abstract void RunTail(NetworkCore core, ReadOnlySpan<float> x, Span<float> output, int batch, Span<float> ping, Span<float> pong);

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
    /// <param name="chunk">The most images the batch-major tail runs at once (0 when the network has no tail).</param>
    /// <param name="headLength">Floats per image at the tail's input.</param>
    /// <param name="tailWidth">Floats per image of the tail's widest layer.</param>
    /// <param name="foldedLength">Convolution weights with the BatchNorm after them folded in.</param>
    /// <param name="packedLength">The direct convolutions' packed weights.</param>
    /// <param name="packedSourceLength">The copy of the parameters they were packed from.</param>
    public NetworkSizes(int inputChannels, int inputHeight, int inputWidth, int outputLength, string outputText, int parameterCount, int stateCount,
        long multiplyAddsPerImage, int arenaLength, int scratchLength, int foldedLength, int packedLength, int packedSourceLength,
        int chunk = 0, int headLength = 0, int tailWidth = 0)
    {
        (InputChannels, InputHeight, InputWidth) = (inputChannels, inputHeight, inputWidth);
        InputLength = inputChannels * inputHeight * inputWidth;
        (OutputLength, OutputText) = (outputLength, outputText);
        (ParameterCount, StateCount, MultiplyAddsPerImage) = (parameterCount, stateCount, multiplyAddsPerImage);
        (ArenaLength, ScratchLength) = (arenaLength, scratchLength);
        (Chunk, HeadLength, TailWidth) = (chunk, headLength, tailWidth);
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

    /// <summary>
    /// The most images <c>ForwardBatch</c> runs through the batch-major tail at once (each dense layer one matrix product
    /// over them, so its weights are read once per chunk, not once per image), or 0 when the network has no such tail.
    /// </summary>
    public int Chunk { get; }

    /// <summary>Floats per image at the tail's input.</summary>
    public int HeadLength { get; }

    /// <summary>Floats per image of the tail's widest layer.</summary>
    public int TailWidth { get; }

    /// <summary>The tail's buffer: a chunk's inputs and two buffers of its widest layer, or 0.</summary>
    public int WorkLength => Chunk * (HeadLength + (2 * TailWidth));

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
