using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Tests.Infrastructure;
using CnnGen.Generator.Weights;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The weights file is read incrementally: the WeightsFile step (the only one that decodes the file) stays
/// cached across edits of code and of other networks, and so do the network's Weights and EmitWeights steps;
/// only a change of the file itself re-reads it.
/// </summary>
public sealed class WeightsIncrementalTests
{
    private const string Path = "/src/Demo/lenet5.safetensors";

    private static readonly IncrementalStepRunReason[] CachedOrUnchanged = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    private static readonly string CompiledLeNet5 = Sources.LeNet5.Replace(
        "[Network(ExpectedParameters = 61706)]", "[Network(ExpectedParameters = 61706, Weights = \"lenet5.safetensors\")]", StringComparison.Ordinal);

    [Fact]
    public void TheWeightsStepsAreTracked()
    {
        GeneratorRun run = First();

        foreach (string step in new[] { NetworkGenerator.Steps.WeightsFile, NetworkGenerator.Steps.Weights, NetworkGenerator.Steps.EmitWeights })
        {
            Assert.True(run.Result.TrackedSteps.ContainsKey(step), $"Step '{step}' is not tracked");
        }

        WeightsFile file = Assert.IsType<WeightsFile>(Assert.Single(Outputs(run, NetworkGenerator.Steps.WeightsFile)).Value);
        Assert.Null(file.Error);
        Assert.Equal(2, run.Result.GeneratedSources.Count(s => s.HintName.StartsWith("Demo.LeNet5.", StringComparison.Ordinal)));
    }

    [Fact]
    public void AnUnrelatedEdit_DoesNotReReadTheFile_OrReEmitTheWeights()
    {
        GeneratorRun first = First();
        Compilation edited = first.Input.AddSyntaxTrees(GeneratorHarness.Tree("Calculator.cs", "namespace Demo; public static class Calculator { public static int Add(int a, int b) => a + b; }"));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        Assert.Equal(IncrementalStepRunReason.Cached, Assert.Single(Outputs(second, NetworkGenerator.Steps.WeightsFile)).Reason);
        Assert.All(Outputs(second, NetworkGenerator.Steps.Weights), o => Assert.Contains(o.Reason, CachedOrUnchanged));
        Assert.All(Outputs(second, NetworkGenerator.Steps.EmitWeights), o => Assert.Contains(o.Reason, CachedOrUnchanged));
        AssertSourceOutputsCached(second);
    }

    [Fact]
    public void EditingAnotherNetwork_LeavesThisNetworksWeightsStepsUnchanged()
    {
        GeneratorRun first = First();
        SyntaxTree old = first.Input.SyntaxTrees.Single(t => t.FilePath == "PadStride.cs");
        Compilation edited = first.Input.ReplaceSyntaxTree(old, GeneratorHarness.Tree("PadStride.cs", Sources.PadStride.Replace("[Dense(5)]", "[Dense(6)]", StringComparison.Ordinal)));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        Assert.Equal(IncrementalStepRunReason.Cached, Assert.Single(Outputs(second, NetworkGenerator.Steps.WeightsFile)).Reason);
        Assert.Contains(ReasonFor(second, NetworkGenerator.Steps.Weights, "LeNet5"), CachedOrUnchanged);
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor(second, NetworkGenerator.Steps.Weights, "PadStride"));
        Assert.All(Outputs(second, NetworkGenerator.Steps.EmitWeights), o => Assert.Contains(o.Reason, CachedOrUnchanged));
        Assert.Equal(Source(first, "Demo.LeNet5.Weights.g.cs"), Source(second, "Demo.LeNet5.Weights.g.cs"));
        Assert.NotEqual(Source(first, "Demo.PadStride.g.cs"), Source(second, "Demo.PadStride.g.cs"));
    }

    [Fact]
    public void ChangingTheFile_ReReadsIt_AndReEmitsOnlyTheWeights()
    {
        GeneratorRun first = First();
        AdditionalText changed = WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5(), static i => (byte)(i * 5)));
        GeneratorDriver driver = first.Driver.ReplaceAdditionalText(OldText, changed);

        GeneratorRun second = GeneratorHarness.Run(first.Input, driver);

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Outputs(second, NetworkGenerator.Steps.WeightsFile)).Reason);
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor(second, NetworkGenerator.Steps.Weights, "LeNet5"));
        Assert.Contains(ReasonFor(second, NetworkGenerator.Steps.Weights, "PadStride"), CachedOrUnchanged);
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Outputs(second, NetworkGenerator.Steps.EmitWeights)).Reason);

        // The main file does not hold the values, only the file's name and size: it is unchanged.
        Assert.Equal(Source(first, "Demo.LeNet5.g.cs"), Source(second, "Demo.LeNet5.g.cs"));
        Assert.NotEqual(Source(first, "Demo.LeNet5.Weights.g.cs"), Source(second, "Demo.LeNet5.Weights.g.cs"));
    }

    private static readonly AdditionalText OldText = WeightsFiles.Converted(Path, WeightsFiles.Build(WeightsFiles.LeNet5()));

    private static GeneratorRun First() => GeneratorHarness.Run(
        GeneratorHarness.Compilation(("LeNet5.cs", CompiledLeNet5), ("PadStride.cs", Sources.PadStride)),
        GeneratorHarness.CreateDriver(additionalTexts: new[] { OldText }));

    private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRun run, string step) =>
        run.Result.TrackedSteps.TryGetValue(step, out var steps) ? steps.SelectMany(s => s.Outputs).ToList() : new();

    private static IncrementalStepRunReason ReasonFor(GeneratorRun run, string step, string network) =>
        Outputs(run, step).Single(o => o.Value is NetworkStage stage && stage.Model.Type.Name == network).Reason;

    private static void AssertSourceOutputsCached(GeneratorRun run)
    {
        IncrementalStepRunReason[] reasons = run.Result.TrackedOutputSteps.SelectMany(p => p.Value)
            .Where(s => s.Inputs.Any(i => i.Source.Name is NetworkGenerator.Steps.Emit or NetworkGenerator.Steps.EmitWeights))
            .SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    private static string Source(GeneratorRun run, string hintName) =>
        run.Result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
}
