using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Lower;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// A thin view of the inference decisions of <see cref="Lowering.Lower"/> (aliases, in-place layers, BatchNorm
/// folding, direct convolutions and fused pools, arena offsets): the span expressions the emitters write.
/// </summary>
internal sealed class InferenceLayout
{
    private readonly NetworkPlan _plan;

    public InferenceLayout(NetworkPlan plan)
    {
        _plan = plan;
        Execution = Lowering.Lower(plan);
        EquatableArray<LayerExecution> layers = Execution.Layers;
        Consumers = Layouts.ConsumersOf(plan);
        Direct = layers.Select(l => l.Kernel is LayerKernel.ConvDirect or LayerKernel.ConvDirectFusedPool).ToArray();
        Winograd = layers.Select(l => l.Kernel is LayerKernel.ConvWinograd).ToArray();
        FusedPool = layers.Select(l => l.FusedPool).ToArray();
        FusedInto = layers.Select(l => l.FusedInto).ToArray();
        PackOffset = layers.Select(l => l.PackOffset).ToArray();
        SourceOffset = layers.Select(l => l.SourceOffset).ToArray();
        FoldedInto = layers.Select(l => l.FoldedInto).ToArray();
        FoldOffset = layers.Select(l => l.FoldOffset).ToArray();
        InPlace = layers.Select(l => l.InPlace).ToList();
    }

    public ExecutionPlan Execution { get; }

    /// <summary>Whether layer i (a convolution or dense layer) applies the ReLU after it in its own epilogue.</summary>
    public bool FusesReLU(int i) => Execution.Layers[i].FusesReLU;

    /// <summary>Per layer: whether it is a convolution that runs through the channel-vectorised direct kernel.</summary>
    public bool[] Direct { get; }

    /// <summary>Per layer: whether it is a convolution that runs through the Winograd kernel (Plan/ConvAlgorithms.cs).</summary>
    public bool[] Winograd { get; }

    /// <summary>For a direct convolution, the max pool fused into its epilogue; -1 otherwise.</summary>
    public int[] FusedPool { get; }

    /// <summary>For a fused max pool, the convolution that computes it; -1 otherwise.</summary>
    public int[] FusedInto { get; }

    /// <summary>Where a direct convolution's packed weights and bias start in the packed buffer.</summary>
    public int[] PackOffset { get; }

    /// <summary>Where the weights and bias a direct convolution was packed from start in the source copy.</summary>
    public int[] SourceOffset { get; }

    public int PackedLength => Execution.PackedLength;

    public int PackedSourceLength => Execution.PackedSourceLength;

    public List<List<int>> Consumers { get; }

    /// <summary>For a folded convolution, the index of its BatchNorm; -1 otherwise.</summary>
    public int[] FoldedInto { get; }

    /// <summary>Where a folded convolution's weights (then biases) start in the folded buffer.</summary>
    public int[] FoldOffset { get; }

    public int FoldedLength => Execution.FoldedLength;

    /// <summary>Per layer: true when it overwrites its input (element-wise, last reader).</summary>
    public List<bool> InPlace { get; }

    public int ArenaLength => Execution.ArenaLength;

    public int ScratchLength => Execution.ScratchLength;

    public int Total => ArenaLength + ScratchLength;

    /// <summary>The span expression of layer i's output (or of the network input for -1).</summary>
    public string Tensor(int i) => i < 0 || Execution.Layers[i].Root < 0 ? "input" : $"arena.Slice({Execution.Layers[i].Offset}, {_plan.Layers[i].Out.Size})";

    public bool IsAliasOfInput(int i) => Execution.Layers[i].Alias;

    public string Describe() => $"{Text.Grouped(ArenaLength)} floats of activations (regions reused once read) + {Text.Grouped(ScratchLength)} of convolution scratch";
}

/// <summary>
/// A thin view of the training decisions of <see cref="Lowering.Lower"/> (tape and mask slots, BatchNorm's saved
/// statistics, which outputs need a gradient): the span expressions the training emitter writes.
/// </summary>
internal sealed class TapeLayout
{
    private readonly NetworkPlan _plan;
    private readonly ExecutionPlan _execution;
    private readonly int[] _owner;
    private readonly string[] _names;

    public TapeLayout(NetworkPlan plan)
    {
        _plan = plan;
        _owner = Owners(plan);
        _names = SlotNames(plan);
        _execution = Lowering.Lower(plan);
        MaskSlot = _execution.Layers.Select(l => l.MaskSlot).ToArray();
        SavedOffset = _execution.Layers.Select(l => l.SavedOffset).ToArray();
        NeedsGradient = _execution.Layers.Select(l => l.NeedsGradient).ToArray();
    }

    public ExecutionPlan Execution => _execution;

    /// <summary>Floats per image.</summary>
    public int Length => _execution.TapeLength;

    public int[] MaskSlot { get; }

    public int[] SavedOffset { get; }

    public int SavedLength => _execution.SavedLength;

    public int Scratch => _execution.TrainScratchLength;

    public bool[] NeedsGradient { get; }

    private int Slot(int i) => _execution.Layers[i].TapeSlot;

    /// <summary>Where layer i's output starts on the tape (× batch), or -1 for a Flatten of the input (not on the tape).</summary>
    public int SlotOffset(int i) => Slot(i);

    /// <summary>
    /// The name of the slot layer i's output lives in on the tapes: <c>t_</c> and the graph node name of the layer that owns
    /// it (conv1, relu_2, layer1_0_conv1), unique; a Flatten's is the slot of the layer before it.
    /// </summary>
    public string SlotName(int i) => _names[_owner[i]];

    /// <summary>The slots, one per layer that owns one, with the Dropout masks: name, offset (× batch) and floats per image.</summary>
    public IEnumerable<(string Name, int Offset, int Size)> Slots()
    {
        for (int i = 0; i < _plan.Layers.Count; i++)
        {
            if (_owner[i] == i && Slot(i) >= 0)
            {
                yield return (_names[i], Slot(i), _plan.Layers[i].Out.Size);
                if (_plan.Layers[i].Spec is DropoutSpec)
                {
                    yield return (_names[i] + "_mask", MaskSlot[i], _plan.Layers[i].Out.Size);
                }
            }
        }
    }

    /// <summary>Layer i's output for image b (i = -1: the network input).</summary>
    public string Image(string tape, int i) => i < 0 || Slot(i) < 0
        ? (tape == "tape" ? "inputs.Slice(b * InputLength, InputLength)" : "default")
        : $"c.Image({tape}, {SlotName(i)}, b)";

    /// <summary>Layer i's output for the whole batch, images back to back.</summary>
    public string Batch(string tape, int i) => i < 0 || Slot(i) < 0
        ? (tape == "tape" ? "inputs" : "default")
        : $"c.All({tape}, {SlotName(i)})";

    /// <summary>The gradient span of input j, or "default" when nothing before it trains.</summary>
    public string InputGradientImage(int j) => j >= 0 && NeedsGradient[j] ? Image("grad", j) : "default";

    public string InputGradientBatch(int j) => j >= 0 && NeedsGradient[j] ? Batch("grad", j) : "default";

    public string Mask(int i) => $"c.All(tape, {SlotName(i)}_mask)";

    /// <summary>Layer i's output for the images [from, to) of the batch, back to back (one part of a split stage).</summary>
    public string Range(string tape, int i) => i < 0 || Slot(i) < 0
        ? (tape == "tape" ? "inputs.Slice(from * InputLength, (to - from) * InputLength)" : "default")
        : $"c.Rows({tape}, {SlotName(i)})";

    public string InputGradientRange(int j) => j >= 0 && NeedsGradient[j] ? Range("grad", j) : "default";

    public string MaskRange(int i) => $"c.Rows(tape, {SlotName(i)}_mask)";

    public string Describe() => $"{Text.Grouped(Length)} floats per image";

    // The layer whose slot each layer's output is in: itself, or for a Flatten the owner of its input's.
    private static int[] Owners(NetworkPlan plan)
    {
        var owner = new int[plan.Layers.Count];
        for (int i = 0; i < owner.Length; i++)
        {
            int input = plan.Layers[i].Inputs[0];
            owner[i] = plan.Layers[i].Spec is FlattenSpec && input >= 0 ? owner[input] : i;
        }

        return owner;
    }

    // "t_" and the graph node name with every character outside [A-Za-z0-9_] as '_', made unique.
    private static string[] SlotNames(NetworkPlan plan)
    {
        string[] nodes = GraphEmitter.NodeNames(plan);
        var used = new HashSet<string>(System.StringComparer.Ordinal);
        var names = new string[nodes.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            var text = new System.Text.StringBuilder("t_");
            foreach (char ch in nodes[i])
            {
                text.Append(ch is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' ? ch : '_');
            }

            string name = text.ToString();
            string unique = name;
            for (int k = 2; !used.Add(unique) || !used.Add(unique + "_mask"); k++)
            {
                unique = name + "_" + Text.Int(k);
            }

            names[i] = unique;
        }

        return names;
    }
}

/// <summary>Graph helpers the layouts and emitters share.</summary>
internal static class Layouts
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NetworkPlan, List<List<int>>> Cache = new();

    /// <summary>The layers that read each layer's output, in order (each once), built in one pass and cached per plan.</summary>
    public static List<List<int>> ConsumersOf(NetworkPlan plan) => Cache.GetValue(plan, static p =>
    {
        var consumers = new List<List<int>>(p.Layers.Count);
        for (int i = 0; i < p.Layers.Count; i++)
        {
            consumers.Add(new List<int>());
        }

        for (int j = 0; j < p.Layers.Count; j++)
        {
            foreach (int input in p.Layers[j].Inputs)
            {
                if (input >= 0 && (consumers[input].Count == 0 || consumers[input][consumers[input].Count - 1] != j))
                {
                    consumers[input].Add(j);
                }
            }
        }

        return consumers;
    });
}
