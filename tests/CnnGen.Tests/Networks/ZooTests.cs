using System;
using System.Linq;
using CnnGen.Zoo;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>
/// The zoo of samples/Zoo. The published parameter counts are asserted by the build itself
/// (ExpectedParameters, CNN0003); these tests pin the shapes and multiply-adds the seeds and the
/// torchvision models give, and run the full-size networks.
/// </summary>
public class ZooTests
{
    [Fact]
    public void Published_parameter_counts()
    {
        Assert.Equal(61_706, LeNet5.ParameterCount);
        Assert.Equal(61_100_840, AlexNet.ParameterCount);
        Assert.Equal(138_357_544, Vgg16.ParameterCount);
        Assert.Equal(6_624_904, GoogLeNet.ParameterCount);
        Assert.Equal(11_689_512, ResNet18.ParameterCount);
    }

    [Theory]
    [InlineData("alexnet")]
    [InlineData("vgg16")]
    [InlineData("googlenet")]
    [InlineData("resnet18")]
    public void Zoo_tensors_are_torchvisions_state_dict_keys_and_shapes(string model)
    {
        // tests/fixtures/torchvision_keys.txt: "model key d0,d1,…" as torchvision 0.14 names them
        // (tools/fixtures/make_torchvision_fixtures.py; num_batches_tracked left out).
        string[] expected = System.IO.File.ReadAllLines(Fixtures.PathOf("torchvision_keys.txt"))
            .Select(l => l.Split(' '))
            .Where(p => p[0] == model)
            .Select(p => p[1] + " " + p[2])
            .Order(StringComparer.Ordinal)
            .ToArray();
        System.Collections.Generic.IReadOnlyList<TensorInfo> table = model switch
        {
            "alexnet" => AlexNet.TensorTable,
            "vgg16" => Vgg16.TensorTable,
            "googlenet" => GoogLeNet.TensorTable,
            _ => ResNet18.TensorTable,
        };
        string[] actual = table.Select(t => t.Name + " " + string.Join(",", t.Shape)).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Seed004_stack_has_the_seed_shapes()
    {
        // 39×39×3 → 37×37×10 → 17×17×20 → 7×7×40 → 1960 → classes.
        string[] shapes = Seed004Net.LayerTable.Select(l => l.ShapeText).ToArray();
        Assert.Equal(new[] { "37×37×10", "37×37×10", "17×17×20", "17×17×20", "7×7×40", "7×7×40", "1960", "10", "10" }, shapes);
    }

    [Fact]
    public void Multiply_adds_match_the_known_costs()
    {
        // LeNet-5: 117,600 + 240,000 + 48,000 + 10,080 + 840 (../shared/PERF.md).
        Assert.Equal(416_520L, LeNet5.MultiplyAddsPerImage);

        // VGG-16: Σ over its 13 convolutions of H·W·K·9·C plus 25,088·4,096 + 4,096·4,096 + 4,096·1,000.
        long vgg = 0;
        int size = 224, channels = 3;
        foreach (int[] stage in new[] { new[] { 64, 64 }, new[] { 128, 128 }, new[] { 256, 256, 256 }, new[] { 512, 512, 512 }, new[] { 512, 512, 512 } })
        {
            foreach (int filters in stage)
            {
                vgg += (long)size * size * filters * 9 * channels;
                channels = filters;
            }

            size /= 2;
        }

        vgg += (25_088L * 4_096) + (4_096L * 4_096) + (4_096L * 1_000);
        Assert.True(vgg == Vgg16.MultiplyAddsPerImage, $"VGG-16 multiply-adds: expected {vgg}, generated {Vgg16.MultiplyAddsPerImage}");
    }

    [Fact]
    public void ResNet18_and_GoogLeNet_shapes_follow_torchvision()
    {
        // ResNet-18: 112 after the stem, 56 after the pool, then 56, 28, 14, 7 per stage.
        Assert.Contains(ResNet18.LayerTable, l => l.ShapeText == "112×112×64");
        Assert.Contains(ResNet18.LayerTable, l => l.ShapeText == "56×56×64");
        Assert.Contains(ResNet18.LayerTable, l => l.ShapeText == "28×28×128");
        Assert.Contains(ResNet18.LayerTable, l => l.ShapeText == "7×7×512");

        // GoogLeNet: inception 3a outputs 28×28×256, 4e 14×14×832, 5b 7×7×1024.
        Assert.Contains(GoogLeNet.LayerTable, l => l.ShapeText == "28×28×256");
        Assert.Contains(GoogLeNet.LayerTable, l => l.ShapeText == "14×14×832");
        Assert.Contains(GoogLeNet.LayerTable, l => l.ShapeText == "7×7×1024");
    }

    [Fact]
    public void ResNet18_forward_pass_gives_a_probability_distribution()
    {
        var net = new ResNet18(seed: 3);
        var random = new Random(5);
        var input = new float[ResNet18.InputLength];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = random.NextSingle();
        }

        var output = new float[ResNet18.OutputLength];
        net.Forward(input, output);
        Assert.All(output, p => Assert.True(p >= 0 && float.IsFinite(p)));
        Assert.Equal(1.0, output.Sum(p => (double)p), 3);
    }
}
