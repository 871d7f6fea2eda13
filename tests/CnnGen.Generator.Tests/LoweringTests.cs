using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Lower;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Generator.Shapes;
using CnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Plain unit tests of <see cref="Lowering.Lower"/> on hand-built and random plans (no Roslyn): the arena plan never
/// lets a live tensor be overwritten (checked by an independent simulation of the inference pass), the fusion rules,
/// the training stage split and the tape slots.
/// </summary>
public sealed class LoweringTests
{
    // ---- Memory plan --------------------------------------------------------------------------------

    [Fact]
    public void ArenaPlan_NeverOverwritesALiveTensor_OverRandomNetworks()
    {
        var random = new Random(20261203);
        int checkedNetworks = 0;
        for (int iteration = 0; iteration < 400; iteration++)
        {
            NetworkSpec spec = RandomSpec(random);
            InferenceResult result = ShapeInference.Infer(spec);
            if (result.Plan is null || result.Errors.Count > 0)
            {
                continue;
            }

            try
            {
                CheckArena(result.Plan, Lowering.Lower(result.Plan));
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"iteration {iteration}: {string.Join(" → ", spec.Layers.Select(l => l.Display))}\n{e.Message}");
            }

            checkedNetworks++;
        }

        Assert.True(checkedNetworks >= 100, $"only {checkedNetworks} random networks were valid");
    }

    [Fact]
    public void TapeSlots_AreDisjointAndInsideTheTape_OverRandomNetworks()
    {
        var random = new Random(7);
        for (int iteration = 0; iteration < 200; iteration++)
        {
            InferenceResult result = ShapeInference.Infer(RandomSpec(random));
            if (result.Plan is null || result.Errors.Count > 0)
            {
                continue;
            }

            NetworkPlan plan = result.Plan;
            ExecutionPlan lowered = Lowering.Lower(plan);
            var tape = new List<(int Start, int End, string What)>();
            var saved = new List<(int Start, int End, string What)>();
            for (int i = 0; i < plan.Layers.Count; i++)
            {
                LayerExecution e = lowered.Layers[i];
                int size = plan.Layers[i].Out.Size;
                if (plan.Layers[i].Spec is FlattenSpec)
                {
                    int input = plan.Layers[i].Inputs[0];
                    Assert.Equal(input < 0 ? -1 : lowered.Layers[input].TapeSlot, e.TapeSlot);
                    continue;
                }

                tape.Add((e.TapeSlot, e.TapeSlot + size, $"layer {i}"));
                if (plan.Layers[i].Spec is DropoutSpec)
                {
                    tape.Add((e.MaskSlot, e.MaskSlot + size, $"mask {i}"));
                }

                if (plan.Layers[i].Spec is BatchNormSpec)
                {
                    saved.Add((e.SavedOffset, e.SavedOffset + (2 * plan.Layers[i].Out.Channels), $"saved {i}"));
                }
            }

            AssertDisjointWithin(tape, lowered.TapeLength);
            AssertDisjointWithin(saved, lowered.SavedLength);
        }
    }

    // ---- Fusion rules -------------------------------------------------------------------------------

    [Fact]
    public void ReLU_IsFusedIntoConvAndDense_WhenItIsTheSoleReader()
    {
        NetworkPlan plan = Valid(Net.Input(12, 12, 3).Conv(4, 3).ReLU().Flatten().Dense(10).ReLU().Dense(3).Build());
        ExecutionPlan lowered = Lowering.Lower(plan);

        Assert.True(lowered.Layers[0].FusesReLU);
        Assert.True(lowered.Layers[3].FusesReLU);
        Assert.False(lowered.Layers[5].FusesReLU); // nothing after it
        Assert.Equal(LayerKernel.Dense, lowered.Layers[3].Kernel);
    }

    [Fact]
    public void ReLU_IsFusedIntoTheResidualAdd_WhenItIsTheSoleReader()
    {
        // c → d (conv of c) → s = d + c (an Add takes the previous output plus the named ones) → ReLU: the ReLU runs in
        // the Add's pass (Kernels.AddReLU).
        NetworkPlan plan = Valid(Net.Input(8, 8, 4)
            .Layer(p => new ConvSpec(p, 4, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified) { Name = "c" })
            .Layer(p => new ConvSpec(p, 4, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified) { Name = "d" })
            .Layer(p => new AddSpec(p, new[] { "c" }.ToEquatableArray()) { Name = "s" })
            .Layer(p => new ActivationSpec(p, ActivationKind.ReLU))
            .Build());
        ExecutionPlan lowered = Lowering.Lower(plan);

        Assert.Equal(2, plan.Layers[2].Inputs.Count);
        Assert.Equal(LayerKernel.Add, lowered.Layers[2].Kernel);
        Assert.True(lowered.Layers[2].FusesReLU);
        Assert.False(lowered.Layers[0].FusesReLU); // c is read by d and by the Add

        // s = d + c + d, three inputs: the ReLU stays a pass of its own (Kernels.AddReLU takes two).
        NetworkPlan three = Valid(Net.Input(8, 8, 4)
            .Layer(p => new ConvSpec(p, 4, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified) { Name = "c" })
            .Layer(p => new ConvSpec(p, 4, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified) { Name = "d" })
            .Layer(p => new AddSpec(p, new[] { "c", "d" }.ToEquatableArray()) { Name = "s" })
            .Layer(p => new ActivationSpec(p, ActivationKind.ReLU))
            .Build());
        Assert.Equal(3, three.Layers[2].Inputs.Count);
        Assert.False(Lowering.Lower(three).Layers[2].FusesReLU);
    }

    [Fact]
    public void ReLU_IsNotFused_WhenTheConvolutionHasAnotherReader()
    {
        // conv "c" is read by the ReLU and by the Add: the Add must see the values before the ReLU.
        NetworkPlan plan = Valid(Net.Input(8, 8, 4)
            .Layer(p => new ConvSpec(p, 4, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified) { Name = "c" })
            .Layer(p => new ActivationSpec(p, ActivationKind.ReLU) { Name = "r" })
            .Layer(p => new AddSpec(p, new[] { "c", "r" }.ToEquatableArray()))
            .Build());
        ExecutionPlan lowered = Lowering.Lower(plan);

        Assert.False(lowered.Layers[0].FusesReLU);
        Assert.Equal(LayerKernel.Add, lowered.Layers[2].Kernel);
    }

    [Fact]
    public void MaxPool_IsFusedIntoTheDirectConvolutionBeforeIt()
    {
        // 8×8×3 → conv 3×3 pad 1, 8 filters (8×8×8, 13,824 multiply-adds: direct) → ReLU → max pool 2.
        NetworkPlan plan = Valid(Net.Input(8, 8, 3).Conv(8, 3, padding: 1).ReLU().MaxPool(2).Flatten().Dense(2).Build());
        ExecutionPlan lowered = Lowering.Lower(plan);

        Assert.Equal(LayerKernel.ConvDirectFusedPool, lowered.Layers[0].Kernel);
        Assert.True(lowered.Layers[0].FusesReLU);
        Assert.Equal(2, lowered.Layers[0].FusedPool);
        Assert.Equal(0, lowered.Layers[2].FusedInto);
        Assert.Equal(LayerKernel.PoolFusedIntoConv, lowered.Layers[2].Kernel);
    }

    [Fact]
    public void ReLUBackward_IsFusedIntoTwoByTwoPoolBackward_OnlyWhenSoleConsumers()
    {
        ExecutionPlan lenet = Lowering.Lower(Valid(Net.LeNet5().Build()));
        // conv(0) → ReLU(1) → pool(2), conv(3) → ReLU(4) → pool(5).
        Assert.Equal(1, lenet.Layers[2].BackwardFusedReLU);
        Assert.Equal(2, lenet.Layers[1].ReLUBackwardFusedInto);
        Assert.Equal(4, lenet.Layers[5].BackwardFusedReLU);
        Assert.True(lenet.Layers[2].TwoByTwoPool);

        // The ReLU is also read by the Add: its gradient gets two contributions, so the pool cannot take its backward.
        NetworkPlan shared = Valid(Net.Input(8, 8, 4)
            .Layer(p => new ConvSpec(p, 4, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified))
            .Layer(p => new ActivationSpec(p, ActivationKind.ReLU) { Name = "r" })
            .Layer(p => new PoolSpec(p, PoolKind.Max, 2, 2, 0, RoundingMode.Unspecified) { Name = "q" })
            .Layer(p => new ConvSpec(p, 4, 2, 2, 2, 2, 0, 0, true, RoundingMode.Unspecified) { From = "r", Name = "d" })
            .Layer(p => new AddSpec(p, new[] { "d", "q" }.ToEquatableArray()))
            .Build());
        ExecutionPlan lowered = Lowering.Lower(shared);
        Assert.Equal(-1, lowered.Layers[2].BackwardFusedReLU);
        Assert.Equal(-1, lowered.Layers[1].ReLUBackwardFusedInto);

        // A 3×3 pool is not 2×2: no fusion.
        ExecutionPlan three = Lowering.Lower(Valid(Net.Input(11, 11, 1).Conv(4, 3).ReLU().MaxPool(3).Flatten().Dense(2).Build()));
        Assert.Equal(-1, three.Layers[2].BackwardFusedReLU);
        Assert.False(three.Layers[2].TwoByTwoPool);
    }

    // ---- Training stages ------------------------------------------------------------------------------

    [Fact]
    public void BatchNormAndDropoutForward_AndBatchNormBackward_RunOnTheWholeBatch()
    {
        // conv(0) → BN(1) → ReLU(2) → flatten(3) → dense(4) → dropout(5) → dense(6)
        NetworkPlan plan = Valid(Net.Input(6, 6, 1).Conv(2, 3)
            .Layer(p => new BatchNormSpec(p, 1e-5, 0.1)).ReLU().Flatten().Dense(4)
            .Layer(p => new DropoutSpec(p, 0.5)).Dense(2).Build());
        ExecutionPlan lowered = Lowering.Lower(plan);

        string stages = string.Join(" | ", lowered.Stages.Select(s => (s.WholeBatch ? "B:" : "I:") + string.Join(",", s.Ops.Select(Op))));
        Assert.Equal("I:F0 | B:F1 | I:F2,F3,F4 | B:F5 | I:F6,L,B6,B5,B4,B3,B2 | B:B1 | I:B0", stages);
        Assert.Equal(LayerKernel.FoldedBatchNorm, lowered.Layers[1].Kernel);
        Assert.Equal(LayerKernel.Alias, lowered.Layers[5].Kernel);
    }

    [Fact]
    public void Training_RunsWinogradLayersInTheWinogradDomain_AndTheirGradientsWhereTheyCan()
    {
        // 32 → 32 channels at 17×17, stride 1: Winograd under Auto. Layer 0 is first (nothing before it trains: no input
        // gradient); layer 2 (padding 1) before a BatchNorm, folded at inference but not in training; layer 5 unpadded
        // (its input gradient would need padding 2); layer 7 is 3×3 stride 2 (not Winograd).
        NetworkPlan plan = Valid(Net.Input(17, 17, 32)
            .Layer(p => new ConvSpec(p, 32, 3, 1, 1, RoundingMode.Unspecified)).ReLU()
            .Layer(p => new ConvSpec(p, 32, 3, 1, 1, RoundingMode.Unspecified))
            .Layer(p => new BatchNormSpec(p, 1e-5, 0.1)).ReLU()
            .Layer(p => new ConvSpec(p, 32, 3, 1, 0, RoundingMode.Unspecified)).ReLU()
            .Layer(p => new ConvSpec(p, 32, 3, 2, 1, RoundingMode.Unspecified))
            .Build());
        ExecutionPlan lowered = Lowering.Lower(plan);
        LayerExecution first = lowered.Layers[0], folded = lowered.Layers[2], valid = lowered.Layers[5], strided = lowered.Layers[7];

        Assert.Equal(LayerKernel.ConvWinograd, first.Kernel);
        Assert.Equal((0, 0, -1), (first.TrainPackOffset, first.TrainSourceOffset, first.TrainGradPackOffset));
        Assert.Equal(3, folded.FoldedInto);
        Assert.True(folded.TrainPackOffset > 0);
        Assert.True(folded.TrainGradPackOffset > folded.TrainPackOffset);
        Assert.Equal(LayerKernel.ConvWinograd, valid.Kernel);
        Assert.True(valid.TrainPackOffset > folded.TrainGradPackOffset);
        Assert.Equal(-1, valid.TrainGradPackOffset);
        Assert.NotEqual(LayerKernel.ConvWinograd, strided.Kernel);
        Assert.Equal((-1, -1), (strided.TrainPackOffset, strided.TrainGradPackOffset));

        // The weight gradient runs in the Winograd domain where the input gradient does or none is needed; the unpadded
        // layer with a trainable layer before it keeps the GEMM backward, which takes both in one pass.
        Assert.Equal((true, true, false, false), (first.TrainWinogradWeights, folded.TrainWinogradWeights, valid.TrainWinogradWeights, strided.TrainWinogradWeights));

        // Every transformed matrix set and its source copy, back to back: three forward sets (17×17 and 15×15 outputs:
        // F(4×4)), one input-gradient set; sources of K·C·9 + K floats each.
        int set = CnnGen.Generator.Emit.LayerKernels.WinogradPackedLength(plan.Layers[0]);
        Assert.Equal(4 * set, lowered.TrainPackedLength);
        Assert.Equal(4 * ((32 * 32 * 9) + 32), lowered.TrainPackedSourceLength);

        // The step's scratch holds the Winograd kernels' for one image (frame, V and M matrices).
        Assert.True(lowered.TrainScratchLength >= CnnGen.Generator.Emit.LayerKernels.WinogradInputGradientScratchLength(plan.Layers[2]));
        Assert.True(lowered.TrainScratchLength >= CnnGen.Generator.Emit.LayerKernels.WinogradWeightGradientScratchLength(plan.Layers[0]));

        // Algorithm = Direct keeps training on the GEMM path too, and a network without Winograd layers transforms nothing.
        NetworkPlan direct = Valid(Net.Input(16, 16, 32)
            .Layer(p => new ConvSpec(p, 32, 3, 1, 1, RoundingMode.Unspecified)).ReLU()
            .Layer(p => new ConvSpec(p, 32, 3, 1, 1, RoundingMode.Unspecified) { Algorithm = ConvAlgorithmKind.Direct }).Build());
        Assert.Equal((-1, -1), (Lowering.Lower(direct).Layers[2].TrainPackOffset, Lowering.Lower(direct).Layers[2].TrainGradPackOffset));
        Assert.Equal(1, Lowering.Lower(Valid(Net.Input(8, 8, 1).Conv(2, 3).Build())).TrainPackedLength);
    }

    [Fact]
    public void StageZero_IsPerImage_EvenWhenTheFirstLayerIsWholeBatch()
    {
        NetworkPlan plan = Valid(Net.Input(1, 1, 4).Layer(p => new DropoutSpec(p, 0.5)).Dense(2).Build());
        ExecutionPlan lowered = Lowering.Lower(plan);

        Assert.False(lowered.Stages[0].WholeBatch);
        Assert.Empty(lowered.Stages[0].Ops);
        Assert.True(lowered.Stages[1].WholeBatch);
        // The dropout's output gradient is not needed: nothing before it trains.
        Assert.False(lowered.Layers[0].NeedsGradient);
        Assert.True(lowered.Layers[1].NeedsGradient);
    }

    [Fact]
    public void DenseTail_StartsAtTheFirstDenseLayer_OfAPureChain()
    {
        Assert.Equal(6, Lowering.Lower(Valid(Net.LeNet5().Build())).TailStart);
        Assert.Equal(-1, Lowering.Lower(Valid(Net.Input(8, 8, 1).Conv(2, 3).Build())).TailStart);
    }

    [Fact]
    public void Lowering_IsValueEquatable()
    {
        ExecutionPlan a = Lowering.Lower(Valid(Net.LeNet5().Build()));
        ExecutionPlan b = Lowering.Lower(Valid(Net.LeNet5().Build()));
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.NotEqual(a, Lowering.Lower(Valid(Net.Input(8, 8, 1).Conv(2, 3).Build())));
    }

    // ---- The independent checker ----------------------------------------------------------------------

    // Simulates the inference pass over the arena, one tag (the value's producing layer) per float: every read finds
    // its value intact, no kernel writes over one of its own (non in-place) inputs, and the output survives to the end.
    private static void CheckArena(NetworkPlan plan, ExecutionPlan lowered)
    {
        int n = plan.Layers.Count;
        int[] cells = Enumerable.Repeat(-2, lowered.ArenaLength).ToArray();
        int[] tag = new int[n];
        bool[] materialised = Enumerable.Repeat(true, n).ToArray();
        for (int i = 0; i < n; i++)
        {
            LayerExecution e = lowered.Layers[i];
            LayerPlan layer = plan.Layers[i];
            int size = layer.Out.Size;
            Assert.True(e.Root < 0 || (e.Offset >= 0 && e.Offset + size <= lowered.ArenaLength), $"layer {i} outside the arena");

            if (e.FusedInto >= 0 || !materialised[i])
            {
                continue; // written by its convolution's step, or never written (the convolution and ReLU of a fused pool)
            }

            foreach (int j in layer.Inputs.Where(j => j >= 0))
            {
                Assert.True(materialised[j], $"layer {i} reads layer {j}, which is never written");
                if (lowered.Layers[j].Root >= 0)
                {
                    for (int c = lowered.Layers[j].Offset; c < lowered.Layers[j].Offset + plan.Layers[j].Out.Size; c++)
                    {
                        Assert.True(cells[c] == tag[j], $"layer {i} reads layer {j} at {c}, overwritten by layer {cells[c]}");
                    }
                }
            }

            if (e.Alias)
            {
                tag[i] = layer.Inputs[0] < 0 ? -1 : tag[layer.Inputs[0]];
                continue;
            }

            // The region written at this step: a fused pool's, when the convolution computes it.
            int target = e.FusedPool >= 0 ? e.FusedPool : i;
            if (e.FusedPool >= 0)
            {
                materialised[i] = false;
                if (e.FusesReLU)
                {
                    materialised[i + 1] = false;
                }
            }

            LayerExecution t = lowered.Layers[target];
            int start = t.Offset, end = t.Offset + plan.Layers[target].Out.Size;
            if (!e.InPlace)
            {
                foreach (int j in layer.Inputs.Where(j => j >= 0 && lowered.Layers[j].Root >= 0))
                {
                    int js = lowered.Layers[j].Offset, je = js + plan.Layers[j].Out.Size;
                    Assert.True(end <= js || je <= start, $"layer {target} is written over its input {j} while read");
                }
            }

            for (int c = start; c < end; c++)
            {
                cells[c] = target;
            }

            tag[target] = target;
        }

        int last = n - 1;
        for (int c = lowered.Layers[last].Offset; lowered.Layers[last].Root >= 0 && c < lowered.Layers[last].Offset + plan.Layers[last].Out.Size; c++)
        {
            Assert.True(cells[c] == tag[last], $"the output is overwritten by layer {cells[c]}");
        }
    }

    private static void AssertDisjointWithin(List<(int Start, int End, string What)> ranges, int length)
    {
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        for (int k = 0; k < sorted.Count; k++)
        {
            Assert.True(sorted[k].Start >= 0 && sorted[k].End <= length, $"{sorted[k].What} outside [0, {length})");
            if (k > 0)
            {
                Assert.True(sorted[k - 1].End <= sorted[k].Start, $"{sorted[k - 1].What} overlaps {sorted[k].What}");
            }
        }
    }

    // ---- Random networks ------------------------------------------------------------------------------

    // A random chain of convolutions, pools, activations, BatchNorm, Dropout, residual blocks, Inception modules and named
    // branches (a layer reading an earlier named one, then an Add or Concat of the two), with a dense tail.
    private static NetworkSpec RandomSpec(Random random)
    {
        var net = Net.Input(random.Next(4, 13), random.Next(4, 13), random.Next(1, 5));
        int count = random.Next(1, 9);
        int names = 0;
        for (int k = 0; k < count; k++)
        {
            switch (random.Next(11))
            {
                case 0 or 1:
                    net.Conv(random.Next(1, 13), random.Next(1, 4), random.Next(1, 3), random.Next(0, 2));
                    break;
                case 2:
                    net.ReLU();
                    break;
                case 3:
                    net.MaxPool(random.Next(2, 4), padding: 0);
                    break;
                case 4:
                    net.Layer(p => new BatchNormSpec(p, 1e-5, 0.1));
                    break;
                case 5:
                    net.Layer(p => new DropoutSpec(p, 0.25));
                    break;
                case 6:
                    net.Layer(p => new BasicBlockSpec(p, random.Next(2, 9), random.Next(1, 3)));
                    break;
                case 7:
                    net.Layer(p => new InceptionSpec(p, 2, 2, 3, 1, 2, 2));
                    break;
                case 8:
                    net.Tanh();
                    break;
                default:
                {
                    // x → (relu | conv 1×1 same channels) named, read twice: Add(x, f(x)) or Concat.
                    string x = $"x{names++}";
                    string y = $"y{names++}";
                    int filters = random.Next(2, 9);
                    net.Layer(p => new ConvSpec(p, filters, 1, 1, 1, 1, 0, 0, true, RoundingMode.Unspecified) { Name = x });
                    net.Layer(p => random.Next(2) == 0
                        ? new ActivationSpec(p, ActivationKind.ReLU) { Name = y }
                        : new ConvSpec(p, filters, 3, 3, 1, 1, 1, 1, true, RoundingMode.Unspecified) { Name = y, From = x });
                    net.Layer(p => random.Next(2) == 0
                        ? new AddSpec(p, new[] { x, y }.ToEquatableArray())
                        : new ConcatSpec(p, new[] { y, x }.ToEquatableArray()));
                    break;
                }
            }
        }

        if (random.Next(2) == 0)
        {
            net.Flatten().Dense(random.Next(2, 9));
            if (random.Next(2) == 0)
            {
                net.ReLU().Layer(p => new DropoutSpec(p, 0.5)).Dense(3);
            }
        }

        return net.Build();
    }

    private static string Op(StepOp op) => op.Kind switch
    {
        StepOpKind.Forward => $"F{op.Layer}",
        StepOpKind.Backward => $"B{op.Layer}",
        _ => "L",
    };

    private static NetworkPlan Valid(NetworkSpec spec)
    {
        InferenceResult result = ShapeInference.Infer(spec);
        Assert.True(result.Errors.Count == 0, "Unexpected errors: " + string.Join(" | ", result.Errors.Select(e => e.Id + " " + e.Message)));
        Assert.NotNull(result.Plan);
        return result.Plan!;
    }
}
