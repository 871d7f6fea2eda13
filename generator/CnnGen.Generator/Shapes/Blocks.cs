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

    /// <summary>The name torchvision gives a block's inner module under the block's <c>TensorPrefix</c>, or null (numbered per kind).</summary>
    private static string? Inner(LayerSpec block, string module) => block.Tensor is null ? null : block.Tensor + "." + module;

    /// <summary>conv3×3(stride) → BN → ReLU → conv3×3 → BN, shortcut identity or conv1×1(stride) → BN, Add, ReLU.</summary>
    private static IEnumerable<LayerSpec> BasicBlock(BasicBlockSpec block, string input, int inputChannels)
    {
        string origin = block.Display;
        int p = block.Position;
        string main = $"#{Text.Int(p)}.main";
        yield return new ConvSpec(p, block.Filters, 3, 3, block.Stride, block.Stride, 1, 1, false, RoundingMode.Unspecified) { Origin = origin, From = input, Tensor = Inner(block, "conv1") };
        yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin, Tensor = Inner(block, "bn1") };
        yield return new ActivationSpec(p, ActivationKind.ReLU) { Origin = origin };
        yield return new ConvSpec(p, block.Filters, 3, 3, 1, 1, 1, 1, false, RoundingMode.Unspecified) { Origin = origin, Tensor = Inner(block, "conv2") };
        bool projection = block.Stride != 1 || inputChannels != block.Filters;
        if (projection)
        {
            yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin, Name = main, Tensor = Inner(block, "bn2") };
            yield return new ConvSpec(p, block.Filters, 1, 1, block.Stride, block.Stride, 0, 0, false, RoundingMode.Unspecified) { Origin = origin, From = input, Tensor = Inner(block, "downsample.0") };
            yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin, Tensor = Inner(block, "downsample.1") };
            yield return new AddSpec(p, new[] { main }.ToEquatableArray()) { Origin = origin };
        }
        else
        {
            yield return new BatchNormSpec(p, 1e-5, 0.1) { Origin = origin, Tensor = Inner(block, "bn2") };
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

        IEnumerable<LayerSpec> ConvBnRelu(int filters, int kernel, string? from, string? name, string module)
        {
            yield return new ConvSpec(p, filters, kernel, kernel, 1, 1, (kernel - 1) / 2, (kernel - 1) / 2, false, RoundingMode.Unspecified) { Origin = origin, From = from, Tensor = Inner(block, module + ".conv") };
            yield return new BatchNormSpec(p, 1e-3, 0.1) { Origin = origin, Tensor = Inner(block, module + ".bn") };
            yield return new ActivationSpec(p, ActivationKind.ReLU) { Origin = origin, Name = name };
        }

        foreach (LayerSpec l in ConvBnRelu(block.Conv1x1, 1, input, Branch(1), "branch1"))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Reduce3x3, 1, input, null, "branch2.0"))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Conv3x3, 3, null, Branch(2), "branch2.1"))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Reduce5x5, 1, input, null, "branch3.0"))
        {
            yield return l;
        }

        foreach (LayerSpec l in ConvBnRelu(block.Conv5x5, 3, null, Branch(3), "branch3.1"))
        {
            yield return l;
        }

        yield return new PoolSpec(p, PoolKind.Max, 3, 1, 1, RoundingMode.Ceil) { Origin = origin, From = input };
        foreach (LayerSpec l in ConvBnRelu(block.PoolProjection, 1, null, Branch(4), "branch4.1"))
        {
            yield return l;
        }

        yield return new ConcatSpec(p, new[] { Branch(1), Branch(2), Branch(3), Branch(4) }.ToEquatableArray()) { Origin = origin, Name = block.Name };
    }
}
