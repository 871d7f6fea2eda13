using System;
using System.Collections.Generic;

namespace CnnGen;

/// <summary>
/// What every generated network offers at run time. The generator implements it on the declared
/// partial class; the same facts are also emitted as constants (<c>InputLength</c>,
/// <c>OutputLength</c>, <c>ParameterCount</c>) for code that knows the concrete type.
/// </summary>
public interface INetwork
{
    /// <summary>Number of floats of one input image, channels × height × width.</summary>
    int InputSize { get; }

    /// <summary>Number of floats of one output.</summary>
    int OutputSize { get; }

    /// <summary>Number of trainable parameters.</summary>
    int ParameterSize { get; }

    /// <summary>
    /// All parameters in one contiguous buffer, each layer's tensors at constant offsets in declaration
    /// order, each tensor in PyTorch's layout (convolution weights [K, C, F, F], dense weights [out, in]).
    /// </summary>
    Span<float> Parameters { get; }

    /// <summary>
    /// State that is not trained by gradients but saved with the weights: BatchNorm's running mean and
    /// variance. Empty for networks without BatchNorm.
    /// </summary>
    Span<float> State { get; }

    /// <summary>The tensors: PyTorch-style names, shapes and offsets into <see cref="Parameters"/> (or <see cref="State"/> when <see cref="TensorInfo.IsState"/>).</summary>
    IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>The layer table: one row per declared layer with its output shape and parameter count.</summary>
    IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Runs one image (C, H, W) through the network on the calling thread. Allocates nothing.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>
    /// Runs a batch of images (whole images back to back) and writes <see cref="OutputSize"/> floats per image. Generated
    /// networks split the batch over <see cref="DegreeOfParallelism"/> threads; this default runs <see cref="Forward"/> per image.
    /// </summary>
    /// <param name="inputs">A whole number of images, <see cref="InputSize"/> floats each.</param>
    /// <param name="outputs"><see cref="OutputSize"/> floats per image.</param>
    /// <exception cref="ArgumentException">The spans do not hold the same whole number of images.</exception>
    void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int batch = InputSize == 0 ? 0 : inputs.Length / InputSize;
        if (inputs.Length != batch * InputSize || outputs.Length != batch * OutputSize)
        {
            throw new ArgumentException(
                $"Expected a whole number of images of {InputSize} floats and {OutputSize} output floats per image; got {inputs.Length} input and {outputs.Length} output floats.",
                nameof(inputs));
        }

        for (int i = 0; i < batch; i++) Forward(inputs.Slice(i * InputSize, InputSize), outputs.Slice(i * OutputSize, OutputSize));
    }

    /// <summary>
    /// The most parts (threads) a batch is split into, for <c>ForwardBatch</c> and the network's trainers: default
    /// <see cref="Environment.ProcessorCount"/>, 1 for the calling thread alone. Small batches are never split.
    /// </summary>
    int DegreeOfParallelism { get; set; }
}

/// <summary>One parameter tensor of a network: its name (PyTorch's <c>state_dict</c> key), shape and place in the parameter buffer.</summary>
/// <param name="Name">The tensor's name, e.g. <c>conv1.weight</c> or <c>fc3.bias</c>.</param>
/// <param name="Offset">Index of its first float in <see cref="INetwork.Parameters"/>.</param>
/// <param name="Shape">Its dimensions, outermost first, as PyTorch reports them.</param>
/// <param name="IsState">True for state such as BatchNorm's running averages, which lives in <see cref="INetwork.State"/>.</param>
public sealed record TensorInfo(string Name, int Offset, IReadOnlyList<int> Shape, bool IsState = false)
{
    /// <summary>Number of floats in the tensor (the product of <see cref="Shape"/>).</summary>
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>The shape written as PyTorch prints it, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>One row of a network's layer table (like Keras' <c>summary()</c>).</summary>
/// <param name="Index">1-based position among the layers after <c>Input</c>.</param>
/// <param name="Name">The layer as declared, e.g. <c>Conv2D(16, 5)</c>.</param>
/// <param name="Channels">Output channels.</param>
/// <param name="Height">Output height (1 for vectors).</param>
/// <param name="Width">Output width (1 for vectors).</param>
/// <param name="Parameters">Trainable parameters of this layer.</param>
/// <param name="MultiplyAdds">Multiply-adds of one forward pass of one image through this layer.</param>
public sealed record LayerInfo(int Index, string Name, int Channels, int Height, int Width, long Parameters, long MultiplyAdds)
{
    /// <summary>The output shape as height × width × channels, or the vector length for 1×1×N.</summary>
    public string ShapeText => Height == 1 && Width == 1 ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Height}×{Width}×{Channels}");
}
