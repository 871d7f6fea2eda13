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

    /// <summary>
    /// Whether a stride-1 convolution reads its output rows as runs of the frame (the runtime's packed GEMM, which skips
    /// the FW − 1 frame columns between output rows and writes the output directly) instead of computing wide rows and
    /// copying their first OW columns out. Only with at least 32 filters (fewer, as LeNet-5's 6 and 16, go through the
    /// unpacked 6-row block, which cannot skip columns), and only when that cuts the columns the packed kernel computes
    /// (whole 32-wide panels, the last one 16 or 32 wide) by at least 10 %: gathering the runs into the panels costs a
    /// few percent, so e.g. ResNet-18's 7×7 layers (49 or 61 columns: 64 computed either way) keep the wide rows.
    /// </summary>
    private static bool UsesRuns(LayerPlan layer)
    {
        if (WideIsOutput(layer) || layer.Out.Channels < 32)
        {
            return false;
        }

        static int Computed(int n) => (n / 32 * 32) + (n % 32 == 0 ? 0 : n % 32 <= 16 ? 16 : 32);
        return Computed(layer.Out.Height * layer.Out.Width) * 10 <= Computed(Frame(layer).Wide) * 9;
    }

    /// <summary>Stride-1 convolutions use the padded "wide row" method, which needs scratch space.</summary>
    public static bool IsWideConv(LayerPlan layer) => layer.Spec is ConvSpec && layer.Window!.StrideHeight == 1 && layer.Window.StrideWidth == 1;

    /// <summary>Floats of im2col columns a strided convolution fills at a time (2 MiB): larger layers go in chunks of output rows.</summary>
    private const int ColumnBudget = 1 << 19;

    /// <summary>Multiply-adds per column of the convolution's matrix product: C·FH·FW.</summary>
    private static int Taps(LayerPlan layer) => layer.In.Channels * layer.Window!.KernelHeight * layer.Window.KernelWidth;

    /// <summary>The padded input frame of a stride-1 convolution: (HP, WP), and Wide = (OH − 1)·WP + OW output columns.</summary>
    private static (int Hp, int Wp, int Wide) Frame(LayerPlan layer)
    {
        Window w = layer.Window!;
        int hp = layer.In.Height + (2 * w.PaddingHeight);
        int wp = layer.In.Width + (2 * w.PaddingWidth);
        return (hp, wp, ((layer.Out.Height - 1) * wp) + layer.Out.Width);
    }

    private static bool IsPadded(LayerPlan layer) => layer.Window!.PaddingHeight > 0 || layer.Window.PaddingWidth > 0;

    /// <summary>Whether the wide rows are already the output's rows (WP = OW: a 1-wide kernel without padding).</summary>
    private static bool WideIsOutput(LayerPlan layer) => Frame(layer).Wp == layer.Out.Width;

    /// <summary>Output rows per im2col chunk of a strided convolution.</summary>
    private static int ChunkRows(LayerPlan layer) => System.Math.Max(1, System.Math.Min(layer.Out.Height, ColumnBudget / System.Math.Max(1, Taps(layer) * layer.Out.Width)));

    /// <summary>Scratch floats a layer's forward kernel needs.</summary>
    public static int ScratchLength(LayerPlan layer)
    {
        if (layer.Spec is not ConvSpec)
        {
            return 0;
        }

        if (!IsWideConv(layer))
        {
            return Taps(layer) * ChunkRows(layer) * layer.Out.Width;
        }

        (int hp, int wp, int wide) = Frame(layer);
        int padded = IsPadded(layer) ? layer.In.Channels * hp * wp : 0;
        return padded + (WideIsOutput(layer) || UsesRuns(layer) ? 0 : layer.Out.Channels * wide);
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
        w.Line($"const int FH = {win.KernelHeight}, FW = {win.KernelWidth}, Taps = C * FH * FW;");
        w.Line(IsWideConv(layer)
            ? $"const int PH = {win.PaddingHeight}, PW = {win.PaddingWidth};"
            : $"const int SH = {win.StrideHeight}, SW = {win.StrideWidth}, PH = {win.PaddingHeight}, PW = {win.PaddingWidth};");
    }

    private static string ConvSummary(LayerPlan layer) =>
        $"{layer.In.Text} → {layer.Out.Text}, {layer.Window!.KernelText} kernel, stride {layer.Window.StrideText}, padding {layer.Window.PaddingText}";

    /// <summary>The static table of a stride-1 convolution's tap offsets in its padded frame.</summary>
    private static string TapsField(string name) => $"s_{name}_taps";

    private static void WritePaddedCopy(SourceWriter w, string target)
    {
        w.Line("// Copy the input into a zero-padded HP×WP frame.");
        w.Line($"{target}.Clear();");
        w.Open("for (int c = 0; c < C; c++)");
        w.Open("for (int y = 0; y < H; y++)");
        w.Line($"input.Slice((c * H + y) * W, W).CopyTo({target}.Slice((c * HP + y + PH) * WP + PW, W));");
        w.Close();
        w.Close();
    }

    private static void WriteConvStride1(SourceWriter w, string name, LayerPlan layer)
    {
        bool padded = IsPadded(layer);
        bool direct = WideIsOutput(layer);
        (int hp, int wp, _) = Frame(layer);
        w.Line($"// Where each of the C·FH·FW kernel taps of {name} starts in the {hp}×{wp} (padded) input frame.");
        w.Line($"private static readonly int[] {TapsField(name)} = global::CnnGen.Runtime.Kernels.ConvTapOffsets({layer.In.Channels}, {layer.Window!.KernelHeight}, {layer.Window.KernelWidth}, {hp * wp}, {wp});");
        w.Line();
        w.Line($"// Conv2D {ConvSummary(layer)}.");
        w.Line("// One matrix product over \"wide rows\": out[k, y·WP + x] = bias[k] + Σ_tap W[k, tap] · frame[tapOffset + y·WP + x],");
        w.Line("// the weights [K, C·FH·FW] as PyTorch stores them times the taps, each tap a contiguous run of the frame (no");
        bool runs = UsesRuns(layer);
        w.Line("// im2col copy); bias and ReLU in the product's epilogue." + (direct ? " The wide rows are the output rows." : runs ? " The product skips the FW − 1 frame columns between output rows." : " The FW − 1 extra columns of each wide row are dropped."));
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} weights, {Ros} bias, {Ros} input, {Sp} output, {Sp} scratch, bool relu)");
        ConvConstants(w, layer);
        w.Line(runs ? "const int HP = H + 2 * PH, WP = W + 2 * PW;" : "const int HP = H + 2 * PH, WP = W + 2 * PW, Wide = (OH - 1) * WP + OW;");
        string frame = "padded";
        int used = 0;
        if (padded)
        {
            w.Line($"{Sp} padded = scratch.Slice(0, C * HP * WP);");
            WritePaddedCopy(w, "padded");
            used = 1;
        }
        else
        {
            w.Line($"// Without padding the frame is the input itself.");
            w.Line($"{Ros} padded = input.Slice(0, C * HP * WP);");
        }

        if (direct)
        {
            w.Line($"global::CnnGen.Runtime.Gemm.MultiplyBroadcast(K, Wide, Taps, weights, Taps, 1, {frame}, {TapsField(name)}, output, OH * OW, false, bias, relu);");
        }
        else if (runs)
        {
            w.Line("// The product reads the frame's rows as runs of OW columns WP apart and writes the output rows directly.");
            w.Line($"global::CnnGen.Runtime.Gemm.MultiplyBroadcast(K, OH * OW, Taps, weights, Taps, 1, {frame}, {TapsField(name)}, OW, WP, output, OH * OW, false, bias, relu);");
        }
        else
        {
            w.Line($"{Sp} wide = scratch.Slice({(used == 1 ? "C * HP * WP" : "0")}, K * Wide);");
            w.Line($"global::CnnGen.Runtime.Gemm.MultiplyBroadcast(K, Wide, Taps, weights, Taps, 1, {frame}, {TapsField(name)}, wide, Wide, false, bias, relu);");
            w.Open("for (int k = 0; k < K; k++)");
            w.Open("for (int oy = 0; oy < OH; oy++)");
            w.Line("wide.Slice(k * Wide + oy * WP, OW).CopyTo(output.Slice((k * OH + oy) * OW, OW));");
            w.Close();
            w.Close();
        }

        w.Close();
    }

    private static void WriteConvStrided(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Conv2D {ConvSummary(layer)}.");
        w.Line("// im2col + one matrix product per chunk of output rows: out[k, p] = bias[k] + Σ_tap W[k, tap] · col[tap, p],");
        w.Line("// the weights [K, C·FH·FW] as PyTorch stores them; bias and ReLU in the product's epilogue.");
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} weights, {Ros} bias, {Ros} input, {Sp} output, {Sp} scratch, bool relu)");
        ConvConstants(w, layer);
        w.Line($"const int P = OH * OW, Rows = {ChunkRows(layer)};");
        w.Open("for (int oy = 0; oy < OH; oy += Rows)");
        w.Line("int rows = global::System.Math.Min(Rows, OH - oy), n = rows * OW;");
        w.Line($"{Sp} col = scratch.Slice(0, Taps * n);");
        w.Line("global::CnnGen.Runtime.Kernels.Im2Col(input, C, H, W, FH, FW, SH, SW, PH, PW, OW, oy, rows, col);");
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyBroadcast(K, n, Taps, weights, Taps, 1, col, n, output.Slice(oy * OW), P, false, bias, relu);");
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
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} input, {Sp} output)");
        Window win = layer.Window!;
        if (kind == PoolKind.Max && win.KernelHeight == 2 && win.KernelWidth == 2 && win.StrideHeight == 2 && win.StrideWidth == 2
            && win.PaddingHeight == 0 && win.PaddingWidth == 0 && layer.Out.Height == layer.In.Height / 2 && layer.Out.Width == layer.In.Width / 2)
        {
            w.Line("// 2×2, stride 2, no padding: vertical maxima of each row pair 16 columns at a time, then of each column pair (one shuffle).");
            w.Line($"global::CnnGen.Runtime.MaxPool2.Forward(input, output, {layer.In.Channels}, {layer.In.Height}, {layer.In.Width});");
            w.Close();
            return;
        }

        PoolConstants(w, layer);
        if (kind is PoolKind.Max or PoolKind.Min)
        {
            w.Line("// Branch-free: vector maxima of the window's rows, then of each column's FW neighbours, every SW-th kept.");
            w.Line($"global::CnnGen.Runtime.Kernels.ExtremePool(input, output, C, H, W, FH, FW, SH, SW, PH, PW, OH, OW, min: {(kind == PoolKind.Min ? "true" : "false")});");
            w.Close();
            return;
        }

        OpenWindowLoops(w, gradient: false);
        switch (kind)
        {
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
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} input, {Sp} output)");
        w.Line($"const int C = {layer.In.Channels}, Plane = {layer.In.Height * layer.In.Width};");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("output[c] = global::System.Numerics.Tensors.TensorPrimitives.Sum(input.Slice(c * Plane, Plane)) / Plane;");
        w.Close();
        w.Close();
    }

    private static void WriteDense(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Dense {layer.In.Size} → {layer.Out.Size}: output[b, o] = bias[o] + Σ_i weight[o, i] · input[b, i] for each image b of the batch,");
        w.Line("// one matrix product with the weights [out, in] as PyTorch stores them (rows of both contiguous); bias and ReLU fused.");
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} weights, {Ros} bias, {Ros} input, {Sp} output, int batch, bool relu)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyTransposed(batch, Out, In, input, In, weights, In, output, Out, false, bias, relu);");
        w.Close();
    }

    private static string Dims(Shape shape) => $"{shape.Channels}x{shape.Height}x{shape.Width}";
}
