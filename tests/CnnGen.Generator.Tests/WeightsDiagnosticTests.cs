using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// <c>[Network(Weights = "…")]</c>: every problem with the named safetensors file is a build error on exactly
/// that argument (<c>{|CNN0206:Weights = "lenet5.safetensors"|}</c>), naming the tensor, the expected and the
/// found dtype or shape; a file that matches generates the network and its data. A file that does not match
/// still generates the class (without data), so that the build fails only with CNN02xx errors.
/// </summary>
public sealed class WeightsDiagnosticTests
{
    private const string Path = "/src/Demo/lenet5.safetensors";

    private static string LeNet5(string weightsArgument) => Sources.LeNet5.Replace(
        "[Network(ExpectedParameters = 61706)]", "[Network(ExpectedParameters = 61706, " + weightsArgument + ")]", StringComparison.Ordinal);

    [Fact]
    public void AMatchingFile_GeneratesTheNetworkAndItsWeights()
    {
        GeneratorRun run = GeneratorHarness.Run(
            new[] { WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5())) },
            LeNet5("Weights = \"lenet5.safetensors\""));

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(new[] { "Demo.LeNet5.Weights.g.cs", "Demo.LeNet5.g.cs" }, run.Result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.True(run.OutputProblems.IsEmpty, string.Join("\n", run.OutputProblems));
    }

    [Fact]
    public void Cnn0206_AWrongShape_FailsTheBuildOnTheArgumentThatNamesTheFile()
    {
        IReadOnlyList<Diagnostic> diagnostics = Verify(
            LeNet5("{|CNN0206:Weights = \"lenet5.safetensors\"|}"),
            WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5(new TestTensor("conv1.weight", "F32", 6, 1, 3, 3)))));

        Assert.Equal("tensor conv1.weight: expected [6, 1, 5, 5] (layer 1, Conv2D(6, 5)), found [6, 1, 3, 3]", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0203_AMissingTensor_NamesItsLayerAndShape()
    {
        List<TestTensor> tensors = WeightsFiles.LeNet5();
        tensors.RemoveAll(t => t.Name == "conv2.bias");
        IReadOnlyList<Diagnostic> diagnostics = Verify(LeNet5("{|CNN0203:Weights = \"lenet5.safetensors\"|}"), WeightsFiles.Converted(Path, WeightsFiles.Build(tensors)));

        Assert.Equal("tensor conv2.bias: expected F32 [16] (layer 4, Conv2D(16, 5)), not in lenet5.safetensors", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0203_TensorNames_NameTheTorchvisionKey()
    {
        // A BasicBlock under "layer1.0" with its downsample: the file lacks layer1.0.downsample.0.weight.
        var tensors = new List<TestTensor>
        {
            new("layer1.0.conv1.weight", "F32", 4, 2, 3, 3), new("layer1.0.conv2.weight", "F32", 4, 4, 3, 3),
            new("fc.weight", "F32", 2, 100), new("fc.bias", "F32", 2),
        };
        foreach (string bn in new[] { "layer1.0.bn1", "layer1.0.bn2", "layer1.0.downsample.1" })
        {
            tensors.AddRange(new TestTensor[] { new(bn + ".weight", "F32", 4), new(bn + ".bias", "F32", 4), new(bn + ".running_mean", "F32", 4), new(bn + ".running_var", "F32", 4) });
        }

        IReadOnlyList<Diagnostic> diagnostics = Verify(
            "Tv",
            """
            using CnnGen;

            namespace Demo;

            [Network({|CNN0203:Weights = "tv.safetensors"|})]
            [Input(9, 9, 2)]
            [BasicBlock(4, Stride = 2, TensorPrefix = "layer1.0")]
            [Dense(2, Tensor = "fc")]
            public partial class Tv;
            """,
            WeightsFiles.Converted("/src/Demo/tv.safetensors", WeightsFiles.Build(tensors)));

        Assert.Equal(
            "tensor layer1.0.downsample.0.weight: expected F32 [4, 2, 1, 1] (layer 1, BasicBlock(4, Stride = 2, TensorPrefix = \"layer1.0\") → Conv2D(4, 1, Stride = 2, Bias = false, From = \"input\")), not in tv.safetensors",
            diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0204_AnExtraTensor_IsAnError_ButBatchNormsCounterIsIgnored()
    {
        List<TestTensor> tensors = WeightsFiles.LeNet5();
        tensors.Add(new TestTensor("fc4.weight", "F32", 10, 10));
        tensors.Add(new TestTensor("bn1.num_batches_tracked", "I64"));
        IReadOnlyList<Diagnostic> diagnostics = Verify(LeNet5("{|CNN0204:Weights = \"lenet5.safetensors\"|}"), WeightsFiles.Converted(Path, WeightsFiles.Build(tensors)));

        Assert.Equal(
            "tensor fc4.weight (F32 [10, 10]) in lenet5.safetensors is not a tensor of LeNet5, whose 10 tensors are conv1.weight, conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias, fc3.weight, fc3.bias",
            diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0205_AnF16Tensor_IsAnError_AndAWrongShapeToo()
    {
        IReadOnlyList<Diagnostic> diagnostics = Verify(
            LeNet5("{|CNN0205,CNN0206:Weights = \"lenet5.safetensors\"|}"),
            WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5(new TestTensor("fc1.weight", "F16", 120, 400), new TestTensor("fc3.bias", "F32", 11)))));

        Assert.Equal("tensor fc1.weight: expected dtype F32 (layer 7, Dense(120)), found F16; only F32 is accepted", diagnostics[0].GetMessage());
        Assert.Equal("tensor fc3.bias: expected [10] (layer 11, Dense(10)), found [11]", diagnostics[1].GetMessage());
    }

    [Fact]
    public void Cnn0201_NoSuchItem_ListsTheSafetensorsItemsThereAre()
    {
        IReadOnlyList<Diagnostic> diagnostics = Verify(
            LeNet5("{|CNN0201:Weights = \"lenet.safetensors\"|}"),
            WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5())));

        Assert.Equal(
            "no AdditionalFiles item of the project is named lenet.safetensors (its .safetensors AdditionalFiles are lenet5.safetensors); add <AdditionalFiles Include=\"path/to/lenet.safetensors\" /> to the project file",
            diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0201_TwoItemsWithTheName_AreAnError_AndMoreOfThePathTellsThemApart()
    {
        byte[] file = WeightsFiles.Build(WeightsFiles.LeNet5());
        AdditionalText[] items = { WeightsFiles.Converted("/src/a/lenet5.safetensors", file), WeightsFiles.Converted("/src/b/lenet5.safetensors", file) };
        IReadOnlyList<Diagnostic> diagnostics = Verify(LeNet5("{|CNN0201:Weights = \"lenet5.safetensors\"|}"), items);
        Assert.Equal(
            "2 AdditionalFiles items are named lenet5.safetensors: /src/a/lenet5.safetensors, /src/b/lenet5.safetensors; write enough of the path to tell them apart, e.g. Weights = \"a/lenet5.safetensors\"",
            diagnostics[0].GetMessage());

        GeneratorRun run = GeneratorHarness.Run(items, LeNet5("Weights = \"b/lenet5.safetensors\""));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(2, run.Result.GeneratedSources.Length);
    }

    [Fact]
    public void Cnn0201_AnEmptyName()
    {
        IReadOnlyList<Diagnostic> diagnostics = Verify(LeNet5("{|CNN0201:Weights = \"\"|}"));
        Assert.StartsWith("Weights is empty", diagnostics[0].GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cnn0202_ABrokenHeader_SaysWhatIsWrong()
    {
        byte[] file = WeightsFiles.WithHeader("{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[6,1,5,5],\"data_offsets\":[0,600]", 600);
        IReadOnlyList<Diagnostic> diagnostics = Verify(LeNet5("{|CNN0202:Weights = \"lenet5.safetensors\"|}"), WeightsFiles.Converted(Path, file));

        Assert.Equal(
            "lenet5.safetensors is not a usable safetensors file: the header is not valid JSON: expected ',' or '}' at character 73, found the end of the header",
            diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0202_ARawItem_IsNotRead_AndTheMessageNamesTheBuildStep()
    {
        // Without build/CnnGen.targets the binary file reaches the compiler as is; reading it would be CS2015.
        IReadOnlyList<Diagnostic> diagnostics = Verify(LeNet5("{|CNN0202:Weights = \"lenet5.safetensors\"|}"), WeightsFiles.Raw(Path));

        Assert.Contains("import CnnGen's build/CnnGen.targets", diagnostics[0].GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void AShapeErrorOfTheNetwork_IsReportedAlone()
    {
        // The weights are only checked against a valid plan: a wrong layer gives its own error, not a cascade.
        string source = LeNet5("Weights = \"lenet5.safetensors\"").Replace("[Conv2D(16, 5)]", "[Conv2D(16, 5, Stride = 2)]", StringComparison.Ordinal);
        GeneratorRun run = GeneratorHarness.Run(new[] { WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5())) }, source);

        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal("CNN0001", d.Id));
        Assert.NotEmpty(run.GeneratorDiagnostics);
    }

    [Fact]
    public void ANetworkWithoutWeights_IgnoresTheFiles()
    {
        GeneratorRun run = GeneratorHarness.Run(new[] { WeightsFiles.Raw(Path) }, Sources.LeNet5);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal("Demo.LeNet5.g.cs", Assert.Single(run.Result.GeneratedSources).HintName);
    }

    private static IReadOnlyList<Diagnostic> Verify(string markup, params AdditionalText[] files) => Verify("LeNet5", markup, files);

    private static IReadOnlyList<Diagnostic> Verify(string network, string markup, params AdditionalText[] files)
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(markup);
        GeneratorRun run = GeneratorHarness.Run(files, source);

        Assert.Null(run.Result.Exception);
        string Describe(string id, TextSpan span) => $"{id} at {span} \"{source.Substring(span.Start, span.Length)}\"";
        Assert.Equal(
            expected.SelectMany(e => e.Id.Split(',').Select(id => Describe(id, e.Span))).OrderBy(s => s, StringComparer.Ordinal).ToArray(),
            run.GeneratorDiagnostics.Select(d => Describe(d.Id, d.Location.SourceSpan)).OrderBy(s => s, StringComparer.Ordinal).ToArray());
        Assert.All(run.GeneratorDiagnostics, d =>
        {
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.True(d.Location.IsInSource);
        });

        // The class is still generated, without data, so that the CNN02xx errors are all the user sees: no
        // follow-on "LeNet5 does not contain a definition for Forward" in code that uses the network.
        Assert.Equal(new[] { $"Demo.{network}.Weights.g.cs", $"Demo.{network}.g.cs" }, run.Result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Contains("Nothing is compiled in.", run.Result.GeneratedSources.Single(s => s.HintName == $"Demo.{network}.Weights.g.cs").SourceText.ToString(), StringComparison.Ordinal);
        Assert.True(run.OutputProblems.IsEmpty, string.Join("\n", run.OutputProblems));
        return run.GeneratorDiagnostics;
    }
}
