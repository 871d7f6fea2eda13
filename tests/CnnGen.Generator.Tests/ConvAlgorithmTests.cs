using System.Linq;
using System.Text.RegularExpressions;
using CnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Which convolutions inference computes with Winograd (generator/CnnGen.Generator/Plan/ConvAlgorithms.cs): Auto picks
/// F(4×4, 3×3) for 3×3 stride-1 layers with at least 32 input and output channels and 14×14 outputs, F(2×2, 3×3) from
/// 7×7, nothing smaller; Direct rules it out and Winograd forces it (F(2×2, 3×3) below 14×14). Read from the emitted methods.
/// </summary>
public sealed class ConvAlgorithmTests
{
    private static string[] WinogradMethods(string layers, string input, string network = "Network")
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using CnnGen;

            namespace Demo;

            [{{network}}]
            [Input({{input}})]
            {{layers}}
            [GlobalAvgPool]
            [Dense(2)]
            public partial class Net;
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        string code = Assert.Single(run.Result.GeneratedSources).SourceText.ToString();
        // Each Winograd layer calls the runtime's ConvLayer over its shape struct: "<shape>.Winograd<tile>", named here as
        // "<shape>_F<tile>", once per distinct shape.
        return Regex.Matches(code, @"ConvLayer<(Conv2D_\w+)>\.Winograd(\d)\(")
            .Select(m => m.Groups[1].Value + "_F" + m.Groups[2].Value).Distinct().ToArray();
    }

    [Theory]
    [InlineData("56, 56, 64", "[Conv2D(64, 3, Padding = 1)]", "Conv2D_64x56x56_to_64x56x56_k3x3s1x1p1x1_F4")]
    [InlineData("16, 16, 64", "[Conv2D(64, 3, Padding = Padding.Same)]", "Conv2D_64x16x16_to_64x16x16_k3x3s1x1p1x1_F4")]
    [InlineData("18, 18, 64", "[Conv2D(64, 3)]", "Conv2D_64x18x18_to_64x16x16_k3x3s1x1p0x0_F4")]
    [InlineData("14, 14, 256", "[Conv2D(256, 3, Padding = 1)]", "Conv2D_256x14x14_to_256x14x14_k3x3s1x1p1x1_F4")]
    [InlineData("13, 13, 256", "[Conv2D(256, 3, Padding = 1)]", "Conv2D_256x13x13_to_256x13x13_k3x3s1x1p1x1_F2")]
    [InlineData("7, 7, 512", "[Conv2D(512, 3, Padding = 1)]", "Conv2D_512x7x7_to_512x7x7_k3x3s1x1p1x1_F2")]
    [InlineData("16, 16, 32", "[Conv2D(64, 3, Padding = 1)]", "Conv2D_32x16x16_to_64x16x16_k3x3s1x1p1x1_F4")]
    [InlineData("16, 16, 16", "[Conv2D(64, 3, Padding = 1)]", "")]
    [InlineData("16, 16, 64", "[Conv2D(16, 3, Padding = 1)]", "")]
    [InlineData("8, 8, 128", "[Conv2D(128, 3, Padding = 1)]", "Conv2D_128x8x8_to_128x8x8_k3x3s1x1p1x1_F2")]
    [InlineData("8, 8, 64", "[Conv2D(128, 3, Padding = 1)]", "Conv2D_64x8x8_to_128x8x8_k3x3s1x1p1x1_F2")]
    [InlineData("8, 8, 128", "[Conv2D(256, 3, Padding = 1)]", "Conv2D_128x8x8_to_256x8x8_k3x3s1x1p1x1_F2")]
    [InlineData("6, 6, 64", "[Conv2D(64, 3, Padding = 1)]", "")]
    [InlineData("6, 6, 64", "[Conv2D(64, 3)]", "")]
    [InlineData("8, 8, 512", "[Conv2D(512, 3, Padding = 1)]", "Conv2D_512x8x8_to_512x8x8_k3x3s1x1p1x1_F2")]
    [InlineData("7, 7, 128", "[Conv2D(128, 3, Padding = 1)]", "Conv2D_128x7x7_to_128x7x7_k3x3s1x1p1x1_F2")]
    [InlineData("57, 57, 64", "[Conv2D(64, 3, Stride = 2, Padding = 1)]", "")]
    [InlineData("15, 15, 64", "[Conv2D(64, 3, Padding = 1)]", "Conv2D_64x15x15_to_64x15x15_k3x3s1x1p1x1_F4")]
    [InlineData("11, 11, 64", "[Conv2D(64, 3, Padding = 1)]", "Conv2D_64x11x11_to_64x11x11_k3x3s1x1p1x1_F2")]
    [InlineData("56, 56, 64", "[Conv2D(64, 5, Padding = 2)]", "")]
    [InlineData("56, 56, 64", "[Conv2D(64, 3, Padding = 1, Algorithm = ConvAlgorithm.Direct)]", "")]
    [InlineData("6, 6, 3", "[Conv2D(5, 3, Padding = 1, Algorithm = ConvAlgorithm.Winograd)]", "Conv2D_3x6x6_to_5x6x6_k3x3s1x1p1x1_F2")]
    [InlineData("18, 18, 3", "[Conv2D(5, 3, Algorithm = ConvAlgorithm.Winograd)]", "Conv2D_3x18x18_to_5x16x16_k3x3s1x1p0x0_F4")]
    public void Auto_takes_winograd_where_it_measured_faster_and_the_argument_overrides(string input, string layer, string expected)
    {
        string[] methods = WinogradMethods(layer, input);
        Assert.Equal(expected.Length == 0 ? [] : new[] { expected }, methods);
    }

    [Fact]
    public void ResNet18_stride_one_3x3_layers_run_winograd_in_every_stage()
    {
        string[] methods = WinogradMethods(
            "[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false)] [BatchNorm] [ReLU] [MaxPool(3, Stride = 2, Padding = 1)] "
            + "[BasicBlock(64)] [BasicBlock(64)] [BasicBlock(128, Stride = 2)] [BasicBlock(128)] "
            + "[BasicBlock(256, Stride = 2)] [BasicBlock(256)] [BasicBlock(512, Stride = 2)] [BasicBlock(512)]",
            "224, 224, 3",
            "Network(Rounding = Rounding.Floor)");
        Assert.Equal(
            new[] { "Conv2D_128x28x28_to_128x28x28_k3x3s1x1p1x1_F4", "Conv2D_256x14x14_to_256x14x14_k3x3s1x1p1x1_F4", "Conv2D_512x7x7_to_512x7x7_k3x3s1x1p1x1_F2", "Conv2D_64x56x56_to_64x56x56_k3x3s1x1p1x1_F4" },
            methods.OrderBy(m => m, System.StringComparer.Ordinal).ToArray());
    }
}
