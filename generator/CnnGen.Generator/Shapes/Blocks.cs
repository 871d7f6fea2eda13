using System.Collections.Generic;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Shapes;

/// <summary>
/// Expands the built-in blocks into primitive layers, as torchvision builds them. Internal names start
/// with '#' (users cannot write those) and carry the block's position, so every block's wiring is private.
/// </summary>
internal static class Blocks
{
    public static IEnumerable<LayerSpec> Expand(LayerSpec block, string input, int inputChannels) => block switch
    {
        BasicBlockSpec basic => BasicBlock(basic, input, inputChannels),
        InceptionSpec inception => Inception(inception, input),
        _ => new[] { block },
    };

    /// <summary>conv3×3(stride) → BN → ReLU → conv3×3 → BN, shortcut identity or conv1×1(stride) → BN, Add, ReLU.</summary>
    private static IEnumerable<LayerSpec> BasicBlock(BasicBlockSpec block, string input, int inputChannels)
    {
        string origin = block.Display;
        int p = block.Position;
        string main = $"#{Text.Int(p)}.main";
        yield return new ConvSpec(p, block.Filters, 3, 3, block.Stride, block.Stride, 1, 1, false, RoundingMode.Unspecified) { Origin = origin, From = input };
        yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin };
        yield return new ActivationSpec(p, ActivationKind.ReLU) { Origin = origin };
        yield return new ConvSpec(p, block.Filters, 3, 3, 1, 1, 1, 1, false, RoundingMode.Unspecified) { Origin = origin };
        bool projection = block.Stride != 1 || inputChannels != block.Filters;
        if (projection)
        {
            yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin, Name = main };
            yield return new ConvSpec(p, block.Filters, 1, 1, block.Stride, block.Stride, 0, 0, false, RoundingMode.Unspecified) { Origin = origin, From = input };
            yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin };
            yield return new AddSpec(p, new[] { main }.ToEquatableArray()) { Origin = origin };
        }
        else
        {
            yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin };
            yield return new AddSpec(p, new[] { input }.ToEquatableArray()) { Origin = origin };
        }

        yield return new ActivationSpec(p, ActivationKind.ReLU) { Origin = origin, Name = block.Name };
    }

    /// <summary>Four branches from the block's input, each convolution followed by BatchNorm(ε = 0.001) and ReLU, joined by Concat.</summary>
    private static IEnumerable<LayerSpec> Inception(InceptionSpec block, string input)
    {
        string origin = block.Display;
        int p = block.Position;
        string Branch(int b) => $"#{Text.Int(p)}.b{Text.Int(b)}";

        IEnumerable<LayerSpec> ConvBnRelu(int filters, int kernel, string? from, string? name)
        {
            yield return new ConvSpec(p, filters, kernel, kernel, 1, 1, (kernel - 1) / 2, (kernel - 1) / 2, false, RoundingMode.Unspecified) { Origin = origin, From = from };
            yield return new BatchNormSpec(p, 1e-3, 0.1) { Origin = origin };
            yield return new ActivationSpec(p, ActivationKind.ReLU) { Origin = origin, Name = name };
        }

        foreach (LayerSpec l in ConvBnRelu(block.Conv1x1, 1, input, Branch(1)))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Reduce3x3, 1, input, null))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Conv3x3, 3, null, Branch(2)))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Reduce5x5, 1, input, null))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Conv5x5, 3, null, Branch(3)))
        {
            yield return l;
        }

        yield return new PoolSpec(p, PoolKind.Max, 3, 1, 1, RoundingMode.Ceil) { Origin = origin, From = input };
        foreach (LayerSpec l in ConvBnRelu(block.PoolProjection, 1, null, Branch(4)))
        {
            yield return l;
        }

        yield return new ConcatSpec(p, new[] { Branch(1), Branch(2), Branch(3), Branch(4) }.ToEquatableArray()) { Origin = origin, Name = block.Name };
    }
}
