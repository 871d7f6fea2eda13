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
        if (layer.Spec is not ConvSpec)
        {
            return 0;
        }

        if (!IsWideConv(layer))
        {
            // im2col columns and their gradient
            return 2 * Taps(layer) * ChunkRows(layer) * layer.Out.Width;
        }

        (int hp, int wp, int wide) = Frame(layer);
        int padded = IsPadded(layer) ? layer.In.Channels * hp * wp : 0;

        // padded input + padded input gradient + the wide output gradient + the taps' gradient, or (before the input
        // gradient, in the same place) the transposed output gradient of the weight-gradient product
        int input = (WideIsOutput(layer) ? 0 : layer.Out.Channels * wide) + (Taps(layer) * wide);
        return (2 * padded) + System.Math.Max(input, PositionMajorWeightGradient(layer) ? TransposedGradientLength(layer) : 0);
    }

    /// <summary>
    /// Whether a stride-1 convolution's weight gradient is the position-major product (GemmGradients.AddConvWeightGradient:
    /// vectors of output channels, no horizontal sums): with at least 16 output channels (a whole 512-bit vector) and at
    /// least as many taps as channels (with fewer taps the transposition of dY weighs more than the products saved).
    /// </summary>
    private static bool PositionMajorWeightGradient(LayerPlan layer) => layer.Out.Channels >= 16 && Taps(layer) >= layer.Out.Channels;

    /// <summary>GemmGradients.ConvWeightGradientScratch: OH·OW rows of K rounded up to 16.</summary>
    private static int TransposedGradientLength(LayerPlan layer) => layer.Out.Height * layer.Out.Width * ((layer.Out.Channels + 15) / 16 * 16);

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
        bool padded = IsPadded(layer);
        bool direct = WideIsOutput(layer);
        bool positionMajor = PositionMajorWeightGradient(layer);
        w.Line($"// Backward of Conv2D {ConvSummary(layer)}, with the same wide rows and tap offsets:");
        if (positionMajor)
        {
            w.Line("// dW[K, taps] += dY[K, P] · col[P, taps] reduced over the P output positions (dY transposed once, vectors of K");
            w.Line("// channels, the frame's values broadcast: no horizontal sums); dTaps = Wᵀ · dY, then each tap's gradient is added");
            w.Line("// back into the (padded) frame at its offset. The wide output gradient has zeros in the FW − 1 extra columns.");
        }
        else
        {
            w.Line("// dW[K, taps] += dY[K, wide] · tapsᵀ and dTaps = Wᵀ · dY (two matrix products), then each tap's gradient is added");
            w.Line("// back into the (padded) frame at its offset. The wide output gradient has zeros in the FW − 1 extra columns.");
        }

        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} weights, {Ros} input, {Ros} gradOutput, {Sp} gradWeights, {Sp} gradBias, {Sp} gradInput, {Sp} scratch)");
        ConvConstants(w, layer);
        w.Line("const int HP = H + 2 * PH, WP = W + 2 * PW, Wide = (OH - 1) * WP + OW;");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        string at = "0";
        if (padded)
        {
            w.Line($"{Sp} padded = scratch.Slice(0, C * HP * WP);");
            w.Line($"{Sp} gradPadded = scratch.Slice(C * HP * WP, C * HP * WP);");
            WritePaddedCopy(w, "padded");
            w.Open("if (wantInput)");
            w.Line("gradPadded.Clear();");
            w.Close();
            at = "2 * C * HP * WP";
        }
        else
        {
            w.Line($"{Ros} padded = input.Slice(0, C * HP * WP);");
            w.Line("// Without padding the frame is the input itself: input gradients add straight into gradInput.");
            w.Line($"{Sp} gradPadded = gradInput;");
        }

        w.Open("if (!gradBias.IsEmpty)");
        w.Open("for (int k = 0; k < K; k++)");
        w.Line("gradBias[k] += global::System.Numerics.Tensors.TensorPrimitives.Sum(gradOutput.Slice(k * OH * OW, OH * OW));");
        w.Close();
        w.Close();
        if (positionMajor)
        {
            w.Line($"global::CnnGen.Runtime.GemmGradients.AddConvWeightGradient(K, Taps, OH, OW, gradOutput, padded, WP, {TapsField(MethodName(layer))}, gradWeights, scratch.Slice({at}));");
            w.Open("if (!wantInput)");
            w.Line("return;");
            w.Close();
        }

        if (direct)
        {
            w.Line($"{Ros} wide = gradOutput;");
        }
        else
        {
            w.Line($"{Sp} wide = scratch.Slice({at}, K * Wide);");
            w.Line("wide.Clear();");
            w.Open("for (int k = 0; k < K; k++)");
            w.Open("for (int oy = 0; oy < OH; oy++)");
            w.Line("gradOutput.Slice((k * OH + oy) * OW, OW).CopyTo(wide.Slice(k * Wide + oy * WP, OW));");
            w.Close();
            w.Close();
            at = at == "0" ? "K * Wide" : at + " + K * Wide";
        }

        if (!positionMajor)
        {
            w.Line($"global::CnnGen.Runtime.Gemm.MultiplyTransposed(K, Taps, Wide, wide, Wide, padded, {TapsField(MethodName(layer))}, gradWeights, Taps, true);");
        }

        w.Open("if (wantInput)");
        w.Line($"{Sp} gradTaps = scratch.Slice({at}, Taps * Wide);");
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyBroadcast(Taps, Wide, K, weights, 1, Taps, wide, Wide, gradTaps, Wide, false);");
        w.Line($"global::CnnGen.Runtime.Kernels.AddRows(gradTaps, Wide, {TapsField(MethodName(layer))}, gradPadded);");
        if (padded)
        {
            w.Line("// Add the interior of the padded gradient: padding cells have no input behind them.");
            w.Open("for (int c = 0; c < C; c++)");
            w.Open("for (int y = 0; y < H; y++)");
            w.Line("global::CnnGen.Runtime.Kernels.Accumulate(gradPadded.Slice((c * HP + y + PH) * WP + PW, W), gradInput.Slice((c * H + y) * W, W));");
            w.Close();
            w.Close();
        }

        w.Close();
        w.Close();
    }

    private static void WriteConvStridedBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Conv2D {ConvSummary(layer)}, per chunk of output rows: im2col again, then");
        w.Line("// dW[K, taps] += dY[K, p] · colᵀ and dCol = Wᵀ · dY (two matrix products), and col2im adds dCol into the input gradient.");
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} weights, {Ros} input, {Ros} gradOutput, {Sp} gradWeights, {Sp} gradBias, {Sp} gradInput, {Sp} scratch)");
        ConvConstants(w, layer);
        w.Line($"const int P = OH * OW, Rows = {ChunkRows(layer)};");
        w.Line("bool wantInput = !gradInput.IsEmpty;");
        w.Open("if (!gradBias.IsEmpty)");
        w.Open("for (int k = 0; k < K; k++)");
        w.Line("gradBias[k] += global::System.Numerics.Tensors.TensorPrimitives.Sum(gradOutput.Slice(k * P, P));");
        w.Close();
        w.Close();
        w.Open("for (int oy = 0; oy < OH; oy += Rows)");
        w.Line("int rows = global::System.Math.Min(Rows, OH - oy), n = rows * OW;");
        w.Line($"{Sp} col = scratch.Slice(0, Taps * n);");
        w.Line("global::CnnGen.Runtime.Kernels.Im2Col(input, C, H, W, FH, FW, SH, SW, PH, PW, OW, oy, rows, col);");
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyTransposed(K, Taps, n, gradOutput.Slice(oy * OW), P, col, n, gradWeights, Taps, true);");
        w.Open("if (wantInput)");
        w.Line($"{Sp} gradCol = scratch.Slice(Taps * n, Taps * n);");
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyBroadcast(Taps, n, K, weights, 1, Taps, gradOutput.Slice(oy * OW), P, gradCol, n, false);");
        w.Line("global::CnnGen.Runtime.Kernels.Col2Im(gradCol, C, H, W, FH, FW, SH, SW, PH, PW, OW, oy, rows, gradInput);");
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>Whether every window of a pooling layer lies inside its input (no padding, no ceil-rounded last window).</summary>
    private static bool Inside(LayerPlan layer)
    {
        Window win = layer.Window!;
        return win.PaddingHeight == 0 && win.PaddingWidth == 0
            && ((layer.Out.Height - 1) * win.StrideHeight) + win.KernelHeight <= layer.In.Height
            && ((layer.Out.Width - 1) * win.StrideWidth) + win.KernelWidth <= layer.In.Width;
    }

    /// <summary>
    /// Whether a layer is max or min pooling with 2×2 windows of stride 2 inside the input, whose backward is
    /// Kernels.ExtremePool2x2Backward (and takes a <c>relu</c> argument: a ReLU before it can be fused into it).
    /// </summary>
    public static bool IsTwoByTwoExtremePool(LayerPlan layer) => layer.Spec is PoolSpec { Kind: PoolKind.Max or PoolKind.Min } && Inside(layer)
        && layer.Window!.KernelHeight == 2 && layer.Window.KernelWidth == 2 && layer.Window.StrideHeight == 2 && layer.Window.StrideWidth == 2;

    private static void WritePoolBackward(SourceWriter w, string name, LayerPlan layer, PoolKind kind)
    {
        w.Line($"// Backward of {PoolSummary(layer, kind)}:");
        w.Line(kind switch
        {
            PoolKind.Max => "// each window's gradient goes to its arg-max only (the first cell equal to the forward output), 0 elsewhere.",
            PoolKind.Min => "// each window's gradient goes to its arg-min only (the first cell equal to the forward output), 0 elsewhere.",
            PoolKind.Average => "// each window's gradient is shared equally by the cells it averaged.",
            _ => "// d√(Σx²)/dx = x / √(Σx²) (0 where the window is all zeros).",
        });
        Window win = layer.Window!;
        bool inside = Inside(layer);
        bool twoByTwo = IsTwoByTwoExtremePool(layer);
        if (kind is PoolKind.Max or PoolKind.Min && !twoByTwo)
        {
            w.Line("// The arg is found without branches (cells scanned last to first, keeping each equal one): random data costs no mispredictions.");
        }

        string output = $", {Ros} output";
        if (twoByTwo)
        {
            w.Line("// With relu, input is a ReLU's output and gradInput the gradient of that ReLU's input (its backward fused here).");
            w.Line(Tiering.Optimized);
            w.Open($"private static void {name}({Ros} input{output}, {Ros} gradOutput, {Sp} gradInput, bool relu)");
            w.Line($"const int C = {layer.In.Channels}, H = {layer.In.Height}, W = {layer.In.Width}, OH = {layer.Out.Height}, OW = {layer.Out.Width};");
            w.Line("// The common 2×2 window of stride 2: 8 windows of a row at once, the tie rule applied with vector lane masks.");
            w.Line("global::CnnGen.Runtime.Kernels.ExtremePool2x2Backward(input, output, gradOutput, gradInput, C, H, W, OH, OW, relu);");
            w.Close();
            return;
        }

        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} input{output}, {Ros} gradOutput, {Sp} gradInput)");
        PoolConstants(w, layer);
        if (kind is PoolKind.Max or PoolKind.Min && inside && win.KernelHeight * win.KernelWidth <= 16)
        {
            // Every window lies inside the input: no clipping, the window's cells unrolled at constant offsets.
            w.Line("// Every window lies inside the input: its cells are scanned at constant offsets from its corner.");
            w.Open("for (int c = 0; c < C; c++)");
            w.Line($"{Ros} channel = input.Slice(c * H * W, H * W);");
            w.Line($"{Sp} gradChannel = gradInput.Slice(c * H * W, H * W);");
            w.Line($"{Ros} targets = output.Slice(c * OH * OW, OH * OW);");
            w.Line($"{Ros} gradients = gradOutput.Slice(c * OH * OW, OH * OW);");
            w.Open("for (int oy = 0; oy < OH; oy++)");
            w.Open("for (int ox = 0; ox < OW; ox++)");
            w.Line("int corner = (oy * SH - PH) * W + ox * SW - PW;");
            w.Line($"{Ros} cells = channel.Slice(corner, (FH - 1) * W + FW);");
            w.Line("float target = targets[oy * OW + ox];");
            w.Line("int best = -1;");
            for (int y = win.KernelHeight - 1; y >= 0; y--)
            {
                for (int x = win.KernelWidth - 1; x >= 0; x--)
                {
                    string at = y == 0 ? $"{x}" : x == 0 ? $"{y} * W" : $"{y} * W + {x}";
                    w.Line($"best += ({at} - best) & -(cells[{at}] == target ? 1 : 0);");
                }
            }

            w.Open("if (best >= 0)");
            w.Line("gradChannel[corner + best] += gradients[oy * OW + ox];");
            w.Close();
            w.Close();
            w.Close();
            w.Close();
            w.Close();
            return;
        }

        OpenWindowLoops(w, gradient: true);
        w.Line("float g = gradOutput[(c * OH + oy) * OW + ox];");
        switch (kind)
        {
            case PoolKind.Max:
            case PoolKind.Min:
                w.Line("float target = output[(c * OH + oy) * OW + ox];");
                w.Line("int best = -1;");
                w.Open("for (int y = yb - 1; y >= ya; y--)");
                w.Open("for (int x = xb - 1; x >= xa; x--)");
                w.Line("int at = y * W + x;");
                w.Line("best += (at - best) & -(channel[at] == target ? 1 : 0);");
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
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} gradOutput, {Sp} gradInput)");
        w.Line($"const int C = {layer.In.Channels}, Plane = {layer.In.Height * layer.In.Width};");
        w.Open("for (int c = 0; c < C; c++)");
        w.Line("global::System.Numerics.Tensors.TensorPrimitives.Add(gradInput.Slice(c * Plane, Plane), gradOutput[c] / Plane, gradInput.Slice(c * Plane, Plane));");
        w.Close();
        w.Close();
    }

    private static void WriteDenseBackward(SourceWriter w, string name, LayerPlan layer)
    {
        w.Line($"// Backward of Dense {layer.In.Size} → {layer.Out.Size} over the images of a part: dX[b, in] += dY · W. The weights' gradient");
        w.Line("// is taken over the whole batch once the backward pass is done (the _WeightGradient method below).");
        w.Line(Tiering.Optimized);
        w.Open($"private static void {name}({Ros} weights, {Ros} gradOutput, {Sp} gradInput, int batch)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyBroadcast(batch, In, Out, gradOutput, Out, 1, weights, In, gradInput, In, true);");
        w.Close();
        w.Line();
        w.Line($"// The gradient of Dense {layer.In.Size} → {layer.Out.Size}'s parameters over the whole batch, for its outputs [first, first + count):");
        w.Line("// dW[o, in] = Σ_b dY[b, o] · X[b, in] (one matrix product whose depth is the batch) and db[o] = Σ_b dY[b, o], written, not added.");
        w.Line(Tiering.Optimized);
        w.Open($"private static void {WeightGradientName(layer)}({Ros} input, {Ros} gradOutput, {Sp} gradWeights, {Sp} gradBias, int batch, int first, int count)");
        w.Line($"const int In = {layer.In.Size}, Out = {layer.Out.Size};");
        w.Open("if (count <= 0)");
        w.Line("return;");
        w.Close();
        w.Open("if (!gradBias.IsEmpty)");
        w.Line("gradOutput.Slice(first, count).CopyTo(gradBias.Slice(first, count));");
        w.Open("for (int b = 1; b < batch; b++)");
        w.Line("global::CnnGen.Runtime.Kernels.Accumulate(gradOutput.Slice(b * Out + first, count), gradBias.Slice(first, count));");
        w.Close();
        w.Close();
        w.Line("global::CnnGen.Runtime.Gemm.MultiplyBroadcast(count, In, batch, gradOutput.Slice(first), 1, Out, input, In, gradWeights.Slice(first * In), In, false);");
        w.Close();
    }

    public static string WeightGradientName(LayerPlan layer) => MethodName(layer) + "_WeightGradient";
}
