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

/// <summary>How a layer's weights are initialised: He for layers feeding a ReLU, Glorot otherwise.</summary>
internal enum InitKind
{
    None,
    He,
    Glorot,
}

/// <summary>One parameter tensor: PyTorch name, offset in the parameter buffer, shape.</summary>
internal sealed record TensorPlan(string Name, int Offset, EquatableArray<int> Shape)
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

/// <summary>
/// One layer with its shapes resolved. <see cref="Kernel"/>, <see cref="Stride"/> and <see cref="Padding"/>
/// are the effective values (Padding.Same resolved, a pool's stride defaulted); they are 0 for layers
/// without a window. <see cref="ParameterOffset"/> is where the layer's weights start in the buffer,
/// followed by its biases.
/// </summary>
internal sealed record LayerPlan(
    LayerSpec Spec,
    Shape In,
    Shape Out,
    int Kernel,
    int Stride,
    int Padding,
    int ParameterOffset,
    int WeightCount,
    int BiasCount,
    long MultiplyAdds,
    string? TensorPrefix,
    InitKind Init,
    int FanIn,
    int FanOut)
{
    public int Position => Spec.Position;

    public long Parameters => (long)WeightCount + BiasCount;

    /// <summary>The formula behind the parameter count, e.g. "5·5·1·6 + 6", or "0".</summary>
    public string ParameterFormula => Spec switch
    {
        ConvSpec c => $"{Text.Int(Kernel)}·{Text.Int(Kernel)}·{Text.Int(In.Channels)}·{Text.Int(c.Filters)} + {Text.Int(c.Filters)}",
        DenseSpec d => $"{Text.Int(In.Size)}·{Text.Int(d.Units)} + {Text.Int(d.Units)}",
        _ => "0",
    };
}

/// <summary>The checked network: input shape, layers, parameter tensors and totals.</summary>
internal sealed record NetworkPlan(
    Shape Input,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<TensorPlan> Tensors,
    int ParameterCount,
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
