using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The backward kernels: one method per distinct layer shape, mirroring the forward ones. Each adds
/// its parameter gradients into the gradient buffer (which mirrors the parameter buffer) and ADDS the
/// gradient with respect to its input into <c>gradInput</c> (so branches sum), unless it is handed an
/// empty span because no earlier layer has parameters to train.
/// </summary>
internal static partial class LayerKernels
{
    public static string BackwardName(LayerPlan layer) => MethodName(layer) + "_Backward";

    /// <summary>Scratch floats a layer's backward kernel needs.</summary>
    public static int BackwardScratchLength(LayerPlan layer)
    {
        if (!IsWideConv(layer))
        {
            return 0;
        }

        Window w = layer.Window!;
        int hp = layer.In.Height + (2 * w.PaddingHeight);
        int wp = layer.In.Width + (2 * w.PaddingWidth);
        int padded = w.PaddingHeight > 0 || w.PaddingWidth > 0 ? layer.In.Channels * hp * wp : 0;

        // padded input + padded input gradient + the wide output gradient
        return (2 * padded) + (layer.Out.Height * wp);
    }

    public static void WriteBackward(SourceWriter w, NetworkPlan plan)
    {
        var written = new HashSet<string>();
        foreach (LayerPlan layer in plan.Layers)
        {
            string name = MethodName(layer);
            if (name.Length == 0 || !written.Add(name))
            {
                continue;
            }

            w.Line();
            switch (layer.Spec)
            {
                case ConvSpec when IsWideConv(layer):
                    WriteConvStride1Backward(w, BackwardName(layer), layer);
                    break;
                case ConvSpec:
                    WriteConvStridedBackward(w, BackwardName(layer), layer);
                    break;
                case PoolSpec pool:
                    WritePoolBackward(w, BackwardName(layer), layer, pool.Kind);
                    break;
                case GlobalPoolSpec:
                    WriteGlobalPoolBackward(w, BackwardName(layer), layer);
                    break;
                case DenseSpec:
                    WriteDenseBackward(w, BackwardName(layer), layer);
                    break;
            }
        }
    }

    private static void WriteConvStride1Backward(SourceWriter w, string name, LayerPlan layer)
    {
        bool padded = layer.Window!.PaddingHeight > 0 || layer.Window.PaddingWidth > 0;
        w.Line($"// Backward of Conv2D {ConvSummary(layer)}, with the same wide rows: the output gradient is");
        w.Line("// laid out W + 2·PW wide with zeros in the extra columns, so each kernel tap's weight gradient is one");
        w.Line("// dot product and its input gradient one multiply-add over the padded frame.");
        w.Open($"private static void {name}({Ros} weights, {Ros} input, {Ros} gradOutput, {Sp} gradWeights, {Sp} gradBias, {Sp} gradInput, {Sp} scratch)");
        ConvConstants(w, layer);
        w.Line("const int HP = H + 2 * PH, WP = W + 2 * PW, Wide = (OH - 1) * WP + OW;");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        if (padded)
        {
            w.Line($"{Sp} padded = scratch.Slice(0, C * HP * WP);");
            w.Line($"{Sp} gradPadded = scratch.Slice(C * HP * WP, C * HP * WP);");
            w.Line($"{Sp} wide = scratch.Slice(2 * C * HP * WP, OH * WP);");
            w.Line("padded.Clear();");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("input.Slice((c * H + y) * W, W).CopyTo(padded.Slice((c * HP + y + PH) * WP + PW, W));");
            w.Close();
            w.Close();
            w.Open("if (wantInput)");
            w.Line("gradPadded.Clear();");
            w.Close();
        }
        else
        {
            w.Line($"{Ros} padded = input;");
            w.Line("// Without padding the padded frame is the input itself: input gradients add straight into gradInput.");
            w.Line($"{Sp} gradPadded = gradInput;");
            w.Line($"{Sp} wide = scratch.Slice(0, OH * WP);");
        }

        w.Line("wide.Clear();");
        w.Open("for (int k = 0; k < K; k++)");
        w.Line($"{Ros} g = gradOutput.Slice(k * OH * OW, OH * OW);");
        w.Open("if (!gradBias.IsEmpty)");
        w.Line("gradBias[k] += global::System.Numerics.Tensors.TensorPrimitives.Sum(g);");
        w.Close();
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("g.Slice(oy * OW, OW).CopyTo(wide.Slice(oy * WP, OW));");
        w.Close();
        w.Open("for (int c = 0; c < C; c++)");
        w.Open("for (int ky = 0; ky < FH; ky++)");
        w.Open("for (int kx = 0; kx < FW; kx++)");
        w.Line("int tap = ((k * C + c) * FH + ky) * FW + kx;");
        w.Line("int at = c * HP * WP + ky * WP + kx;");
        w.Line("gradWeights[tap] += global::CnnGen.Runtime.Kernels.Dot(wide.Slice(0, Wide), padded.Slice(at, Wide));");
        w.Open("if (wantInput)");
        w.Line("global::CnnGen.Runtime.Kernels.MultiplyAdd(wide.Slice(0, Wide), weights[tap], gradPadded.Slice(at, Wide));");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        if (padded)
        {
            w.Open("if (wantInput)");
            w.Line("// Add the interior of the padded gradient: padding cells have no input behind them.");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("global::CnnGen.Runtime.Kernels.Accumulate(gradPadded.Slice((c * HP + y + PH) * WP + PW, W), gradInput.Slice((c * H + y) * W, W));");
            w.Close();
            w.Close();
            w.Close();
        }

        w.Close();
    }

    private static void WriteConvStridedBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Conv2D {ConvSummary(layer)}, direct: every (filter, channel, tap)");
        w.Line("// pairs each output gradient with the input pixel its window saw.");
        w.Open($"private static void {name}({Ros} weights, {Ros} input, {Ros} gradOutput, {Sp} gradWeights, {Sp} gradBias, {Sp} gradInput)");
        ConvConstants(w, layer);
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        w.Open("for (int k = 0; k < K; k++)");
        w.Line($"{Ros} plane = gradOutput.Slice(k * OH * OW, OH * OW);");
        w.Open("if (!gradBias.IsEmpty)");
        w.Line("gradBias[k] += global::System.Numerics.Tensors.TensorPrimitives.Sum(plane);");
        w.Close();
        w.Open("for (int c = 0; c < C; c++)");
        w.Line($"{Ros} channel = input.Slice(c * H * W, H * W);");
        w.Open("for (int ky = 0; ky < FH; ky++)");
        w.Open("for (int kx = 0; kx < FW; kx++)");
        w.Line("int tap = ((k * C + c) * FH + ky) * FW + kx;");
        w.Line("float weight = weights[tap];");
        w.Line("float sum = 0f;");
        w.Line("int oxStart = global::System.Math.Max(0, (PW - kx + SW - 1) / SW);");
        w.Line("int oxEnd = W - 1 + PW - kx < 0 ? 0 : global::System.Math.Min(OW, (W - 1 + PW - kx) / SW + 1);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int iy = oy * SH + ky - PH;");
        w.Open("if ((uint)iy >= (uint)H)");
        w.Line("continue;");
        w.Close();
        w.Open("for (int ox = oxStart; ox < oxEnd; ox++)");
        w.Line("int at = iy * W + ox * SW + kx - PW;");
        w.Line("float g = plane[oy * OW + ox];");
        w.Line("sum += g * channel[at];");
        w.Open("if (wantInput)");
        w.Line("gradInput[c * H * W + at] += g * weight;");
        w.Close();
        w.Close();
        w.Close();
        w.Line("gradWeights[tap] += sum;");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WritePoolBackward(SourceWriter w, string name, LayerPlan layer, PoolKind kind)
    {
        w.Line($"// Backward of {PoolSummary(layer, kind)}:");
        w.Line(kind switch
        {
            PoolKind.Max => "// each window's gradient goes to its arg-max only (the first maximum), 0 elsewhere.",
            PoolKind.Min => "// each window's gradient goes to its arg-min only (the first minimum), 0 elsewhere.",
            PoolKind.Average => "// each window's gradient is shared equally by the cells it averaged.",
            _ => "// d√(Σx²)/dx = x / √(Σx²) (0 where the window is all zeros).",
        });
        string output = kind == PoolKind.L2 ? $", {Ros} output" : string.Empty;
        w.Open($"private static void {name}({Ros} input{output}, {Ros} gradOutput, {Sp} gradInput)");
        PoolConstants(w, layer);
        OpenWindowLoops(w, gradient: true);
        w.Line("float g = gradOutput[(c * OH + oy) * OW + ox];");
        switch (kind)
        {
            case PoolKind.Max:
            case PoolKind.Min:
                w.Line("int best = -1;");
                w.Line($"float bestValue = float.{(kind == PoolKind.Max ? "NegativeInfinity" : "PositiveInfinity")};");
                w.Open("for (int y = ya; y < yb; y++)");
                w.Open("for (int x = xa; x < xb; x++)");
                w.Line("float v = channel[y * W + x];");
                w.Open($"if (v {(kind == PoolKind.Max ? ">" : "<")} bestValue || best < 0)");
                w.Line("bestValue = v;");
                w.Line("best = y * W + x;");
                w.Close();
                w.Close();
                w.Close();
                w.Open("if (best >= 0)");
                w.Line("gradChannel[best] += g;");
                w.Close();
                break;
            case PoolKind.Average:
                w.Line("float share = g / ((y1 - y0) * (x1 - x0));");
                w.Open("for (int y = ya; y < yb; y++)");
                w.Open("for (int x = xa; x < xb; x++)");
                w.Line("gradChannel[y * W + x] += share;");
                w.Close();
                w.Close();
                break;
            default:
                w.Line("float norm = output[(c * OH + oy) * OW + ox];");
                w.Open("if (norm > 0f)");
                w.Line("float scale = g / norm;");
                w.Open("for (int y = ya; y < yb; y++)");
                w.Open("for (int x = xa; x < xb; x++)");
                w.Line("gradChannel[y * W + x] += scale * channel[y * W + x];");
                w.Close();
                w.Close();
                w.Close();
                break;
        }

        CloseWindowLoops(w);
        w.Close();
    }

    private static void WriteGlobalPoolBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of global average pooling {layer.In.Text} → {layer.Out.Text}: each cell gets its channel's gradient / (H·W).");
        w.Open($"private static void {name}({Ros} gradOutput, {Sp} gradInput)");
        w.Line($"const int C = {layer.In.Channels}, Plane = {layer.In.Height * layer.In.Width};");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("global::System.Numerics.Tensors.TensorPrimitives.Add(gradInput.Slice(c * Plane, Plane), gradOutput[c] / Plane, gradInput.Slice(c * Plane, Plane));");
        w.Close();
        w.Close();
    }

    private static void WriteDenseBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Dense {layer.In.Size} → {layer.Out.Size}: dW[o, :] += g[o]·x, db[o] += g[o], dx += Σ_o g[o]·W[o, :].");
        w.Open($"private static void {name}({Ros} weights, {Ros} input, {Ros} gradOutput, {Sp} gradWeights, {Sp} gradBias, {Sp} gradInput)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        w.Open("for (int o = 0; o < Out; o++)");
        w.Line("float g = gradOutput[o];");
        w.Line("gradBias[o] += g;");
        w.Line("global::CnnGen.Runtime.Kernels.MultiplyAdd(input.Slice(0, In), g, gradWeights.Slice(o * In, In));");
        w.Open("if (wantInput)");
        w.Line("global::CnnGen.Runtime.Kernels.MultiplyAdd(weights.Slice(o * In, In), g, gradInput.Slice(0, In));");
        w.Close();
        w.Close();
        w.Close();
    }
}
