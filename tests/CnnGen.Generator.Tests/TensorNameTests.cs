using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Generator.Shapes;
using CnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// <c>Tensor</c> and <c>TensorPrefix</c> (issue 15 item 1) in the Roslyn-free core: the names shape inference gives
/// the tensors, and CNN0016/CNN0017 located on the argument. The expected names are torchvision's state_dict keys,
/// written out by hand from torchvision's module definitions (ResNet's BasicBlock, GoogLeNet's Inception).
/// </summary>
public sealed class TensorNameTests
{
    [Fact]
    public void DeclaredNames_ReplaceThePerKindNumbers_OthersKeepCounting()
    {
        // AlexNet's spelling: features.0 (conv), features.3 (conv), classifier.1 (dense); the last conv keeps "conv3":
        // the per-kind counter counts every conv, named or not.
        NetworkPlan plan = Valid(Net.Input(8, 8, 1)
            .Layer(p => new ConvSpec(p, 2, 3, 1, 1, RoundingMode.Unspecified) { Tensor = "features.0" }).ReLU()
            .Layer(p => new ConvSpec(p, 2, 3, 1, 1, RoundingMode.Unspecified) { Tensor = "features.3" })
            .Conv(2, 1)
            .Layer(p => new DenseSpec(p, 3) { Tensor = "classifier.1" })
            .Dense(2)
            .Build());

        Assert.Equal(
            new[]
            {
                "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias", "conv3.weight", "conv3.bias",
                "classifier.1.weight", "classifier.1.bias", "fc2.weight", "fc2.bias",
            },
            plan.Tensors.Select(t => t.Name).ToArray());
        Assert.Equal(new[] { "features.0", "features.3", "conv3", "classifier.1", "fc2" }, plan.Layers.Where(l => l.TensorPrefix is not null).Select(l => l.TensorPrefix).ToArray());
    }

    [Fact]
    public void BatchNorm_TensorNamesItsFourTensors()
    {
        NetworkPlan plan = Valid(Net.Input(4, 4, 3)
            .Layer(p => new BatchNormSpec(p, 1e-5, 0.1) { Tensor = "bn_0" })
            .Dense(2)
            .Build());

        Assert.Equal(
            new[] { "bn_0.weight", "bn_0.bias", "bn_0.running_mean", "bn_0.running_var", "fc1.weight", "fc1.bias" },
            plan.Tensors.Select(t => t.Name).ToArray());
    }

    [Fact]
    public void BasicBlock_TensorPrefix_GivesTorchvisionsNames_WithAndWithoutDownsample()
    {
        NetworkPlan plan = Valid(Net.Input(9, 9, 4)
            .Layer(p => new BasicBlockSpec(p, 4, 1) { Tensor = "layer1.0" })
            .Layer(p => new BasicBlockSpec(p, 8, 2) { Tensor = "layer2.0" })
            .Dense(2)
            .Build());

        static string[] Bn(string m) => new[] { m + ".weight", m + ".bias", m + ".running_mean", m + ".running_var" };
        string[] expected = new[] { "layer1.0.conv1.weight" }.Concat(Bn("layer1.0.bn1"))
            .Append("layer1.0.conv2.weight").Concat(Bn("layer1.0.bn2"))
            .Append("layer2.0.conv1.weight").Concat(Bn("layer2.0.bn1"))
            .Append("layer2.0.conv2.weight").Concat(Bn("layer2.0.bn2"))
            .Append("layer2.0.downsample.0.weight").Concat(Bn("layer2.0.downsample.1"))
            .Concat(new[] { "fc1.weight", "fc1.bias" })
            .ToArray();
        Assert.Equal(expected, plan.Tensors.Select(t => t.Name).ToArray());
        Assert.Equal(new[] { 8, 4, 1, 1 }, plan.Tensors.Single(t => t.Name == "layer2.0.downsample.0.weight").Shape.ToArray());
    }

    [Fact]
    public void Inception_TensorPrefix_GivesTorchvisionsBranchNames()
    {
        NetworkPlan plan = Valid(Net.Input(6, 6, 4)
            .Layer(p => new InceptionSpec(p, 1, 1, 2, 1, 2, 1) { Tensor = "inception3a" })
            .Dense(2)
            .Build());

        string[] convs = plan.Tensors.Where(t => t.Name.EndsWith(".conv.weight", System.StringComparison.Ordinal)).Select(t => t.Name).ToArray();
        Assert.Equal(
            new[] { "branch1", "branch2.0", "branch2.1", "branch3.0", "branch3.1", "branch4.1" }.Select(b => "inception3a." + b + ".conv.weight"),
            convs);
        Assert.Contains(plan.Tensors, t => t.Name == "inception3a.branch4.1.bn.running_var");
        Assert.Equal(6 + (6 * 4) + 2, plan.Tensors.Count);
    }

    [Fact]
    public void WithoutNames_NumberingIsUnchanged()
    {
        NetworkPlan plan = Valid(Net.Input(9, 9, 4).Layer(p => new BasicBlockSpec(p, 8, 2)).Dense(2).Build());
        Assert.Equal(new[] { "conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "fc1" }, plan.Layers.Where(l => l.TensorPrefix is not null).Select(l => l.TensorPrefix).ToArray());
    }

    [Theory]
    [InlineData("", "the tensor name is empty")]
    [InlineData("features.0.", "has an empty part")]
    [InlineData(".features", "has an empty part")]
    [InlineData("a..b", "has an empty part")]
    [InlineData("a b", "contains U+0020")]
    [InlineData("a/b", "contains '/'")]
    [InlineData("conv\n1", "contains U+000A")]
    [InlineData("schicht\u00e9", "contains '\u00e9'")]
    public void InvalidName_IsCnn0016_OnTensor(string name, string reason)
    {
        ShapeError error = SingleError(Net.Input(8, 8, 1).ReLU().Layer(p => new ConvSpec(p, 2, 3, 1, 0, RoundingMode.Unspecified) { Tensor = name }).Build());

        Assert.Equal(DiagnosticIds.InvalidTensorName, error.Id);
        Assert.Equal(new SourceRef(2, "Tensor"), error.Source);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void InvalidPrefix_IsCnn0016_OnTensorPrefix()
    {
        ShapeError error = SingleError(Net.Input(8, 8, 4).Layer(p => new BasicBlockSpec(p, 4, 1) { Tensor = "layer1..0" }).Build());

        Assert.Equal(DiagnosticIds.InvalidTensorName, error.Id);
        Assert.Equal(new SourceRef(1, "TensorPrefix"), error.Source);
    }

    [Fact]
    public void SameNameTwice_IsCnn0017_OnTheSecond()
    {
        ShapeError error = SingleError(Net.Input(8, 8, 1)
            .Layer(p => new ConvSpec(p, 2, 3, 1, 1, RoundingMode.Unspecified) { Tensor = "features.0" })
            .Layer(p => new DenseSpec(p, 2) { Tensor = "features.0" })
            .Build());

        Assert.Equal(DiagnosticIds.DuplicateTensorName, error.Id);
        Assert.Equal(new SourceRef(2, "Tensor"), error.Source);
        Assert.Contains("\"features.0.weight\" is already used by layer 1", error.Message);
    }

    [Fact]
    public void DeclaredNameTakingANumberedOne_IsCnn0017_OnTheDeclaredName()
    {
        // Layer 1 says "conv2"; layer 2, undeclared, is the second conv: conv2. The clash is on layer 1's Tensor.
        ShapeError error = SingleError(Net.Input(8, 8, 1)
            .Layer(p => new ConvSpec(p, 2, 3, 1, 1, RoundingMode.Unspecified) { Tensor = "conv2" })
            .Conv(2, 3, padding: 1)
            .Build());

        Assert.Equal(DiagnosticIds.DuplicateTensorName, error.Id);
        Assert.Equal(new SourceRef(1, "Tensor"), error.Source);
    }

    [Fact]
    public void TwoBlocksWithOnePrefix_IsCnn0017_OnTheSecondPrefix()
    {
        ShapeError error = SingleError(Net.Input(8, 8, 4)
            .Layer(p => new BasicBlockSpec(p, 4, 1) { Tensor = "layer1.0" })
            .Layer(p => new BasicBlockSpec(p, 4, 1) { Tensor = "layer1.0" })
            .Build());

        Assert.Equal(DiagnosticIds.DuplicateTensorName, error.Id);
        Assert.Equal(new SourceRef(2, "TensorPrefix"), error.Source);
        Assert.Contains("\"layer1.0.conv1.weight\"", error.Message);
    }

    [Fact]
    public void BlockPrefixAgainstALayersName_IsCnn0017()
    {
        // A BatchNorm named like the block's first BatchNorm: "layer1.0.bn1.weight" twice.
        ShapeError error = SingleError(Net.Input(8, 8, 4)
            .Layer(p => new BatchNormSpec(p, 1e-5, 0.1) { Tensor = "layer1.0.bn1" })
            .Layer(p => new BasicBlockSpec(p, 4, 1) { Tensor = "layer1.0" })
            .Build());

        Assert.Equal(DiagnosticIds.DuplicateTensorName, error.Id);
        Assert.Equal(new SourceRef(2, "TensorPrefix"), error.Source);
    }

    private static ShapeError SingleError(NetworkSpec spec)
    {
        InferenceResult result = ShapeInference.Infer(spec);
        Assert.Null(result.Plan);
        return Assert.Single(result.Errors);
    }

    private static NetworkPlan Valid(NetworkSpec spec)
    {
        InferenceResult result = ShapeInference.Infer(spec);
        Assert.True(result.Errors.Count == 0, "Unexpected errors: " + string.Join(" | ", result.Errors.Select(e => e.Id + " " + e.Message)));
        return result.Plan!;
    }
}
