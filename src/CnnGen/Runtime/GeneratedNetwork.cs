using System;
using System.Collections.Generic;

namespace CnnGen.Runtime;

/// <summary>
/// The base of every network CnnGen generates: the members that are the same for every network (parameters, state,
/// <see cref="Forward"/>, <see cref="ForwardBatch"/>, <see cref="Predict"/>, the degree of parallelism, <see cref="INetwork"/>),
/// around the generated class's own constants, tables and layer sequences (<see cref="IGeneratedNetwork{TSelf}"/>).
/// The generator derives the declared <c>[Network]</c> class from it; a network class therefore declares no base class of its own.
/// </summary>
/// <typeparam name="TSelf">The generated network type itself.</typeparam>
public abstract class GeneratedNetwork<TSelf> : INetwork
    where TSelf : GeneratedNetwork<TSelf>, IGeneratedNetwork<TSelf>
{
    /// <summary>Allocates the network's buffers from its sizes; the generated constructors then set the parameters.</summary>
    protected GeneratedNetwork() => Core = new NetworkCore(TSelf.Sizes);

    /// <summary>All parameters, one contiguous buffer; the network's <c>TensorTable</c> gives each tensor's offset and shape.</summary>
    /// <remarks>Taking it marks the derived weights stale: write through a span taken after the last <see cref="Forward"/> (see <see cref="INetwork.Parameters"/>).</remarks>
    public Span<float> Parameters => Core.Parameters;

    /// <summary>BatchNorm running averages (running mean, then running variance, per BatchNorm layer).</summary>
    /// <remarks>Written like <see cref="Parameters"/>: through a span taken after the last <see cref="Forward"/>.</remarks>
    public Span<float> State => Core.State;

    /// <inheritdoc cref="NetworkCore.DegreeOfParallelism"/>
    public int DegreeOfParallelism
    {
        get => Core.DegreeOfParallelism;
        set => Core.DegreeOfParallelism = value;
    }

    int INetwork.InputSize => TSelf.Sizes.InputLength;

    int INetwork.OutputSize => TSelf.Sizes.OutputLength;

    int INetwork.ParameterSize => TSelf.Sizes.ParameterCount;

    IReadOnlyList<TensorInfo> INetwork.Tensors => TSelf.TensorTable;

    IReadOnlyList<LayerInfo> INetwork.Layers => TSelf.LayerTable;

    NetworkGraph INetwork.Graph => TSelf.Graph;

    /// <summary>The parameters, running statistics, derived weights and workspaces.</summary>
    internal NetworkCore Core { get; }

    /// <summary>
    /// Re-initialises every parameter from <paramref name="seed"/> (He normal before a ReLU, Glorot uniform otherwise,
    /// zero biases, BatchNorm γ = 1 and β = 0) and resets the BatchNorm running averages.
    /// </summary>
    /// <param name="seed">The seed; the same seed gives the same parameters.</param>
    public void InitializeParameters(int seed) => TSelf.Initialize(Core.Parameters, Core.State, seed);

    /// <summary>
    /// Runs one image through the network. Allocates nothing; not thread-safe (one workspace per instance).
    /// </summary>
    /// <param name="input">The network's <c>InputLength</c> floats, channel-first (C×H×W, as PyTorch).</param>
    /// <param name="output">The network's <c>OutputLength</c> floats.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public void Forward(ReadOnlySpan<float> input, Span<float> output) => Core.Forward<TSelf>(input, output);

    /// <summary>
    /// Runs a batch of images: <paramref name="inputs"/> holds whole images back to back. The batch is split over up to
    /// <see cref="DegreeOfParallelism"/> threads; each image's output is the same as <see cref="Forward"/>'s. Allocates
    /// nothing after the first call at a given degree.
    /// </summary>
    /// <param name="inputs">A multiple of the network's <c>InputLength</c> floats.</param>
    /// <param name="outputs">(inputs.Length / InputLength) × OutputLength floats.</param>
    /// <exception cref="ArgumentException">The spans do not hold the same whole number of images.</exception>
    public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => Core.ForwardBatch<TSelf>(inputs, outputs);

    /// <summary>Runs one image and returns the index of the largest output (the predicted class); <paramref name="output"/> receives all outputs.</summary>
    /// <param name="input">One image, as for <see cref="Forward"/>.</param>
    /// <param name="output">The outputs (class probabilities when the network ends in Softmax).</param>
    /// <returns>The index of the largest output.</returns>
    public int Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        Forward(input, output);
        return Kernels.IndexOfMax(output);
    }
}
