using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Shapes;

/// <summary>
/// A shape error found by inference: the diagnostic ID, the argument it belongs on, the full message, and
/// the fixes a code fix can offer as "Argument=value" pairs separated by ';' (e.g. "Padding=1;Stride=3").
/// </summary>
internal sealed record ShapeError(string Id, SourceRef Source, string Message, string Fixes = "");

/// <summary>Either a checked plan or the errors that prevent one.</summary>
internal sealed record InferenceResult(NetworkPlan? Plan, EquatableArray<ShapeError> Errors);

/// <summary>
/// Shape inference: a pure function from the declared <see cref="NetworkSpec"/> to a
/// <see cref="NetworkPlan"/> (every shape, offset and parameter count) or a list of located errors.
/// It implements the seeds' formulas: output = (W − F + 2P)/S + 1 per axis, convolution parameters
/// F·F·C·K + K, dense in·out + out, pooling and activations 0. Blocks (BasicBlock, Inception) are
/// expanded here into primitive layers, because the expansion depends on the input's channels.
/// No Roslyn types are used here.
/// </summary>
internal static class ShapeInference
{
    public static InferenceResult Infer(NetworkSpec spec) => new Inference(spec).Run();

    /// <summary>Output size on one axis for the given rounding mode (Exact is only used when it fits, and then equals Floor).</summary>
    public static int OutputSize(int w, int window, int stride, int padding, RoundingMode mode)
    {
        long span = w - (long)window + (2L * padding);
        long size = mode != RoundingMode.Ceil ? (span / stride) + 1 : ((span + stride - 1) / stride) + 1;

        // As PyTorch: the last window must start inside the input or its left padding.
        if (mode == RoundingMode.Ceil && (size - 1) * stride >= (long)w + padding)
        {
            size--;
        }

        return (int)Math.Min(size, int.MaxValue);
    }

    /// <summary>"(7 − 3 + 2·0)/3 + 1 = 2.33", the seed's arithmetic.</summary>
    public static string Arithmetic(int w, int window, int stride, int padding)
    {
        double value = ((double)(w - (long)window + (2L * padding)) / stride) + 1;
        return $"({Text.Int(w)} − {Text.Int(window)} + 2·{Text.Int(padding)})/{Text.Int(stride)} + 1 = {Text.Number(value)}";
    }

    private const int MaxValues = Limits.MaxValues;

    /// <summary>How far from the declared padding or stride CNN0001 looks for values that fit.</summary>
    private const int MaxSuggestionSearch = 64;

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

    /// <summary>The state of one inference run.</summary>
    private sealed class Inference
    {
        private readonly NetworkSpec _spec;
        private readonly List<ShapeError> _errors = new();
        private readonly List<LayerPlan> _layers = new();
        private readonly List<TensorPlan> _tensors = new();
        private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
        private readonly Shape _input;
        private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, LayerSpec> _tensorOwners = new(StringComparer.Ordinal);
        private readonly Dictionary<int, bool> _isVector = new();
        private List<int>[]? _consumers;
        private long _parameters;
        private long _state;
        private int _previous = -1;

        public Inference(NetworkSpec spec)
        {
            _spec = spec;
            _input = new Shape(spec.Input.Channels, spec.Input.Height, spec.Input.Width);
        }

        public InferenceResult Run()
        {
            InputSpec input = _spec.Input;
            CheckPositive(SourceRef.InputAttribute, "height", "Input height", input.Height);
            CheckPositive(SourceRef.InputAttribute, "width", "Input width", input.Width);
            CheckPositive(SourceRef.InputAttribute, "channels", "Input channels", input.Channels);
            // decimal: three ints multiply to up to 9.9·10²⁷, past a long (which would wrap and pass the check).
            decimal inputSize = (decimal)input.Height * input.Width * input.Channels;
            if (input.Height > 0 && input.Width > 0 && input.Channels > 0 && inputSize > MaxValues)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(SourceRef.InputAttribute, null), $"The input of {Text.Int(input.Height)}×{Text.Int(input.Width)}×{Text.Int(input.Channels)} = {Text.Grouped(inputSize)} values is more than a buffer can hold ({Text.Grouped(MaxValues)})");
            }

            if (_spec.ExpectedParameters < 0)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(SourceRef.NetworkAttribute, "ExpectedParameters"), $"ExpectedParameters must be a positive parameter count (or left out), not {Text.Int(_spec.ExpectedParameters)}");
            }

            if (_spec.Layers.Count == 0)
            {
                Error(DiagnosticIds.NoLayers, new SourceRef(SourceRef.InputAttribute, null), "The network declares no layers after Input: add at least one, e.g. [Dense(10)]");
            }

            if (_errors.Count > 0)
            {
                return Failed();
            }

            _names[LayerSpec.InputName] = -1;
            LayerSpec? declaredBefore = null;
            foreach (LayerSpec layer in _spec.Layers)
            {
                if (declaredBefore is ActivationSpec { Kind: ActivationKind.Softmax })
                {
                    Error(DiagnosticIds.LayerCannotFollow, new SourceRef(layer.Position, null), $"{Capital(layer.Label)} cannot follow Softmax: Softmax turns the class scores into probabilities and must be the last layer");
                    break;
                }

                if (!Add(layer))
                {
                    break;
                }

                declaredBefore = layer;
            }

            if (_errors.Count > 0)
            {
                return Failed();
            }

            CheckTotalActivations();
            if (_errors.Count > 0)
            {
                return Failed();
            }

            AssignInitialisation();
            if (_spec.ExpectedParameters > 0 && _spec.ExpectedParameters != _parameters)
            {
                Error(DiagnosticIds.ParameterCountMismatch, new SourceRef(SourceRef.NetworkAttribute, "ExpectedParameters"), ParameterMismatchMessage(), "ExpectedParameters=" + Text.Int(_parameters));
                return Failed();
            }

            // Budgets only warn: the network is still generated.
            CheckBudgets();
            var plan = new NetworkPlan(_input, _layers.ToEquatableArray(), _tensors.ToEquatableArray(), (int)_parameters, (int)_state, _spec.Seed);
            return new InferenceResult(plan, _errors.ToEquatableArray());
        }

        private InferenceResult Failed() => new(null, _errors.ToEquatableArray());

        private void Error(string id, SourceRef source, string message, string fixes = "") => _errors.Add(new ShapeError(id, source, message, fixes));

        /// <summary>Infers one declared layer (expanding blocks); false stops inference because later shapes are unknown.</summary>
        private bool Add(LayerSpec layer)
        {
            if (layer is BasicBlockSpec or InceptionSpec)
            {
                if (layer.Tensor is { } prefix && TensorNameProblem(prefix) is { } problem)
                {
                    // Reported here once; the block's layers are numbered per kind instead, and inference goes on.
                    Error(DiagnosticIds.InvalidTensorName, new SourceRef(layer.Position, "TensorPrefix"), $"{Capital(layer.Label)}: {problem}");
                    layer = layer with { Tensor = null };
                }

                int? blockInput = ResolveInput(layer);
                if (blockInput is null)
                {
                    return false;
                }

                Shape shape = ShapeOf(blockInput.Value);
                if (!RequireImage(layer, blockInput.Value))
                {
                    return false;
                }

                foreach (LayerSpec part in Blocks.Expand(layer, InputName(blockInput.Value), shape.Channels))
                {
                    if (!Add(part))
                    {
                        return false;
                    }
                }

                return true;
            }

            // Names starting with '#' are reserved for the wiring inside blocks (which carry an Origin).
            if (layer.Name is { } name && (_names.ContainsKey(name) || (layer.Origin is null && name.StartsWith("#", StringComparison.Ordinal))))
            {
                Error(DiagnosticIds.DuplicateLayerName, new SourceRef(layer.Position, "Name"), name.StartsWith("#", StringComparison.Ordinal)
                    ? $"{Capital(layer.Label)}: layer names may not start with '#'"
                    : $"{Capital(layer.Label)}: the name \"{name}\" is already used by {DescribeName(name)}; names must be unique");
                return false;
            }

            List<int>? inputs = Inputs(layer);
            if (inputs is null)
            {
                return false;
            }

            Shape inShape = ShapeOf(inputs[0]);
            int errorsBefore = _errors.Count;
            LayerPlan? plan = layer switch
            {
                ConvSpec conv => RequireImage(conv, inputs[0]) ? Conv(conv, inShape) : null,
                PoolSpec pool => RequireImage(pool, inputs[0]) ? Pool(pool, inShape) : null,
                GlobalPoolSpec global => RequireImage(global, inputs[0]) ? Plain(global, inShape, new Shape(inShape.Channels, 1, 1)) : null,
                DenseSpec dense => Dense(dense, inShape),
                FlattenSpec flatten => Plain(flatten, inShape, new Shape(inShape.Size, 1, 1)),
                ActivationSpec activation => Activation(activation, inShape),
                DropoutSpec dropout => Dropout(dropout, inShape),
                BatchNormSpec norm => BatchNorm(norm, inShape),
                AddSpec add => Sum(add, inputs),
                ConcatSpec concat => Concat(concat, inputs),
                _ => throw new InvalidOperationException("Unknown layer spec " + layer.GetType().Name),
            };

            // A stride that does not fit (CNN0001) still yields a (floored) shape, so later layers are
            // checked too; any other error leaves the shapes after it unknown.
            if (plan is null || _errors.Skip(errorsBefore).Any(e => e.Id != DiagnosticIds.StrideDoesNotFit))
            {
                return false;
            }

            plan = WithReceptiveField(plan with { Inputs = inputs.ToEquatableArray() });
            plan = AssignTensors(plan);
            if (plan is null)
            {
                return false;
            }

            decimal outputSize = (decimal)plan.Out.Channels * plan.Out.Height * plan.Out.Width;
            if (outputSize > MaxValues)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(layer.Position, null), $"{Capital(layer.Label)} produces an output of {Text.Grouped(outputSize)} values, more than a buffer can hold");
                return false;
            }

            _layers.Add(plan);
            _previous = _layers.Count - 1;
            if (layer.Name is not null)
            {
                _names[layer.Name] = _previous;
            }

            return true;
        }

        /// <summary>
        /// CNN0015: one image's activations, summed over the input and every layer's output, must not exceed
        /// <see cref="Limits.MaxValues"/>. Every workspace the emitter lays out is bounded by that sum (the inference arena
        /// by it, the training tape by twice it, the batch-major work buffer by three times one layer's), so none of the
        /// int lengths and offsets written into the generated code can overflow.
        /// </summary>
        private void CheckTotalActivations()
        {
            long total = _input.Size;
            foreach (LayerPlan layer in _layers)
            {
                total += layer.Out.Size;
            }

            if (total > MaxValues)
            {
                var top = _layers.OrderByDescending(l => l.Out.Size).Take(3).Select(l => $"{l.Spec.Label} {Text.Grouped(l.Out.Size)}");
                Error(DiagnosticIds.NetworkTooLarge, new SourceRef(SourceRef.InputAttribute, null),
                    $"One image's activations add up to {Text.Grouped(total)} floats (the input's {Text.Grouped(_input.Size)} and the outputs of {Text.Int(_layers.Count)} layers; the largest: {string.Join(", ", top)}), more than the {Text.Grouped(MaxValues)} that CnnGen's int-indexed buffers allow (training keeps them all): use a smaller input or fewer, smaller layers");
            }
        }

        private static int Saturated(long value) => (int)Math.Min(value, int.MaxValue);

        /// <summary>Receptive field and jump of a layer's output, from the widest of its inputs (seed 000's 2N + 1, generalised).</summary>
        private LayerPlan WithReceptiveField(LayerPlan plan)
        {
            int rfH = 1, rfW = 1, jumpH = 1, jumpW = 1;
            foreach (int input in plan.Inputs)
            {
                if (input >= 0)
                {
                    LayerPlan from = _layers[input];
                    rfH = Math.Max(rfH, from.ReceptiveHeight);
                    rfW = Math.Max(rfW, from.ReceptiveWidth);
                    jumpH = Math.Max(jumpH, from.JumpHeight);
                    jumpW = Math.Max(jumpW, from.JumpWidth);
                }
            }

            if (plan.Spec is DenseSpec or GlobalPoolSpec or FlattenSpec)
            {
                return plan with { ReceptiveHeight = _input.Height, ReceptiveWidth = _input.Width, JumpHeight = jumpH, JumpWidth = jumpW };
            }

            if (plan.Window is { } w)
            {
                return plan with
                {
                    // 64-bit and saturated: a long chain of strides would wrap an int (and make CNN0103 fire wrongly).
                    ReceptiveHeight = Saturated(rfH + ((w.KernelHeight - 1L) * jumpH)),
                    ReceptiveWidth = Saturated(rfW + ((w.KernelWidth - 1L) * jumpW)),
                    JumpHeight = Saturated((long)jumpH * w.StrideHeight),
                    JumpWidth = Saturated((long)jumpW * w.StrideWidth),
                };
            }

            return plan with { ReceptiveHeight = rfH, ReceptiveWidth = rfW, JumpHeight = jumpH, JumpWidth = jumpW };
        }

        /// <summary>Budget warnings: parameters, multiply-adds, receptive field of the last spatial layer.</summary>
        private void CheckBudgets()
        {
            long macs = _layers.Sum(l => l.MultiplyAdds);
            if (_spec.MaxParameters > 0 && _parameters > _spec.MaxParameters)
            {
                var top = _layers.Where(l => l.Parameters > 0).OrderByDescending(l => l.Parameters).Take(3)
                    .Select(l => $"{l.TensorPrefix} {Text.Grouped(l.Parameters)} ({l.Spec.Label})");
                Error(DiagnosticIds.ParameterBudget, new SourceRef(SourceRef.NetworkAttribute, "MaxParameters"),
                    $"The network has {Text.Grouped(_parameters)} parameters, {Text.Grouped(_parameters - _spec.MaxParameters)} over the budget of {Text.Grouped(_spec.MaxParameters)}; the largest layers: {string.Join(", ", top)}");
            }

            if (_spec.MaxMultiplyAdds > 0 && macs > _spec.MaxMultiplyAdds)
            {
                var top = _layers.Where(l => l.MultiplyAdds > 0).OrderByDescending(l => l.MultiplyAdds).Take(3)
                    .Select(l => $"{l.Spec.Label} {Text.Grouped(l.MultiplyAdds)}");
                Error(DiagnosticIds.MultiplyAddBudget, new SourceRef(SourceRef.NetworkAttribute, "MaxMultiplyAdds"),
                    $"One forward pass costs {Text.Grouped(macs)} multiply-adds per image, {Text.Grouped(macs - _spec.MaxMultiplyAdds)} over the budget of {Text.Grouped(_spec.MaxMultiplyAdds)}; the costliest layers: {string.Join(", ", top)}");
            }

            LayerPlan? lastSpatial = _layers.LastOrDefault(l => l.Window is not null);
            if (_spec.MinReceptiveField > 0 && lastSpatial is not null
                && Math.Min(lastSpatial.ReceptiveHeight, lastSpatial.ReceptiveWidth) < _spec.MinReceptiveField)
            {
                var steps = _layers.Where(l => l.Window is not null && _layers.IndexOf(l) <= _layers.IndexOf(lastSpatial))
                    .Select(l => $"+ ({Text.Int(l.Window!.KernelHeight)} − 1)·{Text.Int(l.JumpHeight / l.Window.StrideHeight)}");
                Error(DiagnosticIds.ReceptiveFieldBudget, new SourceRef(SourceRef.NetworkAttribute, "MinReceptiveField"),
                    $"The last spatial layer ({lastSpatial.Spec.Label}) sees {Text.Int(lastSpatial.ReceptiveHeight)}×{Text.Int(lastSpatial.ReceptiveWidth)} input pixels (1 {string.Join(" ", steps)} = {Text.Int(lastSpatial.ReceptiveHeight)}), less than the required {Text.Int(_spec.MinReceptiveField)} of the {_input.Spatial} input: add layers, larger kernels or strides before it");
            }
        }

        /// <summary>The layers a layer reads: From (or the previous layer), then Add's names; Concat reads only its names.</summary>
        private List<int>? Inputs(LayerSpec layer)
        {
            var inputs = new List<int>();
            if (layer is not ConcatSpec)
            {
                int? first = ResolveInput(layer);
                if (first is null)
                {
                    return null;
                }

                inputs.Add(first.Value);
            }

            EquatableArray<string> names = layer switch
            {
                AddSpec add => add.Inputs,
                ConcatSpec concat => concat.Inputs,
                _ => EquatableArray<string>.Empty,
            };
            if (layer is AddSpec or ConcatSpec && names.Count == 0)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(layer.Position, null), $"{Capital(layer.Label)} names no layers: give the names of the outputs to {(layer is AddSpec ? "add" : "join")}, e.g. [{(layer is AddSpec ? "Add(\"shortcut\")" : "Concat(\"a\", \"b\")")}]");
                return null;
            }

            for (int k = 0; k < names.Count; k++)
            {
                if (!_names.TryGetValue(names[k], out int index))
                {
                    Error(DiagnosticIds.UnknownLayerName, new SourceRef(layer.Position, $"layers[{k}]"), UnknownName(layer, names[k]));
                    return null;
                }

                inputs.Add(index);
            }

            return inputs;
        }

        private int? ResolveInput(LayerSpec layer)
        {
            if (layer.From is null)
            {
                return _previous;
            }

            if (_names.TryGetValue(layer.From, out int index))
            {
                return index;
            }

            Error(DiagnosticIds.UnknownLayerName, new SourceRef(layer.Position, "From"), UnknownName(layer, layer.From));
            return null;
        }

        private string UnknownName(LayerSpec layer, string name)
        {
            var known = _names.Keys.Where(n => !n.StartsWith("#", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal).Select(n => "\"" + n + "\"");
            return $"{Capital(layer.Label)}: no layer named \"{name}\" is declared before it; names available here: {string.Join(", ", known)}";
        }

        private string DescribeName(string name)
        {
            int index = _names[name];
            return index < 0 ? "the network input" : _layers[index].Spec.Label;
        }

        /// <summary>The name a block uses for its input, naming the previous layer if it has no name yet.</summary>
        private string InputName(int index)
        {
            if (index < 0)
            {
                return LayerSpec.InputName;
            }

            foreach (KeyValuePair<string, int> pair in _names)
            {
                if (pair.Value == index)
                {
                    return pair.Key;
                }
            }

            string hidden = "#" + Text.Int(index);
            _names[hidden] = index;
            return hidden;
        }

        /// <summary>
        /// Why a declared tensor name cannot be a state_dict key prefix, or null when it can: PyTorch joins module names
        /// with '.', so each part must be non-empty; CnnGen also keeps to letters, digits, '_' and '-', which every
        /// exporter and the generated comments can carry unchanged.
        /// </summary>
        public static string? TensorNameProblem(string name)
        {
            const string Rule = "a tensor name is module names joined by '.', each of ASCII letters, digits, '_' or '-', as in \"layer1.0.conv1\"";
            if (name.Length == 0)
            {
                return "the tensor name is empty: " + Rule + ", or leave it out to number the layer per kind";
            }

            foreach (string part in name.Split('.'))
            {
                if (part.Length == 0)
                {
                    return $"the tensor name \"{name}\" has an empty part (a leading, trailing or doubled '.'): {Rule}";
                }
            }

            foreach (char c in name)
            {
                if (!(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.'))
                {
                    string shown = char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) ? $"U+{(int)c:X4}" : "'" + c + "'";
                    return $"the tensor name \"{name}\" contains {shown}: {Rule}";
                }
            }

            return null;
        }

        private Shape ShapeOf(int index) => index < 0 ? _input : _layers[index].Out;

        private LayerPlan? AssignTensors(LayerPlan plan)
        {
            string? kind = plan.Spec switch
            {
                ConvSpec => "conv",
                DenseSpec => "fc",
                BatchNormSpec => "bn",
                _ => null,
            };
            if (kind is null)
            {
                return plan;
            }

            _counters.TryGetValue(kind, out int count);
            _counters[kind] = ++count;
            string prefix = plan.Spec.Tensor ?? kind + Text.Int(count);

            // A bad or clashing name (CNN0016, CNN0017) leaves the shapes known: inference goes on, so every such
            // argument is reported at once, and the network fails at the end.
            if (plan.Spec.Tensor is { } declared && TensorNameProblem(declared) is { } problem)
            {
                Error(DiagnosticIds.InvalidTensorName, new SourceRef(plan.Position, plan.Spec.TensorArgument), $"{Capital(plan.Spec.Label)}: {problem}");
                prefix = kind + Text.Int(count);
            }

            int offset = (int)_parameters;
            int tensorsBefore = _tensors.Count;
            plan = plan with { TensorPrefix = prefix, ParameterOffset = offset };
            switch (plan.Spec)
            {
                case ConvSpec c:
                    _tensors.Add(new TensorPlan(prefix + ".weight", offset, new[] { c.Filters, plan.In.Channels, c.KernelHeight, c.KernelWidth }.ToEquatableArray()));
                    if (c.Bias)
                    {
                        _tensors.Add(new TensorPlan(prefix + ".bias", offset + plan.WeightCount, new[] { c.Filters }.ToEquatableArray()));
                    }

                    break;
                case DenseSpec:
                    _tensors.Add(new TensorPlan(prefix + ".weight", offset, new[] { plan.Out.Size, plan.In.Size }.ToEquatableArray()));
                    _tensors.Add(new TensorPlan(prefix + ".bias", offset + plan.WeightCount, new[] { plan.BiasCount }.ToEquatableArray()));
                    break;
                case BatchNormSpec:
                    int channels = plan.In.Channels;
                    int state = (int)_state;
                    _tensors.Add(new TensorPlan(prefix + ".weight", offset, new[] { channels }.ToEquatableArray()));
                    _tensors.Add(new TensorPlan(prefix + ".bias", offset + channels, new[] { channels }.ToEquatableArray()));
                    _tensors.Add(new TensorPlan(prefix + ".running_mean", state, new[] { channels }.ToEquatableArray(), IsState: true));
                    _tensors.Add(new TensorPlan(prefix + ".running_var", state + channels, new[] { channels }.ToEquatableArray(), IsState: true));
                    plan = plan with { StateOffset = state, StateCount = 2 * channels };
                    _state += 2 * channels;
                    break;
            }

            for (int t = tensorsBefore; t < _tensors.Count; t++)
            {
                string tensor = _tensors[t].Name;
                if (_tensorOwners.TryGetValue(tensor, out LayerSpec? owner))
                {
                    // Located on the Tensor/TensorPrefix argument that made the clash: this layer's, or the earlier one's.
                    // A block's layers share its TensorPrefix: one report per argument.
                    LayerSpec at = plan.Spec.Tensor is not null || owner.Tensor is null ? plan.Spec : owner;
                    var source = new SourceRef(at.Position, at.Tensor is null ? null : at.TensorArgument);
                    if (_errors.Any(e => e.Id == DiagnosticIds.DuplicateTensorName && e.Source == source))
                    {
                        break;
                    }

                    Error(
                        DiagnosticIds.DuplicateTensorName,
                        source,
                        $"{Capital(plan.Spec.Label)}: the tensor name \"{tensor}\" is already used by {owner.Label}; every tensor of a network needs its own name");
                    break;
                }

                _tensorOwners[tensor] = plan.Spec;
            }

            _parameters += plan.Parameters;
            if (_parameters > int.MaxValue)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(plan.Position, null), $"{Capital(plan.Spec.Label)} brings the parameter count to {Text.Grouped(_parameters)}, more than one buffer can hold ({Text.Grouped(int.MaxValue)})");
                return null;
            }

            return plan;
        }

        /// <summary>He initialisation for weights whose output reaches a ReLU (directly or through BatchNorm), Glorot otherwise.</summary>
        private void AssignInitialisation()
        {
            for (int i = 0; i < _layers.Count; i++)
            {
                LayerPlan layer = _layers[i];
                if (layer.Spec is BatchNormSpec)
                {
                    _layers[i] = layer with { Init = InitKind.BatchNorm };
                    continue;
                }

                if (layer.WeightCount == 0)
                {
                    continue;
                }

                bool feedsRelu = FeedsRelu(i, depth: 0);
                _layers[i] = layer with { Init = feedsRelu ? InitKind.He : InitKind.Glorot };
            }
        }

        private bool FeedsRelu(int index, int depth)
        {
            // The readers of each layer, built once: scanning every later layer per layer was quadratic in the layers.
            if (_consumers is null)
            {
                _consumers = new List<int>[_layers.Count];
                for (int j = 0; j < _layers.Count; j++)
                {
                    foreach (int input in _layers[j].Inputs.Distinct())
                    {
                        if (input >= 0)
                        {
                            (_consumers[input] ??= new List<int>()).Add(j);
                        }
                    }
                }
            }

            foreach (int j in _consumers[index] ?? (IEnumerable<int>)Array.Empty<int>())
            {
                LayerPlan consumer = _layers[j];

                if (consumer.Spec is ActivationSpec { Kind: ActivationKind.ReLU or ActivationKind.LeakyReLU })
                {
                    return true;
                }

                if (consumer.Spec is BatchNormSpec && depth == 0 && FeedsRelu(j, depth + 1))
                {
                    return true;
                }
            }

            return false;
        }

        private LayerPlan? Conv(ConvSpec conv, Shape input)
        {
            // Equal values on both axes (one written argument) are checked once, so one mistake is one diagnostic.
            bool squareKernel = conv.KernelHeight == conv.KernelWidth;
            string kernelArg = squareKernel ? "kernel|kernelHeight" : "kernelHeight";
            bool ok = CheckPositive(conv.Position, "filters", Capital(conv.Label) + ": the number of filters", conv.Filters)
                & CheckPositive(conv.Position, kernelArg, Capital(conv.Label) + (squareKernel ? ": the kernel size" : ": the kernel height"), conv.KernelHeight)
                & (squareKernel || CheckPositive(conv.Position, "kernelWidth|kernel", Capital(conv.Label) + ": the kernel width", conv.KernelWidth))
                & CheckPositive(conv.Position, "StrideHeight|Stride", Capital(conv.Label) + ": the stride", conv.StrideHeight)
                & (conv.StrideHeight == conv.StrideWidth || CheckPositive(conv.Position, "StrideWidth|Stride", Capital(conv.Label) + ": the stride", conv.StrideWidth));
            if (!ok)
            {
                return null;
            }

            int? padH = ConvPadding(conv, conv.PaddingHeight, conv.KernelHeight, "PaddingHeight|Padding");
            int? padW = squareKernel && conv.PaddingHeight == conv.PaddingWidth
                ? padH
                : ConvPadding(conv, conv.PaddingWidth, conv.KernelWidth, "PaddingWidth|Padding");
            if (padH is null || padW is null)
            {
                return null;
            }

            var window = new Window(conv.KernelHeight, conv.KernelWidth, conv.StrideHeight, conv.StrideWidth, padH.Value, padW.Value);
            if (conv.Algorithm == ConvAlgorithmKind.Winograd && !ConvAlgorithms.CanUseWinograd(window))
            {
                Error(DiagnosticIds.WinogradNotApplicable, new SourceRef(conv.Position, "Algorithm"), $"{Capital(conv.Label)}: {ConvAlgorithms.WhyNotWinograd(window)}; use ConvAlgorithm.Auto or ConvAlgorithm.Direct");
                return null;
            }

            Shape? spatial = Slide(conv, "kernel|kernelHeight", "StrideHeight|Stride", input, window, Mode(conv.Rounding), isPool: false);
            if (spatial is null)
            {
                return null;
            }

            var output = new Shape(conv.Filters, spatial.Height, spatial.Width);
            long fanIn = (long)input.Channels * conv.KernelHeight * conv.KernelWidth;
            long weights = fanIn * conv.Filters;
            if (weights > int.MaxValue)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(conv.Position, null), $"{Capital(conv.Label)} has {Text.Grouped(weights)} weights, more than one buffer can hold");
                return null;
            }

            return new LayerPlan(conv, default, input, output, window, (int)weights, conv.Bias ? conv.Filters : 0, (long)output.Channels * output.Height * output.Width * fanIn)
            {
                FanIn = (int)fanIn,
                FanOut = conv.Filters * conv.KernelHeight * conv.KernelWidth,
            };
        }

        private int? ConvPadding(ConvSpec conv, int padding, int kernel, string argument)
        {
            if (padding == ConvSpec.SamePadding)
            {
                if (kernel % 2 == 0)
                {
                    Error(DiagnosticIds.InvalidValue, new SourceRef(conv.Position, argument), $"{Capital(conv.Label)}: Padding.Same pads (F − 1)/2 on every side, which needs an odd kernel; {Text.Int(kernel)} is even. Use kernel {Text.Int(kernel - 1)} or {Text.Int(kernel + 1)}, or an explicit padding");
                    return null;
                }

                return (kernel - 1) / 2;
            }

            if (padding < 0)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(conv.Position, argument), $"{Capital(conv.Label)}: padding must be 0 or more, or Padding.Same, not {Text.Int(padding)}");
                return null;
            }

            if (padding >= kernel)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(conv.Position, argument), $"{Capital(conv.Label)}: padding {Text.Int(padding)} is not smaller than the kernel {Text.Int(kernel)}, so some outputs would see only zeros; use at most {Text.Int(kernel - 1)}");
                return null;
            }

            return padding;
        }

        private LayerPlan? Pool(PoolSpec pool, Shape input)
        {
            bool ok = CheckPositive(pool.Position, "size", Capital(pool.Label) + ": the pooling window", pool.Size);
            if (pool.Stride < 0)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(pool.Position, "Stride"), $"{Capital(pool.Label)}: the stride must be positive (or left out to equal the window), not {Text.Int(pool.Stride)}");
                ok = false;
            }

            if (!ok)
            {
                return null;
            }

            if (pool.Padding < 0 || pool.Padding > pool.Size / 2)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(pool.Position, "Padding"), $"{Capital(pool.Label)}: pooling padding must be between 0 and half the window ({Text.Int(pool.Size / 2)}), not {Text.Int(pool.Padding)}");
                return null;
            }

            string strideArgument = pool.Stride == 0 ? "size" : "Stride";
            var window = new Window(pool.Size, pool.Size, pool.EffectiveStride, pool.EffectiveStride, pool.Padding, pool.Padding);
            Shape? spatial = Slide(pool, "size", strideArgument, input, window, Mode(pool.Rounding), isPool: true);
            if (spatial is null)
            {
                return null;
            }

            return new LayerPlan(pool, default, input, new Shape(input.Channels, spatial.Height, spatial.Width), window, 0, 0, 0);
        }

        private LayerPlan? Dense(DenseSpec dense, Shape input)
        {
            if (!CheckPositive(dense.Position, "units", Capital(dense.Label) + ": the number of units", dense.Units))
            {
                return null;
            }

            long weights = (long)input.Size * dense.Units;
            if (weights > int.MaxValue)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(dense.Position, "units"), $"{Capital(dense.Label)} has {Text.Int(input.Size)}·{Text.Int(dense.Units)} = {Text.Grouped(weights)} weights, more than one buffer can hold");
                return null;
            }

            return new LayerPlan(dense, default, input, new Shape(dense.Units, 1, 1), null, (int)weights, dense.Units, weights)
            {
                FanIn = input.Size,
                FanOut = dense.Units,
            };
        }

        private LayerPlan? Activation(ActivationSpec activation, Shape input)
        {
            if (activation.Kind == ActivationKind.Softmax && !input.IsVector)
            {
                Error(DiagnosticIds.LayerCannotFollow, new SourceRef(activation.Position, null), $"{Capital(activation.Label)} needs a vector of class scores, but its input is {input.Text}: put a Dense layer (e.g. [Dense(10)]) before it");
                return null;
            }

            if (double.IsNaN(activation.Parameter) || double.IsInfinity(activation.Parameter)
                || (activation.Kind == ActivationKind.ELU && activation.Parameter <= 0))
            {
                string argument = activation.Kind == ActivationKind.ELU ? "alpha" : "slope";
                Error(DiagnosticIds.InvalidValue, new SourceRef(activation.Position, argument), $"{Capital(activation.Label)}: {argument} must be a finite{(activation.Kind == ActivationKind.ELU ? " positive" : string.Empty)} number");
                return null;
            }

            if (activation.Kind is ActivationKind.ELU or ActivationKind.LeakyReLU
                && !FitsFloat(activation, activation.Kind == ActivationKind.ELU ? "alpha" : "slope", activation.Parameter, positive: activation.Kind == ActivationKind.ELU))
            {
                return null;
            }

            return Plain(activation, input, input);
        }

        private LayerPlan? Dropout(DropoutSpec dropout, Shape input)
        {
            if (!(dropout.Rate >= 0 && dropout.Rate < 1))
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(dropout.Position, "rate"), $"{Capital(dropout.Label)}: the rate is the probability of dropping a value and must be at least 0 and below 1, not {Text.Number(dropout.Rate, "0.######")}");
                return null;
            }

            return Plain(dropout, input, input);
        }

        private LayerPlan? BatchNorm(BatchNormSpec norm, Shape input)
        {
            if (!(norm.Epsilon > 0) || !(norm.Momentum > 0 && norm.Momentum <= 1))
            {
                bool epsilon = !(norm.Epsilon > 0);
                Error(DiagnosticIds.InvalidValue, new SourceRef(norm.Position, epsilon ? "Epsilon" : "Momentum"), epsilon
                    ? $"{Capital(norm.Label)}: Epsilon must be positive, not {Text.Number(norm.Epsilon, "0.######")}"
                    : $"{Capital(norm.Label)}: Momentum must be above 0 and at most 1, not {Text.Number(norm.Momentum, "0.######")}");
                return null;
            }

            if (!FitsFloat(norm, "Epsilon", norm.Epsilon, positive: true))
            {
                return null;
            }

            return new LayerPlan(norm, default, input, input, null, input.Channels, input.Channels, (long)input.Size);
        }

        /// <summary>
        /// CNN0007 when a double argument that the generated code uses as a float constant is not a float: beyond float
        /// range (1e300 would be written as an infinite literal, CS0594) or, for a value that must be positive, so small
        /// that it rounds to 0.
        /// </summary>
        private bool FitsFloat(LayerSpec layer, string argument, double value, bool positive)
        {
            float single = (float)value;
            if (!float.IsInfinity(single) && (!positive || single > 0))
            {
                return true;
            }

            Error(DiagnosticIds.InvalidValue, new SourceRef(layer.Position, argument),
                $"{Capital(layer.Label)}: {argument} = {value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} is {(float.IsInfinity(single) ? "beyond" : "below")} the range of the float the network computes in ({(float.IsInfinity(single) ? "largest ±3.40282E+38" : "smallest positive 1.4E-45")})");
            return false;
        }

        private LayerPlan? Sum(AddSpec add, List<int> inputs)
        {
            Shape first = ShapeOf(inputs[0]);
            for (int k = 1; k < inputs.Count; k++)
            {
                Shape other = ShapeOf(inputs[k]);
                if (other != first)
                {
                    Error(DiagnosticIds.BranchShapeMismatch, new SourceRef(add.Position, $"layers[{k - 1}]"),
                        $"{Capital(add.Label)}: cannot add outputs of different shapes: \"{add.Inputs[k - 1]}\" ({Describe(inputs[k])}) is {other.Text}, but {(add.From is null ? "the layer before" : "\"" + add.From + "\"")} ({Describe(inputs[0])}) is {first.Text}. Add needs equal shapes: give the shortcut a 1×1 convolution with the right filters and stride");
                    return null;
                }
            }

            return new LayerPlan(add, default, first, first, null, 0, 0, 0);
        }

        private LayerPlan? Concat(ConcatSpec concat, List<int> inputs)
        {
            Shape first = ShapeOf(inputs[0]);
            long channels = first.Channels;
            for (int k = 1; k < inputs.Count; k++)
            {
                Shape other = ShapeOf(inputs[k]);
                if (other.Height != first.Height || other.Width != first.Width)
                {
                    Error(DiagnosticIds.BranchShapeMismatch, new SourceRef(concat.Position, $"layers[{k}]"),
                        $"{Capital(concat.Label)}: cannot join outputs of different sizes: \"{concat.Inputs[k]}\" ({Describe(inputs[k])}) is {other.Text}, but \"{concat.Inputs[0]}\" ({Describe(inputs[0])}) is {first.Text}. Concat joins channels and needs equal heights and widths");
                    return null;
                }

                channels += other.Channels;
            }

            // 64-bit: joining many wide branches could wrap an int (to a negative or zero channel count).
            if (channels * first.Height * first.Width > MaxValues)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(concat.Position, null), $"{Capital(concat.Label)} joins {Text.Grouped(channels)} channels of {Text.Int(first.Height)}×{Text.Int(first.Width)}, {Text.Grouped(channels * first.Height * first.Width)} values, more than a buffer can hold ({Text.Grouped(MaxValues)})");
                return null;
            }

            return new LayerPlan(concat, default, first, new Shape((int)channels, first.Height, first.Width), null, 0, 0, 0);
        }

        private string Describe(int index) => index < 0 ? "the network input" : _layers[index].Spec.Label;

        private static LayerPlan Plain(LayerSpec layer, Shape input, Shape output) => new(layer, default, input, output, null, 0, 0, 0);

        /// <summary>
        /// Whether a layer's output is a vector: made by Dense, Flatten or global pooling, or passed on from one
        /// by a shape-keeping layer. A 1×1 image (a 1×1 input, or a convolution down to 1×1) is still an image.
        /// </summary>
        private bool IsVector(int index)
        {
            // Memoised per layer (a layer's answer never changes once it is added): walking back to the input on every
            // call was quadratic in a long chain of shape-keeping layers.
            if (index < 0)
            {
                return false;
            }

            if (_isVector.TryGetValue(index, out bool known))
            {
                return known;
            }

            bool result = _layers[index].Spec switch
            {
                DenseSpec or FlattenSpec or GlobalPoolSpec => true,
                ConvSpec or PoolSpec => false,
                _ => _layers[index].Inputs.Count > 0 && IsVectorIterative(_layers[index].Inputs[0]),
            };
            _isVector[index] = result;
            return result;
        }

        // The same walk without recursion (a chain of thousands of element-wise layers), stopping at a memoised layer.
        private bool IsVectorIterative(int start)
        {
            var path = new List<int>();
            bool result = false;
            for (int i = start; i >= 0; i = _layers[i].Inputs.Count > 0 ? _layers[i].Inputs[0] : -1)
            {
                if (_isVector.TryGetValue(i, out bool known))
                {
                    result = known;
                    break;
                }

                path.Add(i);
                if (_layers[i].Spec is DenseSpec or FlattenSpec or GlobalPoolSpec)
                {
                    result = true;
                    break;
                }

                if (_layers[i].Spec is ConvSpec or PoolSpec)
                {
                    break;
                }
            }

            foreach (int i in path)
            {
                _isVector[i] = result;
            }

            return result;
        }

        private bool RequireImage(LayerSpec layer, int inputIndex)
        {
            if (!IsVector(inputIndex))
            {
                return true;
            }

            Shape input = ShapeOf(inputIndex);

            // After Dense, Flatten or global pooling the values are a vector with no spatial layout left.
            Error(DiagnosticIds.LayerCannotFollow, new SourceRef(layer.Position, null), $"{Capital(layer.Label)} needs an image (height × width × channels), but its input is a vector of {Text.Int(input.Channels)} values (made by a Dense, Flatten or global pooling before it); put convolutions and pooling before the first Dense");
            return false;
        }

        /// <summary>
        /// Output size of a sliding window on both axes, following (W − F + 2P)/S + 1, with CNN0002 for a
        /// window larger than its padded input and CNN0001 for a stride that does not fit in Exact mode.
        /// </summary>
        private Shape? Slide(LayerSpec layer, string windowArgument, string strideArgument, Shape input, Window window, RoundingMode mode, bool isPool)
        {
            string what = isPool ? "pooling window" : "kernel";
            Axis[] axes =
            {
                new("height", input.Height, window.KernelHeight, window.StrideHeight, window.PaddingHeight),
                new("width", input.Width, window.KernelWidth, window.StrideWidth, window.PaddingWidth),
            };
            bool same = axes[0].SameAs(axes[1]);
            foreach (Axis axis in same ? axes.Take(1) : axes)
            {
                if (axis.Window > axis.Size + (2L * axis.Padding))
                {
                    string padded = axis.Padding == 0 ? Text.Int(axis.Size) : $"{Text.Int(axis.Size)} + 2·{Text.Int(axis.Padding)} = {Text.Int(axis.Size + (2L * axis.Padding))}";
                    string where = same ? string.Empty : $" ({axis.Name})";
                    string fix = isPool ? $"use a window of at most {Text.Int(axis.Size + (2L * axis.Padding))}" : SmallerKernelOrPadding(axis);
                    int neededPadding = (axis.Window - axis.Size + 1) / 2;
                    string fixes = isPool
                        ? "size=" + Text.Int(axis.Size + (2 * axis.Padding))
                        : (neededPadding < axis.Window ? (same ? "Padding=" : "Padding" + AxisSuffix(axis) + "=") + Text.Int(neededPadding) + ";" : string.Empty)
                            + (same ? "kernel=" : "kernel" + AxisSuffix(axis) + "=") + Text.Int(axis.Size + (2 * axis.Padding));
                    Error(DiagnosticIds.WindowLargerThanInput, new SourceRef(layer.Position, windowArgument),
                        $"{Capital(layer.Label)}: the {window.KernelText} {what} is larger than its padded input{where}: {padded} < {Text.Int(axis.Window)}; {fix}", fixes);
                    return null;
                }
            }

            int outH = OutputSize(input.Height, window.KernelHeight, window.StrideHeight, window.PaddingHeight, mode);
            int outW = OutputSize(input.Width, window.KernelWidth, window.StrideWidth, window.PaddingWidth, mode);
            if ((long)outH * outW > MaxValues)
            {
                Error(DiagnosticIds.InvalidValue, new SourceRef(layer.Position, null), $"{Capital(layer.Label)} produces an output of {Text.Grouped(outH)}×{Text.Grouped(outW)} per channel, more than a buffer can hold");
                return null;
            }
            var misfits = axes.Where(a => !a.Fits(a.Stride, a.Padding)).ToList();
            if (mode == RoundingMode.Exact && misfits.Count > 0)
            {
                (string message, string fixes) = StrideMessage(layer, input, axes, misfits, isPool, same);
                Error(DiagnosticIds.StrideDoesNotFit, new SourceRef(layer.Position, strideArgument), message, fixes);
            }

            return new Shape(input.Channels, outH, outW);
        }

        private static (string Message, string Fixes) StrideMessage(LayerSpec layer, Shape input, Axis[] axes, List<Axis> misfits, bool isPool, bool same)
        {
            var text = new System.Text.StringBuilder();
            string what = isPool ? "pooling" : "convolution";
            int stride = misfits[0].Stride;
            text.Append(Capital(layer.Label)).Append(": stride ").Append(Text.Int(stride))
                .Append(" does not fit the ").Append(input.Text).Append(" input: ")
                .Append(string.Join(" and ", (same ? misfits.Take(1) : misfits).Select(a => Arithmetic(a.Size, a.Window, a.Stride, a.Padding) + (same || input.Height == input.Width && misfits.Count == 2 ? string.Empty : $" ({a.Name})"))))
                .Append(", not a whole number of ").Append(what).Append(" steps.");

            // Fixes: paddings that fit (below the kernel / at most half a pooling window), strides that
            // fit, or the explicit opt-in to floor or ceil rounding. A pool's padding and stride apply to
            // both axes, and so does a convolution's when the axes are alike or both misfit; otherwise
            // only the misfit axis changes (PaddingWidth, StrideHeight, …).
            Axis axis = misfits[0];
            List<Axis> changed = isPool || same || misfits.Count == 2 ? axes.ToList() : misfits;
            string suffix = changed.Count == 2 ? string.Empty : AxisSuffix(changed[0]);
            int minPadding = Math.Max(0, axis.Padding - MaxSuggestionSearch);
            int maxPadding = (int)Math.Min(isPool ? axis.Window / 2 : axis.Window - 1L, (long)axis.Padding + MaxSuggestionSearch);
            var paddings = Enumerable.Range(minPadding, Math.Max(0, maxPadding - minPadding + 1))
                .Where(p => p != axis.Padding && changed.All(a => a.Fits(a.Stride, p)))
                .OrderBy(p => Math.Abs(p - axis.Padding)).ThenBy(p => p)
                .Take(2)
                .ToList();
            if (paddings.Count > 0)
            {
                text.Append(" Paddings that fit: ")
                    .Append(string.Join(", ", paddings.Select(p => $"{Text.Int(p)} (→ {Spatial(axes, a => changed.Contains(a) ? a with { Padding = p } : a, RoundingMode.Floor)})")))
                    .Append('.');
            }

            int minStride = Math.Max(1, stride - MaxSuggestionSearch);
            int maxStride = (int)Math.Min(Math.Min(Math.Max(axis.Window, stride + 2L), (long)stride + MaxSuggestionSearch), int.MaxValue);
            var strides = Enumerable.Range(minStride, Math.Max(0, maxStride - minStride + 1))
                .Where(s => s != stride && changed.All(a => a.Fits(s, a.Padding)))
                .OrderBy(s => Math.Abs(s - stride)).ThenBy(s => s)
                .Take(3)
                .OrderBy(s => s)
                .ToList();
            if (strides.Count > 0)
            {
                text.Append(" Strides that fit: ")
                    .Append(string.Join(", ", strides.Select(s => $"{Text.Int(s)} (→ {Spatial(axes, a => changed.Contains(a) ? a with { Stride = s } : a, RoundingMode.Floor)})")))
                    .Append('.');
            }

            text.Append(" Or opt in to rounding: Rounding = Rounding.Floor gives ")
                .Append(Spatial(axes, a => a, RoundingMode.Floor))
                .Append(", Rounding.Ceil gives ")
                .Append(Spatial(axes, a => a, RoundingMode.Ceil))
                .Append('.');
            // "Argument=value@HxW": what a code fix sets, and the output size it gives.
            var fixes = paddings.Select(p => $"Padding{suffix}={Text.Int(p)}@{Size(axes, a => changed.Contains(a) ? a with { Padding = p } : a)}")
                .Concat(strides.Select(s => $"Stride{suffix}={Text.Int(s)}@{Size(axes, a => changed.Contains(a) ? a with { Stride = s } : a)}"))
                .Append($"Rounding=Floor@{Size(axes, a => a)}");
            return (text.ToString(), string.Join(";", fixes));
        }

        private static string AxisSuffix(Axis axis) => axis.Name == "height" ? "Height" : "Width";

        /// <summary>"7x7": the floored output size after a change, for the fixes property.</summary>
        private static string Size(Axis[] axes, Func<Axis, Axis> change) => Spatial(axes, change, RoundingMode.Floor).Replace('×', 'x');

        private static string Spatial(Axis[] axes, Func<Axis, Axis> change, RoundingMode mode)
        {
            Axis h = change(axes[0]);
            Axis w = change(axes[1]);
            return $"{Text.Int(OutputSize(h.Size, h.Window, h.Stride, h.Padding, mode))}×{Text.Int(OutputSize(w.Size, w.Window, w.Stride, w.Padding, mode))}";
        }

        private static string SmallerKernelOrPadding(Axis axis)
        {
            int neededPadding = (axis.Window - axis.Size + 1) / 2;
            return neededPadding < axis.Window
                ? $"use a kernel of at most {Text.Int(axis.Size + (2 * axis.Padding))}, or a padding of at least {Text.Int(neededPadding)}"
                : $"use a kernel of at most {Text.Int(axis.Size + (2 * axis.Padding))}";
        }

        private RoundingMode Mode(RoundingMode layer) =>
            layer != RoundingMode.Unspecified ? layer
            : _spec.Rounding != RoundingMode.Unspecified ? _spec.Rounding
            : RoundingMode.Exact;

        private bool CheckPositive(int layer, string argument, string what, int value)
        {
            if (value > 0)
            {
                return true;
            }

            Error(DiagnosticIds.InvalidValue, new SourceRef(layer, argument), $"{what} must be positive, not {Text.Int(value)}");
            return false;
        }

        private string ParameterMismatchMessage()
        {
            var rows = _layers.Where(l => l.Parameters > 0)
                .Select(l => $"{l.TensorPrefix} {Text.Grouped(l.Parameters)} ({l.ParameterFormula})");
            long difference = _parameters - _spec.ExpectedParameters;
            string head = $"The declared layers have {Text.Grouped(_parameters)} parameters, not the expected {Text.Grouped(_spec.ExpectedParameters)} ({(difference > 0 ? "+" : "−")}{Text.Grouped(Math.Abs(difference))}): ";
            return rows.Any()
                ? head + string.Join(" + ", rows) + $" = {Text.Grouped(_parameters)}"
                : head + "no layer has trainable parameters";
        }
    }

    /// <summary>One axis of a sliding window.</summary>
    private sealed record Axis(string Name, int Size, int Window, int Stride, int Padding)
    {
        public bool Fits(int stride, int padding) => Window <= Size + (2L * padding) && (Size - (long)Window + (2L * padding)) % stride == 0;

        public bool SameAs(Axis other) => Size == other.Size && Window == other.Window && Stride == other.Stride && Padding == other.Padding;
    }
}
