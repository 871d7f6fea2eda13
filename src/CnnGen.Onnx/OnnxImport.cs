using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CnnGen.IO;
using CnnGen.Onnx.Proto;

namespace CnnGen.Onnx;

/// <summary>
/// Reads an ONNX model and writes the CnnGen declaration of the same network — the attributes, with the paddings,
/// strides and roundings that give ONNX's shapes, <c>ExpectedParameters</c> filled in and the initializers' names kept as
/// <c>Tensor</c> names — and its weights as a safetensors file that <c>SafeTensors.Load</c> reads into the network built
/// from that declaration. Operators: Conv, Gemm, MatMul (+ Add), MaxPool, AveragePool, GlobalAveragePool,
/// BatchNormalization, Relu, LeakyRelu, Elu, Sigmoid, Tanh, Softmax, Add, Concat, Flatten, Reshape to [N, −1];
/// Dropout and Identity are dropped. Anything else — another operator, a dynamic shape, a layout the attributes cannot
/// express — is an <see cref="OnnxImportException"/> listing every offending node by name and op type; a declaration is
/// never written wrong.
/// </summary>
public static class OnnxImport
{
    /// <summary>Imports the model in <paramref name="path"/>.</summary>
    /// <param name="path">An <c>.onnx</c> file.</param>
    /// <param name="options">The class name, namespace and weights file the declaration names; by default from the file name.</param>
    /// <returns>The declaration and the weights.</returns>
    /// <exception cref="OnnxImportException">The model uses what CnnGen cannot express; the message lists each node.</exception>
    public static ImportedNetwork Import(string path, ImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string file = Path.GetFileName(path);
        options ??= new ImportOptions();
        if (options.ClassName is null)
        {
            options = options with { ClassName = ImportOptions.ClassNameFrom(Path.GetFileNameWithoutExtension(path)) };
        }

        options = options with { SourceName = options.SourceName ?? file };
        return Import(File.ReadAllBytes(path), options);
    }

    /// <summary>Imports a model from its bytes.</summary>
    /// <param name="model">The bytes of an ONNX <c>ModelProto</c>.</param>
    /// <param name="options">The class name, namespace and weights file the declaration names.</param>
    /// <returns>The declaration and the weights.</returns>
    /// <exception cref="OnnxImportException">The model uses what CnnGen cannot express; the message lists each node.</exception>
    public static ImportedNetwork Import(byte[] model, ImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new OnnxImportException("The file is not an ONNX model: " + e.Message, Array.Empty<string>());
        }

        return Import(proto, options ?? new ImportOptions());
    }

    internal static ImportedNetwork Import(ModelProto model, ImportOptions options)
    {
        if (model.Graph is null)
        {
            throw new OnnxImportException("The ONNX model has no graph.", Array.Empty<string>());
        }

        return new Importer(model, options).Run();
    }
}

/// <summary>What the declaration is called and where its weights go.</summary>
public sealed record ImportOptions
{
    /// <summary>The network class's name; by default from the file name (<c>resnet18.onnx</c> → <c>Resnet18</c>), else <c>ImportedNetwork</c>.</summary>
    public string? ClassName { get; init; }

    /// <summary>The declaration's namespace.</summary>
    public string Namespace { get; init; } = "Imported";

    /// <summary>The safetensors file the declaration's comment names (the caller writes it with <see cref="ImportedNetwork.SaveWeights"/>).</summary>
    public string? WeightsFileName { get; init; }

    /// <summary>The model's file name, for the declaration's comment.</summary>
    public string? SourceName { get; init; }

    /// <summary>A C# class name from a file name: letters and digits kept, each run after another character capitalised.</summary>
    /// <param name="name">A file name without its extension.</param>
    /// <returns>A valid class name.</returns>
    public static string ClassNameFrom(string name)
    {
        var text = new System.Text.StringBuilder();
        bool upper = true;
        foreach (char c in name ?? string.Empty)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        if (text.Length == 0 || char.IsAsciiDigit(text[0]))
        {
            text.Insert(0, "Net");
        }

        return text.ToString();
    }
}

/// <summary>An imported network: its CnnGen declaration and its weights under the declaration's tensor names.</summary>
public sealed class ImportedNetwork
{
    internal ImportedNetwork(string className, string declaration, IReadOnlyList<ImportedTensor> tensors, long parameterCount, int layerCount, IReadOnlyList<string> notes)
    {
        (ClassName, Declaration, Tensors, ParameterCount, LayerCount, Notes) = (className, declaration, tensors, parameterCount, layerCount, notes);
    }

    /// <summary>The class the declaration declares.</summary>
    public string ClassName { get; }

    /// <summary>The C# source: a <c>[Network]</c> partial class with one attribute per layer.</summary>
    public string Declaration { get; }

    /// <summary>The parameters and BatchNorm running statistics, named as the declared network names them.</summary>
    public IReadOnlyList<ImportedTensor> Tensors { get; }

    /// <summary>Trainable parameters (the declaration's <c>ExpectedParameters</c>).</summary>
    public long ParameterCount { get; }

    /// <summary>Layers declared.</summary>
    public int LayerCount { get; }

    /// <summary>What the import changed that a reader should know (e.g. a MatMul without bias given a zero bias).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Writes the weights as a safetensors file for <c>SafeTensors.Load</c> (atomically: a whole file or none).</summary>
    /// <param name="path">The file to write.</param>
    public void SaveWeights(string path) =>
        SafeTensorsFile.Write(path, Tensors.Select(t => (t.Name, (IReadOnlyList<int>)t.Shape, (ReadOnlyMemory<float>)t.Data)),
            new Dictionary<string, string> { ["format"] = "pt", ["source"] = "CnnGen.Onnx import" });
}

/// <summary>One tensor of an imported network.</summary>
/// <param name="Name">Its name in the declared network (e.g. <c>layer1.0.conv1.weight</c>).</param>
/// <param name="Shape">Its shape, PyTorch's layout.</param>
/// <param name="Data">Its values.</param>
public sealed record ImportedTensor(string Name, int[] Shape, float[] Data);

/// <summary>The model cannot be declared in CnnGen; <see cref="Problems"/> lists each node and why.</summary>
public sealed class OnnxImportException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The summary.</param>
    /// <param name="problems">One line per offending node (name, op type, why).</param>
    public OnnxImportException(string message, IReadOnlyList<string> problems)
        : base(problems.Count == 0 ? message : message + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
    {
        Problems = problems;
    }

    /// <summary>Creates the exception.</summary>
    public OnnxImportException()
        : this("The ONNX model cannot be imported.", Array.Empty<string>())
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The summary.</param>
    public OnnxImportException(string message)
        : this(message, Array.Empty<string>())
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The summary.</param>
    /// <param name="inner">The cause.</param>
    public OnnxImportException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = Array.Empty<string>();
    }

    /// <summary>One line per offending node: its name, op type and what CnnGen cannot express.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>One pass over the graph's nodes in order: each becomes a layer, an alias (Dropout, Identity, Flatten after a vector) or a problem.</summary>
internal sealed class Importer
{
    private const string NetworkInput = "input";
    private readonly ModelProto _model;
    private readonly ImportOptions _options;
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly List<Layer> _layers = new();
    private readonly List<string> _problems = new();
    // The outputs of nodes that could not be imported: what reads them is not reported again.
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    private readonly List<string> _notes = new();
    // A MatMul's output waiting for the Add of its bias: the value name → (layer, node).
    private readonly Dictionary<string, Layer> _pendingMatMul = new(StringComparer.Ordinal);

    public Importer(ModelProto model, ImportOptions options) => (_model, _options) = (model, options);

    private GraphProto Graph => _model.Graph;

    public ImportedNetwork Run()
    {
        foreach (TensorProto initializer in Graph.Initializer)
        {
            _initializers[initializer.Name] = initializer;
        }

        Value input = ReadInput();
        _values[input.Name] = input;
        foreach (NodeProto node in Graph.Node)
        {
            try
            {
                Node(node);
            }
            catch (UnsupportedException e)
            {
                _problems.Add($"node '{NodeName(node)}' ({node.OpType}): {e.Message}");
                _failed.UnionWith(node.Output);
            }
            catch (DownstreamException)
            {
                // It reads the output of a node already listed: only that node is reported.
                _failed.UnionWith(node.Output);
            }
        }

        foreach (Layer pending in _pendingMatMul.Values)
        {
            pending.Notes.Add("no bias Add followed: bias set to zero");
            _notes.Add($"node '{pending.NodeName}' (MatMul) has no bias: the Dense layer's bias is zero");
        }

        if (_problems.Count > 0)
        {
            throw new OnnxImportException($"The ONNX model uses {(_problems.Count == 1 ? "a node" : _problems.Count + " nodes")} CnnGen cannot express:", _problems);
        }

        if (Graph.Output.Count != 1)
        {
            throw new OnnxImportException($"The model has {Graph.Output.Count} outputs; a CnnGen network has one.");
        }

        string outputName = Graph.Output[0].Name;
        if (!_values.TryGetValue(outputName, out Value? output) || output.Producer is null)
        {
            throw new OnnxImportException($"The model's output '{outputName}' is not computed by any imported layer.");
        }

        if (output.Producer != _layers[^1])
        {
            throw new OnnxImportException($"The model's output '{outputName}' is not the last layer's (node '{output.Producer.NodeName}'); CnnGen's output is its last layer.");
        }

        if (_layers.Count == 0)
        {
            throw new OnnxImportException("The model has no layer CnnGen would declare.");
        }

        return Write(input);
    }

    // ---- the graph's input ---------------------------------------------------------------------------------------------

    private Value ReadInput()
    {
        var inputs = Graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new OnnxImportException($"The model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => "'" + i.Name + "'"))}); a CnnGen network takes one image [N, C, H, W].");
        }

        ValueInfoProto info = inputs[0];
        var dims = info.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 4)
        {
            throw new OnnxImportException($"The input '{info.Name}' has {(dims is null ? "no" : "rank " + dims.Count)} shape; CnnGen takes images [N, C, H, W] with C, H and W fixed.");
        }

        if (info.Type!.TensorType.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw new OnnxImportException($"The input '{info.Name}' is not float32.");
        }

        var fixedDims = new int[3];
        for (int k = 1; k < 4; k++)
        {
            TensorShapeProto.Types.Dimension d = dims[k];
            if (d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0 || d.DimValue > int.MaxValue)
            {
                throw new OnnxImportException($"The input '{info.Name}' has a dynamic {"NCHW"[k]} dimension ({(d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? "'" + d.DimParam + "'" : "unknown")}); CnnGen fixes every shape at build time: export with a fixed input size.");
            }

            fixedDims[k - 1] = (int)d.DimValue;
        }

        return new Value(info.Name, Shape.Image(fixedDims[0], fixedDims[1], fixedDims[2]), null);
    }

    // ---- one node ------------------------------------------------------------------------------------------------------

    private void Node(NodeProto node)
    {
        if (!string.IsNullOrEmpty(node.Domain) && node.Domain != "ai.onnx")
        {
            throw new UnsupportedException($"operator of domain '{node.Domain}' is not a standard ONNX operator");
        }

        switch (node.OpType)
        {
            case "Conv":
                Conv(node);
                break;
            case "BatchNormalization":
                BatchNorm(node);
                break;
            case "Relu":
                Elementwise(node, "ReLU");
                break;
            case "LeakyRelu":
                Elementwise(node, $"LeakyReLU({Number(FloatAttribute(node, "alpha", 0.01f))})");
                break;
            case "Elu":
                float alpha = FloatAttribute(node, "alpha", 1f);
                Elementwise(node, alpha == 1f ? "ELU" : $"ELU({Number(alpha)})");
                break;
            case "Sigmoid":
                Elementwise(node, "Sigmoid");
                break;
            case "Tanh":
                Elementwise(node, "Tanh");
                break;
            case "MaxPool":
            case "AveragePool":
                Pool(node);
                break;
            case "GlobalAveragePool":
                GlobalAveragePool(node);
                break;
            case "Flatten":
                Flatten(node);
                break;
            case "Reshape":
                Reshape(node);
                break;
            case "Gemm":
                Gemm(node);
                break;
            case "MatMul":
                MatMul(node);
                break;
            case "Add":
                Add(node);
                break;
            case "Concat":
                Concat(node);
                break;
            case "Softmax":
                Softmax(node);
                break;
            case "Dropout":
            case "Identity":
                Alias(node);
                break;
            case "Constant":
                Constant(node);
                break;
            default:
                throw new UnsupportedException("operator not supported (CnnGen imports Conv, Gemm, MatMul + Add, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, Relu, LeakyRelu, Elu, Sigmoid, Tanh, Softmax, Add, Concat, Flatten, Reshape to [N, -1], Dropout, Identity)");
        }
    }

    private void Conv(NodeProto node)
    {
        Value x = ImageInput(node, 0);
        (TensorProto w, float[] weight) = Initializer(node, 1, "weight");
        if (w.Dims.Count != 4)
        {
            throw new UnsupportedException($"weight '{w.Name}' has rank {w.Dims.Count}; a 2-D convolution's is [K, C, kH, kW]");
        }

        int k = (int)w.Dims[0], c = (int)w.Dims[1], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
        long group = IntAttribute(node, "group", 1);
        if (group != 1)
        {
            throw new UnsupportedException($"group = {group}: grouped and depthwise convolutions are not supported");
        }

        if (c != x.Shape.C)
        {
            throw new UnsupportedException($"weight '{w.Name}' expects {c} input channels, the input has {x.Shape.C}");
        }

        RequireOnes(node, "dilations");
        (int sh, int sw) = Pair(node, "strides", 1);
        (int top, int left, int bottom, int right) = Pads(node, x.Shape, kh, kw, sh, sw);
        float[]? bias = null;
        TensorProto? b = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            (b, bias) = Initializer(node, 2, "bias");
            if (bias.Length != k)
            {
                throw new UnsupportedException($"bias '{b.Name}' has {bias.Length} values for {k} filters");
            }
        }

        // ONNX's Conv has no ceil mode: a larger padding at the end (what CnnGen's own export writes for Rounding.Ceil)
        // is a rounding up when it gives the ceil-rounded size.
        (int oh, string? roundH) = ConvOutput(x.Shape.H, kh, sh, top, bottom, "pads (top, bottom)");
        (int ow, string? roundW) = ConvOutput(x.Shape.W, kw, sw, left, right, "pads (left, right)");
        (int ph, int pw) = (top, left);
        var layer = new Layer(node, "Conv2D", "conv");
        layer.Arguments.Add(k.ToString(CultureInfo.InvariantCulture));
        layer.Arguments.Add(kh.ToString(CultureInfo.InvariantCulture));
        if (kw != kh)
        {
            layer.Arguments.Add(kw.ToString(CultureInfo.InvariantCulture));
        }

        AddStridesAndPadding(layer, sh, sw, ph, pw, 1, 0);
        if (bias is null)
        {
            layer.Properties.Add("Bias = false");
        }

        if ((roundH ?? roundW) is { } rounding)
        {
            layer.Properties.Add("Rounding = Rounding." + rounding);
        }

        layer.Parameters = (long)k * c * kh * kw + (bias is null ? 0 : k);
        layer.AddTensor("weight", w.Name, [k, c, kh, kw], weight);
        if (bias is not null)
        {
            layer.AddTensor("bias", b!.Name, [k], bias);
        }

        Emit(layer, [x], Shape.Image(k, oh, ow));
    }

    private void BatchNorm(NodeProto node)
    {
        Value x = Input(node, 0);
        if (node.Output.Count > 1 && node.Output.Skip(1).Any(o => o.Length > 0))
        {
            throw new UnsupportedException("training-mode BatchNormalization (it has the running statistics as outputs): export the model in eval mode");
        }

        int channels = x.Shape.C;
        string[] roles = ["weight", "bias", "running_mean", "running_var"];
        var layer = new Layer(node, "BatchNorm", "bn");
        for (int r = 0; r < 4; r++)
        {
            (TensorProto t, float[] data) = Initializer(node, r + 1, roles[r]);
            if (data.Length != channels)
            {
                throw new UnsupportedException($"{roles[r]} '{t.Name}' has {data.Length} values for {channels} channels");
            }

            layer.AddTensor(roles[r], t.Name, [channels], data);
        }

        float epsilon = FloatAttribute(node, "epsilon", 1e-5f);
        float momentum = FloatAttribute(node, "momentum", 0.9f);
        if (Math.Abs(epsilon - 1e-5f) > 1e-12f)
        {
            layer.Properties.Add("Epsilon = " + Number(epsilon));
        }

        // ONNX keeps momentum · running + (1 − momentum) · batch; PyTorch's (and CnnGen's) momentum is the batch's share.
        double share = Math.Round(1.0 - momentum, 6);
        if (Math.Abs(share - 0.1) > 1e-9)
        {
            layer.Properties.Add("Momentum = " + share.ToString("R", CultureInfo.InvariantCulture));
        }

        layer.Parameters = 2L * channels;
        Emit(layer, [x], x.Shape);
    }

    private void Elementwise(NodeProto node, string attribute)
    {
        Value x = Input(node, 0);
        Emit(new Layer(node, attribute, null), [x], x.Shape);
    }

    private void Pool(NodeProto node)
    {
        Value x = ImageInput(node, 0);
        bool average = node.OpType == "AveragePool";
        long[] kernel = IntsAttribute(node, "kernel_shape") ?? throw new UnsupportedException("no kernel_shape");
        if (kernel.Length != 2 || kernel[0] != kernel[1])
        {
            throw new UnsupportedException($"kernel_shape [{string.Join(", ", kernel)}]: CnnGen's pooling windows are square");
        }

        int size = (int)kernel[0];
        RequireOnes(node, "dilations");
        (int sh, int sw) = Pair(node, "strides", 1);
        if (sh != sw)
        {
            throw new UnsupportedException($"strides [{sh}, {sw}]: CnnGen's pooling takes one stride for both axes");
        }

        (int ph, int pw, int bottom, int right) = Pads(node, x.Shape, size, size, sh, sw);
        if (bottom != ph || right != pw)
        {
            throw new UnsupportedException($"pads [{ph}, {pw}, {bottom}, {right}]: CnnGen pads both sides of an axis alike ([top, left, bottom, right] with top = bottom and left = right)");
        }

        if (ph != pw)
        {
            throw new UnsupportedException($"pads {ph} and {pw}: CnnGen's pooling takes one padding for both axes");
        }

        if (2 * ph > size)
        {
            throw new UnsupportedException($"padding {ph} is more than half the {size}×{size} window");
        }

        if (node.Attribute.Any(a => a.Name == "storage_order" && a.I != 0))
        {
            throw new UnsupportedException("storage_order = 1 (column-major indices) is not supported");
        }

        if (average && ph > 0 && IntAttribute(node, "count_include_pad", 0) == 0)
        {
            throw new UnsupportedException("count_include_pad = 0 with padding: CnnGen's average counts padded cells as zeros (PyTorch's default, count_include_pad = 1)");
        }

        bool ceil = IntAttribute(node, "ceil_mode", 0) != 0;
        (int oh, string? roundH) = Output(x.Shape.H, size, sh, ph, ceil);
        (int ow, string? roundW) = Output(x.Shape.W, size, sw, pw, ceil);
        var layer = new Layer(node, average ? "AvgPool" : "MaxPool", null);
        layer.Arguments.Add(size.ToString(CultureInfo.InvariantCulture));
        if (sh != size)
        {
            layer.Properties.Add("Stride = " + sh.ToString(CultureInfo.InvariantCulture));
        }

        if (ph != 0)
        {
            layer.Properties.Add("Padding = " + ph.ToString(CultureInfo.InvariantCulture));
        }

        if ((roundH ?? roundW) is { } rounding)
        {
            layer.Properties.Add("Rounding = Rounding." + rounding);
        }

        Emit(layer, [x], Shape.Image(x.Shape.C, oh, ow));
    }

    private void GlobalAveragePool(NodeProto node)
    {
        Value x = ImageInput(node, 0);
        Emit(new Layer(node, "GlobalAvgPool", null), [x], Shape.Image(x.Shape.C, 1, 1));
    }

    private void Flatten(NodeProto node)
    {
        Value x = Input(node, 0);
        long axis = IntAttribute(node, "axis", 1);
        if (axis != 1)
        {
            throw new UnsupportedException($"axis = {axis}: only Flatten(axis = 1) (keep the batch, flatten C, H, W) is supported");
        }

        FlattenTo(node, x);
    }

    private void Reshape(NodeProto node)
    {
        Value x = Input(node, 0);
        long[] shape = IntTensor(node, 1);
        bool flattens = shape.Length == 2 && (shape[0] is 0 or 1 or -1) && (shape[1] == -1 || shape[1] == x.Shape.Size) && !(shape[0] == -1 && shape[1] == -1);
        if (!flattens)
        {
            throw new UnsupportedException($"shape [{string.Join(", ", shape)}]: only a reshape to [N, -1] (flatten) is supported");
        }

        FlattenTo(node, x);
    }

    private void FlattenTo(NodeProto node, Value x)
    {
        if (!x.Shape.IsImage)
        {
            _values[node.Output[0]] = x with { Name = node.Output[0] };
            return;
        }

        Emit(new Layer(node, "Flatten", null), [x], Shape.Vector(x.Shape.Size));
    }

    private void Gemm(NodeProto node)
    {
        Value x = Input(node, 0);
        if (IntAttribute(node, "transA", 0) != 0)
        {
            throw new UnsupportedException("transA = 1: the input must be [N, features]");
        }

        if (FloatAttribute(node, "alpha", 1f) != 1f || FloatAttribute(node, "beta", 1f) != 1f)
        {
            throw new UnsupportedException("alpha or beta other than 1");
        }

        (TensorProto w, float[] weight) = Initializer(node, 1, "weight");
        if (w.Dims.Count != 2)
        {
            throw new UnsupportedException($"B '{w.Name}' has rank {w.Dims.Count}, not 2");
        }

        bool transB = IntAttribute(node, "transB", 0) != 0;
        int outputs = (int)(transB ? w.Dims[0] : w.Dims[1]);
        int inputs = (int)(transB ? w.Dims[1] : w.Dims[0]);
        float[] rows = transB ? weight : Transpose(weight, inputs, outputs);
        float[] bias = new float[outputs];
        TensorProto? b = null;
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            (b, float[] c) = Initializer(node, 2, "bias");
            if (c.Length == outputs)
            {
                bias = c;
            }
            else if (c.Length == 1)
            {
                Array.Fill(bias, c[0]);
            }
            else
            {
                throw new UnsupportedException($"C '{b.Name}' has {c.Length} values for {outputs} outputs");
            }
        }
        else
        {
            _notes.Add($"node '{NodeName(node)}' (Gemm) has no bias: the Dense layer's bias is zero");
        }

        Emit(Dense(node, x, inputs, outputs, w.Name, rows, b?.Name, bias), [x], Shape.Vector(outputs));
    }

    private void MatMul(NodeProto node)
    {
        Value x = Input(node, 0);
        (TensorProto w, float[] weight) = Initializer(node, 1, "weight");
        if (w.Dims.Count != 2)
        {
            throw new UnsupportedException($"B '{w.Name}' has rank {w.Dims.Count}, not 2");
        }

        int inputs = (int)w.Dims[0], outputs = (int)w.Dims[1];
        Layer layer = Dense(node, x, inputs, outputs, w.Name, Transpose(weight, inputs, outputs), null, new float[outputs]);
        Emit(layer, [x], Shape.Vector(outputs));
        _pendingMatMul[node.Output[0]] = layer;
    }

    private Layer Dense(NodeProto node, Value x, int inputs, int outputs, string weightName, float[] weight, string? biasName, float[] bias)
    {
        if (x.Shape.Size != inputs)
        {
            throw new UnsupportedException($"the weight takes {inputs} inputs, the input has {x.Shape.Size} ({x.Shape})");
        }

        var layer = new Layer(node, "Dense", "fc");
        layer.Arguments.Add(outputs.ToString(CultureInfo.InvariantCulture));
        layer.Parameters = ((long)inputs * outputs) + outputs;
        layer.AddTensor("weight", weightName, [outputs, inputs], weight);
        layer.AddTensor("bias", biasName, [outputs], bias);
        return layer;
    }

    private void Add(NodeProto node)
    {
        if (node.Input.Count != 2)
        {
            throw new UnsupportedException($"{node.Input.Count} inputs");
        }

        // MatMul + Add(bias): the Dense layer's bias.
        for (int k = 0; k < 2; k++)
        {
            if (_pendingMatMul.TryGetValue(node.Input[k], out Layer? dense) && _initializers.ContainsKey(node.Input[1 - k]))
            {
                (TensorProto b, float[] bias) = Initializer(node, 1 - k, "bias");
                int outputs = dense.Output!.Shape.Size;
                if (bias.Length != outputs)
                {
                    throw new UnsupportedException($"bias '{b.Name}' has {bias.Length} values for {outputs} outputs");
                }

                dense.ReplaceTensor("bias", b.Name, bias);
                _pendingMatMul.Remove(node.Input[k]);
                _values[node.Output[0]] = dense.Output with { Name = node.Output[0] };
                dense.Output = _values[node.Output[0]];
                return;
            }
        }

        Value a = Input(node, 0), c = Input(node, 1);
        if (a.Shape != c.Shape)
        {
            throw new UnsupportedException($"adds {a.Shape} and {c.Shape}: CnnGen's Add takes equal shapes (no broadcasting)");
        }

        Emit(new Layer(node, "Add", null) { IsAdd = true }, [a, c], a.Shape);
    }

    private void Concat(NodeProto node)
    {
        var inputs = Enumerable.Range(0, node.Input.Count).Select(k => Input(node, k)).ToList();
        long axis = IntAttribute(node, "axis", 1);
        if (inputs.All(v => !v.Shape.IsImage) && axis is 1 or -1)
        {
            // Vectors [N, features] joined end to end.
            Emit(new Layer(node, "Concat", null) { IsConcat = true }, inputs, Shape.Vector(inputs.Sum(v => v.Shape.Size)));
            return;
        }

        if (inputs.Any(v => !v.Shape.IsImage))
        {
            throw new UnsupportedException("joins images and vectors");
        }

        if (axis is not (1 or -3))
        {
            throw new UnsupportedException($"axis = {axis}: only the channel axis (1) is supported");
        }

        if (inputs.Any(v => v.Shape.H != inputs[0].Shape.H || v.Shape.W != inputs[0].Shape.W))
        {
            throw new UnsupportedException("joins maps of different heights or widths");
        }

        Emit(new Layer(node, "Concat", null) { IsConcat = true }, inputs, Shape.Image(inputs.Sum(v => v.Shape.C), inputs[0].Shape.H, inputs[0].Shape.W));
    }

    private void Softmax(NodeProto node)
    {
        Value x = Input(node, 0);
        long axis = IntAttribute(node, "axis", _model.OpsetImport.Any(o => string.IsNullOrEmpty(o.Domain) && o.Version < 13) ? 1 : -1);
        if (x.Shape.IsImage || axis is not (1 or -1))
        {
            throw new UnsupportedException($"softmax over axis {axis} of {x.Shape}: CnnGen's Softmax takes the class scores [N, classes]");
        }

        Emit(new Layer(node, "Softmax", null), [x], x.Shape);
    }

    private void Alias(NodeProto node)
    {
        // An Identity of an initializer: PyTorch's export writes one where two parameters hold the same values.
        if (node.Input.Count > 0 && _initializers.TryGetValue(node.Input[0], out TensorProto? constant))
        {
            TensorProto copy = constant.Clone();
            copy.Name = node.Output[0];
            _initializers[node.Output[0]] = copy;
            return;
        }

        Value x = Input(node, 0);
        _values[node.Output[0]] = x with { Name = node.Output[0] };
        if (_pendingMatMul.Remove(x.Name, out Layer? dense))
        {
            _pendingMatMul[node.Output[0]] = dense;
        }
    }

    private void Constant(NodeProto node)
    {
        AttributeProto? value = node.Attribute.FirstOrDefault(a => a.Name == "value");
        if (value?.T is null)
        {
            throw new UnsupportedException("only a tensor constant ('value') is supported");
        }

        TensorProto tensor = value.T.Clone();
        tensor.Name = node.Output[0];
        _initializers[node.Output[0]] = tensor;
    }

    // ---- layers and their wiring ---------------------------------------------------------------------------------------

    private void Emit(Layer layer, IReadOnlyList<Value> inputs, Shape shape)
    {
        layer.Inputs.AddRange(inputs);
        layer.Output = new Value(layer.Node.Output[0], shape, layer);
        _values[layer.Output.Name] = layer.Output;
        _layers.Add(layer);
    }

    private ImportedNetwork Write(Value input)
    {
        // Tensor names: the initializers' own when they read "<prefix>.weight" etc. with a valid prefix, for every layer;
        // otherwise CnnGen's numbering (conv1, bn1, fc1 … per kind in declaration order) for all of them.
        var parameterized = _layers.Where(l => l.TensorKind is not null).ToList();
        bool named = parameterized.All(l => l.NamedPrefix is not null) && parameterized.Select(l => l.NamedPrefix).Distinct(StringComparer.Ordinal).Count() == parameterized.Count;
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        var tensors = new List<ImportedTensor>();
        foreach (Layer layer in parameterized)
        {
            counters[layer.TensorKind!] = counters.GetValueOrDefault(layer.TensorKind!) + 1;
            string prefix = named ? layer.NamedPrefix! : layer.TensorKind + counters[layer.TensorKind!].ToString(CultureInfo.InvariantCulture);
            if (named)
            {
                layer.Properties.Add("Tensor = \"" + prefix + "\"");
            }

            tensors.AddRange(layer.Tensors.Select(t => new ImportedTensor(prefix + "." + t.Role, t.Shape, t.Data)));
        }

        // Wiring: a layer reads the one declared before it unless it says From; Add adds the named layers to that one,
        // Concat joins the named layers. A layer read from elsewhere gets a Name.
        var names = new Dictionary<Layer, string>();
        var used = new HashSet<string>(StringComparer.Ordinal) { NetworkInput };
        string NameOf(Value v)
        {
            if (v.Producer is null)
            {
                return NetworkInput;
            }

            if (!names.TryGetValue(v.Producer, out string? name))
            {
                name = UniqueName(v.Producer, used);
                names[v.Producer] = name;
            }

            return name;
        }

        var wiring = new List<(string? From, List<string> Named)>();
        for (int i = 0; i < _layers.Count; i++)
        {
            Layer layer = _layers[i];
            bool follows(Value v) => i == 0 ? v.Producer is null : v.Producer == _layers[i - 1];
            if (layer.IsConcat)
            {
                wiring.Add((null, layer.Inputs.Select(NameOf).ToList()));
            }
            else if (layer.IsAdd)
            {
                Value a = layer.Inputs[0], b = layer.Inputs[1];
                if (follows(b))
                {
                    (a, b) = (b, a);
                }

                wiring.Add((follows(a) ? null : NameOf(a), [NameOf(b)]));
            }
            else
            {
                wiring.Add((follows(layer.Inputs[0]) ? null : NameOf(layer.Inputs[0]), []));
            }
        }

        long parameters = _layers.Sum(l => l.Parameters);
        var text = new System.Text.StringBuilder();
        string source = _options.SourceName ?? "an ONNX model";
        string producer = string.IsNullOrEmpty(_model.ProducerName) ? "unknown producer" : (_model.ProducerName + " " + _model.ProducerVersion).Trim();
        long opset = _model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        string className = _options.ClassName ?? "ImportedNetwork";
        Shape output = _layers[^1].Output!.Shape;
        text.Append("// Written by CnnGen.Onnx's import from ").Append(source).Append(" (").Append(producer).Append(", opset ").Append(opset.ToString(CultureInfo.InvariantCulture))
            .Append("): ").Append(Graph.Node.Count.ToString(CultureInfo.InvariantCulture)).Append(" nodes → ").Append(_layers.Count.ToString(CultureInfo.InvariantCulture)).Append(" layers.\n");
        text.Append("// Each attribute is one ONNX node (the node's name after //). The weights load with SafeTensors.Load(network, \"")
            .Append(_options.WeightsFileName ?? className.ToLowerInvariant() + ".safetensors").Append("\").\n");
        foreach (string note in _notes)
        {
            text.Append("// Note: ").Append(note).Append(".\n");
        }

        text.Append("using CnnGen;\n\nnamespace ").Append(_options.Namespace).Append(";\n\n");
        text.Append("/// <summary>").Append(className).Append(": ").Append(input.Shape.Text).Append(" → ").Append(output.Text).Append(", ")
            .Append(parameters.ToString("N0", CultureInfo.InvariantCulture)).Append(" parameters, imported from ").Append(Xml(source)).Append(".</summary>\n");
        text.Append("[Network(ExpectedParameters = ").Append(Grouped(parameters)).Append(")]\n");
        text.Append("[Input(").Append(input.Shape.H.ToString(CultureInfo.InvariantCulture)).Append(", ").Append(input.Shape.W.ToString(CultureInfo.InvariantCulture)).Append(", ")
            .Append(input.Shape.C.ToString(CultureInfo.InvariantCulture)).Append(")]\n");
        for (int i = 0; i < _layers.Count; i++)
        {
            Layer layer = _layers[i];
            var arguments = new List<string>(layer.Arguments);
            arguments.AddRange(wiring[i].Named.Select(n => "\"" + n + "\""));
            var properties = new List<string>(layer.Properties);
            if (wiring[i].From is { } from)
            {
                properties.Add("From = \"" + from + "\"");
            }

            if (names.TryGetValue(layer, out string? name))
            {
                properties.Add("Name = \"" + name + "\"");
            }

            arguments.AddRange(properties);
            text.Append('[').Append(layer.Attribute);
            if (arguments.Count > 0)
            {
                text.Append('(').Append(string.Join(", ", arguments)).Append(')');
            }

            text.Append("] // ").Append(layer.NodeName).Append('\n');
        }

        text.Append("public partial class ").Append(className).Append(";\n");
        return new ImportedNetwork(className, text.ToString(), tensors, parameters, _layers.Count, _notes);
    }

    private static string UniqueName(Layer layer, HashSet<string> used)
    {
        string baseName = layer.NamedPrefix ?? Clean(layer.Node.Output[0]);
        if (baseName.Length == 0)
        {
            baseName = "x";
        }

        string name = baseName;
        for (int k = 2; !used.Add(name); k++)
        {
            name = baseName + "_" + k.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }

    // An output name as a layer name: PyTorch's "/layer1/layer1.0/relu/Relu_output_0" → "layer1.0.relu" (the module path
    // without the operator), "/relu/Relu_output_0" → "relu"; any other name with its odd characters replaced.
    private static string Clean(string value)
    {
        string[] parts = value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string name = value;
        if (parts.Length >= 2)
        {
            name = parts[^2];
            if (parts.Length >= 3 && !name.Contains('.', StringComparison.Ordinal))
            {
                name = parts[^3] + "." + name;
            }
        }

        var text = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '_');
        }

        return text.ToString().Trim('_');
    }

    // ---- reading nodes -------------------------------------------------------------------------------------------------

    private Value Input(NodeProto node, int k)
    {
        if (k >= node.Input.Count || node.Input[k].Length == 0)
        {
            throw new UnsupportedException($"input {k} is missing");
        }

        string name = node.Input[k];
        if (_values.TryGetValue(name, out Value? value))
        {
            return value;
        }

        if (_failed.Contains(name))
        {
            throw new DownstreamException();
        }

        if (_initializers.ContainsKey(name))
        {
            throw new UnsupportedException($"input '{name}' is a constant where CnnGen needs the output of a layer");
        }

        throw new UnsupportedException($"input '{name}' comes from no imported node");
    }

    private Value ImageInput(NodeProto node, int k)
    {
        Value value = Input(node, k);
        if (!value.Shape.IsImage)
        {
            throw new UnsupportedException($"input '{value.Name}' is a vector of {value.Shape.Size}; this operator takes images [N, C, H, W]");
        }

        return value;
    }

    private (TensorProto Tensor, float[] Data) Initializer(NodeProto node, int k, string role)
    {
        if (k >= node.Input.Count || !_initializers.TryGetValue(node.Input[k], out TensorProto? tensor))
        {
            throw new UnsupportedException($"its {role} is not a constant initializer (a computed weight cannot be declared)");
        }

        return (tensor, Floats(tensor));
    }

    internal static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new UnsupportedException($"initializer '{tensor.Name}' is of ONNX data type {tensor.DataType}, not float32");
        }

        long count = 1;
        foreach (long d in tensor.Dims)
        {
            count *= d;
        }

        if (tensor.FloatData.Count > 0)
        {
            if (tensor.FloatData.Count != count)
            {
                throw new UnsupportedException($"initializer '{tensor.Name}' holds {tensor.FloatData.Count} values for its {count} elements");
            }

            return tensor.FloatData.ToArray();
        }

        if (tensor.RawData.Length != count * sizeof(float))
        {
            throw new UnsupportedException($"initializer '{tensor.Name}' holds {tensor.RawData.Length} bytes for its {count} float32 elements (external data is not supported)");
        }

        var values = new float[count];
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4, 4));
        }

        return values;
    }

    private long[] IntTensor(NodeProto node, int k)
    {
        if (k >= node.Input.Count || !_initializers.TryGetValue(node.Input[k], out TensorProto? tensor))
        {
            throw new UnsupportedException("its shape is computed, not a constant");
        }

        if (tensor.Int64Data.Count > 0)
        {
            return tensor.Int64Data.ToArray();
        }

        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        var values = new long[raw.Length / 8];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * 8, 8));
        }

        return values;
    }

    private static float FloatAttribute(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    private static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static long[]? IntsAttribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    private static void RequireOnes(NodeProto node, string name)
    {
        if (IntsAttribute(node, name) is { } values && values.Any(v => v != 1))
        {
            throw new UnsupportedException($"{name} [{string.Join(", ", values)}]: CnnGen has no dilated windows");
        }
    }

    private static (int H, int W) Pair(NodeProto node, string name, int fallback)
    {
        long[]? values = IntsAttribute(node, name);
        if (values is null || values.Length == 0)
        {
            return (fallback, fallback);
        }

        if (values.Length != 2 || values.Any(v => v < 1 || v > 4096))
        {
            throw new UnsupportedException($"{name} [{string.Join(", ", values)}]: expected two positive values");
        }

        return ((int)values[0], (int)values[1]);
    }

    // ONNX's [top, left, bottom, right] padding (auto_pad SAME_* spelled out).
    private static (int Top, int Left, int Bottom, int Right) Pads(NodeProto node, Shape input, int kh, int kw, int sh, int sw)
    {
        string autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            // Output ceil(in / stride): the total padding is (out − 1)·s + k − in, split evenly when it is even.
            int Total(int size, int k, int s) => Math.Max(0, ((((size + s) - 1) / s) - 1) * s + k - size);
            int th = Total(input.H, kh, sh), tw = Total(input.W, kw, sw);
            return autoPad == "SAME_UPPER" ? (th / 2, tw / 2, th - (th / 2), tw - (tw / 2)) : (th - (th / 2), tw - (tw / 2), th / 2, tw / 2);
        }

        if (autoPad is not ("NOTSET" or "VALID" or ""))
        {
            throw new UnsupportedException($"auto_pad {autoPad} is not supported");
        }

        long[]? pads = IntsAttribute(node, "pads");
        if (autoPad == "VALID" || pads is null || pads.Length == 0)
        {
            return (0, 0, 0, 0);
        }

        if (pads.Length != 4 || pads.Any(p => p < 0 || p > 4096))
        {
            throw new UnsupportedException($"pads [{string.Join(", ", pads)}]: expected [top, left, bottom, right] of a 2-D window");
        }

        return ((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
    }

    // A convolution's output size along one axis from ONNX's begin and end padding, as CnnGen declares it: the same
    // padding on both sides, rounded down or up.
    private static (int Size, string? Rounding) ConvOutput(int input, int kernel, int stride, int begin, int end, string what)
    {
        int span = input + begin + end - kernel;
        if (span < 0)
        {
            throw new UnsupportedException($"a {kernel}-wide window does not fit an input of {input} padded by {begin} and {end}");
        }

        int size = (span / stride) + 1;
        if (end >= begin)
        {
            foreach (bool ceil in new[] { false, true })
            {
                (int declared, string? rounding) = Output(input, kernel, stride, begin, ceil);
                // Rounded down, the windows never reach the extra end padding; rounded up, CnnGen reads zeros past the
                // padding where ONNX reads its extra padding: the same sums either way.
                if (declared == size)
                {
                    return (declared, rounding);
                }
            }
        }

        throw new UnsupportedException($"{what} {begin} and {end}: CnnGen pads both sides of an axis alike (a larger end padding only where it rounds the output up)");
    }

    // The output size, and the rounding the declaration must state when the window does not fit exactly.
    private static (int Size, string? Rounding) Output(int input, int kernel, int stride, int padding, bool ceil)
    {
        int span = input + (2 * padding) - kernel;
        if (span < 0)
        {
            throw new UnsupportedException($"a {kernel}-wide window does not fit an input of {input} padded by {padding}");
        }

        if (span % stride == 0)
        {
            return ((span / stride) + 1, null);
        }

        if (!ceil)
        {
            return ((span / stride) + 1, "Floor");
        }

        // PyTorch's ceil mode: the last window must start inside the input or its left padding.
        int size = ((span + stride - 1) / stride) + 1;
        if ((size - 1) * stride >= input + padding)
        {
            size--;
        }

        return (size, "Ceil");
    }

    private static void AddStridesAndPadding(Layer layer, int sh, int sw, int ph, int pw, int defaultStride, int defaultPadding)
    {
        if (sh == sw)
        {
            if (sh != defaultStride)
            {
                layer.Properties.Add("Stride = " + sh.ToString(CultureInfo.InvariantCulture));
            }
        }
        else
        {
            layer.Properties.Add("StrideHeight = " + sh.ToString(CultureInfo.InvariantCulture));
            layer.Properties.Add("StrideWidth = " + sw.ToString(CultureInfo.InvariantCulture));
        }

        if (ph == pw)
        {
            if (ph != defaultPadding)
            {
                layer.Properties.Add("Padding = " + ph.ToString(CultureInfo.InvariantCulture));
            }
        }
        else
        {
            layer.Properties.Add("PaddingHeight = " + ph.ToString(CultureInfo.InvariantCulture));
            layer.Properties.Add("PaddingWidth = " + pw.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return result;
    }

    private static string NodeName(NodeProto node) => string.IsNullOrEmpty(node.Name) ? "(unnamed, output '" + node.Output.FirstOrDefault() + "')" : node.Name;

    // A float attribute as a C# double literal: the shortest digits that round-trip the float32 value.
    private static string Number(float value) => ((double)decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture)).ToString("R", CultureInfo.InvariantCulture);

    private static string Grouped(long value)
    {
        string digits = value.ToString(CultureInfo.InvariantCulture);
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % 3 == 0)
            {
                text.Append('_');
            }

            text.Append(digits[i]);
        }

        return text.ToString();
    }

    private static string Xml(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>A value's shape without the batch: an image C×H×W or a vector.</summary>
    internal readonly record struct Shape(int C, int H, int W, bool IsImage)
    {
        public int Size => C * H * W;

        public string Text => IsImage ? string.Create(CultureInfo.InvariantCulture, $"{H}×{W}×{C}") : Size.ToString(CultureInfo.InvariantCulture);

        public static Shape Image(int c, int h, int w) => new(c, h, w, true);

        public static Shape Vector(int n) => new(n, 1, 1, false);

        public override string ToString() => IsImage ? string.Create(CultureInfo.InvariantCulture, $"[N, {C}, {H}, {W}]") : string.Create(CultureInfo.InvariantCulture, $"[N, {C}]");
    }

    /// <summary>A value of the graph: its name, shape and the layer that computes it (null: the network input).</summary>
    internal sealed record Value(string Name, Shape Shape, Layer? Producer);

    /// <summary>One declared layer: the attribute, its arguments and properties, its inputs and its tensors.</summary>
    internal sealed class Layer
    {
        public Layer(NodeProto node, string attribute, string? tensorKind)
        {
            Node = node;
            Attribute = attribute;
            TensorKind = tensorKind;
            NodeName = Importer.NodeName(node);
        }

        public NodeProto Node { get; }

        public string NodeName { get; }

        public string Attribute { get; }

        // conv, bn, fc: the kind CnnGen numbers its tensors by; null for a layer without parameters.
        public string? TensorKind { get; }

        public List<string> Arguments { get; } = new();

        public List<string> Properties { get; } = new();

        public List<Value> Inputs { get; } = new();

        public Value? Output { get; set; }

        public bool IsAdd { get; init; }

        public bool IsConcat { get; init; }

        public long Parameters { get; set; }

        public List<string> Notes { get; } = new();

        public List<(string Role, string? Source, int[] Shape, float[] Data)> Tensors { get; } = new();

        // The prefix the tensors' initializer names share as "<prefix>.<role>" (conv1 for conv1.weight), when it is a valid
        // CnnGen tensor name. A tensor named otherwise (an alias the export made for a value two parameters share, a
        // generated "onnx::…" name) does not count; two different prefixes, or none, give none.
        public string? NamedPrefix
        {
            get
            {
                string? prefix = null;
                foreach ((string role, string? source, _, _) in Tensors)
                {
                    string suffix = "." + role;
                    if (source is null || !source.EndsWith(suffix, StringComparison.Ordinal) || source.Length == suffix.Length)
                    {
                        continue;
                    }

                    string candidate = source[..^suffix.Length];
                    if (prefix is not null && prefix != candidate)
                    {
                        return null;
                    }

                    prefix = candidate;
                }

                return prefix is not null && IsTensorName(prefix) ? prefix : null;
            }
        }

        public void AddTensor(string role, string? source, int[] shape, float[] data) => Tensors.Add((role, source, shape, data));

        public void ReplaceTensor(string role, string source, float[] data)
        {
            int k = Tensors.FindIndex(t => t.Role == role);
            Tensors[k] = (role, source, Tensors[k].Shape, data);
        }

        // Dot-separated parts of ASCII letters, digits and '_' (CnnGen's rule for Tensor, CNN0016).
        private static bool IsTensorName(string name) =>
            name.Split('.').All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'));
    }

    private sealed class UnsupportedException(string message) : Exception(message);

    private sealed class DownstreamException : Exception;
}
