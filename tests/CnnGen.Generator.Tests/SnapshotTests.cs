using System;
using System.Linq;
using System.Runtime.CompilerServices;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Pins the emitted text. Each test runs the generator on one declaration, checks that it reports nothing
/// and that its output compiles without errors or warnings, then compares the generated file with
/// <c>Snapshots/SnapshotTests.{Test}.verified.cs</c> (see <see cref="Snapshot"/> for how to accept a change).
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public void LeNet5() => VerifyGenerated(Sources.LeNet5, "Demo.LeNet5.g.cs");

    [Fact]
    public void PadStride() => VerifyGenerated(Sources.PadStride, "Demo.PadStride.g.cs");

    [Fact]
    public void NestedInPartialClass() => VerifyGenerated(Sources.Nested, "Demo.Models.Zoo.SigmoidNet.g.cs");

    [Fact]
    public void Generation_IsDeterministic()
    {
        string first = Generate(GeneratorHarness.Run(Sources.LeNet5), "Demo.LeNet5.g.cs");
        string second = Generate(GeneratorHarness.Run(Sources.LeNet5), "Demo.LeNet5.g.cs");

        Assert.Equal(first, second);
    }

    [Fact]
    public void Generation_DoesNotDependOnTheCurrentCulture()
    {
        System.Globalization.CultureInfo saved = System.Globalization.CultureInfo.CurrentCulture;
        string invariant = Generate(GeneratorHarness.Run(Sources.LeNet5), "Demo.LeNet5.g.cs");
        try
        {
            // German writes 61.706 and 0,5; Arabic (Saudi Arabia) uses other digits and separators.
            foreach (string name in new[] { "de-DE", "ar-SA", "fr-FR" })
            {
                System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo(name);
                Assert.Equal(invariant, Generate(GeneratorHarness.Run(Sources.LeNet5), "Demo.LeNet5.g.cs"));
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    /// <summary>A network with compiled-in weights: the main file's constructor, and the data file with its tensor comments.</summary>
    [Fact]
    public void CompiledWeights()
    {
        const string source = """
            using CnnGen;

            namespace Demo;

            /// <summary>A convolution with BatchNorm (parameters and state) and a dense layer, weights from small.safetensors.</summary>
            [Network(Weights = "small.safetensors")]
            [Input(3, 3, 1)]
            [Conv2D(2, 2)] [BatchNorm] [ReLU]
            [Dense(2)]
            public partial class Small;
            """;
        TestTensor[] tensors =
        {
            new("bn1.bias", "F32", 2), new("bn1.num_batches_tracked", "I64"), new("bn1.running_mean", "F32", 2), new("bn1.running_var", "F32", 2),
            new("bn1.weight", "F32", 2), new("conv1.bias", "F32", 2), new("conv1.weight", "F32", 2, 1, 2, 2), new("fc1.bias", "F32", 2), new("fc1.weight", "F32", 2, 8),
        };
        GeneratorRun run = GeneratorHarness.Run(new[] { WeightsFiles.Converted("/src/small.safetensors", WeightsFiles.Build(tensors)) }, source);

        Assert.Null(run.Result.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputProblems.IsEmpty, "The generated code does not compile cleanly:\n" + string.Join("\n", run.OutputProblems));
        string Text(string hint) => run.Result.GeneratedSources.Single(s => s.HintName == hint).SourceText.ToString();
        Snapshot.Verify(nameof(SnapshotTests) + "." + nameof(CompiledWeights), Text("Demo.Small.g.cs"));
        Snapshot.Verify(nameof(SnapshotTests) + "." + nameof(CompiledWeights) + ".Weights", Text("Demo.Small.Weights.g.cs"));
    }

    private static void VerifyGenerated(string source, string hintName, [CallerMemberName] string test = "")
    {
        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.True(run.OutputProblems.IsEmpty, "The generated code does not compile cleanly:\n" + string.Join("\n", run.OutputProblems));
        Snapshot.Verify(nameof(SnapshotTests) + "." + test, Generate(run, hintName));
    }

    private static string Generate(GeneratorRun run, string hintName)
    {
        Assert.Null(run.Result.Exception);
        GeneratedSourceResult generated = Assert.Single(run.Result.GeneratedSources);
        Assert.Equal(hintName, generated.HintName);
        return generated.SourceText.ToString();
    }
}
