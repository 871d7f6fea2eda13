using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The backward kernels: one method per distinct layer shape, mirroring the forward ones. Each adds
/// its parameter gradients into the gradient buffer (which mirrors the parameter buffer) and writes
/// the gradient with respect to its input, unless it is handed an empty span because no earlier layer
/// has parameters to train.
/// </summary>
internal static partial class LayerKernels
{
    public static string BackwardName(LayerPlan layer) => MethodName(layer) + "_Backward";

    /// <summary>Scratch floats a layer's backward kernel needs.</summary>
    public static int BackwardScratchLength(LayerPlan layer)
    {
        if (!NeedsScratch(layer))
        {
            return 0;
        }

        int hp = layer.In.Height + (2 * layer.Padding);
        int wp = layer.In.Width + (2 * layer.Padding);
        int padded = layer.Padding > 0 ? layer.In.Channels * hp * wp : 0;

        // padded input + padded input gradient + one wide gradient row block
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
                case ConvSpec when layer.Stride == 1:
                    WriteConvStride1Backward(w, BackwardName(layer), layer);
                    break;
                case ConvSpec:
                    WriteConvStridedBackward(w, BackwardName(layer), layer);
                    break;
                case PoolSpec pool:
                    WritePoolBackward(w, BackwardName(layer), layer, pool.Kind == PoolKind.Max);
                    break;
                case DenseSpec:
                    WriteDenseBackward(w, BackwardName(layer), layer);
                    break;
            }
        }
    }

    private static void WriteConvStride1Backward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Conv2D {layer.In.Text} → {layer.Out.Text} (stride 1, padding {layer.Padding}), with the same wide rows:");
        w.Line("// the output gradient is laid out W + 2P wide with zeros in the extra columns, so each kernel tap's");
        w.Line("// weight gradient is one dot product and its input gradient one multiply-add over the padded frame.");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> parameters, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> gradOutput, global::System.Span<float> gradParameters, global::System.Span<float> gradInput, global::System.Span<float> scratch)");
        ConvConstants(w, layer);
        w.Line("const int HP = H + 2 * P, WP = W + 2 * P, Wide = (OH - 1) * WP + OW;");
        w.Line("global::System.ReadOnlySpan<float> weights = parameters.Slice(0, K * C * F * F);");
        w.Line("global::System.Span<float> gradWeights = gradParameters.Slice(0, K * C * F * F);");
        w.Line("global::System.Span<float> gradBias = gradParameters.Slice(K * C * F * F, K);");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        if (layer.Padding > 0)
        {
            w.Line("global::System.Span<float> padded = scratch.Slice(0, C * HP * WP);");
            w.Line("global::System.Span<float> gradPadded = scratch.Slice(C * HP * WP, C * HP * WP);");
            w.Line("global::System.Span<float> wide = scratch.Slice(2 * C * HP * WP, OH * WP);");
            w.Line("padded.Clear();");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("input.Slice((c * H + y) * W, W).CopyTo(padded.Slice((c * HP + y + P) * WP + P, W));");
            w.Close();
            w.Close();
        }
        else
        {
            w.Line("global::System.ReadOnlySpan<float> padded = input;");
            w.Line("global::System.Span<float> gradPadded = gradInput;");
            w.Line("global::System.Span<float> wide = scratch.Slice(0, OH * WP);");
        }

        w.Open("if (wantInput)");
        w.Line("gradPadded.Slice(0, C * HP * WP).Clear();");
        w.Close();
        w.Line("wide.Clear();");
        w.Open("for (int k = 0; k < K; k++)");
        w.Line("global::System.ReadOnlySpan<float> g = gradOutput.Slice(k * OH * OW, OH * OW);");
        w.Line("gradBias[k] += global::System.Numerics.Tensors.TensorPrimitives.Sum(g);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("g.Slice(oy * OW, OW).CopyTo(wide.Slice(oy * WP, OW));");
        w.Close();
        w.Open("for (int c = 0; c < C; c++)");
        w.Open("for (int ky = 0; ky < F; ky++)");
        w.Open("for (int kx = 0; kx < F; kx++)");
        w.Line("int tap = ((k * C + c) * F + ky) * F + kx;");
        w.Line("int at = c * HP * WP + ky * WP + kx;");
        w.Line("gradWeights[tap] += global::CnnGen.Runtime.Kernels.Dot(wide.Slice(0, Wide), padded.Slice(at, Wide));");
        w.Open("if (wantInput)");
        w.Line("global::CnnGen.Runtime.Kernels.MultiplyAdd(wide.Slice(0, Wide), weights[tap], gradPadded.Slice(at, Wide));");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        if (layer.Padding > 0)
        {
            w.Open("if (wantInput)");
            w.Line("// Keep the interior of the padded gradient: padding cells have no input behind them.");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("gradPadded.Slice((c * HP + y + P) * WP + P, W).CopyTo(gradInput.Slice((c * H + y) * W, W));");
            w.Close();
            w.Close();
            w.Close();
        }

        w.Close();
    }

    private static void WriteConvStridedBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Conv2D {layer.In.Text} → {layer.Out.Text} (stride {layer.Stride}, padding {layer.Padding}), direct:");
        w.Line("// every (filter, channel, tap) pairs each output gradient with the input pixel its window saw.");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> parameters, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> gradOutput, global::System.Span<float> gradParameters, global::System.Span<float> gradInput)");
        ConvConstants(w, layer);
        w.Line("global::System.ReadOnlySpan<float> weights = parameters.Slice(0, K * C * F * F);");
        w.Line("global::System.Span<float> gradWeights = gradParameters.Slice(0, K * C * F * F);");
        w.Line("global::System.Span<float> gradBias = gradParameters.Slice(K * C * F * F, K);");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        w.Open("if (wantInput)");
        w.Line("gradInput.Slice(0, C * H * W).Clear();");
        w.Close();
        w.Open("for (int k = 0; k < K; k++)");
        w.Line("global::System.ReadOnlySpan<float> plane = gradOutput.Slice(k * OH * OW, OH * OW);");
        w.Line("gradBias[k] += global::System.Numerics.Tensors.TensorPrimitives.Sum(plane);");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("global::System.ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);");
        w.Open("for (int ky = 0; ky < F; ky++)");
        w.Open("for (int kx = 0; kx < F; kx++)");
        w.Line("int tap = ((k * C + c) * F + ky) * F + kx;");
        w.Line("float weight = weights[tap];");
        w.Line("float sum = 0f;");
        w.Line("int oxStart = global::System.Math.Max(0, (P - kx + S - 1) / S);");
        w.Line("int oxEnd = W - 1 + P - kx < 0 ? 0 : global::System.Math.Min(OW, (W - 1 + P - kx) / S + 1);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int iy = oy * S + ky - P;");
        w.Open("if ((uint)iy >= (uint)H)");
        w.Line("continue;");
        w.Close();
        w.Open("for (int ox = oxStart; ox < oxEnd; ox++)");
        w.Line("int at = iy * W + ox * S + kx - P;");
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

    private static void WritePoolBackward(SourceWriter w, string name, LayerPlan layer, bool max)
    {
        w.Line(max
            ? $"// Backward of max pooling {layer.In.Text} → {layer.Out.Text}: each window's gradient goes to its arg-max only (the first maximum), 0 elsewhere."
            : $"// Backward of average pooling {layer.In.Text} → {layer.Out.Text}: each window's gradient is shared equally by the cells it averaged.");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> gradOutput, global::System.Span<float> gradInput)");
        w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width};");
        w.Line($"const int OH = {layer.Out.Height}, OW = {layer.Out.Width};");
        w.Line($"const int F = {layer.Kernel}, S = {layer.Stride}, P = {layer.Padding};");
        w.Line("gradInput.Slice(0, C * H * W).Clear();");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("global::System.ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);");
        w.Line("global::System.Span<float> gradChannel = gradInput.Slice(c * H * W, H * W);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int y0 = oy * S - P;");
        w.Line("int y1 = global::System.Math.Min(y0 + F, H + P);");
        w.Open("for (int ox = 0; ox < OW; ox++)");
        w.Line("int x0 = ox * S - P;");
        w.Line("int x1 = global::System.Math.Min(x0 + F, W + P);");
        w.Line("int ya = global::System.Math.Max(y0, 0), yb = global::System.Math.Min(y1, H);");
        w.Line("int xa = global::System.Math.Max(x0, 0), xb = global::System.Math.Min(x1, W);");
        w.Line("float g = gradOutput[(c * OH + oy) * OW + ox];");
        if (max)
        {
            w.Line("int best = -1;");
            w.Line("float bestValue = float.NegativeInfinity;");
            w.Open("for (int y = ya; y < yb; y++)");
            w.Open("for (int x = xa; x < xb; x++)");
            w.Line("float v = channel[y * W + x];");
            w.Open("if (v > bestValue || best < 0)");
            w.Line("bestValue = v;");
            w.Line("best = y * W + x;");
            w.Close();
            w.Close();
            w.Close();
            w.Open("if (best >= 0)");
            w.Line("gradChannel[best] += g;");
            w.Close();
        }
        else
        {
            w.Line("float share = g / ((y1 - y0) * (x1 - x0));");
            w.Open("for (int y = ya; y < yb; y++)");
            w.Open("for (int x = xa; x < xb; x++)");
            w.Line("gradChannel[y * W + x] += share;");
            w.Close();
            w.Close();
        }

        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WriteDenseBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Dense {layer.In.Size} → {layer.Out.Size}: dW[o, :] += g[o]·x, db[o] += g[o], dx = Σ_o g[o]·W[o, :].");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> parameters, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> gradOutput, global::System.Span<float> gradParameters, global::System.Span<float> gradInput)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Line("global::System.ReadOnlySpan<float> weights = parameters.Slice(0, In * Out);");
        w.Line("global::System.Span<float> gradWeights = gradParameters.Slice(0, In * Out);");
        w.Line("global::System.Span<float> gradBias = gradParameters.Slice(In * Out, Out);");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        w.Open("if (wantInput)");
        w.Line("gradInput.Slice(0, In).Clear();");
        w.Close();
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
