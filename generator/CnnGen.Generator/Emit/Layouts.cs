using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Where the inference pass keeps each layer's output. Layers that do not change values at inference
/// (Flatten, Dropout, a BatchNorm folded into its convolution) alias their input; element-wise layers
/// run in place when nothing else reads their input later; every other output gets a region of one
/// arena, reused once the last reader of the region has run (best fit over the freed regions).
/// </summary>
internal sealed class InferenceLayout
{
    private readonly NetworkPlan _plan;
    private readonly int[] _root;
    private readonly int[] _offset;

    public InferenceLayout(NetworkPlan plan)
    {
        _plan = plan;
        int n = plan.Layers.Count;
        Consumers = Layouts.ConsumersOf(plan);

        // BatchNorm folding: a convolution whose only reader is a BatchNorm.
        FoldedInto = new int[n];
        FoldOffset = new int[n];
        int folded = 0;
        for (int i = 0; i < n; i++)
        {
            FoldedInto[i] = -1;
            if (plan.Layers[i].Spec is ConvSpec && Consumers[i].Count == 1 && plan.Layers[Consumers[i][0]].Spec is BatchNormSpec)
            {
                FoldedInto[i] = Consumers[i][0];
                FoldOffset[i] = folded;
                // checked: shape inference bounds these sums (CNN0007, CNN0015); if a bound were ever missed, the generator
                // must fail loudly (the fuzz test catches it) rather than write a wrapped length into the code.
                folded = checked(folded + plan.Layers[i].WeightCount + plan.Layers[i].Out.Channels);
            }
        }

        FoldedLength = folded;

        // Aliases and in-place layers share their input's root tensor.
        _root = new int[n];
        var regionLastReader = new int[n];
        for (int i = 0; i < n; i++)
        {
            regionLastReader[i] = -1;
        }

        for (int i = 0; i < n; i++)
        {
            LayerPlan layer = plan.Layers[i];
            int input = layer.Inputs[0];
            int inputRoot = input < 0 ? -1 : _root[input];
            bool identity = layer.Spec is FlattenSpec or DropoutSpec || (layer.Spec is BatchNormSpec && input >= 0 && FoldedInto[input] == i);
            bool elementwise = layer.Spec is ActivationSpec or BatchNormSpec;
            // Whether layer i is the last reader of every layer sharing its input's region: kept per region as the
            // latest consumer of any layer in it (a scan of all earlier layers per layer was quadratic).
            bool lastReader = inputRoot >= 0 && regionLastReader[inputRoot] <= i;
            _root[i] = identity ? inputRoot : elementwise && lastReader ? inputRoot : i;
            InPlace.Add(!identity && elementwise && lastReader);
            if (_root[i] >= 0)
            {
                regionLastReader[_root[i]] = System.Math.Max(regionLastReader[_root[i]], Consumers[i].Count == 0 ? -1 : Consumers[i].Max());
            }
        }

        // Convolutions small enough for the channel-vectorised direct kernel, and the max pools fused into them.
        Direct = new bool[n];
        FusedPool = new int[n];
        FusedInto = new int[n];
        PackOffset = new int[n];
        SourceOffset = new int[n];
        int packed = 0, source = 0;
        for (int i = 0; i < n; i++)
        {
            FusedPool[i] = -1;
            FusedInto[i] = -1;
        }

        Winograd = new bool[n];
        for (int i = 0; i < n; i++)
        {
            if (LayerKernels.IsWinogradConv(plan.Layers[i]))
            {
                // Winograd layers share the direct convolutions' packer (their transformed weights are packed the same way).
                Winograd[i] = true;
                PackOffset[i] = packed;
                SourceOffset[i] = source;
                packed = checked(packed + LayerKernels.WinogradPackedLength(plan.Layers[i]));
                source = checked(source + plan.Layers[i].WeightCount + plan.Layers[i].Out.Channels);
                continue;
            }

            if (!LayerKernels.IsDirectConv(plan.Layers[i]))
            {
                continue;
            }

            Direct[i] = true;
            PackOffset[i] = packed;
            SourceOffset[i] = source;
            packed = checked(packed + LayerKernels.PackedLength(plan.Layers[i]));
            source = checked(source + plan.Layers[i].WeightCount + plan.Layers[i].Out.Channels);
            int last = FusesReLU(i) ? i + 1 : i;
            int pool = last + 1;
            if (FoldedInto[i] < 0 && pool < n && Consumers[last].Count == 1 && Consumers[last][0] == pool
                && plan.Layers[pool].Inputs.Count == 1 && LayerKernels.CanFusePool(plan.Layers[i], plan.Layers[pool]))
            {
                FusedPool[i] = pool;
                FusedInto[pool] = i;
            }
        }

        PackedLength = packed;
        PackedSourceLength = source;

        // Liveness per root, then best-fit allocation in execution order.
        var lastUse = new Dictionary<int, int>();
        for (int t = 0; t < n; t++)
        {
            int r = _root[t];
            int last = Consumers[t].Count == 0 ? t : Consumers[t].Max();
            if (t == n - 1)
            {
                last = int.MaxValue;
            }

            lastUse[r] = lastUse.TryGetValue(r, out int seen) ? System.Math.Max(seen, last) : last;
        }

        // A fused pool is written by its convolution: the convolution's input stays live until the pool's step, so the
        // pool's output never shares its region.
        for (int i = 0; i < n; i++)
        {
            int input = plan.Layers[i].Inputs[0];
            if (FusedPool[i] >= 0 && input >= 0 && _root[input] >= 0)
            {
                lastUse[_root[input]] = System.Math.Max(lastUse[_root[input]], FusedPool[i]);
            }
        }

        _offset = new int[n];
        var free = new List<(int Offset, int Size)>();
        var live = new List<int>();
        int top = 0;
        for (int i = 0; i < n; i++)
        {
            foreach (int r in live.Where(r => lastUse[r] < i).ToList())
            {
                free.Add((_offset[r], plan.Layers[r].Out.Size));
                live.Remove(r);
            }

            if (_root[i] != i)
            {
                continue;
            }

            int size = plan.Layers[i].Out.Size;
            int best = -1;
            for (int f = 0; f < free.Count; f++)
            {
                if (free[f].Size >= size && (best < 0 || free[f].Size < free[best].Size))
                {
                    best = f;
                }
            }

            if (best >= 0)
            {
                _offset[i] = free[best].Offset;
                free[best] = (free[best].Offset + size, free[best].Size - size);
            }
            else
            {
                _offset[i] = top;
                top = checked(top + size);
            }

            live.Add(i);
        }

        ArenaLength = System.Math.Max(top, 1);

        ScratchLength = Enumerable.Range(0, n)
            .Select(i => Winograd[i] ? LayerKernels.WinogradScratchLength(plan.Layers[i]) : Direct[i] ? LayerKernels.DirectScratchLength(plan.Layers[i], FusedPool[i] < 0 ? null : plan.Layers[FusedPool[i]]) : LayerKernels.ScratchLength(plan.Layers[i]))
            .DefaultIfEmpty(0).Max();
    }

    /// <summary>
    /// Whether layer i (a convolution or dense layer) applies the ReLU after it in its own epilogue: the ReLU reads
    /// only layer i and runs in place, so nothing else sees the values before it.
    /// </summary>
    public bool FusesReLU(int i) =>
        _plan.Layers[i].Spec is ConvSpec or DenseSpec
        && FoldedInto[i] < 0
        && i + 1 < _plan.Layers.Count
        && _plan.Layers[i + 1].Spec is ActivationSpec { Kind: ActivationKind.ReLU }
        && _plan.Layers[i + 1].Inputs.Count == 1
        && _plan.Layers[i + 1].Inputs[0] == i
        && InPlace[i + 1]
        && Consumers[i].Count == 1;

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

    public int PackedLength { get; }

    public int PackedSourceLength { get; }

    public List<List<int>> Consumers { get; }

    /// <summary>For a folded convolution, the index of its BatchNorm; -1 otherwise.</summary>
    public int[] FoldedInto { get; }

    /// <summary>Where a folded convolution's weights (then biases) start in the folded buffer.</summary>
    public int[] FoldOffset { get; }

    public int FoldedLength { get; }

    /// <summary>Per layer: true when it overwrites its input (element-wise, last reader).</summary>
    public List<bool> InPlace { get; } = new();

    public int ArenaLength { get; }

    public int ScratchLength { get; }

    public int Total => ArenaLength + ScratchLength;

    /// <summary>The span expression of layer i's output (or of the network input for -1).</summary>
    public string Tensor(int i) => i < 0 || _root[i] < 0 ? "input" : $"arena.Slice({_offset[_root[i]]}, {_plan.Layers[i].Out.Size})";

    public bool IsAliasOfInput(int i) => _root[i] == (_plan.Layers[i].Inputs[0] < 0 ? -1 : _root[_plan.Layers[i].Inputs[0]]) && !InPlace[i];

    public string Describe() => $"{Text.Grouped(ArenaLength)} floats of activations (regions reused once read) + {Text.Grouped(ScratchLength)} of convolution scratch";
}

/// <summary>
/// Where training keeps each layer's output for a whole batch ("the tape"): every layer its own slot of
/// batch × size floats, except Flatten, which reuses the slot before it; Dropout also keeps its mask;
/// BatchNorm keeps its batch mean and 1/σ per channel. The gradient tape mirrors the slots.
/// </summary>
internal sealed class TapeLayout
{
    private readonly NetworkPlan _plan;
    private readonly int[] _slot;
    private readonly int[] _owner;
    private readonly string[] _names;

    public TapeLayout(NetworkPlan plan)
    {
        _plan = plan;
        int n = plan.Layers.Count;
        _slot = new int[n];
        _owner = new int[n];
        _names = SlotNames(plan);
        MaskSlot = new int[n];
        SavedOffset = new int[n];
        int offset = 0;
        int saved = 0;
        for (int i = 0; i < n; i++)
        {
            LayerPlan layer = plan.Layers[i];
            if (layer.Spec is FlattenSpec)
            {
                int input = layer.Inputs[0];
                _slot[i] = input < 0 ? -1 : _slot[input];
                _owner[i] = input < 0 ? i : _owner[input];
                continue;
            }

            _owner[i] = i;
            _slot[i] = offset;
            offset = checked(offset + layer.Out.Size);
            if (layer.Spec is DropoutSpec)
            {
                MaskSlot[i] = offset;
                offset = checked(offset + layer.Out.Size);
            }

            if (layer.Spec is BatchNormSpec)
            {
                SavedOffset[i] = saved;
                saved = checked(saved + 2 * layer.Out.Channels);
            }
        }

        Length = System.Math.Max(offset, 1);
        SavedLength = System.Math.Max(saved, 1);
        Scratch = plan.Layers.Select(l => System.Math.Max(LayerKernels.ScratchLength(l), LayerKernels.BackwardScratchLength(l))).DefaultIfEmpty(0).Max();

        // A layer's output gradient is needed when it, or a layer before it on some path, has parameters.
        NeedsGradient = new bool[n];
        for (int i = 0; i < n; i++)
        {
            NeedsGradient[i] = plan.Layers[i].Parameters > 0 || plan.Layers[i].Inputs.Any(j => j >= 0 && NeedsGradient[j]);
        }
    }

    /// <summary>Floats per image.</summary>
    public int Length { get; }

    public int[] MaskSlot { get; }

    public int[] SavedOffset { get; }

    public int SavedLength { get; }

    public int Scratch { get; }

    public bool[] NeedsGradient { get; }

    /// <summary>
    /// The name of the slot layer i's output lives in on the tapes: <c>t_</c> and the layer's graph node name (conv1, relu_2,
    /// layer1_0_conv1), unique; a Flatten's is the slot of the layer before it.
    /// </summary>
    public string SlotName(int i) => _names[_slot[i] < 0 ? i : _owner[i]];

    /// <summary>The slots, one per layer that owns one, with the Dropout masks: name, offset (× batch) and floats per image.</summary>
    public IEnumerable<(string Name, int Offset, int Size)> Slots()
    {
        for (int i = 0; i < _plan.Layers.Count; i++)
        {
            if (_owner[i] == i && _slot[i] >= 0)
            {
                yield return (_names[i], _slot[i], _plan.Layers[i].Out.Size);
                if (_plan.Layers[i].Spec is DropoutSpec)
                {
                    yield return (_names[i] + "_mask", MaskSlot[i], _plan.Layers[i].Out.Size);
                }
            }
        }
    }

    /// <summary>Where layer i's output starts on the tape (× batch), or -1 for a Flatten of the input (not on the tape).</summary>
    public int SlotOffset(int i) => _slot[i];

    /// <summary>Layer i's output for image b (i = -1: the network input).</summary>
    public string Image(string tape, int i) => i < 0 || _slot[i] < 0
        ? (tape == "tape" ? "inputs.Slice(b * InputLength, InputLength)" : "default")
        : $"c.Image({tape}, {SlotName(i)}, b)";

    /// <summary>Layer i's output for the whole batch, images back to back.</summary>
    public string Batch(string tape, int i) => i < 0 || _slot[i] < 0
        ? (tape == "tape" ? "inputs" : "default")
        : $"c.All({tape}, {SlotName(i)})";

    /// <summary>The gradient span of input j, or "default" when nothing before it trains.</summary>
    public string InputGradientImage(int j) => j >= 0 && NeedsGradient[j] ? Image("grad", j) : "default";

    public string InputGradientBatch(int j) => j >= 0 && NeedsGradient[j] ? Batch("grad", j) : "default";

    public string Mask(int i) => $"c.All(tape, {SlotName(i)}_mask)";

    /// <summary>Layer i's output for the images [from, to) of the batch, back to back (one part of a split stage).</summary>
    public string Range(string tape, int i) => i < 0 || _slot[i] < 0
        ? (tape == "tape" ? "inputs.Slice(from * InputLength, (to - from) * InputLength)" : "default")
        : $"c.Rows({tape}, {SlotName(i)})";

    public string InputGradientRange(int j) => j >= 0 && NeedsGradient[j] ? Range("grad", j) : "default";

    public string MaskRange(int i) => $"c.Rows(tape, {SlotName(i)}_mask)";

    public string Describe() => $"{Text.Grouped(Length)} floats per image";

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
