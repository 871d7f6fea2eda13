using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Writes the static <c>Graph</c> property: the plan's primitive layers as a <c>global::CnnGen.NetworkGraph</c>
/// (op, inputs, output shape, window, rounding, tensor names), which exporters such as CnnGen.Onnx translate.
/// </summary>
internal static class GraphEmitter
{
    public static void Write(SourceWriter w, NetworkPlan plan)
    {
        string[] names = NodeNames(plan);

        // Tensor names by where they start, looked up per layer in constant time (the output grows linearly with the layers).
        var parameters = new Dictionary<int, string>();
        var state = new Dictionary<int, string>();
        foreach (TensorPlan tensor in plan.Tensors)
        {
            Dictionary<int, string> byOffset = tensor.IsState ? state : parameters;
            if (!byOffset.ContainsKey(tensor.Offset))
            {
                byOffset[tensor.Offset] = tensor.Name;
            }
        }

        w.Line("/// <summary>The graph of primitive layers (blocks expanded) as plain data, for exporters such as CnnGen.Onnx.</summary>");
        w.Line("public static global::CnnGen.NetworkGraph Graph { get; } = new global::CnnGen.NetworkGraph(");
        w.Line($"    {plan.Input.Channels}, {plan.Input.Height}, {plan.Input.Width},");
        w.Line("    new global::CnnGen.GraphNode[]");
        w.Line("    {");
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan layer = plan.Layers[i];
            string inputs = string.Join(", ", layer.Inputs.Select(k => NetworkEmitter.Literal(k < 0 ? "input" : names[k])));
            var init = new List<string> { "Display = " + NetworkEmitter.Literal(Summary.LayerName(layer.Spec)) };
            init.AddRange(Attributes(layer, parameters, state));
            // One line per layer: name, op, inputs, output shape (C, H, W), then what the op needs.
            w.Line($"        new global::CnnGen.GraphNode({NetworkEmitter.Literal(names[i])}, global::CnnGen.GraphOp.{Op(layer.Spec)}, new string[] {{ {inputs} }}, {layer.Out.Channels}, {layer.Out.Height}, {layer.Out.Width}) {{ {string.Join(", ", init)} }},");
        }

        w.Line("    });");
        w.Line();
    }

    /// <summary>A layer's tensor prefix (conv1, bn2, fc3) or its kind and 1-based index (relu_4), unique in the graph.</summary>
    internal static string[] NodeNames(NetworkPlan plan)
    {
        var names = new string[plan.Layers.Count];
        var used = new HashSet<string>(System.StringComparer.Ordinal) { "input" };
        for (int i = 0; i < names.Length; i++)
        {
            LayerPlan layer = plan.Layers[i];
            string name = layer.TensorPrefix ?? Op(layer.Spec).ToLowerInvariant() + "_" + Text.Int(i + 1);
            string unique = name;
            for (int k = 2; !used.Add(unique); k++)
            {
                unique = name + "_" + Text.Int(k);
            }

            names[i] = unique;
        }

        return names;
    }

    private static string Op(LayerSpec spec) => spec switch
    {
        ConvSpec => "Conv",
        PoolSpec { Kind: PoolKind.Max } => "MaxPool",
        PoolSpec { Kind: PoolKind.Average } => "AvgPool",
        PoolSpec { Kind: PoolKind.Min } => "MinPool",
        PoolSpec => "L2Pool",
        GlobalPoolSpec => "GlobalAvgPool",
        DenseSpec => "Dense",
        FlattenSpec => "Flatten",
        ActivationSpec a => a.Kind switch
        {
            ActivationKind.ReLU => "ReLU",
            ActivationKind.LeakyReLU => "LeakyReLU",
            ActivationKind.ELU => "ELU",
            ActivationKind.Sigmoid => "Sigmoid",
            ActivationKind.Tanh => "Tanh",
            _ => "Softmax",
        },
        DropoutSpec => "Dropout",
        BatchNormSpec => "BatchNorm",
        AddSpec => "Add",
        ConcatSpec => "Concat",
        _ => throw new System.InvalidOperationException("no graph op for " + spec.GetType().Name),
    };

    private static IEnumerable<string> Attributes(LayerPlan layer, Dictionary<int, string> parameters, Dictionary<int, string> state)
    {
        if (layer.Window is Window win)
        {
            yield return $"KernelHeight = {win.KernelHeight}, KernelWidth = {win.KernelWidth}";
            yield return $"StrideHeight = {win.StrideHeight}, StrideWidth = {win.StrideWidth}";
            yield return $"PaddingHeight = {win.PaddingHeight}, PaddingWidth = {win.PaddingWidth}";

            // Rounded up when the output is larger than ⌊(W − F + 2P)/S⌋ + 1 on either axis.
            int floorHeight = ((layer.In.Height + (2 * win.PaddingHeight) - win.KernelHeight) / win.StrideHeight) + 1;
            int floorWidth = ((layer.In.Width + (2 * win.PaddingWidth) - win.KernelWidth) / win.StrideWidth) + 1;
            if (layer.Out.Height != floorHeight || layer.Out.Width != floorWidth)
            {
                yield return "CeilMode = true";
            }
        }

        switch (layer.Spec)
        {
            case ActivationSpec { Kind: ActivationKind.LeakyReLU or ActivationKind.ELU } a:
                yield return "Alpha = " + Number(a.Parameter);
                break;
            case DropoutSpec d:
                yield return "Alpha = " + Number(d.Rate);
                break;
            case BatchNormSpec b:
                yield return "Epsilon = " + Number(b.Epsilon);
                break;
        }

        if (layer.Parameters > 0 || layer.StateCount > 0)
        {
            if (Find(parameters, layer.ParameterOffset) is string weight)
            {
                yield return "Weight = " + NetworkEmitter.Literal(weight);
            }

            if (layer.BiasCount > 0 && Find(parameters, layer.ParameterOffset + layer.WeightCount) is string bias)
            {
                yield return "Bias = " + NetworkEmitter.Literal(bias);
            }

            if (layer.StateCount > 0)
            {
                if (Find(state, layer.StateOffset) is string mean)
                {
                    yield return "RunningMean = " + NetworkEmitter.Literal(mean);
                }

                if (Find(state, layer.StateOffset + (layer.StateCount / 2)) is string variance)
                {
                    yield return "RunningVar = " + NetworkEmitter.Literal(variance);
                }
            }
        }
    }

    /// <summary>The tensor that starts at this offset of the parameters (or of the state): its name, whatever the naming scheme.</summary>
    private static string? Find(Dictionary<int, string> byOffset, int offset) => byOffset.TryGetValue(offset, out string? name) ? name : null;

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
