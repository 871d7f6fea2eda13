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
        w.Line();
        w.Line("// ---- Training ----------------------------------------------------------------------------------");
        w.Line($"// The tape keeps every layer's output for the whole batch: {tape.Describe()}; the gradient tape mirrors it.");
        w.Line($"private const int TapeLength = {tape.Length};");
        w.Line($"// BatchNorm's batch mean and 1/σ per channel, kept for the backward pass.");
        w.Line($"private const int SavedLength = {tape.SavedLength};");
        w.Line($"private const int TrainScratchLength = {System.Math.Max(tape.Scratch, 1)};");
        int partialLength = tape.Execution.PartialLength;
        w.Line("// The parameter gradients a part beyond the first keeps of its own: every layer's but the dense layers' (taken over");
        w.Line("// the whole batch in the step's last stage), up to the last such parameter.");
        w.Line($"private const int PartialLength = {partialLength};");
        LayerKernels.WriteBackward(w, plan);
        WriteTrainer(w, type, plan, tape);
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
        w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, gradient {layer.Out.Text} → {layer.In.Text}{(layer.Parameters > 0 && !layer.Inputs.Any(j => j >= 0 && tape.NeedsGradient[j]) ? " (nothing before it trains: no input gradient)" : string.Empty)}");
        switch (layer.Spec)
        {
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
                w.Open("if (_loss != global::CnnGen.Training.Loss.CrossEntropy)");
                PerImage(w, $"global::CnnGen.Runtime.Kernels.SoftmaxBackward({tape.Image("tape", i)}, {tape.Image("grad", i)}, {tape.InputGradientImage(input)});");
                w.Close();
                break;
            case ActivationSpec { Kind: ActivationKind.ReLU } when wantInput && FusedInto(plan, tape, i) >= 0:
                w.Line($"// (fused into layer {plan.Layers[FusedInto(plan, tape, i)].Position}'s pooling backward)");
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

    // Whether layer `consumer` is the only layer reading layer `layer`'s output (and reads it once).
    private static bool OnlyConsumer(NetworkPlan plan, int layer, int consumer) =>
        Layouts.ConsumersOf(plan)[layer].Count == 1 && plan.Layers[consumer].Inputs.Count(k => k == layer) == 1;

    // The loss of each image of [from, to) and its gradient: with labels, cross-entropy at the scores; with
    // targets, MSE or L1 at the last layer's output. Each image's loss goes to losses[b]; the caller sums them
    // in image order, so the total does not depend on the parts.
    private static void WriteLoss(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        int last = plan.Layers.Count - 1;
        bool endsInSoftmax = plan.Layers[last].Spec is ActivationSpec { Kind: ActivationKind.Softmax };
        int scores = endsInSoftmax ? plan.Layers[last].Inputs[0] : last;
        bool trains = scores >= 0 && tape.NeedsGradient[scores];
        string lossGradient = trains ? tape.Image("grad", scores) : "discard";
        string lastGradient = tape.NeedsGradient[last] ? tape.Image("grad", last) : "discard";
        string output = tape.Image("tape", last);
        w.Line(endsInSoftmax
            ? "// The loss: softmax cross-entropy (fused: the gradient at the scores is p − y), or a regression loss on the probabilities."
            : "// The loss: cross-entropy on the outputs taken as scores, or a regression loss on the outputs.");
        w.Line("float scale = 1f / batch;");
        if (!trains || !tape.NeedsGradient[last])
        {
            w.Line($"{Sp} discard = stackalloc float[OutputLength];");
        }

        w.Open("if (_loss == global::CnnGen.Training.Loss.CrossEntropy)");
        w.Line("global::System.ReadOnlySpan<int> labels = Labels;");
        PerImage(w, endsInSoftmax
            ? $"losses[b] = global::CnnGen.Training.Losses.SoftmaxCrossEntropy({output}, labels[b], {lossGradient}, scale);"
            : $"losses[b] = global::CnnGen.Training.Losses.CrossEntropyFromLogits({output}, labels[b], {lossGradient}, scale);");
        w.Close();
        w.Open("else");
        w.Line($"{Ros} targets = Targets;");
        w.Open("for (int b = from; b < to; b++)");
        w.Line($"{Ros} target = targets.Slice(b * OutputLength, OutputLength);");
        w.Line("losses[b] = _loss == global::CnnGen.Training.Loss.L1");
        w.Line($"    ? global::CnnGen.Training.Losses.L1({output}, target, {lastGradient}, scale)");
        w.Line($"    : global::CnnGen.Training.Losses.MeanSquaredError({output}, target, {lastGradient}, scale);");
        w.Close();
        w.Close();
    }

    private static void PerImage(SourceWriter w, string statement)
    {
        w.Open("for (int b = from; b < to; b++)");
        w.Line(statement);
        w.Close();
    }

    private static void WriteTrainer(SourceWriter w, TargetTypeInfo type, NetworkPlan plan, TapeLayout tape)
    {
        int last = plan.Layers.Count - 1;
        bool endsInSoftmax = plan.Layers[last].Spec is ActivationSpec { Kind: ActivationKind.Softmax };

        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Trains a <see cref=\"{type.Name}\"/>: mini-batch gradients through the emitted backward pass, then one optimizer step.");
        w.Line("/// A batch is split over up to <see cref=\"DegreeOfParallelism\"/> threads. Allocates nothing after the first step of the");
        w.Line("/// largest batch size. Not thread-safe.");
        w.Line("/// </summary>");
        w.Open("public sealed class Trainer : global::CnnGen.Training.ITrainer");
        w.Line($"private readonly global::{type.FullName} _network;");
        w.Line("private readonly float[] _gradients = new float[ParameterCount];");
        w.Line("private readonly float[] _saved = new float[SavedLength];");
        if (plan.StateCount > 0)
        {
            w.Line("// The running statistics before the step: put back if the step is refused (non-finite loss or gradients).");
            w.Line("private readonly float[] _stateBefore = new float[StateCount];");
        }

        w.Line("private global::System.Random _random;");
        w.Line("private readonly StepWork _step;");
        w.Line("private float[] _tape = global::System.Array.Empty<float>();");
        w.Line("private float[] _grad = global::System.Array.Empty<float>();");
        w.Line("private float[] _losses = global::System.Array.Empty<float>();");
        w.Line("// Per part: scratch, and parameter gradients (part 0's are _gradients; the others are added into it).");
        w.Line("private float[][] _scratch = global::System.Array.Empty<float[]>();");
        w.Line("private float[][] _partials = global::System.Array.Empty<float[]>();");
        w.Line();
        w.Line("/// <summary>Creates a trainer that updates <paramref name=\"network\"/>'s parameters with <paramref name=\"optimizer\"/>.</summary>");
        w.Line("/// <param name=\"network\">The network to train.</param>");
        w.Line("/// <param name=\"optimizer\">SGD, SGD with momentum, Adam, …</param>");
        w.Line("/// <param name=\"seed\">Seeds the dropout masks (if the network has Dropout), so runs repeat exactly.</param>");
        w.Open($"public Trainer(global::{type.FullName} network, global::CnnGen.Training.Optimizer optimizer, int seed = 0)");
        w.Line("_network = network ?? throw new global::System.ArgumentNullException(nameof(network));");
        w.Line("Optimizer = optimizer ?? throw new global::System.ArgumentNullException(nameof(optimizer));");
        w.Line("_random = new global::System.Random(seed);");
        w.Line("_step = new StepWork(this);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The network being trained.</summary>");
        w.Line($"public global::{type.FullName} Network => _network;");
        w.Line();
        w.Line("/// <summary>The optimizer that applies the gradients.</summary>");
        w.Line("public global::CnnGen.Training.Optimizer Optimizer { get; }");
        w.Line();
        w.Line("global::CnnGen.INetwork global::CnnGen.Training.ITrainer.Network => _network;");
        w.Line();
        w.Line("void global::CnnGen.Training.ITrainer.ReseedDropout(int seed) => _random = new global::System.Random(seed);");
        w.Line();
        w.Line("/// <summary>The gradients of the last batch's mean loss, laid out as <see cref=\"Parameters\"/>.</summary>");
        w.Line("public global::System.ReadOnlySpan<float> Gradients => _gradients;");
        w.Line();
        w.Line($"/// <summary>The network's <see cref=\"{type.Name}.DegreeOfParallelism\"/> (one setting for its batches and its trainers): the most parts a training batch is split into.</summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is below 1.</exception>");
        w.Open("public int DegreeOfParallelism");
        w.Line("get => _network.DegreeOfParallelism;");
        w.Line("set => _network.DegreeOfParallelism = value;");
        w.Close();
        w.Line();

        w.Line($"/// <summary>One training step with {(endsInSoftmax ? "softmax cross-entropy (fused: the gradient at the scores is p − y)" : "cross-entropy on the outputs taken as scores")}; returns the batch's mean loss before the step.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back, <see cref=\"InputLength\"/> floats each.</param>");
        w.Line("/// <param name=\"labels\">One class index per image.</param>");
        w.Line("/// <exception cref=\"global::CnnGen.Training.NonFiniteTrainingException\">The loss or a gradient is NaN or infinite: the step is refused and the parameters, the optimizer's state and the running statistics are left exactly as they were.</exception>");
        w.Line($"public float TrainBatch({Ros} inputs, global::System.ReadOnlySpan<int> labels) => Run(inputs, labels, Optimizer);");
        w.Line();
        w.Line("/// <summary>One training step with a regression loss against <paramref name=\"targets\"/>; returns the batch's mean loss before the step.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"targets\"><see cref=\"OutputLength\"/> target values per image.</param>");
        w.Line("/// <param name=\"loss\">The loss: mean squared error (L2) or mean absolute error (L1); cross-entropy takes labels instead.</param>");
        w.Line("/// <exception cref=\"global::CnnGen.Training.NonFiniteTrainingException\">The loss or a gradient is NaN or infinite: the step is refused and the parameters, the optimizer's state and the running statistics are left exactly as they were.</exception>");
        w.Line($"public float TrainBatch({Ros} inputs, {Ros} targets, global::CnnGen.Training.Loss loss) => Run(inputs, targets, loss, Optimizer);");
        w.Line();

        w.Line("/// <summary>Computes <see cref=\"Gradients\"/> of the mean cross-entropy over the batch without updating the parameters; returns the mean loss.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"labels\">One class index per image, 0 to OutputLength − 1.</param>");
        w.Line("/// <exception cref=\"global::CnnGen.Training.NonFiniteTrainingException\">The loss or a gradient is NaN or infinite (<see cref=\"Gradients\"/> holds them; the running statistics are put back).</exception>");
        w.Line($"public float ComputeGradients({Ros} inputs, global::System.ReadOnlySpan<int> labels) => Run(inputs, labels, null);");
        w.Line();
        w.Line("// The gradients of the mean cross-entropy, then (with an optimizer) its step.");
        w.Line(Tiering.Optimized);
        w.Open($"private float Run({Ros} inputs, global::System.ReadOnlySpan<int> labels, global::CnnGen.Training.Optimizer? optimizer)");
        w.Line("int batch = Prepare(inputs, labels.Length, 1, nameof(labels));");
        w.Open("for (int i = 0; i < batch; i++)");
        w.Open("if ((uint)labels[i] >= OutputLength)");
        w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(labels), labels[i], $\"Label {i} is {labels[i]}; labels must be class indices from 0 to {OutputLength - 1}.\");");
        w.Close();
        w.Close();
        w.Line("return _step.Run(inputs, default, labels, global::CnnGen.Training.Loss.CrossEntropy, batch, optimizer);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Computes <see cref=\"Gradients\"/> of a regression loss over the batch without updating the parameters; returns the mean loss.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"targets\"><see cref=\"OutputLength\"/> target values per image.</param>");
        w.Line("/// <param name=\"loss\">Mean squared error or L1 (mean over every output of every image, as PyTorch's mse_loss and l1_loss).</param>");
        w.Line("/// <exception cref=\"global::CnnGen.Training.NonFiniteTrainingException\">The loss or a gradient is NaN or infinite (<see cref=\"Gradients\"/> holds them; the running statistics are put back).</exception>");
        w.Line($"public float ComputeGradients({Ros} inputs, {Ros} targets, global::CnnGen.Training.Loss loss) => Run(inputs, targets, loss, null);");
        w.Line();
        w.Line("// The gradients of a regression loss, then (with an optimizer) its step.");
        w.Line(Tiering.Optimized);
        w.Open($"private float Run({Ros} inputs, {Ros} targets, global::CnnGen.Training.Loss loss, global::CnnGen.Training.Optimizer? optimizer)");
        w.Open("if (loss == global::CnnGen.Training.Loss.CrossEntropy)");
        w.Line("throw new global::System.ArgumentException(\"Cross-entropy takes class labels: call the overload with ReadOnlySpan<int> labels.\", nameof(loss));");
        w.Close();
        w.Line("int batch = Prepare(inputs, targets.Length, OutputLength, nameof(targets));");
        w.Line("return _step.Run(inputs, targets, default, loss, batch, optimizer);");
        w.Close();
        w.Line();

        w.Line("// Checks the batch and grows the tapes and the per-part buffers for a larger batch or more parts than before.");
        w.Open($"private int Prepare({Ros} inputs, int targetLength, int perImage, string targetName)");
        w.Line("int batch = inputs.Length / InputLength;");
        w.Open("if (batch == 0 || inputs.Length % InputLength != 0)");
        w.Line($"throw new global::System.ArgumentException($\"Expected a batch of whole {plan.Input.Channels}×{plan.Input.Height}×{plan.Input.Width} images ({plan.Input.Size} floats each), got {{inputs.Length}} floats.\", nameof(inputs));");
        w.Close();
        w.Open("if (targetLength != batch * perImage)");
        w.Line("throw new global::System.ArgumentException($\"Expected {batch * perImage} values for a batch of {batch} images, got {targetLength}.\", targetName);");
        w.Close();
        w.Open("if (_tape.Length < batch * TapeLength)");
        w.Line("_tape = new float[batch * TapeLength];");
        w.Line("_grad = new float[batch * TapeLength];");
        w.Line("_losses = new float[batch];");
        w.Close();
        w.Line("// Up to 4 parts per thread while their gradient buffers stay small (finer parts balance the load).");
        w.Line($"int parts = {BatchWork}.PartsFor(batch, 3 * MultiplyAddsPerImage, _network.DegreeOfParallelism, 4, PartialLength);");
        w.Open("if (_partials.Length < parts)");
        w.Line("var scratch = new float[parts][];");
        w.Line("var partials = new float[parts][];");
        w.Open("for (int i = 0; i < parts; i++)");
        w.Line("scratch[i] = i < _scratch.Length ? _scratch[i] : new float[TrainScratchLength];");
        w.Line("partials[i] = i == 0 ? _gradients : i < _partials.Length ? _partials[i] : new float[PartialLength];");
        w.Close();
        w.Line("(_scratch, _partials) = (scratch, partials);");
        w.Close();
        w.Line("(_step.Parts, _step.Threads) = (parts, _network.DegreeOfParallelism);");
        w.Line("return batch;");
        w.Close();
        w.Line();
        WriteStep(w, plan, tape);
        w.Close();
    }

    private static void WriteStep(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        var stages = Stages(plan, tape);
        int reduce = stages.Count;
        w.Line("// One training step in stages. A per-image stage is split into parts over contiguous ranges of the batch,");
        w.Line("// each with its own scratch and parameter-gradient buffer, and run on the worker threads and this thread; a");
        w.Line("// whole-batch stage (BatchNorm, Dropout's masks) runs on this thread. Only the summation order of the");
        w.Line("// parameter gradients depends on the number of parts (it is fixed for a given number). With more than one part");
        w.Line("// a last stage adds the parts' parameter gradients together. Then this thread checks that the loss and the");
        w.Line("// gradients are finite, and the optimizer steps, each part over its range of the parameters (an optimizer that");
        w.Line("// cannot step in ranges steps on this thread).");
        w.Open($"private sealed class StepWork : {BatchWork}");
        w.Line("private readonly Trainer _trainer;");
        w.Line("private int _batch;");
        w.Line("private global::CnnGen.Training.Loss _loss;");
        w.Line("private global::CnnGen.Training.Optimizer? _optimizer;");
        w.Line();
        w.Open("public StepWork(Trainer trainer)");
        w.Line("_trainer = trainer;");
        w.Close();
        w.Line();
        w.Line("/// <summary>The parts of a per-image stage (set by Prepare).</summary>");
        w.Line("public int Parts { get; set; } = 1;");
        w.Line();
        w.Line("/// <summary>The most threads that work on them (set by Prepare).</summary>");
        w.Line("public int Threads { get; set; } = 1;");
        w.Line();
        w.Line(Tiering.Optimized);
        w.Open($"public float Run({Ros} inputs, {Ros} targets, global::System.ReadOnlySpan<int> labels, global::CnnGen.Training.Loss loss, int batch, global::CnnGen.Training.Optimizer? optimizer)");
        w.Line("(_batch, _loss) = (batch, loss);");
        if (plan.StateCount > 0)
        {
            w.Line("global::System.Array.Copy(_trainer._network._state, _trainer._stateBefore, StateCount);");
        }

        w.Line("Pin(inputs, targets, labels, default);");
        w.Line("// A step whose loss or gradients are not finite is refused before the optimizer runs: nothing is changed.");
        w.Line($"{Ros} losses = new {Ros}(_trainer._losses, 0, batch);");
        w.Open("if (!global::CnnGen.Training.NonFinite.AllFinite(_trainer._gradients) || !global::CnnGen.Training.NonFinite.AllFinite(losses))");
        if (plan.StateCount > 0)
        {
            w.Line("global::System.Array.Copy(_trainer._stateBefore, _trainer._network._state, StateCount);");
        }

        w.Line("throw global::CnnGen.Training.NonFinite.StepFailure(_trainer._network, losses, _trainer._gradients, inputs);");
        w.Close();
        w.Open("if (optimizer is not null && Parts > 1 && optimizer.StepsInRanges)");
        w.Line("_optimizer = optimizer;");
        w.Open("try");
        w.Line("optimizer.BeginStep(ParameterCount);");
        w.Line($"Split({reduce + 1}, Parts, Threads); // the optimizer step, each part over its range of the parameters");
        w.Close();
        w.Open("finally");
        w.Line("_optimizer = null;");
        w.Close();
        w.Close();
        w.Open("else if (optimizer is not null)");
        w.Line("optimizer.Step(_trainer._network._parameters, _trainer._gradients);");
        w.Close();
        w.Line("double total = 0;");
        w.Open("for (int b = 0; b < batch; b++)");
        w.Line("total += _trainer._losses[b];");
        w.Close();
        w.Line("return (float)(total / batch);");
        w.Close();
        w.Line();
        w.Line(Tiering.Optimized);
        w.Open("protected override void Stages()");
        for (int s = 0; s < stages.Count; s++)
        {
            w.Line($"Split({s}, {(stages[s].WholeBatch ? "1" : "Parts, Threads")}); // {StageSummary(plan, stages[s].WholeBatch, stages[s].Ops, s == 0)}");
        }

        bool dense = plan.Layers.Any(l => l.Spec is DenseSpec);
        if (!dense)
        {
            w.Open("if (Parts > 1)");
        }

        w.Line($"Split({reduce}, Parts, Threads); // {(dense ? "the dense layers' parameter gradients over the whole batch, " : string.Empty)}the parts' parameter gradients added into part 0's");
        if (!dense)
        {
            w.Close();
        }
        w.Close();
        w.Line();
        w.Open("protected override void RunPart(int stage, int part, int parts)");
        w.Line("Trainer trainer = _trainer;");
        w.Line("int batch = _batch;");
        w.Line($"int from = {BatchWork}.Start(batch, part, parts);");
        w.Line($"int to = {BatchWork}.Start(batch, part + 1, parts);");
        w.Line($"{Ros} p = trainer._network._parameters;");
        w.Line($"{Sp} state = trainer._network._state;");
        w.Line($"{Ros} inputs = Inputs;");
        w.Line($"{Sp} tape = trainer._tape;");
        w.Line($"{Sp} grad = trainer._grad;");
        w.Line($"{Sp} grads = trainer._partials[part];");
        w.Line($"{Sp} scratch = trainer._scratch[part];");
        w.Line($"{Sp} saved = trainer._saved;");
        w.Line($"{Sp} losses = trainer._losses;");
        w.Line("global::System.Random random = trainer._random;");
        w.Open("switch (stage)");
        for (int s = 0; s < stages.Count; s++)
        {
            (bool wholeBatch, List<(OpKind Kind, int Layer)> ops) = stages[s];
            w.Open($"case {s}: // {StageSummary(plan, wholeBatch, ops, s == 0)}");
            if (s == 0)
            {
                w.Line("// This part's own parameter gradients, and its images' rows of the gradient tape, start at zero (other parts");
                w.Line("// may already be writing theirs: this stage runs through to the backward pass).");
                foreach ((int offset, int length) in PartRanges(plan))
                {
                    w.Line(offset == 0 && length == plan.ParameterCount ? "grads.Clear();" : $"grads.Slice({offset}, {length}).Clear();");
                }

                for (int i = 0; i < plan.Layers.Count; i++)
                {
                    // (a ReLU fused into the pooling after it: its output's gradient is never written nor read)
                    if (tape.NeedsGradient[i] && plan.Layers[i].Spec is not FlattenSpec && FusedInto(plan, tape, i) < 0)
                    {
                        w.Line($"{tape.Range("grad", i)}.Clear();");
                    }
                }

            }

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

        w.Open($"case {reduce}: // this part's share of: the dense layers' parameter gradients, the sum of the parts' other parameter gradients (in part order)");
        w.Line($"{Sp} gradients = trainer._gradients;");
        List<(int Offset, int Length)> partRanges = PartRanges(plan);
        if (partRanges.Count > 0 || plan.Layers.Any(l => l.Spec is DenseSpec))
        {
            // (not declared for a network without parameters, where nothing would use them: CS0168)
            w.Line("int first, count;");
        }

        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan layer = plan.Layers[i];
            if (layer.Spec is not DenseSpec)
            {
                continue;
            }

            int rowLength = layer.In.Size;
            w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, outputs [first, first + count): the weights' rows and the biases");
            w.Line($"first = {BatchWork}.Start({layer.Out.Size}, part, parts);");
            w.Line($"count = {BatchWork}.Start({layer.Out.Size}, part + 1, parts) - first;");
            w.Line($"{LayerKernels.WeightGradientName(layer)}({tape.Batch("tape", layer.Inputs[0])}, {tape.Batch("grad", i)}, {NetworkEmitter.Weights(layer).Replace("p.", "gradients.")}, {NetworkEmitter.Bias(layer).Replace("p.", "gradients.")}, batch, first, count);");
        }

        foreach ((int offset, int length) in partRanges)
        {
            w.Line($"// Parameters [{offset}, {offset + length}): summed over the parts");
            w.Line($"first = {offset} + {BatchWork}.Start({length}, part, parts, 16);");
            w.Line($"count = {offset} + {BatchWork}.Start({length}, part + 1, parts, 16) - first;");
            w.Open("for (int s = 1; s < Parts; s++)");
            w.Line($"global::CnnGen.Runtime.Kernels.Accumulate(new {Ros}(trainer._partials[s], first, count), gradients.Slice(first, count));");
            w.Close();
        }

        w.Line("break;");
        w.Close();
        w.Open($"case {reduce + 1}: // this part's range of the optimizer step (after the check that the loss and gradients are finite)");
        w.Line($"int start = {BatchWork}.Start(ParameterCount, part, parts, 16);");
        w.Line($"_optimizer!.StepRange(trainer._network._parameters, trainer._gradients, start, {BatchWork}.Start(ParameterCount, part + 1, parts, 16) - start);");
        w.Line("break;");
        w.Close();
        w.Close();
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
