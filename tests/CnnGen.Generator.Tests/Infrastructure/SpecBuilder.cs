using System.Collections.Generic;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>
/// Builds a <see cref="NetworkSpec"/> the way the attributes read, numbering the layers 1, 2, … after
/// Input as the parser does: <c>Net.Input(32, 32, 1).Conv(6, 5).ReLU().MaxPool(2).Build()</c>.
/// </summary>
internal sealed class Net
{
    private readonly InputSpec _input;
    private readonly List<LayerSpec> _layers = new();

    private Net(InputSpec input) => _input = input;

    private int Next => _layers.Count + 1;

    public static Net Input(int height, int width, int channels) => new(new InputSpec(height, width, channels));

    public Net Conv(int filters, int kernel, int stride = 1, int padding = 0, RoundingMode rounding = RoundingMode.Unspecified) =>
        Add(new ConvSpec(Next, filters, kernel, stride, padding, rounding));

    public Net MaxPool(int size, int stride = 0, int padding = 0, RoundingMode rounding = RoundingMode.Unspecified) =>
        Add(new PoolSpec(Next, PoolKind.Max, size, stride, padding, rounding));

    public Net AvgPool(int size, int stride = 0, int padding = 0, RoundingMode rounding = RoundingMode.Unspecified) =>
        Add(new PoolSpec(Next, PoolKind.Average, size, stride, padding, rounding));

    public Net Dense(int units) => Add(new DenseSpec(Next, units));

    public Net Flatten() => Add(new FlattenSpec(Next));

    public Net ReLU() => Add(new ActivationSpec(Next, ActivationKind.ReLU));

    public Net Tanh() => Add(new ActivationSpec(Next, ActivationKind.Tanh));

    public Net Softmax() => Add(new ActivationSpec(Next, ActivationKind.Softmax));

    /// <summary>Any layer spec, made at the next position: <c>.Layer(p => new BatchNormSpec(p, 1e-5, 0.1) { Tensor = "bn" })</c>.</summary>
    public Net Layer(System.Func<int, LayerSpec> make) => Add(make(Next));

    public NetworkSpec Build(long expectedParameters = 0, RoundingMode rounding = RoundingMode.Unspecified, int seed = 0) =>
        new(_input, _layers.ToEquatableArray(), expectedParameters, rounding, seed);

    /// <summary>LeNet-5 as seed 000 gives it: 32×32×1 → conv 5×5×6 → pool → conv 5×5×16 → pool → FC 120 → 84 → 10 softmax.</summary>
    public static Net LeNet5() => Input(32, 32, 1)
        .Conv(6, 5).ReLU().MaxPool(2)
        .Conv(16, 5).ReLU().MaxPool(2)
        .Dense(120).ReLU().Dense(84).ReLU().Dense(10).Softmax();

    private Net Add(LayerSpec layer)
    {
        _layers.Add(layer);
        return this;
    }
}
