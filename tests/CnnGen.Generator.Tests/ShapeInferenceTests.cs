using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Generator.Shapes;
using CnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Plain unit tests of the Roslyn-free core: <see cref="ShapeInference.Infer"/> on hand-built specs.
/// Every expected value comes from the seeds' worked examples or from hand arithmetic with
/// output = (W − F + 2P)/S + 1 and parameters F·F·C·K + K (convolution), in·out + out (dense).
/// </summary>
public sealed class ShapeInferenceTests
{
    // ---- Seed 000: LeNet-5 ----------------------------------------------------------------------

    [Fact]
    public void LeNet5_ShapesFollowSeed000()
    {
        NetworkPlan plan = Valid(Net.LeNet5().Build());

        // 32×32×1 → 28×28×6 → 14×14×6 → 10×10×16 → 5×5×16 → 120 → 84 → 10, activations keep their input shape.
        Shape[] expected =
        {
            new(6, 28, 28), new(6, 28, 28), new(6, 14, 14),
            new(16, 10, 10), new(16, 10, 10), new(16, 5, 5),
            new(120, 1, 1), new(120, 1, 1), new(84, 1, 1), new(84, 1, 1), new(10, 1, 1), new(10, 1, 1),
        };
        Assert.Equal(new Shape(1, 32, 32), plan.Input);
        Assert.Equal(expected, plan.Layers.Select(l => l.Out).ToArray());
        Assert.Equal(new Shape(16, 5, 5), plan.Layers[6].In); // fc1 flattens 5·5·16 = 400 values
        Assert.Equal(new Shape(10, 1, 1), plan.Output);
        Assert.Equal(Enumerable.Range(1, 12), plan.Layers.Select(l => l.Position));
    }

    [Fact]
    public void LeNet5_Has61706ParametersWithSeedBreakdown()
    {
        NetworkPlan plan = Valid(Net.LeNet5().Build(expectedParameters: 61706));

        Assert.Equal(61706, plan.ParameterCount);

        // 5·5·1·6 + 6 = 156; 5·5·6·16 + 16 = 2,416; 400·120 + 120 = 48,120; 120·84 + 84 = 10,164; 84·10 + 10 = 850.
        Assert.Equal(new long[] { 156, 0, 0, 2416, 0, 0, 48120, 0, 10164, 0, 850, 0 }, plan.Layers.Select(l => l.Parameters).ToArray());
        Assert.Equal(
            new[] { "5·5·1·6 + 6", "5·5·6·16 + 16", "400·120 + 120", "120·84 + 84", "84·10 + 10" },
            plan.Layers.Where(l => l.Parameters > 0).Select(l => l.ParameterFormula).ToArray());
        Assert.Equal(
            new[] { "conv1", "conv2", "fc1", "fc2", "fc3" },
            plan.Layers.Where(l => l.Parameters > 0).Select(l => l.TensorPrefix).ToArray());
    }

    [Fact]
    public void LeNet5_TensorNamesOffsetsAndShapesMatchPyTorchStateDict()
    {
        NetworkPlan plan = Valid(Net.LeNet5().Build());

        (string Name, int Offset, int[] Shape)[] expected =
        {
            ("conv1.weight", 0, new[] { 6, 1, 5, 5 }),        // 150
            ("conv1.bias", 150, new[] { 6 }),
            ("conv2.weight", 156, new[] { 16, 6, 5, 5 }),     // 2,400
            ("conv2.bias", 2556, new[] { 16 }),
            ("fc1.weight", 2572, new[] { 120, 400 }),         // 48,000
            ("fc1.bias", 50572, new[] { 120 }),
            ("fc2.weight", 50692, new[] { 84, 120 }),         // 10,080
            ("fc2.bias", 60772, new[] { 84 }),
            ("fc3.weight", 60856, new[] { 10, 84 }),          // 840
            ("fc3.bias", 61696, new[] { 10 }),
        };
        Assert.Equal(expected.Length, plan.Tensors.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            TensorPlan tensor = plan.Tensors[i];
            Assert.Equal(expected[i].Name, tensor.Name);
            Assert.Equal(expected[i].Offset, tensor.Offset);
            Assert.Equal(expected[i].Shape, tensor.Shape.ToArray());
        }

        Assert.Equal(61706, plan.Tensors[^1].Offset + plan.Tensors[^1].Length);

        // Each layer's weights start where its tensor does, and its biases follow them.
        LayerPlan conv2 = plan.Layers[3];
        Assert.Equal(156, conv2.ParameterOffset);
        Assert.Equal(2400, conv2.WeightCount);
        Assert.Equal(16, conv2.BiasCount);
    }

    [Fact]
    public void LeNet5_InitialisationFollowsTheNextActivation()
    {
        NetworkPlan plan = Valid(Net.LeNet5().Build());

        // Layers feeding a ReLU get He initialisation, the last Dense (feeding Softmax) Glorot.
        Assert.Equal(
            new[] { InitKind.He, InitKind.He, InitKind.He, InitKind.He, InitKind.Glorot },
            plan.Layers.Where(l => l.Parameters > 0).Select(l => l.Init).ToArray());
    }

    // ---- Seed 001: the quiz and the stride that does not fit --------------------------------------

    [Fact]
    public void Seed001Quiz_TenFiveByFiveFiltersStride1Pad2_Keep32x32AndHave760Parameters()
    {
        NetworkPlan plan = Valid(Net.Input(32, 32, 3).Conv(10, 5, stride: 1, padding: 2).Build());

        Assert.Equal(new Shape(10, 32, 32), plan.Output);   // (32 − 5 + 2·2)/1 + 1 = 32
        Assert.Equal(760, plan.ParameterCount);             // 5·5·3·10 + 10
        Assert.Equal(new[] { 10, 3, 5, 5 }, plan.Tensors[0].Shape.ToArray());
    }

    [Fact]
    public void Seed001_SevenBySevenInput_ThreeByThreeFilter_Stride3_DoesNotFit()
    {
        InferenceResult result = ShapeInference.Infer(Net.Input(7, 7, 1).Conv(1, 3, stride: 3).Build());

        ShapeError error = Assert.Single(result.Errors);
        Assert.Null(result.Plan);
        Assert.Equal("CNN0001", error.Id);
        Assert.Equal(new SourceRef(1, "StrideHeight|Stride"), error.Source); // located on StrideHeight if written, else Stride

        // The suggested fixes, worked by hand: padding 1 gives (7 − 3 + 2)/3 + 1 = 3; strides 1, 2, 4 divide 7 − 3 = 4;
        // floor(4/3) + 1 = 2; ceil(4/3) + 1 = 3 and the third window starts at 6 < 7, so it is kept.
        // Both axes are the same, so the arithmetic is shown once.
        Assert.Equal(
            "Layer 1, Conv2D(1, 3, Stride = 3): stride 3 does not fit the 7×7×1 input: (7 − 3 + 2·0)/3 + 1 = 2.33, "
            + "not a whole number of convolution steps. Paddings that fit: 1 (→ 3×3). Strides that fit: 1 (→ 5×5), 2 (→ 3×3), 4 (→ 2×2). "
            + "Or opt in to rounding: Rounding = Rounding.Floor gives 2×2, Rounding.Ceil gives 3×3.",
            error.Message);
    }

    [Theory]
    [InlineData(1, 5)] // (7 − 3)/1 + 1
    [InlineData(2, 3)] // (7 − 3)/2 + 1, the seed's "stride of 2"
    public void Seed001_SevenBySevenInput_ThreeByThreeFilter_FittingStrides(int stride, int expected)
    {
        NetworkPlan plan = Valid(Net.Input(7, 7, 1).Conv(1, 3, stride: stride).Build());

        Assert.Equal(new Shape(1, expected, expected), plan.Output);
    }

    // ---- Seed 004: the worked stack -------------------------------------------------------------------

    [Fact]
    public void Seed004Stack_39x39x3_To_1960()
    {
        NetworkPlan plan = Valid(Net.Input(39, 39, 3)
            .Conv(10, 3)                 // f = 3, s = 1, p = 0: (39 − 3)/1 + 1 = 37
            .Conv(20, 5, stride: 2)      // (37 + 2·0 − 5)/2 + 1 = 17
            .Conv(40, 5, stride: 2)      // (17 + 2·0 − 5)/2 + 1 = 7
            .Flatten()                   // 7·7·40 = 1960
            .Build());

        Assert.Equal(
            new[] { new Shape(10, 37, 37), new Shape(20, 17, 17), new Shape(40, 7, 7), new Shape(1960, 1, 1) },
            plan.Layers.Select(l => l.Out).ToArray());

        // 3·3·3·10 + 10 = 280; 5·5·10·20 + 20 = 5,020; 5·5·20·40 + 40 = 20,040.
        Assert.Equal(new long[] { 280, 5020, 20040, 0 }, plan.Layers.Select(l => l.Parameters).ToArray());
        Assert.Equal(25340, plan.ParameterCount);
    }

    [Theory]
    [InlineData(3, 1, 15)]
    [InlineData(5, 2, 15)]
    [InlineData(7, 3, 15)]
    public void PaddingSame_ResolvesTo_KernelMinusOneOverTwo(int kernel, int expectedPadding, int expectedSize)
    {
        NetworkPlan plan = Valid(Net.Input(15, 15, 3).Conv(4, kernel, padding: Padding.Same).Build());

        Assert.Equal(expectedPadding, plan.Layers[0].Window!.PaddingHeight); // seed 004: p = (f − 1)/2
        Assert.Equal(expectedPadding, plan.Layers[0].Window!.PaddingWidth);
        Assert.Equal(new Shape(4, expectedSize, expectedSize), plan.Output);
    }

    [Fact]
    public void PaddingValid_IsZero()
    {
        NetworkPlan plan = Valid(Net.Input(6, 6, 1).Conv(1, 3, padding: Padding.Valid).Build());

        Assert.Equal(new Shape(1, 4, 4), plan.Output); // seed 004: 6×6 with a 3×3 filter gives 4×4
    }

    [Fact]
    public void PadStrideNetwork_Shapes()
    {
        // tests/CnnGen.Tests/Networks/TestNetworks.cs PadStride: (15 − 3 + 2·1)/2 + 1 = 8; Same keeps 8; pool 2 → 4; 4·4·4 = 64 → 5.
        NetworkPlan plan = Valid(Net.Input(15, 15, 3)
            .Conv(8, 3, stride: 2, padding: 1).ReLU()
            .Conv(4, 3, padding: Padding.Same).Tanh().AvgPool(2)
            .Dense(5).Build());

        Assert.Equal(
            new[] { new Shape(8, 8, 8), new Shape(8, 8, 8), new Shape(4, 8, 8), new Shape(4, 8, 8), new Shape(4, 4, 4), new Shape(5, 1, 1) },
            plan.Layers.Select(l => l.Out).ToArray());
        Assert.Equal((3 * 3 * 3 * 8) + 8 + (3 * 3 * 8 * 4) + 4 + (64 * 5) + 5, plan.ParameterCount); // 224 + 292 + 325 = 841
    }

    [Fact]
    public void NonSquareInput_UsesHeightAndWidthSeparately()
    {
        // (20 − 5)/1 + 1 = 16 by (12 − 5)/1 + 1 = 8, then 2×2 pooling: 8 × 4.
        NetworkPlan plan = Valid(Net.Input(20, 12, 1).Conv(2, 5).MaxPool(2).Build());

        Assert.Equal(new Shape(2, 8, 4), plan.Output);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 5)]
    [InlineData(4, 9)] // seed 000: "after the fourth level, we have a receptive field of 1 by 9"
    public void StackedThreeByThreeConvs_HaveReceptiveField2NPlus1(int n, int expected)
    {
        Net net = Net.Input(32, 32, 1);
        for (int i = 0; i < n; i++)
        {
            net = net.Conv(1, 3, padding: 1);
        }

        NetworkPlan plan = Valid(net.Build());

        Assert.Equal(expected, plan.Layers[^1].ReceptiveHeight);
        Assert.Equal(expected, plan.Layers[^1].ReceptiveWidth);
    }

    [Fact]
    public void Stride2_GrowsTheReceptiveFieldFaster()
    {
        // Seed 000: 2×2 convolutions at stride 2 double the receptive field: 2, then 2 + (2 − 1)·2 = 4, then 8.
        NetworkPlan plan = Valid(Net.Input(16, 16, 1).Conv(1, 2, stride: 2).Conv(1, 2, stride: 2).Conv(1, 2, stride: 2).Build());

        Assert.Equal(new[] { 2, 4, 8 }, plan.Layers.Select(l => l.ReceptiveHeight).ToArray());
    }

    // ---- Rounding -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("Floor", 2)] // floor((5 − 2)/2) + 1 = 2, PyTorch's default
    [InlineData("Ceil", 3)]  // ceil((5 − 2)/2) + 1 = 3, ceil_mode=True; the third window starts at 4 < 5
    public void MaxPool2_On5x5_RoundsLikePyTorch(string mode, int expected)
    {
        NetworkPlan plan = Valid(Net.Input(5, 5, 1).MaxPool(2, rounding: System.Enum.Parse<RoundingMode>(mode)).Build());

        Assert.Equal(new Shape(1, expected, expected), plan.Output);
    }

    [Fact]
    public void MaxPool2_On5x5_Exact_IsCnn0001OnTheSize()
    {
        InferenceResult result = ShapeInference.Infer(Net.Input(5, 5, 1).MaxPool(2).Build());

        ShapeError error = Assert.Single(result.Errors);
        Assert.Equal("CNN0001", error.Id);
        Assert.Equal(new SourceRef(1, "size"), error.Source); // the stride is implicit, so the size argument carries it
        Assert.Contains("(5 − 2 + 2·0)/2 + 1 = 2.5", error.Message);
        Assert.Contains("not a whole number of pooling steps", error.Message);
    }

    [Fact]
    public void Ceil_DropsTheLastWindowWhenItWouldStartInThePadding()
    {
        // PyTorch (MaxPool2d docs, ceil_mode=True): out = ceil((W + 2P − F)/S) + 1, minus one if (out − 1)·S ≥ W + P.
        // W = 5, F = 2, S = 2, P = 1: ceil(5/2) + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1, so the fourth window (starting
        // at padded index 6, i.e. entirely in the right padding) is dropped: 3. Floor gives floor(5/2) + 1 = 3 too.
        NetworkPlan ceil = Valid(Net.Input(5, 5, 1).MaxPool(2, stride: 2, padding: 1, rounding: RoundingMode.Ceil).Build());
        NetworkPlan floor = Valid(Net.Input(5, 5, 1).MaxPool(2, stride: 2, padding: 1, rounding: RoundingMode.Floor).Build());

        Assert.Equal(new Shape(1, 3, 3), ceil.Output);
        Assert.Equal(new Shape(1, 3, 3), floor.Output);
    }

    [Theory]
    // W, F, S, P, floor, ceil — by hand from floor/ceil((W + 2P − F)/S) + 1 and PyTorch's last-window rule.
    [InlineData(6, 3, 2, 0, 2, 3)]   // 3/2: floor 2 | ceil 3, last start (3 − 1)·2 = 4 < 6 + 0 kept
    [InlineData(7, 3, 3, 1, 3, 3)]   // 6/3 = 2 exactly: 3 | 3
    [InlineData(10, 3, 4, 1, 3, 3)]  // 9/4: floor 3 | ceil 4, but (4 − 1)·4 = 12 ≥ 10 + 1, so PyTorch drops it: 3
    [InlineData(4, 3, 2, 1, 2, 3)]   // 3/2: floor 2 | ceil 3, (3 − 1)·2 = 4 < 4 + 1 kept
    public void FloorAndCeil_MatchPyTorch(int w, int f, int s, int p, int floor, int ceil)
    {
        NetworkPlan floored = Valid(Net.Input(w, w, 1).MaxPool(f, stride: s, padding: p, rounding: RoundingMode.Floor).Build());
        NetworkPlan ceiled = Valid(Net.Input(w, w, 1).MaxPool(f, stride: s, padding: p, rounding: RoundingMode.Ceil).Build());

        Assert.Equal(floor, floored.Output.Height);
        Assert.Equal(ceil, ceiled.Output.Height);
    }

    [Fact]
    public void NetworkRounding_AppliesToEveryWindowedLayer()
    {
        // Conv 3 stride 2 on 8: 5/2 → floor 3; pool 2 on 3: 1/2 → floor 1.
        NetworkPlan plan = Valid(Net.Input(8, 8, 1).Conv(1, 3, stride: 2).MaxPool(2).Build(rounding: RoundingMode.Floor));

        Assert.Equal(new Shape(1, 3, 3), plan.Layers[0].Out);
        Assert.Equal(new Shape(1, 1, 1), plan.Layers[1].Out);
    }

    [Fact]
    public void LayerRounding_OverridesTheNetwork()
    {
        // Network Floor, layer Exact: the layer's stride must fit again.
        InferenceResult exact = ShapeInference.Infer(
            Net.Input(5, 5, 1).MaxPool(2, rounding: RoundingMode.Exact).Build(rounding: RoundingMode.Floor));
        Assert.Equal("CNN0001", Assert.Single(exact.Errors).Id);

        // Network Floor, layer Ceil: 3 rather than 2.
        NetworkPlan ceil = Valid(Net.Input(5, 5, 1).MaxPool(2, rounding: RoundingMode.Ceil).Build(rounding: RoundingMode.Floor));
        Assert.Equal(3, ceil.Output.Height);

        // Network Ceil, layer Floor: 2 rather than 3.
        NetworkPlan floor = Valid(Net.Input(5, 5, 1).MaxPool(2, rounding: RoundingMode.Floor).Build(rounding: RoundingMode.Ceil));
        Assert.Equal(2, floor.Output.Height);

        // Network Exact (the default), layer Floor: no error.
        Assert.Equal(2, Valid(Net.Input(5, 5, 1).MaxPool(2, rounding: RoundingMode.Floor).Build()).Output.Height);
    }

    // ---- CNN0001 details ----------------------------------------------------------------------------

    [Fact]
    public void Cnn0001_LaterLayersAreStillChecked()
    {
        // LeNet-5 with conv2 at stride 2: (14 − 5)/2 + 1 = 5.5 → 5 (floored to go on), then MaxPool(2) on 5×5: 2.5.
        InferenceResult result = ShapeInference.Infer(Net.Input(32, 32, 1)
            .Conv(6, 5).ReLU().MaxPool(2)
            .Conv(16, 5, stride: 2).ReLU().MaxPool(2)
            .Dense(120).ReLU().Dense(84).ReLU().Dense(10).Softmax().Build(expectedParameters: 61706));

        Assert.Null(result.Plan);
        Assert.Equal(new[] { new SourceRef(4, "StrideHeight|Stride"), new SourceRef(6, "size") }, result.Errors.Select(e => e.Source).ToArray());
        Assert.All(result.Errors, e => Assert.Equal("CNN0001", e.Id));
        Assert.Contains("(14 − 5 + 2·0)/2 + 1 = 5.5", result.Errors[0].Message);
        Assert.Contains("(5 − 2 + 2·0)/2 + 1 = 2.5", result.Errors[1].Message);
    }

    [Fact]
    public void Cnn0001_NonSquareInput_NamesTheAxis()
    {
        // Height (7 − 3)/3 + 1 = 2.33 does not fit, width (9 − 3)/3 + 1 = 3 does.
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(7, 9, 1).Conv(1, 3, stride: 3).Build()).Errors);

        Assert.Equal("CNN0001", error.Id);
        Assert.Contains("(7 − 3 + 2·0)/3 + 1 = 2.33 (height)", error.Message);
        Assert.DoesNotContain("(width)", error.Message);
    }

    [Fact]
    public void Cnn0001_ExplicitPoolStride_IsLocatedOnStride()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(6, 6, 1).MaxPool(3, stride: 2).Build()).Errors);

        Assert.Equal("CNN0001", error.Id);
        Assert.Equal(new SourceRef(1, "Stride"), error.Source);
        Assert.Contains("(6 − 3 + 2·0)/2 + 1 = 2.5", error.Message);
    }

    // ---- CNN0002 ---------------------------------------------------------------------------------------

    [Fact]
    public void Cnn0002_KernelLargerThanInput()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(4, 4, 1).Conv(6, 5).Build()).Errors);

        Assert.Equal("CNN0002", error.Id);
        Assert.Equal(new SourceRef(1, "kernel|kernelHeight"), error.Source);
        Assert.Contains("the 5×5 kernel is larger than its padded input: 4 < 5", error.Message);
    }

    [Fact]
    public void Cnn0002_KernelLargerThanPaddedInput_ShowsThePaddedSize()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(4, 4, 1).Conv(6, 7, padding: 1).Build()).Errors);

        Assert.Equal("CNN0002", error.Id);
        Assert.Contains("4 + 2·1 = 6 < 7", error.Message);
    }

    [Fact]
    public void Cnn0002_PaddingMakesTheKernelFit()
    {
        // 4 + 2·1 = 6 ≥ 5: (4 − 5 + 2)/1 + 1 = 2.
        Assert.Equal(new Shape(6, 2, 2), Valid(Net.Input(4, 4, 1).Conv(6, 5, padding: 1).Build()).Output);
    }

    [Fact]
    public void Cnn0002_PoolWindowLargerThanInput_AfterLeNetShrinks()
    {
        // 32 → conv 5 → 28 → pool → 14 → conv 5 → 10 → pool → 5 → conv 5 → 1 → pool 2 on 1×1.
        InferenceResult result = ShapeInference.Infer(Net.Input(32, 32, 1)
            .Conv(6, 5).MaxPool(2).Conv(16, 5).MaxPool(2).Conv(120, 5).MaxPool(2).Build());

        ShapeError error = Assert.Single(result.Errors);
        Assert.Equal("CNN0002", error.Id);
        Assert.Equal(new SourceRef(6, "size"), error.Source);
        Assert.Contains("2×2 pooling window is larger than its padded input: 1 < 2", error.Message);
    }

    [Fact]
    public void Cnn0002_NonSquare_NamesTheAxis()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(8, 3, 1).Conv(1, 5).Build()).Errors);

        Assert.Equal("CNN0002", error.Id);
        Assert.Contains("(width): 3 < 5", error.Message);
    }

    // ---- CNN0003 ---------------------------------------------------------------------------------------

    [Fact]
    public void Cnn0003_ListsThePerLayerBreakdown()
    {
        InferenceResult result = ShapeInference.Infer(Net.LeNet5().Build(expectedParameters: 61705));

        ShapeError error = Assert.Single(result.Errors);
        Assert.Null(result.Plan);
        Assert.Equal("CNN0003", error.Id);
        Assert.Equal(new SourceRef(SourceRef.NetworkAttribute, "ExpectedParameters"), error.Source);
        Assert.Equal(
            "The declared layers have 61,706 parameters, not the expected 61,705 (+1): "
            + "conv1 156 (5·5·1·6 + 6) + conv2 2,416 (5·5·6·16 + 16) + fc1 48,120 (400·120 + 120) "
            + "+ fc2 10,164 (120·84 + 84) + fc3 850 (84·10 + 10) = 61,706",
            error.Message);
    }

    [Fact]
    public void Cnn0003_FewerThanExpected_ShowsANegativeDifference()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(32, 32, 3).Conv(10, 5, padding: 2).Build(expectedParameters: 1000)).Errors);

        Assert.Equal("CNN0003", error.Id);
        Assert.StartsWith("The declared layers have 760 parameters, not the expected 1,000 (−240): conv1 760 (5·5·3·10 + 10) = 760", error.Message);
    }

    [Fact]
    public void Cnn0003_NoLayerWithParameters_SaysSo()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(4, 4, 1).MaxPool(2).Build(expectedParameters: 10)).Errors);

        Assert.Equal("CNN0003", error.Id);
        Assert.Equal("The declared layers have 0 parameters, not the expected 10 (−10): no layer has trainable parameters", error.Message);
    }

    [Fact]
    public void ExpectedParameters_Zero_MeansNotChecked()
    {
        Assert.Equal(61706, Valid(Net.LeNet5().Build(expectedParameters: 0)).ParameterCount);
    }

    // ---- CNN0007 ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0, 32, 1, "height", "Input height must be positive, not 0")]
    [InlineData(32, -1, 1, "width", "Input width must be positive, not -1")]
    [InlineData(32, 32, 0, "channels", "Input channels must be positive, not 0")]
    public void Cnn0007_InputSizes(int height, int width, int channels, string argument, string message)
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(height, width, channels).Dense(10).Build()).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Equal(new SourceRef(SourceRef.InputAttribute, argument), error.Source);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Cnn0007_ConvZeroFiltersNegativeKernelZeroStride_AllReported()
    {
        InferenceResult result = ShapeInference.Infer(Net.Input(8, 8, 1).Conv(0, -3, stride: 0).Build());

        Assert.All(result.Errors, e => Assert.Equal("CNN0007", e.Id));
        Assert.Equal(
            new[] { new SourceRef(1, "filters"), new SourceRef(1, "kernel|kernelHeight"), new SourceRef(1, "StrideHeight|Stride") },
            result.Errors.Select(e => e.Source).ToArray());
        Assert.Equal("Layer 1, Conv2D(0, -3, Stride = 0): the number of filters must be positive, not 0", result.Errors[0].Message);
    }

    [Fact]
    public void Cnn0007_PaddingNotSmallerThanKernel()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).Conv(6, 3, padding: 3).Build()).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Equal(new SourceRef(1, "PaddingHeight|Padding"), error.Source);
        Assert.Contains("padding 3 is not smaller than the kernel 3", error.Message);
        Assert.Contains("use at most 2", error.Message);
    }

    [Fact]
    public void Cnn0007_NegativePaddingOtherThanSame()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).Conv(6, 3, padding: -2).Build()).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Contains("padding must be 0 or more, or Padding.Same, not -2", error.Message);
    }

    [Fact]
    public void Cnn0007_EvenKernelWithPaddingSame()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).Conv(6, 4, padding: Padding.Same).Build()).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Equal(new SourceRef(1, "PaddingHeight|Padding"), error.Source);
        Assert.Contains("Padding.Same pads (F − 1)/2 on every side, which needs an odd kernel; 4 is even. Use kernel 3 or 5", error.Message);
    }

    [Fact]
    public void Cnn0007_PoolArguments()
    {
        Assert.Equal(new SourceRef(1, "size"), Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).MaxPool(0).Build()).Errors).Source);
        Assert.Equal(new SourceRef(1, "Stride"), Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).AvgPool(2, stride: -1).Build()).Errors).Source);

        // PyTorch: padding at most half the window. 2/2 = 1, so 2 is too much.
        ShapeError padding = Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).MaxPool(2, padding: 2).Build()).Errors);
        Assert.Equal("CNN0007", padding.Id);
        Assert.Equal(new SourceRef(1, "Padding"), padding.Source);
        Assert.Contains("between 0 and half the window (1), not 2", padding.Message);
    }

    [Fact]
    public void Cnn0007_DenseUnits()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(4, 4, 1).Dense(0).Build()).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Equal(new SourceRef(1, "units"), error.Source);
        Assert.Equal("Layer 1, Dense(0): the number of units must be positive, not 0", error.Message);
    }

    [Fact]
    public void Cnn0007_NegativeExpectedParameters()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.LeNet5().Build(expectedParameters: -1)).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Equal(new SourceRef(SourceRef.NetworkAttribute, "ExpectedParameters"), error.Source);
    }

    [Fact]
    public void Cnn0007_InputTooLargeForOneBuffer()
    {
        // 50,000·50,000·3 = 7.5·10⁹ floats: more than an int can count, so no plan (and no wrapped-around sizes).
        InferenceResult result = ShapeInference.Infer(Net.Input(50000, 50000, 3).Dense(10).Build());

        ShapeError error = Assert.Single(result.Errors);
        Assert.Null(result.Plan);
        Assert.Equal("CNN0007", error.Id);
        Assert.Equal(new SourceRef(SourceRef.InputAttribute, null), error.Source);
        Assert.Contains("7,500,000,000", error.Message);
    }

    [Fact]
    public void Cnn0007_InputWhoseSizeOverflowsALong()
    {
        // 38·1,073,741,823·2,147,483,647 ≈ 8.8·10¹⁹ wraps around a long to a negative number; found by the
        // property test Infer_NeverThrows_OnArbitraryIntegers, which then saw a plan with a negative size.
        InferenceResult result = ShapeInference.Infer(Net.Input(38, 1073741823, int.MaxValue).Flatten().Build());

        ShapeError error = Assert.Single(result.Errors);
        Assert.Null(result.Plan);
        Assert.Equal("CNN0007", error.Id);
        Assert.Contains("87,622,034,227,713,802,278", error.Message);
    }

    [Fact]
    public void Cnn0007_DenseWithTooManyWeights()
    {
        // 1000·1000·3 = 3,000,000 inputs · 1,000 units = 3·10⁹ weights.
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(1000, 1000, 3).Dense(1000).Build()).Errors);

        Assert.Equal("CNN0007", error.Id);
        Assert.Contains("3,000,000,000 weights", error.Message);
    }

    [Fact]
    public void HugeKernelAndPadding_DoNotOverflowOrHang()
    {
        // 10 + 2·1,999,999,999 overflows an int; the window does fit, and the output is far too large for a buffer.
        InferenceResult result = ShapeInference.Infer(Net.Input(10, 10, 1).Conv(1, 2_000_000_000, stride: 3, padding: 1_999_999_999).Build());

        Assert.Null(result.Plan);
        Assert.DoesNotContain(result.Errors, e => e.Id == "CNN0002");
        Assert.Contains(result.Errors, e => e.Id == "CNN0007");
    }

    [Fact]
    public void HugeKernelWithLargeStride_WeightCountDoesNotWrapAround()
    {
        // 1·50,000·50,000 = 2.5·10⁹ weights for one filter (an int would wrap to a negative count); the output is 1×1.
        InferenceResult result = ShapeInference.Infer(Net.Input(1, 1, 1).Conv(1, 50_000, stride: 100_000, padding: 49_999, rounding: RoundingMode.Floor).Build());

        Assert.Null(result.Plan);
        ShapeError error = Assert.Single(result.Errors);
        Assert.Equal("CNN0007", error.Id);
        Assert.Contains("2,500,000,000 weights", error.Message);
    }

    // ---- CNN0008 ---------------------------------------------------------------------------------------

    [Fact]
    public void Cnn0008_LayerAfterSoftmax()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(4, 4, 1).Dense(10).Softmax().Dense(5).Build()).Errors);

        Assert.Equal("CNN0008", error.Id);
        Assert.Equal(new SourceRef(3, null), error.Source);
        Assert.Equal("Layer 3, Dense(5) cannot follow Softmax: Softmax turns the class scores into probabilities and must be the last layer", error.Message);
    }

    [Fact]
    public void Cnn0008_ConvAfterDense()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).Dense(16).Conv(4, 1).Build()).Errors);

        Assert.Equal("CNN0008", error.Id);
        Assert.Equal(new SourceRef(2, null), error.Source);
        Assert.Contains("Layer 2, Conv2D(4, 1) needs an image (height × width × channels), but its input is a vector of 16 values", error.Message);
    }

    [Fact]
    public void Cnn0008_PoolAfterFlatten()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(8, 8, 1).Flatten().MaxPool(2).Build()).Errors);

        Assert.Equal("CNN0008", error.Id);
        Assert.Equal(new SourceRef(2, null), error.Source);
    }

    [Fact]
    public void Cnn0008_SoftmaxOnAnImage()
    {
        ShapeError error = Assert.Single(ShapeInference.Infer(Net.Input(4, 4, 2).Softmax().Build()).Errors);

        Assert.Equal("CNN0008", error.Id);
        Assert.Equal(new SourceRef(1, null), error.Source);
        Assert.Contains("its input is 4×4×2: put a Dense layer (e.g. [Dense(10)]) before it", error.Message);
    }

    [Fact]
    public void OneByOneInput_IsAnImage_ButSoftmaxOnItIsAVector()
    {
        // A 1×1×C input is a legal image for a 1×1 convolution (seed 001), and also a vector of C scores.
        Assert.Equal(new Shape(4, 1, 1), Valid(Net.Input(1, 1, 3).Conv(4, 1).Build()).Output);
        Assert.Equal(new Shape(3, 1, 1), Valid(Net.Input(1, 1, 3).Softmax().Build()).Output);
    }

    // ---- CNN0009 ---------------------------------------------------------------------------------------

    [Fact]
    public void Cnn0009_NoLayers()
    {
        InferenceResult result = ShapeInference.Infer(Net.Input(32, 32, 1).Build());

        ShapeError error = Assert.Single(result.Errors);
        Assert.Null(result.Plan);
        Assert.Equal("CNN0009", error.Id);
        Assert.Equal(new SourceRef(SourceRef.InputAttribute, null), error.Source);
    }

    // ---- Purity ------------------------------------------------------------------------------------------

    [Fact]
    public void Infer_IsDeterministicAndValueEqual()
    {
        InferenceResult a = ShapeInference.Infer(Net.LeNet5().Build());
        InferenceResult b = ShapeInference.Infer(Net.LeNet5().Build());

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, ShapeInference.Infer(Net.LeNet5().Build(seed: 1)));
    }

    private static NetworkPlan Valid(NetworkSpec spec)
    {
        InferenceResult result = ShapeInference.Infer(spec);
        Assert.True(result.Errors.Count == 0, "Unexpected errors: " + string.Join(" | ", result.Errors.Select(e => e.Id + " " + e.Message)));
        Assert.NotNull(result.Plan);
        return result.Plan!;
    }
}
