using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Emits training: a forward pass over the whole batch, layer after layer, that keeps every output on
/// the tape (BatchNorm needs the batch's statistics; Dropout draws its masks); the backward pass in
/// reverse; and the nested <c>Trainer</c> class (loss, gradients, optimizer step). All of it sits behind
/// <c>Trainer</c>, so an inference-only app that never names it trims it away.
/// </summary>
internal static class TrainingEmitter
{
    private const string Ros = "global::System.ReadOnlySpan<float>";
    private const string Sp = "global::System.Span<float>";

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
        w.Line();
        WriteForward(w, plan, tape);
        WriteBackward(w, plan, tape);
        LayerKernels.WriteBackward(w, plan);
        WriteTrainer(w, type, plan, tape);
    }

    private static void WriteForward(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        w.Line("// Training forward pass: layer after layer over the whole batch, each output kept on the tape.");
        w.Open($"private static void TrainForward({Ros} p, {Sp} state, {Ros} inputs, int batch, {Sp} tape, {Sp} saved, {Sp} scratch, global::System.Random random)");
        for (int i = 0; i < plan.Layers.Count; i++)
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
                    w.Line($"{LayerKernels.MethodName(layer)}({NetworkEmitter.Weights(layer)}, {NetworkEmitter.Bias(layer)}, {tape.Batch("tape", input)}, {tape.Batch("tape", i)}, batch, relu: false);");
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
                    w.Line(NetworkEmitter.Activation(activation, tape.Batch("tape", input), tape.Batch("tape", i)));
                    break;
                case DropoutSpec dropout:
                    w.Line($"global::CnnGen.Runtime.Kernels.DropoutTrain({tape.Batch("tape", input)}, {tape.Batch("tape", i)}, {tape.Mask(i)}, {NetworkEmitter.Float(dropout.Rate)}, random);");
                    break;
                case BatchNormSpec norm:
                    w.Line($"global::CnnGen.Runtime.Kernels.BatchNormTrain({tape.Batch("tape", input)}, {tape.Batch("tape", i)}, batch, {layer.In.Channels}, {layer.In.Height * layer.In.Width}, p.Slice({layer.ParameterOffset}, {layer.Parameters}), state.Slice({layer.StateOffset}, {layer.StateCount}), {NetworkEmitter.Float(norm.Epsilon)}, {NetworkEmitter.Float(norm.Momentum)}, saved.Slice({tape.SavedOffset[i]}, {2 * layer.In.Channels}));");
                    break;
                case AddSpec:
                    w.Line($"global::System.Numerics.Tensors.TensorPrimitives.Add({tape.Batch("tape", input)}, {tape.Batch("tape", layer.Inputs[1])}, {tape.Batch("tape", i)});");
                    for (int k = 2; k < layer.Inputs.Count; k++)
                    {
                        w.Line($"global::CnnGen.Runtime.Kernels.Accumulate({tape.Batch("tape", layer.Inputs[k])}, {tape.Batch("tape", i)});");
                    }

                    break;
                case ConcatSpec:
                    w.Open("for (int b = 0; b < batch; b++)");
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

        w.Close();
        w.Line();
    }

    private static void WriteBackward(SourceWriter w, NetworkPlan plan, TapeLayout tape)
    {
        w.Line("// Training backward pass, layers in reverse. On entry the gradient tape holds dLoss/dOutput of the last");
        w.Line("// layer (or, with skipSoftmax, dLoss/dScores at the final Softmax's input). Every layer adds into its");
        w.Line("// inputs' gradients, and parameter gradients are added into grads (which mirrors the parameters).");
        w.Open($"private static void TrainBackward({Ros} p, {Ros} inputs, int batch, {Ros} tape, {Sp} grad, {Sp} grads, {Ros} saved, {Sp} scratch, bool skipSoftmax)");
        for (int i = plan.Layers.Count - 1; i >= 0; i--)
        {
            LayerPlan layer = plan.Layers[i];
            if (!tape.NeedsGradient[i])
            {
                continue;
            }

            int input = layer.Inputs[0];
            bool wantInput = input >= 0 && tape.NeedsGradient[input];
            w.Line($"// Layer {layer.Position}: {Summary.LayerName(layer.Spec)}, gradient {layer.Out.Text} → {layer.In.Text}{(layer.Parameters > 0 && !layer.Inputs.Any(j => j >= 0 && tape.NeedsGradient[j]) ? " (nothing before it trains: no input gradient)" : string.Empty)}");
            switch (layer.Spec)
            {
                case ConvSpec:
                    PerImage(w, $"{LayerKernels.BackwardName(layer)}({NetworkEmitter.Weights(layer)}, {tape.Image("tape", input)}, {tape.Image("grad", i)}, {NetworkEmitter.Weights(layer).Replace("p.", "grads.")}, {NetworkEmitter.Bias(layer).Replace("p.", "grads.")}, {tape.InputGradientImage(input)}, scratch);");
                    break;
                case DenseSpec:
                    w.Line($"{LayerKernels.BackwardName(layer)}({NetworkEmitter.Weights(layer)}, {tape.Batch("tape", input)}, {tape.Batch("grad", i)}, {NetworkEmitter.Weights(layer).Replace("p.", "grads.")}, {NetworkEmitter.Bias(layer).Replace("p.", "grads.")}, {tape.InputGradientBatch(input)}, batch);");
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
                    w.Open("if (!skipSoftmax)");
                    PerImage(w, $"global::CnnGen.Runtime.Kernels.SoftmaxBackward({tape.Image("tape", i)}, {tape.Image("grad", i)}, {tape.InputGradientImage(input)});");
                    w.Close();
                    break;
                case ActivationSpec activation when wantInput:
                    string x = tape.Batch("tape", input);
                    string y = tape.Batch("tape", i);
                    string dy = tape.Batch("grad", i);
                    string dx = tape.InputGradientBatch(input);
                    w.Line(activation.Kind switch
                    {
                        ActivationKind.ReLU => $"global::CnnGen.Runtime.Kernels.ReLUBackward({x}, {dy}, {dx});",
                        ActivationKind.LeakyReLU => $"global::CnnGen.Runtime.Kernels.LeakyReLUBackward({x}, {dy}, {dx}, {NetworkEmitter.Float(activation.Parameter)});",
                        ActivationKind.ELU => $"global::CnnGen.Runtime.Kernels.ELUBackward({x}, {y}, {dy}, {dx}, {NetworkEmitter.Float(activation.Parameter)});",
                        _ => $"global::CnnGen.Runtime.Kernels.{activation.Kind}Backward({y}, {dy}, {dx});",
                    });
                    break;
                case DropoutSpec when wantInput:
                    w.Line($"global::CnnGen.Runtime.Kernels.DropoutBackward({tape.Mask(i)}, {tape.Batch("grad", i)}, {tape.InputGradientBatch(input)});");
                    break;
                case BatchNormSpec:
                    w.Line($"global::CnnGen.Runtime.Kernels.BatchNormBackward({tape.Batch("tape", input)}, {tape.Batch("grad", i)}, {tape.InputGradientBatch(input)}, batch, {layer.In.Channels}, {layer.In.Height * layer.In.Width}, p.Slice({layer.ParameterOffset}, {layer.Parameters}), grads.Slice({layer.ParameterOffset}, {layer.Parameters}), saved.Slice({tape.SavedOffset[i]}, {2 * layer.In.Channels}));");
                    break;
                case AddSpec:
                    foreach (int k in layer.Inputs.Where(k => k >= 0 && tape.NeedsGradient[k]))
                    {
                        w.Line($"global::CnnGen.Runtime.Kernels.Accumulate({tape.Batch("grad", i)}, {tape.InputGradientBatch(k)});");
                    }

                    break;
                case ConcatSpec:
                    w.Open("for (int b = 0; b < batch; b++)");
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

        w.Close();
        w.Line();
    }

    private static void PerImage(SourceWriter w, string statement)
    {
        w.Open("for (int b = 0; b < batch; b++)");
        w.Line(statement);
        w.Close();
    }

    private static void WriteTrainer(SourceWriter w, TargetTypeInfo type, NetworkPlan plan, TapeLayout tape)
    {
        int last = plan.Layers.Count - 1;
        bool endsInSoftmax = plan.Layers[last].Spec is ActivationSpec { Kind: ActivationKind.Softmax };
        int scores = endsInSoftmax ? plan.Layers[last].Inputs[0] : last;
        bool trains = scores >= 0 && tape.NeedsGradient[scores];
        string lossGradient = trains ? tape.Image("grad", scores) : "default";
        string lastGradient = tape.NeedsGradient[last] ? tape.Image("grad", last) : "default";
        string output = tape.Image("tape", last);

        w.Line("/// <summary>");
        w.Line($"/// Trains a <see cref=\"{type.Name}\"/>: mini-batch gradients through the emitted backward pass, then one optimizer step.");
        w.Line("/// Allocates nothing after the first step of the largest batch size. Not thread-safe.");
        w.Line("/// </summary>");
        w.Open("public sealed class Trainer");
        w.Line($"private readonly {type.Name} _network;");
        w.Line("private readonly float[] _gradients = new float[ParameterCount];");
        w.Line("private readonly float[] _saved = new float[SavedLength];");
        w.Line("private readonly float[] _scratch = new float[TrainScratchLength];");
        w.Line("private readonly global::System.Random _random;");
        w.Line("private float[] _tape = global::System.Array.Empty<float>();");
        w.Line("private float[] _grad = global::System.Array.Empty<float>();");
        w.Line();
        w.Line("/// <summary>Creates a trainer that updates <paramref name=\"network\"/>'s parameters with <paramref name=\"optimizer\"/>.</summary>");
        w.Line("/// <param name=\"network\">The network to train.</param>");
        w.Line("/// <param name=\"optimizer\">SGD, SGD with momentum, Adam, …</param>");
        w.Line("/// <param name=\"seed\">Seeds the dropout masks (if the network has Dropout), so runs repeat exactly.</param>");
        w.Open($"public Trainer({type.Name} network, global::CnnGen.Training.Optimizer optimizer, int seed = 0)");
        w.Line("_network = network ?? throw new global::System.ArgumentNullException(nameof(network));");
        w.Line("Optimizer = optimizer ?? throw new global::System.ArgumentNullException(nameof(optimizer));");
        w.Line("_random = new global::System.Random(seed);");
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

        w.Line($"/// <summary>One training step with {(endsInSoftmax ? "softmax cross-entropy (fused: the gradient at the scores is p − y)" : "cross-entropy on the outputs taken as scores")}; returns the batch's mean loss before the step.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back, <see cref=\"InputLength\"/> floats each.</param>");
        w.Line("/// <param name=\"labels\">One class index per image.</param>");
        w.Open($"public float TrainBatch({Ros} inputs, global::System.ReadOnlySpan<int> labels)");
        w.Line("float loss = ComputeGradients(inputs, labels);");
        w.Line("Optimizer.Step(_network._parameters, _gradients);");
        w.Line("return loss;");
        w.Close();
        w.Line();
        w.Line("/// <summary>One training step with a regression loss against <paramref name=\"targets\"/>; returns the batch's mean loss before the step.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"targets\"><see cref=\"OutputLength\"/> target values per image.</param>");
        w.Line("/// <param name=\"loss\">The loss: mean squared error (L2) or mean absolute error (L1); cross-entropy takes labels instead.</param>");
        w.Open($"public float TrainBatch({Ros} inputs, {Ros} targets, global::CnnGen.Training.Loss loss)");
        w.Line("float value = ComputeGradients(inputs, targets, loss);");
        w.Line("Optimizer.Step(_network._parameters, _gradients);");
        w.Line("return value;");
        w.Close();
        w.Line();

        w.Line("/// <summary>Computes <see cref=\"Gradients\"/> of the mean cross-entropy over the batch without updating the parameters; returns the mean loss.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"labels\">One class index per image, 0 to OutputLength − 1.</param>");
        w.Open($"public float ComputeGradients({Ros} inputs, global::System.ReadOnlySpan<int> labels)");
        w.Line("int batch = Prepare(inputs, labels.Length, 1, nameof(labels));");
        w.Open("for (int i = 0; i < batch; i++)");
        w.Open("if ((uint)labels[i] >= OutputLength)");
        w.Line("throw new global::System.ArgumentOutOfRangeException(nameof(labels), labels[i], $\"Label {i} is {labels[i]}; labels must be class indices from 0 to {OutputLength - 1}.\");");
        w.Close();
        w.Close();
        w.Line($"{Sp} tape = _tape;");
        w.Line($"{Sp} grad = _grad;");
        w.Line("TrainForward(_network._parameters, _network._state, inputs, batch, tape, _saved, _scratch, _random);");
        w.Line("float scale = 1f / batch;");
        w.Line("double total = 0;");
        w.Open("for (int b = 0; b < batch; b++)");
        w.Line(endsInSoftmax
            ? $"total += global::CnnGen.Training.Losses.SoftmaxCrossEntropy({output}, labels[b], {(trains ? lossGradient : "stackalloc float[OutputLength]")}, scale);"
            : $"total += global::CnnGen.Training.Losses.CrossEntropyFromLogits({output}, labels[b], {(trains ? lossGradient : "stackalloc float[OutputLength]")}, scale);");
        w.Close();
        w.Line($"TrainBackward(_network._parameters, inputs, batch, tape, grad, _gradients, _saved, _scratch, skipSoftmax: {(endsInSoftmax ? "true" : "false")});");
        w.Line("return (float)(total / batch);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Computes <see cref=\"Gradients\"/> of a regression loss over the batch without updating the parameters; returns the mean loss.</summary>");
        w.Line("/// <param name=\"inputs\">The batch's images back to back.</param>");
        w.Line("/// <param name=\"targets\"><see cref=\"OutputLength\"/> target values per image.</param>");
        w.Line("/// <param name=\"loss\">Mean squared error or L1 (mean over every output of every image, as PyTorch's mse_loss and l1_loss).</param>");
        w.Open($"public float ComputeGradients({Ros} inputs, {Ros} targets, global::CnnGen.Training.Loss loss)");
        w.Open("if (loss == global::CnnGen.Training.Loss.CrossEntropy)");
        w.Line("throw new global::System.ArgumentException(\"Cross-entropy takes class labels: call the overload with ReadOnlySpan<int> labels.\", nameof(loss));");
        w.Close();
        w.Line("int batch = Prepare(inputs, targets.Length, OutputLength, nameof(targets));");
        w.Line($"{Sp} tape = _tape;");
        w.Line($"{Sp} grad = _grad;");
        w.Line("TrainForward(_network._parameters, _network._state, inputs, batch, tape, _saved, _scratch, _random);");
        w.Line("float scale = 1f / batch;");
        w.Line("double total = 0;");
        w.Open("for (int b = 0; b < batch; b++)");
        w.Line($"{Ros} target = targets.Slice(b * OutputLength, OutputLength);");
        w.Line($"{Sp} gradient = {(lastGradient == "default" ? "stackalloc float[OutputLength]" : lastGradient)};");
        w.Line("total += loss == global::CnnGen.Training.Loss.L1");
        w.Line($"    ? global::CnnGen.Training.Losses.L1({output}, target, gradient, scale)");
        w.Line($"    : global::CnnGen.Training.Losses.MeanSquaredError({output}, target, gradient, scale);");
        w.Close();
        w.Line("TrainBackward(_network._parameters, inputs, batch, tape, grad, _gradients, _saved, _scratch, skipSoftmax: false);");
        w.Line("return (float)(total / batch);");
        w.Close();
        w.Line();

        w.Line("// Checks the batch, grows the tapes for a larger batch than before, and clears the gradients.");
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
        w.Close();
        w.Line("global::System.Array.Clear(_grad, 0, batch * TapeLength);");
        w.Line("global::System.Array.Clear(_gradients);");
        w.Line("return batch;");
        w.Close();
        w.Close();
    }
}
