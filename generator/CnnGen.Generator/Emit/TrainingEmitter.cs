using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Emits training: a forward pass that keeps every layer's output on a per-image "tape", the backward
/// pass through the layers in reverse, and the nested <c>Trainer</c> class (loss, batch loop, optimizer
/// step). All of it sits behind <c>Trainer</c>, so an inference-only app that never names it trims it away.
/// </summary>
internal static class TrainingEmitter
{
    public static void Write(SourceWriter w, TargetTypeInfo type, NetworkPlan plan)
    {
        var tape = new TapeLayout(plan);
        w.Line();
        w.Line($"// ---- Training ----------------------------------------------------------------------------------");
        w.Line($"// The tape keeps every layer's output for one image: {tape.Describe()}.");
        w.Line($"private const int TapeLength = {tape.Length};");
        w.Line($"// Backward workspace: two gradient halves of {tape.GradientHalf} floats + {tape.Scratch} of scratch.");
        w.Line($"private const int BackwardLength = {(2 * tape.GradientHalf) + tape.Scratch};");
        w.Line();
        WriteForwardTape(w, plan, tape);
        WriteBackwardTape(w, plan, tape);
        LayerKernels.WriteBackward(w, plan);
        WriteTrainer(w, type, plan, tape);
    }

    private static void WriteForwardTape(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        w.Line("// Forward pass for training: layer k writes its output to its own slot of the tape.");
        w.Open("private static void ForwardTape(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.Span<float> tape, global::System.Span<float> scratch)");
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            LayerPlan layer = plan.Layers[i];
            string src = tape.Input(i);
            string dst = tape.Output(i);
            w.Line($"// Layer {layer.Position}: {layer.Spec.Display}, {layer.In.Text} → {layer.Out.Text}");
            switch (layer.Spec)
            {
                case ConvSpec or PoolSpec or DenseSpec:
                    string parameters = layer.Parameters > 0 ? $"p.Slice({layer.ParameterOffset}, {layer.Parameters}), " : string.Empty;
                    string scratch = LayerKernels.NeedsScratch(layer) ? ", scratch" : string.Empty;
                    w.Line($"{LayerKernels.MethodName(layer)}({parameters}{src}, {dst}{scratch});");
                    break;
                case FlattenSpec:
                    w.Line("// (no-op: the slot of the layer before is reused)");
                    break;
                case ActivationSpec activation:
                    w.Line($"global::CnnGen.Runtime.Kernels.{activation.Kind}({src}, {dst});");
                    break;
            }
        }

        w.Close();
        w.Line();
    }

    private static void WriteBackwardTape(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        int firstTrainable = Enumerable.Range(0, plan.Layers.Count).Where(i => plan.Layers[i].Parameters > 0).DefaultIfEmpty(-1).First();
        w.Line("// Backward pass for one image. On entry the first gradient half holds dLoss/dOutput of the last layer,");
        w.Line("// or, when skipSoftmax is set (softmax fused with cross-entropy), dLoss/dInput of the final Softmax.");
        w.Line("// Parameter gradients are added to grads (which mirrors the parameter buffer).");
        w.Open("private static void BackwardTape(global::System.ReadOnlySpan<float> p, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> tape, global::System.Span<float> grads, global::System.Span<float> work, bool skipSoftmax)");
        w.Line($"global::System.Span<float> ga = work.Slice(0, {tape.GradientHalf});");
        w.Line($"global::System.Span<float> gb = work.Slice({tape.GradientHalf}, {tape.GradientHalf});");
        if (tape.Scratch > 0)
        {
            w.Line($"global::System.Span<float> scratch = work.Slice({2 * tape.GradientHalf}, {tape.Scratch});");
        }

        if (firstTrainable < 0)
        {
            w.Line("// No layer has parameters: nothing to compute.");
            w.Close();
            w.Line();
            return;
        }

        string current = "ga";
        for (int i = plan.Layers.Count - 1; i >= firstTrainable; i--)
        {
            LayerPlan layer = plan.Layers[i];
            string next = current == "ga" ? "gb" : "ga";
            bool wantInput = i > firstTrainable;
            string gradIn = wantInput ? $"{next}.Slice(0, {layer.In.Size})" : "default";
            string gradOut = $"{current}.Slice(0, {layer.Out.Size})";
            w.Line();
            w.Line($"// Layer {layer.Position}: {layer.Spec.Display}, gradient {layer.Out.Text} → {layer.In.Text}{(wantInput ? string.Empty : " (first trainable layer: no input gradient needed)")}");
            switch (layer.Spec)
            {
                case ConvSpec or DenseSpec:
                    string scratch = LayerKernels.NeedsScratch(layer) ? ", scratch" : string.Empty;
                    w.Line($"{LayerKernels.BackwardName(layer)}(p.Slice({layer.ParameterOffset}, {layer.Parameters}), {tape.Input(i)}, {gradOut}, grads.Slice({layer.ParameterOffset}, {layer.Parameters}), {gradIn}{scratch});");
                    current = next;
                    break;
                case PoolSpec:
                    w.Line($"{LayerKernels.BackwardName(layer)}({tape.Input(i)}, {gradOut}, {gradIn});");
                    current = next;
                    break;
                case FlattenSpec:
                    w.Line("// (identity)");
                    break;
                case ActivationSpec { Kind: ActivationKind.Softmax }:
                    w.Open("if (!skipSoftmax)");
                    w.Line($"global::CnnGen.Runtime.Kernels.SoftmaxBackward({tape.Output(i)}, {gradOut}, {gradOut});");
                    w.Close();
                    break;
                case ActivationSpec activation:
                    w.Line($"global::CnnGen.Runtime.Kernels.{activation.Kind}Backward({tape.Output(i)}, {gradOut}, {gradOut});");
                    break;
            }
        }

        w.Close();
        w.Line();
    }

    private static void WriteTrainer(SourceWriter w, TargetTypeInfo type, NetworkPlan plan, TapeLayout tape)
    {
        bool endsInSoftmax = plan.Layers[plan.Layers.Count - 1].Spec is ActivationSpec { Kind: ActivationKind.Softmax };
        string output = $"new global::System.Span<float>(_tape, {tape.OutputOffset}, OutputLength)";
        w.Line("/// <summary>");
        w.Line($"/// Trains a <see cref=\"{type.Name}\"/>: mini-batch gradients through the emitted backward pass, then one optimizer step.");
        w.Line("/// Allocates nothing after the first step. Not thread-safe.");
        w.Line("/// </summary>");
        w.Open("public sealed class Trainer");
        w.Line($"private readonly {type.Name} _network;");
        w.Line("private readonly float[] _gradients = new float[ParameterCount];");
        w.Line("private readonly float[] _tape = new float[TapeLength];");
        w.Line("private readonly float[] _work = new float[BackwardLength];");
        w.Line();
        w.Line("/// <summary>Creates a trainer that updates <paramref name=\"network\"/>'s parameters with <paramref name=\"optimizer\"/>.</summary>");
        w.Line("/// <param name=\"network\">The network to train.</param>");
        w.Line("/// <param name=\"optimizer\">SGD, SGD with momentum, Adam, …</param>");
        w.Open($"public Trainer({type.Name} network, global::CnnGen.Training.Optimizer optimizer)");
        w.Line("_network = network ?? throw new global::System.ArgumentNullException(nameof(network));");
        w.Line("Optimizer = optimizer ?? throw new global::System.ArgumentNullException(nameof(optimizer));");
        w.Close();
        w.Line();
        w.Line("/// <summary>The network being trained.</summary>");
        w.Line($"public {type.Name} Network => _network;");
        w.Line();
        w.Line("/// <summary>The optimizer that applies the gradients.</summary>");
        w.Line("public global::CnnGen.Training.Optimizer Optimizer { get; }");
        w.Line();
        w.Line("/// <summary>The gradients of the last batch's mean loss, laid out as <see cref=\"Parameters\"/>.</summary>");
        w.Line("public global::System.ReadOnlySpan<float> Gradients => _gradients;");
        w.Line();

        w.Line($"/// <summary>One training step with {(endsInSoftmax ? "softmax cross-entropy (fused: the gradient at the scores is p − y)" : "cross-entropy on the outputs taken as logits")}; returns the batch's mean loss before the step.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back, <see cref=\"InputLength\"/> floats each.</param>");
        w.Line("/// <param name=\"labels\">One class index per image.</param>");
        w.Open("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels)");
        w.Line("float loss = ComputeGradients(inputs, labels);");
        w.Line("Optimizer.Step(_network._parameters, _gradients);");
        w.Line("return loss;");
        w.Close();
        w.Line();
        w.Line("/// <summary>One training step with a regression loss against <paramref name=\"targets\"/>; returns the batch's mean loss before the step.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"targets\"><see cref=\"OutputLength\"/> target values per image.</param>");
        w.Line("/// <param name=\"loss\">The loss: mean squared error (L2) or mean absolute error (L1); cross-entropy takes labels instead.</param>");
        w.Open("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::CnnGen.Training.Loss loss)");
        w.Line("float value = ComputeGradients(inputs, targets, loss);");
        w.Line("Optimizer.Step(_network._parameters, _gradients);");
        w.Line("return value;");
        w.Close();
        w.Line();

        w.Line("/// <summary>Computes <see cref=\"Gradients\"/> of the mean cross-entropy over the batch without updating the parameters; returns the mean loss.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"labels\">One class index per image, 0 to OutputLength − 1.</param>");
        w.Open("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<int> labels)");
        w.Line("int batch = BatchSize(inputs, labels.Length, 1, nameof(labels));");
        w.Line("global::System.ReadOnlySpan<float> p = _network._parameters;");
        w.Line("global::System.Array.Clear(_gradients);");
        w.Line("float scale = 1f / batch;");
        w.Line("double total = 0;");
        w.Open("for (int i = 0; i < batch; i++)");
        w.Line("int label = labels[i];");
        w.Open("if ((uint)label >= OutputLength)");
        w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(labels), label, $\"Label {i} is {label}; labels must be class indices from 0 to {OutputLength - 1}.\");");
        w.Close();
        w.Line("global::System.ReadOnlySpan<float> x = inputs.Slice(i * InputLength, InputLength);");
        w.Line("ForwardTape(p, x, _tape, _work);");
        w.Line("global::System.Span<float> gradient = new global::System.Span<float>(_work, 0, OutputLength);");
        w.Line(endsInSoftmax
            ? $"total += global::CnnGen.Training.Losses.SoftmaxCrossEntropy({output}, label, gradient, scale);"
            : $"total += global::CnnGen.Training.Losses.CrossEntropyFromLogits({output}, label, gradient, scale);");
        w.Line($"BackwardTape(p, x, _tape, _gradients, _work, skipSoftmax: {(endsInSoftmax ? "true" : "false")});");
        w.Close();
        w.Line("return (float)(total / batch);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Computes <see cref=\"Gradients\"/> of a regression loss over the batch without updating the parameters; returns the mean loss.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"targets\"><see cref=\"OutputLength\"/> target values per image.</param>");
        w.Line("/// <param name=\"loss\">Mean squared error or L1 (mean over every output of every image, as PyTorch's mse_loss and l1_loss).</param>");
        w.Open("public float ComputeGradients(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::CnnGen.Training.Loss loss)");
        w.Open("if (loss == global::CnnGen.Training.Loss.CrossEntropy)");
        w.Line("throw new global::System.ArgumentException(\"Cross-entropy takes class labels: call the overload with ReadOnlySpan<int> labels.\", nameof(loss));");
        w.Close();
        w.Line("int batch = BatchSize(inputs, targets.Length, OutputLength, nameof(targets));");
        w.Line("global::System.ReadOnlySpan<float> p = _network._parameters;");
        w.Line("global::System.Array.Clear(_gradients);");
        w.Line("float scale = 1f / batch;");
        w.Line("double total = 0;");
        w.Open("for (int i = 0; i < batch; i++)");
        w.Line("global::System.ReadOnlySpan<float> x = inputs.Slice(i * InputLength, InputLength);");
        w.Line("global::System.ReadOnlySpan<float> target = targets.Slice(i * OutputLength, OutputLength);");
        w.Line("ForwardTape(p, x, _tape, _work);");
        w.Line("global::System.Span<float> gradient = new global::System.Span<float>(_work, 0, OutputLength);");
        w.Line("total += loss == global::CnnGen.Training.Loss.L1");
        w.Line($"    ? global::CnnGen.Training.Losses.L1({output}, target, gradient, scale)");
        w.Line($"    : global::CnnGen.Training.Losses.MeanSquaredError({output}, target, gradient, scale);");
        w.Line("BackwardTape(p, x, _tape, _gradients, _work, skipSoftmax: false);");
        w.Close();
        w.Line("return (float)(total / batch);");
        w.Close();
        w.Line();

        w.Open("private static int BatchSize(global::System.ReadOnlySpan<float> inputs, int targetLength, int perImage, string targetName)");
        w.Line("int batch = inputs.Length / InputLength;");
        w.Open("if (batch == 0 || inputs.Length % InputLength != 0)");
        w.Line($"throw new global::System.ArgumentException($\"Expected a batch of whole {plan.Input.Channels}×{plan.Input.Height}×{plan.Input.Width} images ({plan.Input.Size} floats each), got {{inputs.Length}} floats.\", nameof(inputs));");
        w.Close();
        w.Open("if (targetLength != batch * perImage)");
        w.Line("throw new global::System.ArgumentException($\"Expected {batch * perImage} values for a batch of {batch} images, got {targetLength}.\", targetName);");
        w.Close();
        w.Line("return batch;");
        w.Close();
        w.Close();
    }
}

/// <summary>Where each layer's output lives on the per-image tape; Flatten reuses the slot before it.</summary>
internal sealed class TapeLayout
{
    private readonly int[] _offsets;
    private readonly NetworkPlan _plan;

    public TapeLayout(NetworkPlan plan)
    {
        _plan = plan;
        _offsets = new int[plan.Layers.Count];
        int offset = 0;
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            if (plan.Layers[i].Spec is FlattenSpec)
            {
                _offsets[i] = i == 0 ? -1 : _offsets[i - 1];
                continue;
            }

            _offsets[i] = offset;
            offset += plan.Layers[i].Out.Size;
        }

        Length = offset;
        GradientHalf = plan.Layers.Select(l => l.In.Size).Append(plan.Output.Size).Max();
        Scratch = plan.Layers.Select(l => System.Math.Max(LayerKernels.ScratchLength(l), LayerKernels.BackwardScratchLength(l))).DefaultIfEmpty(0).Max();
    }

    public int Length { get; }

    public int GradientHalf { get; }

    public int Scratch { get; }

    public int OutputOffset => _offsets[_offsets.Length - 1] < 0 ? 0 : _offsets[_offsets.Length - 1];

    /// <summary>The span expression of layer i's input: the image itself for the first layer (or a Flatten chain on it).</summary>
    public string Input(int i) => i == 0 || _offsets[i - 1] < 0 ? "input" : Slot(i - 1);

    public string Output(int i) => _offsets[i] < 0 ? "input" : Slot(i);

    public string Describe() => $"{_offsets.Count(o => o >= 0)} slots, {Length} floats";

    private string Slot(int i) => $"tape.Slice({_offsets[i]}, {_plan.Layers[i].Out.Size})";
}
