using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Lower;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using OpKind = CnnGen.Generator.Lower.StepOpKind;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Emits training: a forward pass over the whole batch, layer after layer, that keeps every output on
/// the tape (BatchNorm needs the batch's statistics; Dropout draws its masks); the loss; the backward pass
/// in reverse; and the nested <c>Trainer</c> class (loss, gradients, optimizer step). All of it sits behind
/// <c>Trainer</c>, so an inference-only app that never names it trims it away.
/// </summary>
/// <remarks>
/// The step runs in stages. A per-image stage holds consecutive operations (layers forward, the loss, layers
/// backward) that treat every image on its own; it is split into parts over contiguous ranges of images, run
/// on the worker threads and the calling thread, each part with its own scratch and its own parameter-gradient
/// buffer. A whole-batch stage holds what needs the whole batch at once — BatchNorm forward and backward (batch
/// statistics) and Dropout forward (one seeded random sequence over the batch) — and runs on the calling thread.
/// A last stage, split by parameter ranges rather than images, takes the dense layers' parameter gradients over the
/// whole batch (one product per layer whose depth is the batch, split by output rows: no per-part copies of the large
/// dense weights) and adds the parts' other parameter gradients into part 0's in part order. Then the calling thread
/// checks that the loss and every gradient are finite (a step that is not is refused, with the running statistics put
/// back, before anything else changes), and a final stage runs the optimizer step on each part's range of the
/// parameters (Optimizer.StepRange). So everything but the summation order of the convolutions' (and BatchNorm's)
/// parameter gradients is independent of the number of parts, and a given number of parts always gives the same bits.
/// </remarks>
internal static class TrainingEmitter
{
    private const string Ros = "global::System.ReadOnlySpan<float>";
    private const string Sp = "global::System.Span<float>";
    private const string BatchWork = "global::CnnGen.Runtime.BatchWork";

    public static void Write(SourceWriter w, TargetTypeInfo type, NetworkPlan plan)
    {
        var tape = new TapeLayout(plan);
        var stages = Stages(plan, tape);
        List<(int Offset, int Length)> partRanges = PartRanges(plan);
        int partialLength = partRanges.Count == 0 ? 0 : partRanges[partRanges.Count - 1].Offset + partRanges[partRanges.Count - 1].Length;
        bool dense = plan.Layers.Any(l => l.Spec is DenseSpec);
        w.Line();
        w.Line("// ---- Training ----------------------------------------------------------------------------------");
        w.Line($"// The tape keeps every layer's output for the whole batch: {tape.Describe()}; the gradient tape mirrors it.");
        if (tape.SavedLength > 1)
        {
            w.Line($"// BatchNorm keeps its batch mean and 1/σ per channel for the backward pass: {Text.Grouped(tape.SavedLength)} floats.");
        }

        w.Line("// The step's stages (NetworkTrainer runs them, a per-image stage split over threads, a whole-batch one on the calling thread):");
        for (int s = 0; s < stages.Count; s++)
        {
            w.Line($"//   {s}. {StageSummary(plan, stages[s].WholeBatch, stages[s].Ops, s == 0)}");
        }

        w.Line($"//   {stages.Count}. {(dense ? "the dense layers' parameter gradients over the whole batch; " : string.Empty)}the parts' parameter gradients added into part 0's");
        if (partRanges.Count > 0)
        {
            w.Line($"// Each part accumulates the parameter gradients of {string.Join(", ", partRanges.Select(r => $"[{r.Offset}, {r.Offset + r.Length})"))} on its own{(dense ? " (the dense layers' are taken over the whole batch)" : string.Empty)}.");
        }

        w.Line("private static readonly global::CnnGen.Runtime.TrainingLayout s_training = new(");
        w.Line($"    tapeLength: {tape.Length}, savedLength: {tape.SavedLength}, scratchLength: {System.Math.Max(tape.Scratch, 1)}, partialLength: {partialLength},");
        w.Line($"    wholeBatch: new[] {{ {string.Join(", ", stages.Select(st => st.WholeBatch ? "true" : "false"))} }}, denseGradients: {(dense ? "true" : "false")},");
        w.Line($"    partRanges: {(partRanges.Count == 0 ? "global::System.Array.Empty<int>()" : "new[] { " + string.Join(", ", partRanges.Select(r => $"{r.Offset}, {r.Length}")) + " }")},");
        w.Line($"    layerSlots: new[] {{ {string.Join(", ", Enumerable.Range(0, plan.Layers.Count).Select(tape.SlotOffset))} }},");
        var cleared = ClearedGradients(plan, tape).ToList();
        bool winograd = tape.Execution.Layers.Any(l => l.TrainPackOffset >= 0);
        w.Line($"    clearedGradients: {(cleared.Count == 0 ? "global::System.Array.Empty<int>()" : "new[] { " + string.Join(", ", cleared) + " }")}{(winograd ? "," : ");")}");
        if (winograd)
        {
            w.Line($"    packedLength: {tape.Execution.TrainPackedLength}, packedSourceLength: {tape.Execution.TrainPackedSourceLength});");
        }
        w.Line();
        w.Line($"static global::CnnGen.Runtime.TrainingLayout {NetworkEmitter.Self(type)}.Training => s_training;");
        WriteTrainer(w, type, plan);
        WritePrepareTraining(w, type, plan, tape);
        WriteStages(w, type, plan, tape, stages);
    }

    // The Winograd convolutions' transformed weights for a training step: the forward kernels (as inference transforms
    // them, but from the layer's own weights: a BatchNorm after it is not folded in training) and, for padded layers with
    // a layer before them that trains, the turned kernels of the input gradient. The trainer splits the work over its
    // parts: the transforms, largest first, dealt out in turn.
    private static void WritePrepareTraining(SourceWriter w, TargetTypeInfo type, NetworkPlan plan, TapeLayout tape)
    {
        var calls = new List<(int Size, string Comment, string Call)>();
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan layer = plan.Layers[i];
            LayerExecution execution = tape.Execution.Layers[i];
            if (execution.TrainPackOffset >= 0)
            {
                calls.Add((LayerKernels.WinogradPackedLength(layer), $"{layer.TensorPrefix}, F({ConvAlgorithms.WinogradTile(layer)}×{ConvAlgorithms.WinogradTile(layer)}, 3×3)",
                    LayerKernels.WinogradPackCall(layer, NetworkEmitter.Weights(layer), NetworkEmitter.Bias(layer), execution.TrainSourceOffset, execution.TrainPackOffset)));
            }

            if (execution.TrainGradPackOffset >= 0)
            {
                calls.Add((LayerKernels.WinogradInputGradientPackedLength(layer), $"{layer.TensorPrefix}, turned for its input gradient",
                    LayerKernels.WinogradInputGradientPackCall(layer, NetworkEmitter.Weights(layer), execution.TrainGradSourceOffset, execution.TrainGradPackOffset)));
            }
        }

        if (calls.Count == 0)
        {
            return; // (IGeneratedNetwork's PrepareTraining does nothing)
        }

        w.Line();
        w.Line("// Before each step: the Winograd convolutions' kernels transformed from the parameters as the last step left them,");
        w.Line("// largest first, transform n going to part n mod parts.");
        w.Line(Tiering.Optimized);
        w.Open($"static void {NetworkEmitter.Self(type)}.PrepareTraining({Ros} p, {Sp} source, {Sp} packed, int part, int parts)");
        var ordered = calls.Select((c, n) => (c.Size, n, c.Comment, c.Call)).OrderByDescending(c => c.Size).ThenBy(c => c.n).ToList();
        for (int n = 0; n < ordered.Count; n++)
        {
            w.Line($"// {ordered[n].Comment}");
            w.Open($"if ({n} % parts == part)");
            w.Line(ordered[n].Call);
            w.Close();
        }

        w.Close();
    }

    // The step's operations in order, grouped into stages: (whole batch?, operations). Stage 0 is always a
    // per-image stage (it also clears the gradients), even when it holds no operation.
    private static List<(bool WholeBatch, List<(OpKind Kind, int Layer)> Ops)> Stages(NetworkPlan plan, TapeLayout tape) =>
        tape.Execution.Stages.Select(s => (s.WholeBatch, s.Ops.Select(op => (op.Kind, op.Layer)).ToList())).ToList();

    // One layer's forward statements. Per-image layers work on the images [from, to) of the batch; BatchNorm and
    // Dropout (whole-batch stages only) on the whole batch.
    private static void WriteForwardLayer(SourceWriter w, NetworkPlan plan, TapeLayout tape, int i)
    {
        LayerPlan layer = plan.Layers[i];
        int input = layer.Inputs[0];
        w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, {layer.In.Text} → {layer.Out.Text}");
        switch (layer.Spec)
        {
            case ConvSpec when tape.Execution.Layers[i].TrainPackOffset >= 0:
                w.Line("// (Winograd, from the weights PrepareTraining transformed before the step)");
                PerImage(w, $"{LayerKernels.WinogradMethodName(layer)}(packed.Slice({tape.Execution.Layers[i].TrainPackOffset}, {LayerKernels.WinogradPackedLength(layer)}), {tape.Image("tape", input)}, {tape.Image("tape", i)}, scratch, relu: false);");
                break;
            case ConvSpec:
                PerImage(w, $"{LayerKernels.MethodName(layer)}({NetworkEmitter.Weights(layer)}, {NetworkEmitter.Bias(layer)}, {tape.Image("tape", input)}, {tape.Image("tape", i)}, scratch, relu: false);");
                break;
            case DenseSpec:
                // One matrix product over the part's images [from, to): the weights are read once, not once per image.
                w.Line($"{LayerKernels.MethodName(layer)}({NetworkEmitter.Weights(layer)}, {NetworkEmitter.Bias(layer)}, {tape.Range("tape", input)}, {tape.Range("tape", i)}, to - from, relu: false);");
                break;
            case PoolSpec or GlobalPoolSpec:
                PerImage(w, $"{LayerKernels.MethodName(layer)}({tape.Image("tape", input)}, {tape.Image("tape", i)});");
                break;
            case FlattenSpec:
                w.Line("// (no-op: the slot of the layer before is reused)");
                break;
            case ActivationSpec { Kind: ActivationKind.Softmax } softmax:
                PerImage(w, NetworkEmitter.Activation(softmax, tape.Image("tape", input), tape.Image("tape", i)));
                break;
            case ActivationSpec activation:
                w.Line(NetworkEmitter.Activation(activation, tape.Range("tape", input), tape.Range("tape", i)));
                break;
            case DropoutSpec dropout:
                w.Line("// (one random sequence over the whole batch, image after image: the same masks for any number of parts)");
                w.Line($"global::CnnGen.Runtime.Kernels.DropoutTrain({tape.Batch("tape", input)}, {tape.Batch("tape", i)}, {tape.Mask(i)}, {NetworkEmitter.Float(dropout.Rate)}, random);");
                break;
            case BatchNormSpec norm:
                w.Line($"global::CnnGen.Runtime.Kernels.BatchNormTrain({tape.Batch("tape", input)}, {tape.Batch("tape", i)}, batch, {layer.In.Channels}, {layer.In.Height * layer.In.Width}, p.Slice({layer.ParameterOffset}, {layer.Parameters}), state.Slice({layer.StateOffset}, {layer.StateCount}), {NetworkEmitter.Float(norm.Epsilon)}, {NetworkEmitter.Float(norm.Momentum)}, saved.Slice({tape.SavedOffset[i]}, {2 * layer.In.Channels}));");
                break;
            case AddSpec:
                w.Line($"global::System.Numerics.Tensors.TensorPrimitives.Add({tape.Range("tape", input)}, {tape.Range("tape", layer.Inputs[1])}, {tape.Range("tape", i)});");
                for (int k = 2; k < layer.Inputs.Count; k++)
                {
                    w.Line($"global::CnnGen.Runtime.Kernels.Accumulate({tape.Range("tape", layer.Inputs[k])}, {tape.Range("tape", i)});");
                }

                break;
            case ConcatSpec:
                w.Open("for (int b = from; b < to; b++)");
                int channel = 0;
                foreach (int k in layer.Inputs)
                {
                    Shape shape = k < 0 ? plan.Input : plan.Layers[k].Out;
                    w.Line($"{tape.Image("tape", k)}.CopyTo({tape.Image("tape", i)}.Slice({channel * layer.Out.Height * layer.Out.Width}, {shape.Size}));");
                    channel += shape.Channels;
                }

                w.Close();
                break;
        }
    }

    // One layer's backward statements. On entry the gradient tape holds dLoss/dOutput of the layer; it adds into
    // its inputs' gradients, and its parameter gradients into grads (this part's buffer, which mirrors the
    // parameters). Per-image layers work on the images [from, to); BatchNorm on the whole batch.
    private static void WriteBackwardLayer(SourceWriter w, NetworkPlan plan, TapeLayout tape, int i)
    {
        LayerPlan layer = plan.Layers[i];
        int input = layer.Inputs[0];
        bool wantInput = input >= 0 && tape.NeedsGradient[input];
        if (layer.Spec is ActivationSpec { Kind: ActivationKind.ReLU } && wantInput && FusedInto(plan, tape, i) >= 0)
        {
            w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, gradient: fused into layer {plan.Layers[FusedInto(plan, tape, i)].Position}'s pooling backward.");
            return;
        }

        w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, gradient {layer.Out.Text} → {layer.In.Text}{(layer.Parameters > 0 && !layer.Inputs.Any(j => j >= 0 && tape.NeedsGradient[j]) ? " (nothing before it trains: no input gradient)" : string.Empty)}");
        switch (layer.Spec)
        {
            case ConvSpec when tape.Execution.Layers[i].TrainWinogradWeights:
                int inverse = tape.Execution.Layers[i].TrainGradPackOffset;
                w.Line($"// (in the Winograd domain: the weight gradient over the part's images at once{(inverse >= 0 ? ", the input gradient image by image from the turned kernels PrepareTraining transformed" : string.Empty)})");
                w.Line(LayerKernels.WinogradWeightGradientCall(layer, tape.Range("tape", input), tape.Range("grad", i), NetworkEmitter.Weights(layer).Replace("p.", "grads."), NetworkEmitter.Bias(layer).Replace("p.", "grads.")));
                if (inverse >= 0)
                {
                    PerImage(w, LayerKernels.WinogradInputGradientCall(layer, $"packed.Slice({inverse}, {LayerKernels.WinogradInputGradientPackedLength(layer)})", tape.Image("grad", i), tape.InputGradientImage(input)));
                }

                break;
            case ConvSpec:
                PerImage(w, $"{LayerKernels.BackwardName(layer)}({NetworkEmitter.Weights(layer)}, {tape.Image("tape", input)}, {tape.Image("grad", i)}, {NetworkEmitter.Weights(layer).Replace("p.", "grads.")}, {NetworkEmitter.Bias(layer).Replace("p.", "grads.")}, {tape.InputGradientImage(input)}, scratch);");
                break;
            case DenseSpec when wantInput:
                w.Line("// (the parameters' gradient: over the whole batch in the last stage)");
                w.Line($"{LayerKernels.BackwardName(layer)}({NetworkEmitter.Weights(layer)}, {tape.Range("grad", i)}, {tape.InputGradientRange(input)}, to - from);");
                break;
            case DenseSpec:
                w.Line("// (the parameters' gradient: over the whole batch in the last stage)");
                break;
            case PoolSpec when wantInput && tape.Execution.Layers[i].TwoByTwoPool:
                int relu = FusedReLU(plan, tape, i);
                if (relu >= 0)
                {
                    w.Line($"// (layer {plan.Layers[relu].Position}'s ReLU backward fused: the gradient goes straight to the ReLU's input where the output is positive)");
                }

                string target = relu >= 0 ? tape.InputGradientImage(plan.Layers[relu].Inputs[0]) : tape.InputGradientImage(input);
                PerImage(w, $"{LayerKernels.BackwardName(layer)}({tape.Image("tape", input)}, {tape.Image("tape", i)}, {tape.Image("grad", i)}, {target}, relu: {(relu >= 0 ? "true" : "false")});");
                break;
            case PoolSpec when wantInput:
                string output = tape.Image("tape", i) + ", ";
                PerImage(w, $"{LayerKernels.BackwardName(layer)}({tape.Image("tape", input)}, {output}{tape.Image("grad", i)}, {tape.InputGradientImage(input)});");
                break;
            case GlobalPoolSpec when wantInput:
                PerImage(w, $"{LayerKernels.BackwardName(layer)}({tape.Image("grad", i)}, {tape.InputGradientImage(input)});");
                break;
            case FlattenSpec:
                w.Line("// (identity: the gradient slot is shared)");
                break;
            case ActivationSpec { Kind: ActivationKind.Softmax } when wantInput:
                w.Line("// (cross-entropy already gave the gradient at the scores: p − y)");
                w.Open("if (c.Loss != global::CnnGen.Training.Loss.CrossEntropy)");
                PerImage(w, $"global::CnnGen.Runtime.Kernels.SoftmaxBackward({tape.Image("tape", i)}, {tape.Image("grad", i)}, {tape.InputGradientImage(input)});");
                w.Close();
                break;
            case ActivationSpec activation when wantInput:
                string x = tape.Range("tape", input);
                string y = tape.Range("tape", i);
                string dy = tape.Range("grad", i);
                string dx = tape.InputGradientRange(input);
                w.Line(activation.Kind switch
                {
                    ActivationKind.ReLU => $"global::CnnGen.Runtime.Kernels.ReLUBackward({x}, {dy}, {dx});",
                    ActivationKind.LeakyReLU => $"global::CnnGen.Runtime.Kernels.LeakyReLUBackward({x}, {dy}, {dx}, {NetworkEmitter.Float(activation.Parameter)});",
                    ActivationKind.ELU => $"global::CnnGen.Runtime.Kernels.ELUBackward({x}, {y}, {dy}, {dx}, {NetworkEmitter.Float(activation.Parameter)});",
                    _ => $"global::CnnGen.Runtime.Kernels.{activation.Kind}Backward({y}, {dy}, {dx});",
                });
                break;
            case DropoutSpec when wantInput:
                w.Line($"global::CnnGen.Runtime.Kernels.DropoutBackward({tape.MaskRange(i)}, {tape.Range("grad", i)}, {tape.InputGradientRange(input)});");
                break;
            case BatchNormSpec:
                w.Line($"global::CnnGen.Runtime.Kernels.BatchNormBackward({tape.Batch("tape", input)}, {tape.Batch("grad", i)}, {tape.InputGradientBatch(input)}, batch, {layer.In.Channels}, {layer.In.Height * layer.In.Width}, p.Slice({layer.ParameterOffset}, {layer.Parameters}), grads.Slice({layer.ParameterOffset}, {layer.Parameters}), saved.Slice({tape.SavedOffset[i]}, {2 * layer.In.Channels}));");
                break;
            case AddSpec:
                foreach (int k in layer.Inputs.Where(k => k >= 0 && tape.NeedsGradient[k]))
                {
                    w.Line($"global::CnnGen.Runtime.Kernels.Accumulate({tape.Range("grad", i)}, {tape.InputGradientRange(k)});");
                }

                break;
            case ConcatSpec:
                w.Open("for (int b = from; b < to; b++)");
                int channel = 0;
                foreach (int k in layer.Inputs)
                {
                    Shape shape = k < 0 ? plan.Input : plan.Layers[k].Out;
                    if (k >= 0 && tape.NeedsGradient[k])
                    {
                        w.Line($"global::CnnGen.Runtime.Kernels.Accumulate({tape.Image("grad", i)}.Slice({channel * layer.Out.Height * layer.Out.Width}, {shape.Size}), {tape.InputGradientImage(k)});");
                    }

                    channel += shape.Channels;
                }

                w.Close();
                break;
            default:
                w.Line("// (nothing before it trains)");
                break;
        }
    }

    // The ReLU layer whose backward is fused into pooling layer i's (Kernels.ExtremePool2x2Backward with relu: true), or -1.
    // Fused when the pooling has 2×2 windows of stride 2 (they do not overlap: each cell gets at most one window's gradient,
    // so adding it straight into the ReLU input's gradient gives the same sums), the ReLU's only consumer is the pooling
    // and the ReLU's input has no other consumer (nothing else adds into its gradient, so the order of sums is unchanged).
    private static int FusedReLU(NetworkPlan plan, TapeLayout tape, int i) => tape.Execution.Layers[i].BackwardFusedReLU;

    // The pooling layer that ReLU layer i's backward is fused into, or -1.
    private static int FusedInto(NetworkPlan plan, TapeLayout tape, int i) => tape.Execution.Layers[i].ReLUBackwardFusedInto;

    // The layers whose gradient-tape slots a part's images start at zero in before stage 0 (the runtime clears them, with the part's
    // parameter gradients): every layer output whose gradient is added into, but a Flatten's (its slot is the layer
    // before's) and a ReLU's fused into the pooling after it (its output's gradient is never written nor read).
    private static IEnumerable<int> ClearedGradients(NetworkPlan plan, TapeLayout tape) =>
        Enumerable.Range(0, plan.Layers.Count).Where(i => tape.NeedsGradient[i] && plan.Layers[i].Spec is not FlattenSpec && FusedInto(plan, tape, i) < 0);

    // Whether layer `consumer` is the only layer reading layer `layer`'s output (and reads it once).
    private static bool OnlyConsumer(NetworkPlan plan, int layer, int consumer) =>
        Layouts.ConsumersOf(plan)[layer].Count == 1 && plan.Layers[consumer].Inputs.Count(k => k == layer) == 1;

    // The loss of each image of [from, to) and its gradient (TrainingPart.ComputeLoss): with labels, cross-entropy at the
    // scores; with targets, MSE or L1 at the last layer's output.
    private static void WriteLoss(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        int last = plan.Layers.Count - 1;
        bool endsInSoftmax = plan.Layers[last].Spec is ActivationSpec { Kind: ActivationKind.Softmax };
        int scores = endsInSoftmax ? plan.Layers[last].Inputs[0] : last;
        bool trains = scores >= 0 && tape.NeedsGradient[scores];
        w.Line(endsInSoftmax
            ? "// The loss: softmax cross-entropy (fused: the gradient at the scores is p − y), or a regression loss on the probabilities."
            : "// The loss: cross-entropy on the outputs taken as scores, or a regression loss on the outputs.");
        string none = "global::CnnGen.Runtime.TapeSlot.None";
        w.Line($"c.ComputeLoss({tape.Batch("tape", last)}, scores: {(trains ? tape.SlotName(scores) : none)}, outputGradient: {(tape.NeedsGradient[last] ? tape.SlotName(last) : none)}, softmax: {(endsInSoftmax ? "true" : "false")});");
    }

    private static void PerImage(SourceWriter w, string statement)
    {
        w.Open("for (int b = from; b < to; b++)");
        w.Line(statement);
        w.Close();
    }

    private static void WriteTrainer(SourceWriter w, TargetTypeInfo type, NetworkPlan plan)
    {
        int last = plan.Layers.Count - 1;
        bool endsInSoftmax = plan.Layers[last].Spec is ActivationSpec { Kind: ActivationKind.Softmax };
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Trains a <see cref=\"{type.Name}\"/>: mini-batch gradients through the emitted backward pass, then one optimizer step");
        w.Line($"/// ({(endsInSoftmax ? "cross-entropy is softmax cross-entropy, fused: the gradient at the scores is p − y" : "cross-entropy takes the outputs as scores")}). A batch is split over up to");
        w.Line("/// <see cref=\"DegreeOfParallelism\"/> threads. Allocates nothing after the first step of the largest batch size. Not thread-safe.");
        w.Line("/// </summary>");
        w.Open($"public sealed class Trainer : global::CnnGen.Training.NetworkTrainer<global::{type.FullName}>");
        w.Line("/// <summary>Creates a trainer that updates <paramref name=\"network\"/>'s parameters with <paramref name=\"optimizer\"/>.</summary>");
        w.Line("/// <param name=\"network\">The network to train.</param>");
        w.Line("/// <param name=\"optimizer\">SGD, SGD with momentum, Adam, …</param>");
        w.Line("/// <param name=\"seed\">Seeds the dropout masks (if the network has Dropout), so runs repeat exactly.</param>");
        w.Line($"public Trainer(global::{type.FullName} network, global::CnnGen.Training.Optimizer optimizer, int seed = 0)");
        w.Line("    : base(network, optimizer, seed)");
        w.Line("{");
        w.Line("}");
        w.Close();
    }

    // The stages' layer sequences, called by NetworkTrainer for each part of each stage (c says which images and buffers).
    private static void WriteStages(SourceWriter w, TargetTypeInfo type, NetworkPlan plan, TapeLayout tape, List<(bool WholeBatch, List<(OpKind Kind, int Layer)> Ops)> stages)
    {
        int reduce = stages.Count;
        bool dense = plan.Layers.Any(l => l.Spec is DenseSpec);
        w.Line();
        w.Line("// One stage of a training step for one part (see s_training); c holds the part's images [from, to) and its buffers.");
        w.Line(Tiering.Optimized);
        w.Open($"static void {NetworkEmitter.Self(type)}.TrainStage(int stage, global::CnnGen.Runtime.TrainingPart c)");
        w.Line("int batch = c.Batch, from = c.From, to = c.To;");
        w.Line($"{Ros} p = c.Parameters, inputs = c.Inputs{(tape.Execution.Layers.Any(l => l.TrainPackOffset >= 0) ? ", packed = c.Packed" : string.Empty)};");
        w.Line($"{Sp} tape = c.Tape, grad = c.Grad, grads = c.Grads, scratch = c.Scratch;");
        var slots = tape.Slots().ToList();
        if (slots.Count > 0)
        {
            w.Line("// Where each layer's output lives on the tape (its gradient at the same place on the gradient tape): offset × batch, floats per image.");
            for (int k = 0; k < slots.Count; k++)
            {
                (string name, int offset, int size) = slots[k];
                w.Line((k == 0 ? "global::CnnGen.Runtime.TapeSlot " : "    ") + $"{name} = new({offset}, {size})" + (k == slots.Count - 1 ? ";" : ","));
            }
        }

        if (plan.Layers.Any(l => l.Spec is BatchNormSpec))
        {
            w.Line($"{Sp} state = c.State, saved = c.Saved;");
        }

        if (plan.Layers.Any(l => l.Spec is DropoutSpec))
        {
            w.Line("global::System.Random random = c.Random;");
        }

        w.Open("switch (stage)");
        for (int s = 0; s < stages.Count; s++)
        {
            (bool wholeBatch, List<(OpKind Kind, int Layer)> ops) = stages[s];
            w.Open($"case {s}: // {StageSummary(plan, wholeBatch, ops, s == 0)}");
            foreach ((OpKind kind, int layer) in ops)
            {
                switch (kind)
                {
                    case OpKind.Forward:
                        WriteForwardLayer(w, plan, tape, layer);
                        break;
                    case OpKind.Loss:
                        WriteLoss(w, plan, tape);
                        break;
                    default:
                        WriteBackwardLayer(w, plan, tape, layer);
                        break;
                }
            }

            w.Line("break;");
            w.Close();
        }

        if (dense)
        {
            w.Open($"case {reduce}: // this part's share of the dense layers' parameter gradients, over the whole batch");
            w.Line($"{Sp} gradients = c.Gradients;");
            for (int i = 0; i < plan.Layers.Count; i++)
            {
                LayerPlan layer = plan.Layers[i];
                if (layer.Spec is not DenseSpec)
                {
                    continue;
                }

                w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, this part's share of its outputs: the weights' rows and the biases");
                w.Line($"{LayerKernels.WeightGradientName(layer)}({tape.Batch("tape", layer.Inputs[0])}, {tape.Batch("grad", i)}, {NetworkEmitter.Weights(layer).Replace("p.", "gradients.")}, {NetworkEmitter.Bias(layer).Replace("p.", "gradients.")}, batch, c.Part, c.Parts);");
            }

            w.Line("break;");
            w.Close();
        }

        w.Close();
        w.Close();
    }

    // The parameter ranges each part accumulates on its own (every parameter but the dense layers', whose gradient is
    // taken over the whole batch in the last stage), adjacent layers merged.
    private static List<(int Offset, int Length)> PartRanges(NetworkPlan plan) =>
        Lowering.Lower(plan).PartRanges.Select(r => (r.Offset, r.Length)).ToList();

    private static string StageSummary(NetworkPlan plan, bool wholeBatch, List<(OpKind Kind, int Layer)> ops, bool first)
    {
        var parts = new List<string>();
        if (first)
        {
            parts.Add("clear the gradients");
        }

        int k = 0;
        while (k < ops.Count)
        {
            (OpKind kind, int layer) = ops[k];
            if (kind == OpKind.Loss)
            {
                parts.Add("the loss");
                k++;
                continue;
            }

            int end = k;
            while (end + 1 < ops.Count && ops[end + 1].Kind == kind)
            {
                end++;
            }

            int a = plan.Layers[layer].Position;
            int b = plan.Layers[ops[end].Layer].Position;
            string what = kind == OpKind.Forward ? "forward" : "backward";
            parts.Add(a == b ? $"layer {a} {what} ({Summary.LayerName(plan.Layers[layer].Spec)})" : $"layers {a}–{b} {what}");
            k = end + 1;
        }

        return (wholeBatch ? "whole batch, this thread: " : "images in parts: ") + string.Join(", ", parts);
    }
}
