using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Emits one method per distinct layer shape (layers with identical shapes share it). Every bound is
/// a constant, so the JIT sees fixed trip counts; the inner loops run over whole rows through the
/// vectorised <c>Kernels</c> primitives. Code size grows with the number of layers, never with the
/// number of multiply-adds. Element-wise layers, Add, Concat and BatchNorm need no shape-specific
/// method: the sequence calls the runtime's kernels directly.
/// </summary>
internal static partial class LayerKernels
{
    private const string Ros = "global::System.ReadOnlySpan<float>";
    private const string Sp = "global::System.Span<float>";

    /// <summary>The method name encodes the shapes, so equal shapes give equal names and one method.</summary>
    public static string MethodName(LayerPlan layer) => layer.Spec switch
    {
        ConvSpec => $"Conv2D_{Dims(layer.In)}_to_{Dims(layer.Out)}_{layer.Window!.Key}",
        PoolSpec p => $"{p.AttributeName}_{Dims(layer.In)}_to_{Dims(layer.Out)}_{layer.Window!.Key}",
        GlobalPoolSpec => $"GlobalAvgPool_{Dims(layer.In)}",
        DenseSpec => $"Dense_{layer.In.Size}_to_{layer.Out.Size}",
        _ => string.Empty,
    };

    /// <summary>Whether a layer runs through an emitted shape-specific method.</summary>
    public static bool HasMethod(LayerPlan layer) => MethodName(layer).Length > 0;

    /// <summary>Stride-1 convolutions use the padded "wide row" method, which needs scratch space.</summary>
    public static bool IsWideConv(LayerPlan layer) => layer.Spec is ConvSpec && layer.Window!.StrideHeight == 1 && layer.Window.StrideWidth == 1;

    /// <summary>Scratch floats a layer's forward kernel needs.</summary>
    public static int ScratchLength(LayerPlan layer)
    {
        if (!IsWideConv(layer))
        {
            return 0;
        }

        Window w = layer.Window!;
        int hp = layer.In.Height + (2 * w.PaddingHeight);
        int wp = layer.In.Width + (2 * w.PaddingWidth);
        int padded = w.PaddingHeight > 0 || w.PaddingWidth > 0 ? layer.In.Channels * hp * wp : 0;
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
                case ConvSpec when IsWideConv(layer):
                    WriteConvStride1(w, name, layer);
                    break;
                case ConvSpec:
                    WriteConvStrided(w, name, layer);
                    break;
                case PoolSpec pool:
                    WritePool(w, name, layer, pool.Kind);
                    break;
                case GlobalPoolSpec:
                    WriteGlobalPool(w, name, layer);
                    break;
                case DenseSpec:
                    WriteDense(w, name, layer);
                    break;
            }
        }
    }

    private static void ConvConstants(SourceWriter w, LayerPlan layer)
    {
        Window win = layer.Window!;
        w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width};");
        w.Line($"const int K = {layer.Out.Channels}, OH = {layer.Out.Height}, OW = {layer.Out.Width};");
        w.Line($"const int FH = {win.KernelHeight}, FW = {win.KernelWidth};");
        w.Line(IsWideConv(layer)
            ? $"const int PH = {win.PaddingHeight}, PW = {win.PaddingWidth};"
            : $"const int SH = {win.StrideHeight}, SW = {win.StrideWidth}, PH = {win.PaddingHeight}, PW = {win.PaddingWidth};");
    }

    private static string ConvSummary(LayerPlan layer) =>
        $"{layer.In.Text} → {layer.Out.Text}, {layer.Window!.KernelText} kernel, stride {layer.Window.StrideText}, padding {layer.Window.PaddingText}";

    private static void WriteConvStride1(SourceWriter w, string name, LayerPlan layer)
    {
        bool padded = layer.Window!.PaddingHeight > 0 || layer.Window.PaddingWidth > 0;
        w.Line($"// Conv2D {ConvSummary(layer)}.");
        w.Line("// \"Wide rows\": the output is computed W + 2·PW columns wide, so that each of the FH·FW·C kernel taps");
        w.Line("// is one contiguous multiply-add over the whole (padded) channel; the extra FW − 1 columns of each");
        w.Line("// row are then dropped while adding the bias.");
        w.Open($"private static void {name}({Ros} weights, {Ros} bias, {Ros} input, {Sp} output, {Sp} scratch)");
        ConvConstants(w, layer);
        w.Line("const int HP = H + 2 * PH, WP = W + 2 * PW, Wide = (OH - 1) * WP + OW;");
        if (padded)
        {
            w.Line("// Copy the input into a zero-padded HP×WP frame.");
            w.Line($"{Sp} padded = scratch.Slice(0, C * HP * WP);");
            w.Line("padded.Clear();");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("input.Slice((c * H + y) * W, W).CopyTo(padded.Slice((c * HP + y + PH) * WP + PW, W));");
            w.Close();
            w.Close();
            w.Line($"{Sp} wide = scratch.Slice(C * HP * WP, OH * WP);");
        }
        else
        {
            w.Line($"{Ros} padded = input;");
            w.Line($"{Sp} wide = scratch.Slice(0, OH * WP);");
        }

        w.Open("for (int k = 0; k < K; k++)");
        w.Line("wide.Clear();");
        w.Open("for (int c = 0; c < C; c++)");
        w.Open("for (int ky = 0; ky < FH; ky++)");
        w.Open("for (int kx = 0; kx < FW; kx++)");
        w.Line("float weight = weights[((k * C + c) * FH + ky) * FW + kx];");
        w.Line("global::CnnGen.Runtime.Kernels.MultiplyAdd(padded.Slice(c * HP * WP + ky * WP + kx, Wide), weight, wide.Slice(0, Wide));");
        w.Close();
        w.Close();
        w.Close();
        w.Line("float b = bias.IsEmpty ? 0f : bias[k];");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("global::System.Numerics.Tensors.TensorPrimitives.Add(wide.Slice(oy * WP, OW), b, output.Slice((k * OH + oy) * OW, OW));");
        w.Close();
        w.Close();
        w.Close();
    }

    private static void WriteConvStrided(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Conv2D {ConvSummary(layer)}.");
        w.Line("// Direct convolution: for each filter and kernel tap, accumulate weight × input over the output");
        w.Line("// positions whose input pixel lies inside the image (padding contributes zeros).");
        w.Open($"private static void {name}({Ros} weights, {Ros} bias, {Ros} input, {Sp} output)");
        ConvConstants(w, layer);
        w.Open("for (int k = 0; k < K; k++)");
        w.Line($"{Sp} plane = output.Slice(k * OH * OW, OH * OW);");
        w.Line("plane.Fill(bias.IsEmpty ? 0f : bias[k]);");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line($"{Ros} channel = input.Slice(c * H * W, H * W);");
        w.Open("for (int ky = 0; ky < FH; ky++)");
        w.Open("for (int kx = 0; kx < FW; kx++)");
        w.Line("float weight = weights[((k * C + c) * FH + ky) * FW + kx];");
        w.Line("// Output columns ox with 0 ≤ ox·SW + kx − PW < W.");
        w.Line("int oxStart = global::System.Math.Max(0, (PW - kx + SW - 1) / SW);");
        w.Line("int oxEnd = W - 1 + PW - kx < 0 ? 0 : global::System.Math.Min(OW, (W - 1 + PW - kx) / SW + 1);");
        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int iy = oy * SH + ky - PH;");
        w.Open("if ((uint)iy >= (uint)H)");
        w.Line("continue;");
        w.Close();
        w.Line($"{Ros} row = channel.Slice(iy * W, W);");
        w.Line($"{Sp} outRow = plane.Slice(oy * OW, OW);");
        w.Open("for (int ox = oxStart; ox < oxEnd; ox++)");
        w.Line("outRow[ox] += weight * row[ox * SW + kx - PW];");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    private static void PoolConstants(SourceWriter w, LayerPlan layer)
    {
        Window win = layer.Window!;
        w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width};");
        w.Line($"const int OH = {layer.Out.Height}, OW = {layer.Out.Width};");
        w.Line($"const int FH = {win.KernelHeight}, FW = {win.KernelWidth}, SH = {win.StrideHeight}, SW = {win.StrideWidth}, PH = {win.PaddingHeight}, PW = {win.PaddingWidth};");
    }

    /// <summary>Opens the loops over channels and output positions, with the window [ya, yb) × [xa, xb) clipped to the input.</summary>
    private static void OpenWindowLoops(SourceWriter w, bool gradient)
    {
        w.Open("for (int c = 0; c < C; c++)");
        w.Line($"{Ros} channel = input.Slice(c * H * W, H * W);");
        if (gradient)
        {
            w.Line($"{Sp} gradChannel = gradInput.Slice(c * H * W, H * W);");
        }

        w.Open("for (int oy = 0; oy < OH; oy++)");
        w.Line("int y0 = oy * SH - PH;");
        w.Line("int y1 = global::System.Math.Min(y0 + FH, H + PH);");
        w.Open("for (int ox = 0; ox < OW; ox++)");
        w.Line("int x0 = ox * SW - PW;");
        w.Line("int x1 = global::System.Math.Min(x0 + FW, W + PW);");
        w.Line("int ya = global::System.Math.Max(y0, 0), yb = global::System.Math.Min(y1, H);");
        w.Line("int xa = global::System.Math.Max(x0, 0), xb = global::System.Math.Min(x1, W);");
    }

    private static void CloseWindowLoops(SourceWriter w)
    {
        w.Close();
        w.Close();
        w.Close();
    }

    private static string PoolSummary(LayerPlan layer, PoolKind kind) =>
        $"{kind switch { PoolKind.Max => "Max", PoolKind.Min => "Min", PoolKind.Average => "Average", _ => "L2-norm" }} pooling {layer.In.Text} → {layer.Out.Text}, {layer.Window!.KernelText} window, stride {layer.Window.StrideText}, padding {layer.Window.PaddingText}";

    private static void WritePool(SourceWriter w, string name, LayerPlan layer, PoolKind kind)
    {
        w.Line($"// {PoolSummary(layer, kind)}.");
        w.Line(kind switch
        {
            PoolKind.Max => "// Padded cells never win the maximum.",
            PoolKind.Min => "// Padded cells never win the minimum.",
            PoolKind.Average => "// Padded cells count as zeros in the divisor, as PyTorch's count_include_pad (windows are clipped to the padded input).",
            _ => "// √(Σ x²) over the window, as PyTorch's LPPool2d with p = 2; padded cells add nothing.",
        });
        w.Open($"private static void {name}({Ros} input, {Sp} output)");
        PoolConstants(w, layer);
        OpenWindowLoops(w, gradient: false);
        switch (kind)
        {
            case PoolKind.Max:
            case PoolKind.Min:
                string op = kind == PoolKind.Max ? ">" : "<";
                w.Line($"float best = float.{(kind == PoolKind.Max ? "NegativeInfinity" : "PositiveInfinity")};");
                w.Open("for (int y = ya; y < yb; y++)");
                w.Open("for (int x = xa; x < xb; x++)");
                w.Line("float v = channel[y * W + x];");
                w.Open($"if (v {op} best)");
                w.Line("best = v;");
                w.Close();
                w.Close();
                w.Close();
                w.Line("output[(c * OH + oy) * OW + ox] = best;");
                break;
            case PoolKind.Average:
                w.Line("float sum = 0f;");
                w.Open("for (int y = ya; y < yb; y++)");
                w.Line("sum += global::System.Numerics.Tensors.TensorPrimitives.Sum(channel.Slice(y * W + xa, xb - xa));");
                w.Close();
                w.Line("output[(c * OH + oy) * OW + ox] = sum / ((y1 - y0) * (x1 - x0));");
                break;
            default:
                w.Line("float sum = 0f;");
                w.Open("for (int y = ya; y < yb; y++)");
                w.Line("sum += global::System.Numerics.Tensors.TensorPrimitives.SumOfSquares(channel.Slice(y * W + xa, xb - xa));");
                w.Close();
                w.Line("output[(c * OH + oy) * OW + ox] = global::System.MathF.Sqrt(sum);");
                break;
        }

        CloseWindowLoops(w);
        w.Close();
    }

    private static void WriteGlobalPool(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Global average pooling {layer.In.Text} → {layer.Out.Text}: the mean of each channel.");
        w.Open($"private static void {name}({Ros} input, {Sp} output)");
        w.Line($"const int C = {layer.In.Channels}, Plane = {layer.In.Height * layer.In.Width};");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("output[c] = global::System.Numerics.Tensors.TensorPrimitives.Sum(input.Slice(c * Plane, Plane)) / Plane;");
        w.Close();
        w.Close();
    }

    private static void WriteDense(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Dense {layer.In.Size} → {layer.Out.Size}: output[o] = bias[o] + Σ weight[o, i] · input[i], weights [out, in] as PyTorch.");
        w.Open($"private static void {name}({Ros} weights, {Ros} bias, {Ros} input, {Sp} output)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Open("for (int o = 0; o < Out; o++)");
        w.Line("output[o] = bias[o] + global::CnnGen.Runtime.Kernels.Dot(weights.Slice(o * In, In), input.Slice(0, In));");
        w.Close();
        w.Close();
    }

    private static string Dims(Shape shape) => $"{shape.Channels}x{shape.Height}x{shape.Width}";
}
