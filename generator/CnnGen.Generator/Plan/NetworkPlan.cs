using CnnGen.Generator.Model;

namespace CnnGen.Generator.Plan;

// The output of shape inference: every shape, offset and count the emitter needs, already checked.
// The emitter turns a plan into text and never has to validate anything.

/// <summary>A tensor shape in the public channel-first layout; vectors are N × 1 × 1.</summary>
internal sealed record Shape(int Channels, int Height, int Width)
{
    public int Size => Channels * Height * Width;

    public bool IsVector => Height == 1 && Width == 1;

    /// <summary>Height×Width×Channels, as the seeds write shapes, or N for a vector.</summary>
    public string Text => IsVector ? Model.Text.Int(Channels) : $"{Model.Text.Int(Height)}×{Model.Text.Int(Width)}×{Model.Text.Int(Channels)}";

    /// <summary>The spatial part, "14×14".</summary>
    public string Spatial => $"{Model.Text.Int(Height)}×{Model.Text.Int(Width)}";
}

/// <summary>How a layer's weights are initialised: He for layers feeding a ReLU, Glorot otherwise; BatchNorm starts at γ = 1, β = 0.</summary>
internal enum InitKind
{
    None,
    He,
    Glorot,
    BatchNorm,
}

/// <summary>
/// One tensor: PyTorch name, offset and shape. Trainable parameters live in the parameter buffer;
/// state such as BatchNorm's running averages (<see cref="IsState"/>) in the state buffer.
/// </summary>
internal sealed record TensorPlan(string Name, int Offset, EquatableArray<int> Shape, bool IsState = false)
{
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Shape)
            {
                n *= d;
            }

            return n;
        }
    }
}

/// <summary>A sliding window on two axes (kernel, stride, padding), already resolved (Padding.Same, default pool stride).</summary>
internal sealed record Window(int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth)
{
    public bool IsSquare => KernelHeight == KernelWidth && StrideHeight == StrideWidth && PaddingHeight == PaddingWidth;

    public string KernelText => $"{Text.Int(KernelHeight)}×{Text.Int(KernelWidth)}";

    public string StrideText => StrideHeight == StrideWidth ? Text.Int(StrideHeight) : $"{Text.Int(StrideHeight)}×{Text.Int(StrideWidth)}";

    public string PaddingText => PaddingHeight == PaddingWidth ? Text.Int(PaddingHeight) : $"{Text.Int(PaddingHeight)}×{Text.Int(PaddingWidth)}";

    /// <summary>"k5x5s1x1p0x0", for method names.</summary>
    public string Key => $"k{KernelHeight}x{KernelWidth}s{StrideHeight}x{StrideWidth}p{PaddingHeight}x{PaddingWidth}";
}

/// <summary>
/// One primitive layer with its shapes resolved. <see cref="Inputs"/> are the indices of the layers it
/// reads (-1 is the network input). <see cref="ParameterOffset"/> is where the layer's weights start in
/// the parameter buffer, followed by its biases (or γ then β for BatchNorm); <see cref="StateOffset"/>
/// is where its state (running mean, then running variance) starts in the state buffer.
/// </summary>
internal sealed record LayerPlan(
    LayerSpec Spec,
    EquatableArray<int> Inputs,
    Shape In,
    Shape Out,
    Window? Window,
    int WeightCount,
    int BiasCount,
    long MultiplyAdds)
{
    public int Position => Spec.Position;

    public int ParameterOffset { get; init; }

    public int StateOffset { get; init; }

    public int StateCount { get; init; }

    public string? TensorPrefix { get; init; }

    public InitKind Init { get; init; }

    public int FanIn { get; init; }

    public int FanOut { get; init; }

    /// <summary>
    /// The receptive field: how many input rows and columns one output value depends on. Seed 000's
    /// rule (N stacked 3×3 stride-1 convolutions see 2N + 1 pixels) generalised: each window adds
    /// (F − 1)·J, where the jump J is the product of the strides before it. A Dense or global pooling
    /// layer sees the whole input.
    /// </summary>
    public int ReceptiveHeight { get; init; } = 1;

    public int ReceptiveWidth { get; init; } = 1;

    /// <summary>The distance, in input pixels, between neighbouring outputs (the product of the strides so far).</summary>
    public int JumpHeight { get; init; } = 1;

    public int JumpWidth { get; init; } = 1;

    public long Parameters => (long)WeightCount + BiasCount;

    /// <summary>The formula behind the parameter count, e.g. "5·5·1·6 + 6", or "0".</summary>
    public string ParameterFormula => Spec switch
    {
        ConvSpec c => $"{Text.Int(c.KernelHeight)}·{Text.Int(c.KernelWidth)}·{Text.Int(In.Channels)}·{Text.Int(c.Filters)}" + (c.Bias ? $" + {Text.Int(c.Filters)}" : string.Empty),
        DenseSpec d => $"{Text.Int(In.Size)}·{Text.Int(d.Units)} + {Text.Int(d.Units)}",
        BatchNormSpec => $"2·{Text.Int(In.Channels)}",
        _ => "0",
    };
}

/// <summary>The checked network: input shape, primitive layers in execution order, tensors and totals.</summary>
internal sealed record NetworkPlan(
    Shape Input,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<TensorPlan> Tensors,
    int ParameterCount,
    int StateCount,
    int Seed)
{
    public Shape Output => Layers[Layers.Count - 1].Out;

    public long MultiplyAdds
    {
        get
        {
            long total = 0;
            foreach (LayerPlan layer in Layers)
            {
                total += layer.MultiplyAdds;
            }

            return total;
        }
    }
}
