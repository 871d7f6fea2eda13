using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Emits one method per distinct layer shape (layers with identical shapes share it). Every bound is
/// a constant, so the JIT sees fixed trip counts; the inner loops run over whole rows through the
/// vectorised <c>Kernels</c> primitives. Code size grows with the number of layers, never with the
/// number of multiply-adds.
/// </summary>
internal static partial class LayerKernels
{
    /// <summary>The method name encodes the shapes, so equal shapes give equal names and one method.</summary>
    public static string MethodName(LayerPlan layer) => layer.Spec switch
    {
        ConvSpec c => $"Conv2D_{Dims(layer.In)}_to_{Dims(layer.Out)}_k{layer.Kernel}s{layer.Stride}p{layer.Padding}",
        PoolSpec p => $"{p.AttributeName}_{Dims(layer.In)}_to_{Dims(layer.Out)}_k{layer.Kernel}s{layer.Stride}p{layer.Padding}",
        DenseSpec => $"Dense_{layer.In.Size}_to_{layer.Out.Size}",
        _ => string.Empty,
    };

    /// <summary>Stride-1 convolutions use the padded "wide row" method, which needs scratch space.</summary>
    public static bool NeedsScratch(LayerPlan layer) => layer.Spec is ConvSpec && layer.Stride == 1;

    public static int ScratchLength(LayerPlan layer)
    {
        if (!NeedsScratch(layer))
        {
            return 0;
        }

        int hp = layer.In.Height + (2 * layer.Padding);
        int wp = layer.In.Width + (2 * layer.Padding);
        int padded = layer.Padding > 0 ? layer.In.Channels * hp * wp : 0;
        return padded + (layer.Out.Height * wp);
    }

    public static void Write(SourceWriter w, NetworkPlan plan)
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
                    WriteConvStride1(w, name, layer);
                    break;
                case ConvSpec:
                    WriteConvStrided(w, name, layer);
                    break;
                case PoolSpec { Kind: PoolKind.Max }:
                    WritePool(w, name, layer, max: true);
                    break;
                case PoolSpec:
                    WritePool(w, name, layer, max: false);
                    break;
                case DenseSpec:
                    WriteDense(w, name, layer);
                    break;
            }
        }
    }

    private static void ConvConstants(SourceWriter w, LayerPlan layer)
    {
        w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width};");
        w.Line($"const int K = {layer.Out.Channels}, OH = {layer.Out.Height}, OW = {layer.Out.Width};");
        w.Line(layer.Stride == 1 ? $"const int F = {layer.Kernel}, P = {layer.Padding};" : $"const int F = {layer.Kernel}, S = {layer.Stride}, P = {layer.Padding};");
    }

    private static void WriteConvStride1(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Conv2D {layer.In.Text} → {layer.Out.Text}, {layer.Kernel}×{layer.Kernel} kernel, stride 1, padding {layer.Padding}.");
        w.Line("// \"Wide rows\": the output is computed W + 2P columns wide, so that each of the F·F·C kernel taps");
        w.Line("// is one contiguous multiply-add over the whole (padded) channel; the extra F − 1 columns of each");
        w.Line("// row are then dropped while adding the bias.");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> parameters, global::System.ReadOnlySpan<float> input, global::System.Span<float> output, global::System.Span<float> scratch)");
        ConvConstants(w, layer);
        w.Line("const int HP = H + 2 * P, WP = W + 2 * P, Wide = (OH - 1) * WP + OW;");
        w.Line("global::System.ReadOnlySpan<float> weights = parameters.Slice(0, K * C * F * F);");
        w.Line("global::System.ReadOnlySpan<float> bias = parameters.Slice(K * C * F * F, K);");
        if (layer.Padding > 0)
        {
            w.Line("// Copy the input into a zero-padded HP×WP frame.");
            w.Line("global::System.Span<float> padded = scratch.Slice(0, C * HP * WP);");
            w.Line("padded.Clear();");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("input.Slice((c * H + y) * W, W).CopyTo(padded.Slice((c * HP + y + P) * WP + P, W));");
            w.Close();
            w.Close();
            w.Line("global::System.Span<float> wide = scratch.Slice(C * HP * WP, OH * WP);");
        }
        else
        {
            w.Line("global::System.ReadOnlySpan<float> padded = input;");
            w.Line("global::System.Span<float> wide = scratch.Slice(0, OH * WP);");
        }

        w.Open("for (int k = 0; k < K; k++)");
        w.Line("wide.Clear();");
        w.Open("for (int c = 0; c < C; c++)");
        w.Open("for (int ky = 0; ky < F; ky++)");
        w.Open("for (int kx = 0; kx < F; kx++)");
        w.Line("float weight = weights[((k * C + c) * F + ky) * F + kx];");
        w.Line("global::CnnGen.Runtime.Kernels.MultiplyAdd(padded.Slice(c * HP * WP + ky * WP + kx, Wide), weight, wide.Slice(0, Wide));");
        w.Close();
        w.Close();
        w.Close();
        w.Line("float b = bias[k];");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("global::System.Numerics.Tensors.TensorPrimitives.Add(wide.Slice(oy * WP, OW), b, output.Slice((k * OH + oy) * OW, OW));");
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WriteConvStrided(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Conv2D {layer.In.Text} → {layer.Out.Text}, {layer.Kernel}×{layer.Kernel} kernel, stride {layer.Stride}, padding {layer.Padding}.");
        w.Line("// Direct convolution: for each filter and kernel tap, accumulate weight × input over the output");
        w.Line("// positions whose input pixel lies inside the image (padding contributes zeros).");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> parameters, global::System.ReadOnlySpan<float> input, global::System.Span<float> output)");
        ConvConstants(w, layer);
        w.Line("global::System.ReadOnlySpan<float> weights = parameters.Slice(0, K * C * F * F);");
        w.Line("global::System.ReadOnlySpan<float> bias = parameters.Slice(K * C * F * F, K);");
        w.Open("for (int k = 0; k < K; k++)");
        w.Line("global::System.Span<float> plane = output.Slice(k * OH * OW, OH * OW);");
        w.Line("plane.Fill(bias[k]);");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("global::System.ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);");
        w.Open("for (int ky = 0; ky < F; ky++)");
        w.Open("for (int kx = 0; kx < F; kx++)");
        w.Line("float weight = weights[((k * C + c) * F + ky) * F + kx];");
        w.Line("// Output columns ox with 0 ≤ ox·S + kx − P < W.");
        w.Line("int oxStart = global::System.Math.Max(0, (P - kx + S - 1) / S);");
        w.Line("int oxEnd = W - 1 + P - kx < 0 ? 0 : global::System.Math.Min(OW, (W - 1 + P - kx) / S + 1);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int iy = oy * S + ky - P;");
        w.Open("if ((uint)iy >= (uint)H)");
        w.Line("continue;");
        w.Close();
        w.Line("global::System.ReadOnlySpan<float> row = channel.Slice(iy * W, W);");
        w.Line("global::System.Span<float> outRow = plane.Slice(oy * OW, OW);");
        w.Open("for (int ox = oxStart; ox < oxEnd; ox++)");
        w.Line("outRow[ox] += weight * row[ox * S + kx - P];");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WritePool(SourceWriter w, string name, LayerPlan layer, bool max)
    {
        string kind = max ? "Max" : "Average";
        w.Line($"// {kind} pooling {layer.In.Text} → {layer.Out.Text}, {layer.Kernel}×{layer.Kernel} window, stride {layer.Stride}, padding {layer.Padding}.");
        w.Line(max
            ? "// Padded cells never win the maximum."
            : "// Padded cells count as zeros in the divisor, as PyTorch's count_include_pad (windows are clipped to the padded input).");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)");
        w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width};");
        w.Line($"const int OH = {layer.Out.Height}, OW = {layer.Out.Width};");
        w.Line($"const int F = {layer.Kernel}, S = {layer.Stride}, P = {layer.Padding};");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("global::System.ReadOnlySpan<float> channel = input.Slice(c * H * W, H * W);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int y0 = oy * S - P;");
        w.Line("int y1 = global::System.Math.Min(y0 + F, H + P);");
        w.Open("for (int ox = 0; ox < OW; ox++)");
        w.Line("int x0 = ox * S - P;");
        w.Line("int x1 = global::System.Math.Min(x0 + F, W + P);");
        if (!max)
        {
            w.Line("float divisor = (y1 - y0) * (x1 - x0);");
        }

        w.Line("int ya = global::System.Math.Max(y0, 0), yb = global::System.Math.Min(y1, H);");
        w.Line("int xa = global::System.Math.Max(x0, 0), xb = global::System.Math.Min(x1, W);");
        w.Line(max ? "float best = float.NegativeInfinity;" : "float sum = 0f;");
        w.Open("for (int y = ya; y < yb; y++)");
        w.Open("for (int x = xa; x < xb; x++)");
        if (max)
        {
            w.Line("float v = channel[y * W + x];");
            w.Open("if (v > best)");
            w.Line("best = v;");
            w.Close();
        }
        else
        {
            w.Line("sum += channel[y * W + x];");
        }

        w.Close();
        w.Close();
        w.Line(max ? "output[(c * OH + oy) * OW + ox] = best;" : "output[(c * OH + oy) * OW + ox] = sum / divisor;");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WriteDense(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Dense {layer.In.Size} → {layer.Out.Size}: output[o] = bias[o] + Σ weight[o, i] · input[i], weights [out, in] as PyTorch.");
        w.Open($"private static void {name}(global::System.ReadOnlySpan<float> parameters, global::System.ReadOnlySpan<float> input, global::System.Span<float> output)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Line("global::System.ReadOnlySpan<float> weights = parameters.Slice(0, In * Out);");
        w.Line("global::System.ReadOnlySpan<float> bias = parameters.Slice(In * Out, Out);");
        w.Open("for (int o = 0; o < Out; o++)");
        w.Line("output[o] = bias[o] + global::CnnGen.Runtime.Kernels.Dot(weights.Slice(o * In, In), input);");
        w.Close();
        w.Close();
    }

    private static string Dims(Shape shape) => $"{shape.Channels}x{shape.Height}x{shape.Width}";
}
