using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Shapes;

/// <summary>A shape error found by inference: the diagnostic ID, the argument it belongs on, the full message.</summary>
internal sealed record ShapeError(string Id, SourceRef Source, string Message);

/// <summary>Either a checked plan or the errors that prevent one.</summary>
internal sealed record InferenceResult(NetworkPlan? Plan, EquatableArray<ShapeError> Errors);

/// <summary>
/// Shape inference: a pure function from the declared <see cref="NetworkSpec"/> to a
/// <see cref="NetworkPlan"/> (every shape, offset and parameter count) or a list of located errors.
/// It implements the seeds' formulas: output = (W − F + 2P)/S + 1 per axis, convolution parameters
/// F·F·C·K + K, dense in·out + out, pooling and activations 0. No Roslyn types are used here.
/// </summary>
internal static class ShapeInference
{
    public static InferenceResult Infer(NetworkSpec spec)
    {
        var errors = new List<ShapeError>();
        var layers = new List<LayerPlan>();
        var tensors = new List<TensorPlan>();

        InputSpec input = spec.Input;
        CheckPositive(errors, SourceRef.InputAttribute, "height", "Input height", input.Height);
        CheckPositive(errors, SourceRef.InputAttribute, "width", "Input width", input.Width);
        CheckPositive(errors, SourceRef.InputAttribute, "channels", "Input channels", input.Channels);
        if (spec.ExpectedParameters < 0)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.InvalidValue,
                new SourceRef(SourceRef.NetworkAttribute, "ExpectedParameters"),
                $"ExpectedParameters must be a positive parameter count (or left out), not {Text.Int(spec.ExpectedParameters)}"));
        }

        if (spec.Layers.Count == 0)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.NoLayers,
                new SourceRef(SourceRef.InputAttribute, null),
                "The network declares no layers after Input: add at least one, e.g. [Dense(10)]"));
        }

        if (errors.Count > 0)
        {
            return new InferenceResult(null, errors.ToEquatableArray());
        }

        var current = new Shape(input.Channels, input.Height, input.Width);
        long offset = 0;
        int convCount = 0;
        int denseCount = 0;
        bool stopped = false;
        for (int i = 0; i < spec.Layers.Count && !stopped; i++)
        {
            LayerSpec layer = spec.Layers[i];
            LayerSpec? previous = i > 0 ? spec.Layers[i - 1] : null;
            if (previous is ActivationSpec { Kind: ActivationKind.Softmax })
            {
                errors.Add(new ShapeError(
                    DiagnosticIds.LayerCannotFollow,
                    new SourceRef(layer.Position, null),
                    $"{Capital(layer.Label)} cannot follow Softmax: Softmax turns the class scores into probabilities and must be the last layer"));
                break;
            }

            int errorsBefore = errors.Count;
            LayerPlan? plan = layer switch
            {
                ConvSpec conv => InferConv(spec, conv, current, errors),
                PoolSpec pool => InferPool(spec, pool, current, errors),
                DenseSpec dense => InferDense(dense, current, errors),
                FlattenSpec flatten => Plain(flatten, current, new Shape(current.Size, 1, 1)),
                ActivationSpec activation => InferActivation(activation, current, errors),
                _ => throw new InvalidOperationException("Unknown layer spec " + layer.GetType().Name),
            };

            // A stride that does not fit (CNN0001) still yields a (floored) shape, so later layers are
            // checked too; any other error leaves the shapes after it unknown.
            if (plan is null || errors.Skip(errorsBefore).Any(e => e.Id != DiagnosticIds.StrideDoesNotFit))
            {
                stopped = true;
                break;
            }

            if (plan.WeightCount + (long)plan.BiasCount > 0)
            {
                string prefix = plan.Spec is ConvSpec ? "conv" + Text.Int(++convCount) : "fc" + Text.Int(++denseCount);
                bool feedsRelu = i + 1 < spec.Layers.Count && spec.Layers[i + 1] is ActivationSpec { Kind: ActivationKind.ReLU };
                int weightOffset = checked((int)Math.Min(offset, int.MaxValue));
                EquatableArray<int> weightShape = plan.Spec is ConvSpec c
                    ? new[] { c.Filters, plan.In.Channels, plan.Kernel, plan.Kernel }.ToEquatableArray()
                    : new[] { plan.Out.Size, plan.In.Size }.ToEquatableArray();
                plan = plan with
                {
                    ParameterOffset = weightOffset,
                    TensorPrefix = prefix,
                    Init = feedsRelu ? InitKind.He : InitKind.Glorot,
                };
                tensors.Add(new TensorPlan(prefix + ".weight", weightOffset, weightShape));
                tensors.Add(new TensorPlan(prefix + ".bias", weightOffset + plan.WeightCount, new[] { plan.BiasCount }.ToEquatableArray()));
                offset += plan.Parameters;
                if (offset > int.MaxValue)
                {
                    errors.Add(new ShapeError(
                        DiagnosticIds.InvalidValue,
                        new SourceRef(layer.Position, null),
                        $"{Capital(layer.Label)} brings the parameter count to {Text.Grouped(offset)}, more than one buffer can hold ({Text.Grouped(int.MaxValue)})"));
                    stopped = true;
                    break;
                }
            }

            if (plan.Out.Size <= 0 || (long)plan.Out.Channels * plan.Out.Height * plan.Out.Width > int.MaxValue / 4)
            {
                errors.Add(new ShapeError(
                    DiagnosticIds.InvalidValue,
                    new SourceRef(layer.Position, null),
                    $"{Capital(layer.Label)} produces an output of {Text.Grouped((long)plan.Out.Channels * plan.Out.Height * plan.Out.Width)} values, more than a buffer can hold"));
                stopped = true;
                break;
            }

            layers.Add(plan);
            current = plan.Out;
        }

        if (errors.Count > 0)
        {
            return new InferenceResult(null, errors.ToEquatableArray());
        }

        if (spec.ExpectedParameters > 0 && spec.ExpectedParameters != offset)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.ParameterCountMismatch,
                new SourceRef(SourceRef.NetworkAttribute, "ExpectedParameters"),
                ParameterMismatchMessage(spec.ExpectedParameters, offset, layers)));
            return new InferenceResult(null, errors.ToEquatableArray());
        }

        var result = new NetworkPlan(
            new Shape(input.Channels, input.Height, input.Width),
            layers.ToEquatableArray(),
            tensors.ToEquatableArray(),
            (int)offset,
            spec.Seed);
        return new InferenceResult(result, EquatableArray<ShapeError>.Empty);
    }

    private static LayerPlan? InferConv(NetworkSpec spec, ConvSpec conv, Shape input, List<ShapeError> errors)
    {
        if (!RequireImage(conv, input, errors))
        {
            return null;
        }

        bool ok = CheckPositive(errors, conv.Position, "filters", Capital(conv.Label) + ": the number of filters", conv.Filters)
            & CheckPositive(errors, conv.Position, "kernel", Capital(conv.Label) + ": the kernel size", conv.Kernel)
            & CheckPositive(errors, conv.Position, "Stride", Capital(conv.Label) + ": the stride", conv.Stride);
        if (!ok)
        {
            return null;
        }

        int padding = conv.Padding;
        if (padding == ConvSpec.SamePadding)
        {
            if (conv.Kernel % 2 == 0)
            {
                errors.Add(new ShapeError(
                    DiagnosticIds.InvalidValue,
                    new SourceRef(conv.Position, "Padding"),
                    $"{Capital(conv.Label)}: Padding.Same pads (F − 1)/2 on every side, which needs an odd kernel; {Text.Int(conv.Kernel)} is even. Use kernel {Text.Int(conv.Kernel - 1)} or {Text.Int(conv.Kernel + 1)}, or an explicit padding"));
                return null;
            }

            padding = (conv.Kernel - 1) / 2;
        }
        else if (padding < 0)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.InvalidValue,
                new SourceRef(conv.Position, "Padding"),
                $"{Capital(conv.Label)}: padding must be 0 or more, or Padding.Same, not {Text.Int(padding)}"));
            return null;
        }
        else if (padding >= conv.Kernel)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.InvalidValue,
                new SourceRef(conv.Position, "Padding"),
                $"{Capital(conv.Label)}: padding {Text.Int(padding)} is not smaller than the kernel {Text.Int(conv.Kernel)}, so some outputs would see only zeros; use at most {Text.Int(conv.Kernel - 1)}"));
            return null;
        }

        RoundingMode mode = Mode(spec, conv.Rounding);
        Shape? spatial = Window(conv, "kernel", "Stride", input, conv.Kernel, conv.Stride, padding, mode, isPool: false, errors);
        if (spatial is null)
        {
            return null;
        }

        var output = new Shape(conv.Filters, spatial.Height, spatial.Width);
        int fanIn = input.Channels * conv.Kernel * conv.Kernel;
        long weights = (long)fanIn * conv.Filters;
        if (weights > int.MaxValue)
        {
            errors.Add(new ShapeError(DiagnosticIds.InvalidValue, new SourceRef(conv.Position, null), $"{Capital(conv.Label)} has {Text.Grouped(weights)} weights, more than one buffer can hold"));
            return null;
        }

        return new LayerPlan(
            conv,
            input,
            output,
            conv.Kernel,
            conv.Stride,
            padding,
            ParameterOffset: 0,
            WeightCount: (int)weights,
            BiasCount: conv.Filters,
            MultiplyAdds: (long)output.Size * fanIn,
            TensorPrefix: null,
            InitKind.None,
            FanIn: fanIn,
            FanOut: conv.Filters * conv.Kernel * conv.Kernel);
    }

    private static LayerPlan? InferPool(NetworkSpec spec, PoolSpec pool, Shape input, List<ShapeError> errors)
    {
        if (!RequireImage(pool, input, errors))
        {
            return null;
        }

        bool ok = CheckPositive(errors, pool.Position, "size", Capital(pool.Label) + ": the pooling window", pool.Size);
        if (pool.Stride < 0)
        {
            errors.Add(new ShapeError(DiagnosticIds.InvalidValue, new SourceRef(pool.Position, "Stride"), $"{Capital(pool.Label)}: the stride must be positive (or left out to equal the window), not {Text.Int(pool.Stride)}"));
            ok = false;
        }

        if (!ok)
        {
            return null;
        }

        if (pool.Padding < 0 || pool.Padding > pool.Size / 2)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.InvalidValue,
                new SourceRef(pool.Position, "Padding"),
                $"{Capital(pool.Label)}: pooling padding must be between 0 and half the window ({Text.Int(pool.Size / 2)}), not {Text.Int(pool.Padding)}"));
            return null;
        }

        string strideArgument = pool.Stride == 0 ? "size" : "Stride";
        Shape? spatial = Window(pool, "size", strideArgument, input, pool.Size, pool.EffectiveStride, pool.Padding, Mode(spec, pool.Rounding), isPool: true, errors);
        if (spatial is null)
        {
            return null;
        }

        var output = new Shape(input.Channels, spatial.Height, spatial.Width);
        return new LayerPlan(
            pool,
            input,
            output,
            pool.Size,
            pool.EffectiveStride,
            pool.Padding,
            0,
            0,
            0,
            MultiplyAdds: 0,
            null,
            InitKind.None,
            0,
            0);
    }

    private static LayerPlan? InferDense(DenseSpec dense, Shape input, List<ShapeError> errors)
    {
        if (!CheckPositive(errors, dense.Position, "units", Capital(dense.Label) + ": the number of units", dense.Units))
        {
            return null;
        }

        long weights = (long)input.Size * dense.Units;
        if (weights > int.MaxValue)
        {
            errors.Add(new ShapeError(DiagnosticIds.InvalidValue, new SourceRef(dense.Position, "units"), $"{Capital(dense.Label)} has {Text.Int(input.Size)}·{Text.Int(dense.Units)} = {Text.Grouped(weights)} weights, more than one buffer can hold"));
            return null;
        }

        return new LayerPlan(
            dense,
            input,
            new Shape(dense.Units, 1, 1),
            0,
            0,
            0,
            0,
            (int)weights,
            dense.Units,
            MultiplyAdds: weights,
            null,
            InitKind.None,
            FanIn: input.Size,
            FanOut: dense.Units);
    }

    private static LayerPlan? InferActivation(ActivationSpec activation, Shape input, List<ShapeError> errors)
    {
        if (activation.Kind == ActivationKind.Softmax && !input.IsVector)
        {
            errors.Add(new ShapeError(
                DiagnosticIds.LayerCannotFollow,
                new SourceRef(activation.Position, null),
                $"{Capital(activation.Label)} needs a vector of class scores, but its input is {input.Text}: put a Dense layer (e.g. [Dense(10)]) before it"));
            return null;
        }

        return Plain(activation, input, input);
    }

    private static LayerPlan Plain(LayerSpec layer, Shape input, Shape output) =>
        new(layer, input, output, 0, 0, 0, 0, 0, 0, 0, null, InitKind.None, 0, 0);

    private static bool RequireImage(LayerSpec layer, Shape input, List<ShapeError> errors)
    {
        if (!input.IsVector)
        {
            return true;
        }

        // A 1×1 spatial input is legal for a convolution only if it came from an image (e.g. a 1×1 input);
        // after Dense or Flatten the values are a vector with no spatial layout left.
        errors.Add(new ShapeError(
            DiagnosticIds.LayerCannotFollow,
            new SourceRef(layer.Position, null),
            $"{Capital(layer.Label)} needs an image (height × width × channels), but its input is the vector of {Text.Int(input.Channels)} values made by the Dense or Flatten before it; put convolutions and pooling before the first Dense"));
        return false;
    }

    /// <summary>
    /// Output size of a sliding window on both axes, following (W − F + 2P)/S + 1, with CNN0002 for a
    /// window larger than its padded input and CNN0001 for a stride that does not fit in Exact mode.
    /// </summary>
    private static Shape? Window(
        LayerSpec layer,
        string windowArgument,
        string strideArgument,
        Shape input,
        int window,
        int stride,
        int padding,
        RoundingMode mode,
        bool isPool,
        List<ShapeError> errors)
    {
        string what = isPool ? "pooling window" : "kernel";
        int[] sizes = { input.Height, input.Width };
        foreach (int w in sizes.Distinct())
        {
            if (window > w + 2 * padding)
            {
                string padded = padding == 0 ? Text.Int(w) : $"{Text.Int(w)} + 2·{Text.Int(padding)} = {Text.Int(w + 2 * padding)}";
                string axis = input.Height == input.Width ? string.Empty : (w == input.Height ? " (height)" : " (width)");
                string fix = isPool ? $"use a window of at most {Text.Int(w + 2 * padding)}" : SmallerKernelOrPadding(w, window, padding);
                errors.Add(new ShapeError(
                    DiagnosticIds.WindowLargerThanInput,
                    new SourceRef(layer.Position, windowArgument),
                    $"{Capital(layer.Label)}: the {Text.Int(window)}×{Text.Int(window)} {what} is larger than its padded input{axis}: {padded} < {Text.Int(window)}; {fix}"));
                return null;
            }
        }

        int outH = OutputSize(input.Height, window, stride, padding, mode);
        int outW = OutputSize(input.Width, window, stride, padding, mode);
        bool fitsH = (input.Height - window + (2 * padding)) % stride == 0;
        bool fitsW = (input.Width - window + (2 * padding)) % stride == 0;
        if (mode == RoundingMode.Exact && !(fitsH && fitsW))
        {
            errors.Add(new ShapeError(
                DiagnosticIds.StrideDoesNotFit,
                new SourceRef(layer.Position, strideArgument),
                StrideMessage(layer, input, window, stride, padding, isPool, fitsH, fitsW)));
        }

        return new Shape(input.Channels, outH, outW);
    }

    /// <summary>Output size on one axis for the given rounding mode (Exact is only called when it fits, and then equals Floor).</summary>
    public static int OutputSize(int w, int window, int stride, int padding, RoundingMode mode)
    {
        int span = w - window + (2 * padding);
        if (mode != RoundingMode.Ceil)
        {
            return (span / stride) + 1;
        }

        int size = ((span + stride - 1) / stride) + 1;

        // As PyTorch: the last window must start inside the input or its left padding.
        if ((size - 1) * stride >= w + padding)
        {
            size--;
        }

        return size;
    }

    private static string StrideMessage(LayerSpec layer, Shape input, int window, int stride, int padding, bool isPool, bool fitsH, bool fitsW)
    {
        var text = new System.Text.StringBuilder();
        string what = isPool ? "pooling" : "convolution";
        text.Append(Capital(layer.Label)).Append(": stride ").Append(Text.Int(stride))
            .Append(" does not fit the ").Append(input.Text).Append(" input: ");
        var parts = new List<string>();
        if (!fitsH)
        {
            parts.Add(Arithmetic(input.Height, window, stride, padding) + (input.Height == input.Width || fitsW ? string.Empty : " (height)"));
        }

        if (!fitsW && input.Width != input.Height)
        {
            parts.Add(Arithmetic(input.Width, window, stride, padding) + " (width)");
        }

        text.Append(string.Join(" and ", parts));
        text.Append(", not a whole number of ").Append(what).Append(" steps.");

        // Fixes: paddings that fit (a padding must stay below the kernel / half a pooling window),
        // strides that fit, or the explicit opt-in to floor or ceil rounding.
        int maxPadding = isPool ? window / 2 : window - 1;
        var paddings = Enumerable.Range(0, maxPadding + 1)
            .Where(p => p != padding && Fits(input, window, stride, p))
            .OrderBy(p => Math.Abs(p - padding)).ThenBy(p => p)
            .Take(2)
            .ToList();
        if (paddings.Count > 0)
        {
            text.Append(" Paddings that fit: ")
                .Append(string.Join(", ", paddings.Select(p => $"{Text.Int(p)} (→ {SpatialText(input, window, stride, p)})")))
                .Append('.');
        }

        var strides = Enumerable.Range(1, Math.Max(window, stride + 2))
            .Where(s => s != stride && Fits(input, window, s, padding))
            .OrderBy(s => Math.Abs(s - stride)).ThenBy(s => s)
            .Take(3)
            .OrderBy(s => s)
            .ToList();
        if (strides.Count > 0)
        {
            text.Append(" Strides that fit: ")
                .Append(string.Join(", ", strides.Select(s => $"{Text.Int(s)} (→ {SpatialText(input, window, s, padding)})")))
                .Append('.');
        }

        text.Append(" Or opt in to rounding: Rounding = Rounding.Floor gives ")
            .Append(Spatial(input, window, stride, padding, RoundingMode.Floor))
            .Append(", Rounding.Ceil gives ")
            .Append(Spatial(input, window, stride, padding, RoundingMode.Ceil));
        return text.ToString();
    }

    /// <summary>"(7 − 3 + 2·0)/3 + 1 = 2.33", the seed's arithmetic.</summary>
    public static string Arithmetic(int w, int window, int stride, int padding)
    {
        double value = ((double)(w - window + (2 * padding)) / stride) + 1;
        return $"({Text.Int(w)} − {Text.Int(window)} + 2·{Text.Int(padding)})/{Text.Int(stride)} + 1 = {Text.Number(value)}";
    }

    private static bool Fits(Shape input, int window, int stride, int padding) =>
        window <= input.Height + (2 * padding) && window <= input.Width + (2 * padding)
        && (input.Height - window + (2 * padding)) % stride == 0
        && (input.Width - window + (2 * padding)) % stride == 0;

    private static string SpatialText(Shape input, int window, int stride, int padding) =>
        Spatial(input, window, stride, padding, RoundingMode.Floor);

    private static string Spatial(Shape input, int window, int stride, int padding, RoundingMode mode) =>
        $"{Text.Int(OutputSize(input.Height, window, stride, padding, mode))}×{Text.Int(OutputSize(input.Width, window, stride, padding, mode))}";

    private static string SmallerKernelOrPadding(int w, int kernel, int padding)
    {
        int neededPadding = (kernel - w + 1) / 2;
        return neededPadding < kernel
            ? $"use a kernel of at most {Text.Int(w + 2 * padding)}, or a padding of at least {Text.Int(neededPadding)}"
            : $"use a kernel of at most {Text.Int(w + 2 * padding)}";
    }

    private static RoundingMode Mode(NetworkSpec spec, RoundingMode layer) =>
        layer != RoundingMode.Unspecified ? layer
        : spec.Rounding != RoundingMode.Unspecified ? spec.Rounding
        : RoundingMode.Exact;

    private static bool CheckPositive(List<ShapeError> errors, int layer, string argument, string what, int value)
    {
        if (value > 0)
        {
            return true;
        }

        errors.Add(new ShapeError(
            DiagnosticIds.InvalidValue,
            new SourceRef(layer, argument),
            $"{what} must be positive, not {Text.Int(value)}"));
        return false;
    }

    private static string ParameterMismatchMessage(long expected, long actual, List<LayerPlan> layers)
    {
        var rows = layers.Where(l => l.Parameters > 0)
            .Select(l => $"{l.TensorPrefix} {Text.Grouped(l.Parameters)} ({l.ParameterFormula})");
        long difference = actual - expected;
        return $"The declared layers have {Text.Grouped(actual)} parameters, not the expected {Text.Grouped(expected)} ({(difference > 0 ? "+" : "−")}{Text.Grouped(Math.Abs(difference))}): "
            + string.Join(" + ", rows) + $" = {Text.Grouped(actual)}";
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
}
