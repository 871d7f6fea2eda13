using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using CnnGen.Runtime;

namespace CnnGen.Training;

/// <summary>
/// A training step whose loss or gradients are not finite (NaN or ±∞). The step was refused before the optimizer ran:
/// the parameters, the optimizer's state and the running statistics (BatchNorm) are exactly as they were before it.
/// </summary>
public sealed class NonFiniteTrainingException : ArithmeticException
{
    internal NonFiniteTrainingException(string message, int layerIndex, string? layerName, string? tensorName, int parameterIndex, int image)
        : base(message)
    {
        LayerIndex = layerIndex;
        LayerName = layerName;
        TensorName = tensorName;
        ParameterIndex = parameterIndex;
        Image = image;
    }

    /// <summary>
    /// The layer (1-based, as in the network's layer table) whose parameter gradient went non-finite first in the backward
    /// pass (the last such layer in declaration order); 0 when the gradients were finite and only the loss was not.
    /// </summary>
    public int LayerIndex { get; }

    /// <summary>That layer as declared, e.g. <c>Dense(10)</c>; null when <see cref="LayerIndex"/> is 0.</summary>
    public string? LayerName { get; }

    /// <summary>The parameter tensor holding <see cref="ParameterIndex"/>, e.g. <c>fc3.weight</c>; null when <see cref="LayerIndex"/> is 0.</summary>
    public string? TensorName { get; }

    /// <summary>Index into the parameter (and gradient) buffer of the last non-finite gradient of that layer; −1 if none.</summary>
    public int ParameterIndex { get; }

    /// <summary>The first image of the batch (0-based) whose loss is not finite; −1 when every image's loss is finite.</summary>
    public int Image { get; }
}

/// <summary>Finds NaN and infinities in float buffers, vectorised; and the check a generated trainer runs before each optimizer step.</summary>
public static class NonFinite
{
    /// <summary>True when every value is finite (neither NaN nor ±∞). Reads the span once, a few vectors at a time.</summary>
    /// <param name="values">The values.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        // x · 0 is 0 for every finite x and NaN for NaN and ±∞; a sum of zeros stays zero, one NaN makes it NaN.
        ref float start = ref Mem.Ref(values);
        int n = values.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated && n >= 4 * Vector<float>.Count)
        {
            int width = Vector<float>.Count;
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 4 * width; i += 4 * width)
            {
                a0 += Mem.LoadVector(ref start, (nuint)i) * Vector<float>.Zero;
                a1 += Mem.LoadVector(ref start, (nuint)(i + width)) * Vector<float>.Zero;
                a2 += Mem.LoadVector(ref start, (nuint)(i + 2 * width)) * Vector<float>.Zero;
                a3 += Mem.LoadVector(ref start, (nuint)(i + 3 * width)) * Vector<float>.Zero;
            }

            Vector<float> sum = (a0 + a1) + (a2 + a3);
            if (!Vector.EqualsAll(sum, Vector<float>.Zero)) return false;
        }

        float s = 0;
        for (; i < n; i++) s += Mem.Add(ref start, i) * 0f;
        return s == 0;
    }

    /// <summary>The index of the first value that is NaN or ±∞, or −1.</summary>
    /// <param name="values">The values.</param>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }

        return -1;
    }

    /// <summary>The index of the last value that is NaN or ±∞, or −1.</summary>
    /// <param name="values">The values.</param>
    public static int LastIndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = values.Length - 1; i >= 0; i--)
        {
            if (!float.IsFinite(values[i])) return i;
        }

        return -1;
    }

    /// <summary>
    /// Called by a generated trainer when its check after the gradients and before the optimizer step (<see cref="AllFinite"/>
    /// over the per-image losses and the gradient buffer) failed: the exception to throw, naming the loss, the layer and
    /// tensor where the gradients went non-finite, and what in the inputs is not finite.
    /// </summary>
    /// <param name="network">The network (its layer and tensor tables name the place).</param>
    /// <param name="losses">One loss per image of the batch.</param>
    /// <param name="gradients">The gradient buffer, laid out as the parameters.</param>
    /// <param name="inputs">The batch's inputs, <see cref="INetwork.InputSize"/> floats per image.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static NonFiniteTrainingException StepFailure(INetwork network, ReadOnlySpan<float> losses, ReadOnlySpan<float> gradients, ReadOnlySpan<float> inputs)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Describe(network, losses, gradients, inputs);
    }

    private static NonFiniteTrainingException Describe(INetwork network, ReadOnlySpan<float> losses, ReadOnlySpan<float> gradients, ReadOnlySpan<float> inputs)
    {
        var text = new StringBuilder();
        int image = IndexOfNonFinite(losses);
        int layerIndex = 0;
        string? layerName = null, tensorName = null;
        int parameter = LastIndexOfNonFinite(gradients);

        if (parameter >= 0)
        {
            (LayerInfo? layer, List<int> others) = LayerOf(network, gradients, parameter);
            TensorInfo? tensor = TensorOf(network, parameter);
            layerIndex = layer?.Index ?? 0;
            layerName = layer?.Name;
            tensorName = tensor?.Name;
            text.Append(CultureInfo.InvariantCulture, $"The training step's gradients are not finite: they first go non-finite (in backward order) in layer {layerIndex} {layerName}");
            if (tensor is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $", tensor {tensor.Name} {tensor.ShapeText} element {parameter - tensor.Offset}");
            }

            text.Append(CultureInfo.InvariantCulture, $" (parameter {parameter}: {Show(gradients[parameter])})");
            if (others.Count > 0) text.Append(CultureInfo.InvariantCulture, $"; also in layer{(others.Count > 1 ? "s" : "")} {string.Join(", ", others)}");
            text.Append('.');
        }
        else
        {
            text.Append("The training step's gradients are finite but its loss is not.");
        }

        if (image >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" The loss of image {image} is {Show(losses[image])}");
            int bad = 0;
            foreach (float l in losses)
            {
                if (!float.IsFinite(l)) bad++;
            }

            text.Append(CultureInfo.InvariantCulture, $" ({bad} of {losses.Length} images have a non-finite loss).");
        }
        else
        {
            text.Append(" Every image's loss is finite.");
        }

        int input = IndexOfNonFinite(inputs);
        if (input >= 0)
        {
            int size = Math.Max(1, network.InputSize);
            text.Append(CultureInfo.InvariantCulture, $" The inputs are not finite: image {input / size}, element {input % size} is {Show(inputs[input])}.");
        }
        else if (!AllFinite(network.Parameters))
        {
            text.Append(CultureInfo.InvariantCulture, $" The inputs are finite, but the parameters were already not finite before this step (parameter {IndexOfNonFinite(network.Parameters)}).");
        }
        else
        {
            text.Append(" The inputs and parameters are finite: the values overflowed inside the network (a learning rate or inputs too large?).");
        }

        text.Append(" The step was not applied: the parameters, the optimizer's state and the running statistics are unchanged.");
        return new NonFiniteTrainingException(text.ToString(), layerIndex, layerName, tensorName, parameter, image);
    }

    private static string Show(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+∞" : "−∞";

    // The layer whose parameters hold buffer index `parameter` (layers own consecutive ranges of the buffer in
    // declaration order), and the other layers with a non-finite gradient.
    private static (LayerInfo? Layer, List<int> Others) LayerOf(INetwork network, ReadOnlySpan<float> gradients, int parameter)
    {
        LayerInfo? found = null;
        var others = new List<int>();
        long offset = 0;
        foreach (LayerInfo layer in network.Layers)
        {
            long end = offset + layer.Parameters;
            if (layer.Parameters > 0 && end <= gradients.Length)
            {
                if (parameter >= offset && parameter < end) found = layer;
                else if (!AllFinite(gradients.Slice((int)offset, (int)layer.Parameters))) others.Add(layer.Index);
            }

            offset = end;
        }

        return (found, others);
    }

    private static TensorInfo? TensorOf(INetwork network, int parameter)
    {
        foreach (TensorInfo tensor in network.Tensors)
        {
            if (!tensor.IsState && parameter >= tensor.Offset && parameter < tensor.Offset + tensor.Length) return tensor;
        }

        return null;
    }
}
