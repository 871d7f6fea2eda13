using System.Collections.Generic;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Runtime;

namespace CnnGen.Generator.Emit;

/// <summary>
/// The layers' kernels: one struct per distinct layer shape (layers with identical shapes share it) whose static
/// members are the shape's constants, and the runtime's layer kernel generic over it (<c>ConvLayer&lt;TShape&gt;</c>,
/// <c>PoolLayer</c>, <c>DenseLayer</c>, <c>GlobalAvgPoolLayer</c>, <c>DirectConvLayer</c>). Generics over structs are
/// compiled once per type argument (JIT and Native AOT), so every bound is a constant in that layer's machine code;
/// the emitted file holds only the shapes and which kernel each layer calls, and grows with the number of layers,
/// never with the number of multiply-adds. Element-wise layers, Add, Concat and BatchNorm need no shape: the sequence
/// calls the runtime's kernels directly.
/// </summary>
internal static partial class LayerKernels
{
    private const string Ros = "global::System.ReadOnlySpan<float>";
    private const string Sp = "global::System.Span<float>";

    private const string Runtime = "global::CnnGen.Runtime.";

    /// <summary>The shape struct's name encodes the shapes, so equal shapes give equal names and one struct.</summary>
    public static string ShapeName(LayerPlan layer) => layer.Spec switch
    {
        ConvSpec => $"Conv2D_{Dims(layer.In)}_to_{Dims(layer.Out)}_{layer.Window!.Key}",
        PoolSpec p => $"{p.AttributeName}_{Dims(layer.In)}_to_{Dims(layer.Out)}_{layer.Window!.Key}",
        GlobalPoolSpec => $"GlobalAvgPool_{Dims(layer.In)}",
        DenseSpec => $"Dense_{layer.In.Size}_to_{layer.Out.Size}",
        _ => string.Empty,
    };

    /// <summary>The forward kernel a layer calls: the runtime's layer kernel over its shape, the variant chosen from the shape.</summary>
    public static string MethodName(LayerPlan layer) => layer.Spec switch
    {
        ConvSpec when IsWideConv(layer) => $"{Runtime}ConvLayer<{ShapeName(layer)}>.{(UsesRuns(layer) ? "Runs" : "WideRows")}",
        ConvSpec => $"{Runtime}ConvLayer<{ShapeName(layer)}>.Strided",
        PoolSpec { Kind: PoolKind.Max } when IsTwoByTwoMaxFloor(layer) => $"{Runtime}PoolLayer<{ShapeName(layer)}>.Max2x2",
        PoolSpec p => $"{Runtime}PoolLayer<{ShapeName(layer)}>.{p.Kind switch { PoolKind.Max => "Max", PoolKind.Min => "Min", PoolKind.Average => "Average", _ => "L2" }}",
        GlobalPoolSpec => $"{Runtime}GlobalAvgPoolLayer<{ShapeName(layer)}>.Forward",
        DenseSpec => $"{Runtime}DenseLayer<{ShapeName(layer)}>.Forward",
        _ => string.Empty,
    };

    // 2×2 max pooling of stride 2 without padding whose output is the floor of half the input (Kernels.MaxPool2x2's case).
    private static bool IsTwoByTwoMaxFloor(LayerPlan layer)
    {
        Window win = layer.Window!;
        return win.KernelHeight == 2 && win.KernelWidth == 2 && win.StrideHeight == 2 && win.StrideWidth == 2
            && win.PaddingHeight == 0 && win.PaddingWidth == 0 && layer.Out.Height == layer.In.Height / 2 && layer.Out.Width == layer.In.Width / 2;
    }

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

    /// <summary>Multiply-adds per column of the convolution's matrix product: C·FH·FW.</summary>
    private static int Taps(LayerPlan layer) => ConvSizes.Taps(layer.In.Channels, layer.Window!.KernelHeight, layer.Window.KernelWidth);

    /// <summary>The padded input frame of a stride-1 convolution: (HP, WP), and Wide = (OH − 1)·WP + OW output columns.</summary>
    private static (int Hp, int Wp, int Wide) Frame(LayerPlan layer)
    {
        Window w = layer.Window!;
        int hp = layer.In.Height + (2 * w.PaddingHeight);
        int wp = layer.In.Width + (2 * w.PaddingWidth);
        return (hp, wp, ConvSizes.Wide(layer.Out.Height, layer.Out.Width, wp));
    }

    private static bool IsPadded(LayerPlan layer) => layer.Window!.PaddingHeight > 0 || layer.Window.PaddingWidth > 0;

    /// <summary>Whether the wide rows are already the output's rows (WP = OW: a 1-wide kernel without padding).</summary>
    private static bool WideIsOutput(LayerPlan layer) => Frame(layer).Wp == layer.Out.Width;

    /// <summary>Output rows per im2col chunk of a strided convolution.</summary>
    private static int ChunkRows(LayerPlan layer) => ConvSizes.ChunkRows(Taps(layer), layer.Out.Height, layer.Out.Width);

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

    /// <summary>Writes one shape struct per distinct layer shape, with a comment naming the kernels its layers call.</summary>
    public static void Write(SourceWriter w, NetworkPlan plan)
    {
        var written = new HashSet<string>();
        foreach (LayerPlan layer in plan.Layers)
        {
            string name = ShapeName(layer);
            if (name.Length == 0 || !written.Add(name))
            {
                continue;
            }

            w.Line();
            w.Line($"// {Describe(layer)}");
            if (layer.Spec is DenseSpec)
            {
                w.Line($"private readonly struct {name} : {Runtime}IDenseShape {{ public static int In => {layer.In.Size}; public static int Out => {layer.Out.Size}; }}");
                continue;
            }

            Window win = layer.Window ?? new Window(layer.In.Height, layer.In.Width, 1, 1, 0, 0);
            w.Open($"private readonly struct {name} : {Runtime}IWindowShape");
            w.Line($"public static int C => {layer.In.Channels}; public static int H => {layer.In.Height}; public static int W => {layer.In.Width}; public static int K => {layer.Out.Channels}; public static int OH => {layer.Out.Height}; public static int OW => {layer.Out.Width};");
            w.Line($"public static int FH => {win.KernelHeight}; public static int FW => {win.KernelWidth}; public static int SH => {win.StrideHeight}; public static int SW => {win.StrideWidth}; public static int PH => {win.PaddingHeight}; public static int PW => {win.PaddingWidth};");
            w.Close();
        }
    }

    // What a shape is and the kernels chosen for it.
    private static string Describe(LayerPlan layer) => layer.Spec switch
    {
        ConvSpec when IsWideConv(layer) => $"Conv2D {ConvSummary(layer)}: one matrix product over the padded frame's {(UsesRuns(layer) ? "rows read as runs (no wide-row copy)" : "wide rows")}, no im2col copy.",
        ConvSpec => $"Conv2D {ConvSummary(layer)}: im2col in chunks of {ChunkRows(layer)} output rows, one matrix product each.",
        PoolSpec p => PoolSummary(layer, p.Kind) + ".",
        GlobalPoolSpec => $"Global average pooling {layer.In.Text} → {layer.Out.Text}.",
        _ => $"Dense {layer.In.Size} → {layer.Out.Size}: one matrix product per batch, weights [out, in] as PyTorch stores them.",
    };

    private static string ConvSummary(LayerPlan layer) =>
        $"{layer.In.Text} → {layer.Out.Text}, {layer.Window!.KernelText} kernel, stride {layer.Window.StrideText}, padding {layer.Window.PaddingText}";

    private static string PoolSummary(LayerPlan layer, PoolKind kind) =>
        $"{kind switch { PoolKind.Max => "Max", PoolKind.Min => "Min", PoolKind.Average => "Average", _ => "L2-norm" }} pooling {layer.In.Text} → {layer.Out.Text}, {layer.Window!.KernelText} window, stride {layer.Window.StrideText}, padding {layer.Window.PaddingText}";

    private static string Dims(Shape shape) => $"{shape.Channels}x{shape.Height}x{shape.Width}";
}
