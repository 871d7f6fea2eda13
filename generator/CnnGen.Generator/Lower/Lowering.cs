using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Emit;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Lower;

/// <summary>
/// Lowers a <see cref="NetworkPlan"/> to an <see cref="ExecutionPlan"/>: one rule per decision, here and nowhere else.
/// Inference: BatchNorm folding, aliases and in-place layers, the direct-convolution choice and the pools fused into
/// it, ReLU fused into a convolution's or dense layer's epilogue, arena offsets (liveness, best fit) and scratch.
/// Training: tape and mask slots, BatchNorm's saved statistics, which outputs need a gradient, the ReLU backward fused
/// into a 2×2 pool's backward, the whole-batch/per-image stage split and the per-part parameter ranges.
/// Pure: no Roslyn, no text.
/// </summary>
internal static class Lowering
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<NetworkPlan, ExecutionPlan> Cache = new();

    /// <summary>Lowers the plan (cached per plan instance, so the pipeline step and the emitters share one result).</summary>
    public static ExecutionPlan Lower(NetworkPlan plan) => Cache.GetValue(plan, Compute);

    private static ExecutionPlan Compute(NetworkPlan plan)
    {
        int n = plan.Layers.Count;
        List<List<int>> consumers = Layouts.ConsumersOf(plan);

        // BatchNorm folding: a convolution whose only reader is a BatchNorm.
        int[] foldedInto = Fill(n, -1);
        int[] foldOffset = new int[n];
        int folded = 0;
        for (int i = 0; i < n; i++)
        {
            if (plan.Layers[i].Spec is ConvSpec && consumers[i].Count == 1 && plan.Layers[consumers[i][0]].Spec is BatchNormSpec)
            {
                foldedInto[i] = consumers[i][0];
                foldOffset[i] = folded;
                // checked: shape inference bounds these sums (CNN0007, CNN0015); if a bound were ever missed, the generator
                // must fail loudly (the fuzz test catches it) rather than write a wrapped length into the code.
                folded = checked(folded + plan.Layers[i].WeightCount + plan.Layers[i].Out.Channels);
            }
        }

        // Aliases and in-place layers share their input's root tensor.
        int[] root = new int[n];
        bool[] inPlace = new bool[n];
        int[] regionLastReader = Fill(n, -1);
        for (int i = 0; i < n; i++)
        {
            LayerPlan layer = plan.Layers[i];
            int input = layer.Inputs[0];
            int inputRoot = input < 0 ? -1 : root[input];
            bool identity = layer.Spec is FlattenSpec or DropoutSpec || (layer.Spec is BatchNormSpec && input >= 0 && foldedInto[input] == i);
            bool elementwise = layer.Spec is ActivationSpec or BatchNormSpec;
            // Whether layer i is the last reader of every layer sharing its input's region: kept per region as the
            // latest consumer of any layer in it (a scan of all earlier layers per layer was quadratic).
            bool lastReader = inputRoot >= 0 && regionLastReader[inputRoot] <= i;
            root[i] = identity ? inputRoot : elementwise && lastReader ? inputRoot : i;
            inPlace[i] = !identity && elementwise && lastReader;
            if (root[i] >= 0)
            {
                regionLastReader[root[i]] = System.Math.Max(regionLastReader[root[i]], consumers[i].Count == 0 ? -1 : consumers[i].Max());
            }
        }

        bool[] fusesReLU = Enumerable.Range(0, n).Select(i => FusesReLU(plan, consumers, foldedInto, inPlace, i)).ToArray();

        // Convolutions small enough for the channel-vectorised direct kernel, and the max pools fused into them.
        bool[] direct = new bool[n];
        int[] fusedPool = Fill(n, -1);
        int[] fusedInto = Fill(n, -1);
        int[] packOffset = new int[n];
        int[] sourceOffset = new int[n];
        bool[] winograd = new bool[n];
        int packed = 0, source = 0;
        for (int i = 0; i < n; i++)
        {
            if (LayerKernels.IsWinogradConv(plan.Layers[i]))
            {
                // Winograd layers share the direct convolutions' packer (their transformed weights are packed the same way).
                winograd[i] = true;
                packOffset[i] = packed;
                sourceOffset[i] = source;
                packed = checked(packed + LayerKernels.WinogradPackedLength(plan.Layers[i]));
                source = checked(source + plan.Layers[i].WeightCount + plan.Layers[i].Out.Channels);
                continue;
            }

            if (!LayerKernels.IsDirectConv(plan.Layers[i]))
            {
                continue;
            }

            direct[i] = true;
            packOffset[i] = packed;
            sourceOffset[i] = source;
            packed = checked(packed + LayerKernels.PackedLength(plan.Layers[i]));
            source = checked(source + plan.Layers[i].WeightCount + plan.Layers[i].Out.Channels);
            int last = fusesReLU[i] ? i + 1 : i;
            int pool = last + 1;
            if (foldedInto[i] < 0 && pool < n && consumers[last].Count == 1 && consumers[last][0] == pool
                && plan.Layers[pool].Inputs.Count == 1 && LayerKernels.CanFusePool(plan.Layers[i], plan.Layers[pool]))
            {
                fusedPool[i] = pool;
                fusedInto[pool] = i;
            }
        }

        (int[] offset, int top) = Allocate(plan, consumers, root, fusedPool);
        int arena = System.Math.Max(top, 1);
        int scratch = Enumerable.Range(0, n)
            .Select(i => winograd[i] ? LayerKernels.WinogradScratchLength(plan.Layers[i]) : direct[i] ? LayerKernels.DirectScratchLength(plan.Layers[i], fusedPool[i] < 0 ? null : plan.Layers[fusedPool[i]]) : LayerKernels.ScratchLength(plan.Layers[i]))
            .DefaultIfEmpty(0).Max();

        // The training tape: every layer its own slot of batch × size floats, except Flatten, which reuses the slot
        // before it; Dropout also keeps its mask; BatchNorm its batch mean and 1/σ per channel.
        int[] slot = new int[n];
        int[] maskSlot = new int[n];
        int[] savedOffset = new int[n];
        int tape = 0, saved = 0;
        for (int i = 0; i < n; i++)
        {
            LayerPlan layer = plan.Layers[i];
            if (layer.Spec is FlattenSpec)
            {
                slot[i] = layer.Inputs[0] < 0 ? -1 : slot[layer.Inputs[0]];
                continue;
            }

            slot[i] = tape;
            tape = checked(tape + layer.Out.Size);
            if (layer.Spec is DropoutSpec)
            {
                maskSlot[i] = tape;
                tape = checked(tape + layer.Out.Size);
            }

            if (layer.Spec is BatchNormSpec)
            {
                savedOffset[i] = saved;
                saved = checked(saved + 2 * layer.Out.Channels);
            }
        }

        // A layer's output gradient is needed when it, or a layer before it on some path, has parameters.
        bool[] needsGradient = new bool[n];
        for (int i = 0; i < n; i++)
        {
            needsGradient[i] = plan.Layers[i].Parameters > 0 || plan.Layers[i].Inputs.Any(j => j >= 0 && needsGradient[j]);
        }

        int[] backwardFusedReLU = Enumerable.Range(0, n).Select(i => BackwardFusedReLU(plan, consumers, needsGradient, i)).ToArray();
        int[] reluFusedInto = Fill(n, -1);
        for (int j = 0; j < n; j++)
        {
            if (backwardFusedReLU[j] >= 0 && reluFusedInto[backwardFusedReLU[j]] < 0)
            {
                reluFusedInto[backwardFusedReLU[j]] = j;
            }
        }

        // The trainer's transformed weights: each Winograd convolution's forward kernels, and the turned kernels of its
        // input gradient when the layer is padded and something before it trains.
        int[] trainPack = Fill(n, -1), trainSource = Fill(n, -1), trainGradPack = Fill(n, -1), trainGradSource = Fill(n, -1);
        bool[] trainWeights = Enumerable.Range(0, n).Select(i => TrainsWinogradWeights(plan, winograd, needsGradient, i)).ToArray();
        int trainPacked = 0, trainSources = 0;
        for (int i = 0; i < n; i++)
        {
            if (!winograd[i])
            {
                continue;
            }

            LayerPlan layer = plan.Layers[i];
            (trainPack[i], trainSource[i]) = (trainPacked, trainSources);
            trainPacked = checked(trainPacked + LayerKernels.WinogradPackedLength(layer));
            trainSources = checked(trainSources + layer.WeightCount + layer.Out.Channels);
            if (TrainsWinogradInputGradient(plan, needsGradient, i))
            {
                (trainGradPack[i], trainGradSource[i]) = (trainPacked, trainSources);
                trainPacked = checked(trainPacked + LayerKernels.WinogradInputGradientPackedLength(layer));
                trainSources = checked(trainSources + layer.WeightCount + layer.Out.Channels);
            }
        }

        var layers = new LayerExecution[n];
        for (int i = 0; i < n; i++)
        {
            LayerPlan layer = plan.Layers[i];
            int input = layer.Inputs[0];
            bool alias = root[i] == (input < 0 ? -1 : root[input]) && !inPlace[i];
            layers[i] = new LayerExecution(
                winograd[i] ? LayerKernel.ConvWinograd : KernelOf(plan, i, direct[i], fusedPool[i], fusedInto[i], foldedInto),
                IsTwoByTwoExtremePool(layer),
                root[i],
                root[i] < 0 ? -1 : offset[root[i]],
                inPlace[i],
                alias,
                foldedInto[i],
                foldOffset[i],
                fusesReLU[i],
                fusedPool[i],
                fusedInto[i],
                packOffset[i],
                sourceOffset[i],
                slot[i],
                maskSlot[i],
                savedOffset[i],
                needsGradient[i],
                backwardFusedReLU[i],
                reluFusedInto[i],
                ForwardWholeBatch(layer),
                BackwardWholeBatch(layer),
                trainPack[i],
                trainSource[i],
                trainWeights[i],
                trainGradPack[i],
                trainGradSource[i]);
        }

        List<PartRange> parts = PartRanges(plan);
        return new ExecutionPlan(
            new EquatableArray<LayerExecution>(layers),
            arena,
            scratch,
            folded,
            packed,
            source,
            System.Math.Max(tape, 1),
            System.Math.Max(saved, 1),
            Enumerable.Range(0, n).Select(i => TrainScratchLength(plan.Layers[i], trainPack[i] >= 0, trainWeights[i], trainGradPack[i] >= 0)).DefaultIfEmpty(0).Max(),
            System.Math.Max(trainPacked, 1),
            System.Math.Max(trainSources, 1),
            parts.Count == 0 ? 0 : parts[parts.Count - 1].Offset + parts[parts.Count - 1].Length,
            new EquatableArray<StagePlan>(Stages(plan, layers)),
            new EquatableArray<PartRange>(parts),
            TailStart(plan));
    }

    /// <summary>The kernel that runs layer i: one function for the whole choice.</summary>
    private static LayerKernel KernelOf(NetworkPlan plan, int i, bool direct, int fusedPool, int fusedInto, int[] foldedInto)
    {
        LayerPlan layer = plan.Layers[i];
        int input = layer.Inputs[0];
        return layer.Spec switch
        {
            ConvSpec when direct => fusedPool >= 0 ? LayerKernel.ConvDirectFusedPool : LayerKernel.ConvDirect,
            ConvSpec => LayerKernels.IsWideConv(layer) ? LayerKernel.ConvImplicitGemm : LayerKernel.ConvChunkedIm2col,
            DenseSpec => LayerKernel.Dense,
            PoolSpec when fusedInto >= 0 => LayerKernel.PoolFusedIntoConv,
            PoolSpec when IsTwoByTwoExtremePool(layer) => LayerKernel.TwoByTwoPool,
            PoolSpec => LayerKernel.Pool,
            GlobalPoolSpec => LayerKernel.GlobalPool,
            ActivationSpec { Kind: ActivationKind.Softmax } => LayerKernel.Softmax,
            ActivationSpec => LayerKernel.Activation,
            BatchNormSpec when input >= 0 && foldedInto[input] == i => LayerKernel.FoldedBatchNorm,
            BatchNormSpec => LayerKernel.BatchNorm,
            AddSpec => LayerKernel.Add,
            ConcatSpec => LayerKernel.Concat,
            _ => LayerKernel.Alias,
        };
    }

    /// <summary>The 2×2, stride-2 max/min pool (windows inside the frame): detected here, once.</summary>
    public static bool IsTwoByTwoExtremePool(LayerPlan layer) => LayerKernels.IsTwoByTwoExtremePool(layer);

    /// <summary>
    /// Whether layer i (a convolution, a dense layer or a two-input Add, whose pass is Kernels.AddReLU) applies the ReLU
    /// after it in its own epilogue or pass: the ReLU reads only layer i and runs in place, so nothing else sees the
    /// values before it.
    /// </summary>
    private static bool FusesReLU(NetworkPlan plan, List<List<int>> consumers, int[] foldedInto, bool[] inPlace, int i) =>
        (plan.Layers[i].Spec is ConvSpec or DenseSpec || (plan.Layers[i].Spec is AddSpec && plan.Layers[i].Inputs.Count == 2))
        && foldedInto[i] < 0
        && i + 1 < plan.Layers.Count
        && plan.Layers[i + 1].Spec is ActivationSpec { Kind: ActivationKind.ReLU }
        && plan.Layers[i + 1].Inputs.Count == 1
        && plan.Layers[i + 1].Inputs[0] == i
        && inPlace[i + 1]
        && consumers[i].Count == 1;

    // The ReLU whose backward pooling layer i's backward takes over, or -1. Fused when the pooling has 2×2 windows of
    // stride 2 (they do not overlap: each cell gets at most one window's gradient, so adding it straight into the ReLU
    // input's gradient gives the same sums), the ReLU's only consumer is the pooling and the ReLU's input has no other
    // consumer (nothing else adds into its gradient, so the order of sums is unchanged).
    private static int BackwardFusedReLU(NetworkPlan plan, List<List<int>> consumers, bool[] needsGradient, int i)
    {
        LayerPlan layer = plan.Layers[i];
        int relu = layer.Inputs[0];
        if (!IsTwoByTwoExtremePool(layer) || relu < 0 || !needsGradient[relu]
            || plan.Layers[relu].Spec is not ActivationSpec { Kind: ActivationKind.ReLU })
        {
            return -1;
        }

        int x = plan.Layers[relu].Inputs[0];
        return x >= 0 && needsGradient[x] && OnlyConsumer(plan, consumers, relu, i) && OnlyConsumer(plan, consumers, x, relu) ? relu : -1;
    }

    // Whether layer `consumer` is the only layer reading layer `layer`'s output (and reads it once).
    private static bool OnlyConsumer(NetworkPlan plan, List<List<int>> consumers, int layer, int consumer) =>
        consumers[layer].Count == 1 && plan.Layers[consumer].Inputs.Count(k => k == layer) == 1;

    /// <summary>
    /// Whether a Winograd convolution's input gradient in a training step runs in the Winograd domain too (the convolution
    /// of dY with the turned kernels): when the layer is padded (Same: that convolution is padded by 1 as well; unpadded
    /// it would need padding 2) and a layer before it trains. Its forward product runs there whenever inference runs it
    /// there.
    /// </summary>
    private static bool TrainsWinogradInputGradient(NetworkPlan plan, bool[] needsGradient, int i) =>
        plan.Layers[i].Window!.PaddingHeight == 1 && InputNeedsGradient(plan, needsGradient, i);

    /// <summary>
    /// Whether a Winograd convolution's weight gradient in a training step runs in the Winograd domain: unless its input
    /// gradient cannot (unpadded, with a layer before it that trains), when the GEMM backward takes both in one pass.
    /// </summary>
    private static bool TrainsWinogradWeights(NetworkPlan plan, bool[] winograd, bool[] needsGradient, int i) =>
        winograd[i] && (plan.Layers[i].Window!.PaddingHeight == 1 || !InputNeedsGradient(plan, needsGradient, i));

    private static bool InputNeedsGradient(NetworkPlan plan, bool[] needsGradient, int i) =>
        plan.Layers[i].Inputs[0] >= 0 && needsGradient[plan.Layers[i].Inputs[0]];

    // Scratch of a layer in a training step: the largest of its forward kernel's and its backward kernels'.
    private static int TrainScratchLength(LayerPlan layer, bool winograd, bool winogradWeights, bool winogradInputGradient) => System.Math.Max(
        System.Math.Max(winograd ? LayerKernels.WinogradScratchLength(layer) : LayerKernels.ScratchLength(layer), winogradWeights ? LayerKernels.WinogradWeightGradientScratchLength(layer) : LayerKernels.BackwardScratchLength(layer)),
        winogradInputGradient ? LayerKernels.WinogradInputGradientScratchLength(layer) : 0);

    /// <summary>BatchNorm (batch statistics) and Dropout (one mask draw per step) run forward over the whole batch.</summary>
    private static bool ForwardWholeBatch(LayerPlan layer) => layer.Spec is BatchNormSpec or DropoutSpec;

    /// <summary>BatchNorm's backward needs sums over the whole batch.</summary>
    private static bool BackwardWholeBatch(LayerPlan layer) => layer.Spec is BatchNormSpec;

    // The step's operations in order, grouped into stages. Stage 0 is always a per-image stage (it also clears the
    // gradients), even when it holds no operation.
    private static List<StagePlan> Stages(NetworkPlan plan, LayerExecution[] layers)
    {
        var ops = new List<(StepOp Op, bool WholeBatch)>();
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            ops.Add((new StepOp(StepOpKind.Forward, i), layers[i].ForwardWholeBatch));
        }

        ops.Add((new StepOp(StepOpKind.Loss, -1), false));
        for (int i = plan.Layers.Count - 1; i >= 0; i--)
        {
            if (layers[i].NeedsGradient)
            {
                ops.Add((new StepOp(StepOpKind.Backward, i), layers[i].BackwardWholeBatch));
            }
        }

        var stages = new List<(bool WholeBatch, List<StepOp> Ops)> { (false, new List<StepOp>()) };
        foreach ((StepOp op, bool wholeBatch) in ops)
        {
            if (stages[stages.Count - 1].WholeBatch != wholeBatch)
            {
                stages.Add((wholeBatch, new List<StepOp>()));
            }

            stages[stages.Count - 1].Ops.Add(op);
        }

        return stages.Select(s => new StagePlan(s.WholeBatch, new EquatableArray<StepOp>(s.Ops))).ToList();
    }

    // The parameter ranges each part accumulates on its own (every parameter but the dense layers', whose gradient is
    // taken over the whole batch in the last stage), adjacent layers merged.
    private static List<PartRange> PartRanges(NetworkPlan plan)
    {
        var ranges = new List<PartRange>();
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Parameters == 0 || layer.Spec is DenseSpec)
            {
                continue;
            }

            if (ranges.Count > 0 && ranges[ranges.Count - 1].Offset + ranges[ranges.Count - 1].Length == layer.ParameterOffset)
            {
                ranges[ranges.Count - 1] = ranges[ranges.Count - 1] with { Length = ranges[ranges.Count - 1].Length + (int)layer.Parameters };
            }
            else
            {
                ranges.Add(new PartRange(layer.ParameterOffset, (int)layer.Parameters));
            }
        }

        return ranges;
    }

    /// <summary>
    /// The first dense layer when it and every layer after it form a chain of dense, element-wise, Dropout and Flatten
    /// layers (each reading the one before), so ForwardBatch can run that tail over many images at once; -1 otherwise.
    /// </summary>
    private static int TailStart(NetworkPlan plan)
    {
        int d = -1;
        for (int i = 0; i < plan.Layers.Count && d < 0; i++)
        {
            d = plan.Layers[i].Spec is DenseSpec ? i : -1;
        }

        if (d < 0)
        {
            return -1;
        }

        for (int k = d; k < plan.Layers.Count; k++)
        {
            LayerPlan layer = plan.Layers[k];
            if (layer.Inputs.Count != 1 || (k > d && layer.Inputs[0] != k - 1) || layer.Spec is not (DenseSpec or ActivationSpec or DropoutSpec or FlattenSpec))
            {
                return -1;
            }
        }

        return d;
    }

    // Liveness per root, then best-fit allocation in execution order: a root's region is freed once its last reader
    // (the last layer anywhere reading a layer sharing it) has run; the network output stays live to the end.
    private static (int[] Offset, int Top) Allocate(NetworkPlan plan, List<List<int>> consumers, int[] root, int[] fusedPool)
    {
        int n = plan.Layers.Count;
        var lastUse = new Dictionary<int, int>();
        for (int t = 0; t < n; t++)
        {
            int r = root[t];
            int last = consumers[t].Count == 0 ? t : consumers[t].Max();
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
            if (fusedPool[i] >= 0 && input >= 0 && root[input] >= 0)
            {
                lastUse[root[input]] = System.Math.Max(lastUse[root[input]], fusedPool[i]);
            }
        }

        int[] offset = new int[n];
        var free = new List<(int Offset, int Size)>();
        var live = new List<int>();
        int top = 0;
        for (int i = 0; i < n; i++)
        {
            foreach (int r in live.Where(r => lastUse[r] < i).ToList())
            {
                free.Add((offset[r], plan.Layers[r].Out.Size));
                live.Remove(r);
            }

            if (root[i] != i)
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
                offset[i] = free[best].Offset;
                free[best] = (free[best].Offset + size, free[best].Size - size);
            }
            else
            {
                offset[i] = top;
                top = checked(top + size);
            }

            live.Add(i);
        }

        return (offset, top);
    }

    private static int[] Fill(int n, int value)
    {
        int[] a = new int[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = value;
        }

        return a;
    }
}
