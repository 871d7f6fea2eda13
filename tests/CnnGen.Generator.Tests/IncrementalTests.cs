using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The incremental pipeline caches: with step tracking on, a second run after an edit must report
/// <see cref="IncrementalStepRunReason.Cached"/> or <see cref="IncrementalStepRunReason.Unchanged"/> for every
/// output of <see cref="NetworkGenerator.Steps"/> unless the edit touched that network's declaration.
/// </summary>
public sealed class IncrementalTests
{
    private static readonly string[] AllSteps =
    {
        NetworkGenerator.Steps.Parse, NetworkGenerator.Steps.Infer, NetworkGenerator.Steps.Weights, NetworkGenerator.Steps.Lower, NetworkGenerator.Steps.Emit,
        NetworkGenerator.Steps.Diagnostics,
    };

    private static readonly IncrementalStepRunReason[] CachedOrUnchanged = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    private const string Unrelated = """
        namespace Demo;

        public sealed class Calculator
        {
            public int Add(int a, int b) => a + b;
        }
        """;

    [Fact]
    public void EveryStepIsTracked()
    {
        // An invalid network goes through every step, the Diagnostics step included.
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.Compilation(
            ("LeNet5.cs", Sources.LeNet5),
            ("Bad.cs", Sources.LeNet5.Replace("class LeNet5", "class Bad", StringComparison.Ordinal).Replace("ExpectedParameters = 61706", "ExpectedParameters = 61705", StringComparison.Ordinal))));

        foreach (string step in AllSteps)
        {
            Assert.True(run.Result.TrackedSteps.ContainsKey(step), $"Step '{step}' is not tracked; tracked: {string.Join(", ", run.Result.TrackedSteps.Keys)}");
            Assert.NotEmpty(run.Result.TrackedSteps[step].SelectMany(s => s.Outputs));
        }
    }

    [Fact]
    public void EditingAnUnrelatedFile_KeepsTheLoweringStepCached()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5), ("Calculator.cs", Unrelated)));
        SyntaxTree old = first.Input.SyntaxTrees.Single(t => t.FilePath == "Calculator.cs");
        Compilation edited = first.Input.ReplaceSyntaxTree(old, GeneratorHarness.Tree("Calculator.cs", Unrelated.Replace("Calculator", "Adder", StringComparison.Ordinal)));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        List<IncrementalStepRunReason> reasons = Reasons(second, NetworkGenerator.Steps.Lower, "LeNet5");
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.Contains(r, CachedOrUnchanged));
    }

    [Fact]
    public void AddingAnUnrelatedFile_CachesEveryStepAndOutput()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5), ("PadStride.cs", Sources.PadStride)));
        Compilation edited = first.Input.AddSyntaxTrees(GeneratorHarness.Tree("Calculator.cs", Unrelated));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        AssertAllStepsCachedOrUnchanged(second);
        AssertOutputsCached(second);
        AssertSameSources(first, second);
    }

    [Fact]
    public void AddingAnUnrelatedFile_DoesNotReRunAnyOutputOfValidNetworks()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5), ("PadStride.cs", Sources.PadStride)));
        Compilation edited = first.Input.AddSyntaxTrees(GeneratorHarness.Tree("Calculator.cs", Unrelated));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        // Every output step, the diagnostics output included, is cached when no network has a diagnostic.
        Assert.All(OutputReasons(second), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void EditingAMethodBodyInAnotherFile_CachesEveryStepAndOutput()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5), ("Calculator.cs", Unrelated)));
        SyntaxTree old = first.Input.SyntaxTrees.Single(t => t.FilePath == "Calculator.cs");
        Compilation edited = first.Input.ReplaceSyntaxTree(old, GeneratorHarness.Tree("Calculator.cs", Unrelated.Replace("a + b", "checked(a + b)", StringComparison.Ordinal)));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        AssertAllStepsCachedOrUnchanged(second);
        AssertOutputsCached(second);
        AssertSameSources(first, second);
    }

    [Fact]
    public void EditingOneNetwork_ModifiesOnlyThatNetwork()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5), ("PadStride.cs", Sources.PadStride)));
        SyntaxTree old = first.Input.SyntaxTrees.Single(t => t.FilePath == "LeNet5.cs");
        string changed = Sources.LeNet5
            .Replace("[Dense(84)]", "[Dense(80)]", StringComparison.Ordinal)
            .Replace("ExpectedParameters = 61706", "ExpectedParameters = 0", StringComparison.Ordinal);
        Compilation edited = first.Input.ReplaceSyntaxTree(old, GeneratorHarness.Tree("LeNet5.cs", changed));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        foreach (string step in new[] { NetworkGenerator.Steps.Parse, NetworkGenerator.Steps.Infer, NetworkGenerator.Steps.Emit })
        {
            Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, step, "LeNet5")));
            Assert.Contains(Assert.Single(Reasons(second, step, "PadStride")), CachedOrUnchanged);
        }

        // Both networks are valid before and after, so their (empty) diagnostics do not change.
        Assert.All(Reasons(second, NetworkGenerator.Steps.Diagnostics, null), r => Assert.Contains(r, CachedOrUnchanged));

        // Only LeNet5's file is regenerated, and its text changed.
        Assert.NotEqual(Source(first, "Demo.LeNet5.g.cs"), Source(second, "Demo.LeNet5.g.cs"));
        Assert.Equal(Source(first, "Demo.PadStride.g.cs"), Source(second, "Demo.PadStride.g.cs"));
        Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(second));
    }

    [Fact]
    public void AddingCommentsAndWhitespaceAboveANetwork_DoesNotReEmit()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5)));
        SyntaxTree old = first.Input.SyntaxTrees.Single();
        string moved = Sources.LeNet5.Replace(
            "namespace Demo;\n",
            "namespace Demo;\n\n// A comment that moves every attribute down.\n\n   \n/* and a block comment */\n",
            StringComparison.Ordinal);
        Assert.NotEqual(Sources.LeNet5, moved);
        Compilation edited = first.Input.ReplaceSyntaxTree(old, GeneratorHarness.Tree(old.FilePath, moved));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        // The parse model holds locations, so it may change; what is emitted may not.
        Assert.All(Reasons(second, NetworkGenerator.Steps.Emit, null), r => Assert.Contains(r, CachedOrUnchanged));
        Assert.All(Reasons(second, NetworkGenerator.Steps.Diagnostics, null), r => Assert.Contains(r, CachedOrUnchanged));
        AssertOutputsCached(second);
        AssertSameSources(first, second);
    }

    [Fact]
    public void MovingAnInvalidNetwork_MovesItsDiagnostic()
    {
        const string bad = "using CnnGen;\nnamespace Demo;\n[Network] [Input(4, 4, 1)] [Conv2D(1, 5)]\npublic partial class Bad;\n";
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("Bad.cs", bad)));
        SyntaxTree old = first.Input.SyntaxTrees.Single();
        Compilation edited = first.Input.ReplaceSyntaxTree(old, GeneratorHarness.Tree("Bad.cs", "// moved\n" + bad));

        GeneratorRun second = GeneratorHarness.Run(edited, first.Driver);

        // The diagnostic must follow the code: a stale cached location would point at the wrong text.
        Diagnostic before = Assert.Single(first.GeneratorDiagnostics);
        Diagnostic after = Assert.Single(second.GeneratorDiagnostics);
        Assert.Equal(before.Location.SourceSpan.Start + "// moved\n".Length, after.Location.SourceSpan.Start);
        Assert.Equal("5", edited.SyntaxTrees.Single().GetText().ToString(after.Location.SourceSpan));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, NetworkGenerator.Steps.Diagnostics, null));
    }

    [Fact]
    public void RunningTwiceOnTheSameCompilation_CachesEverything()
    {
        GeneratorRun first = GeneratorHarness.Run(GeneratorHarness.Compilation(("LeNet5.cs", Sources.LeNet5)));
        GeneratorRun second = GeneratorHarness.Run(first.Input, first.Driver);

        AssertAllStepsCachedOrUnchanged(second);
        AssertOutputsCached(second);
    }

    private static void AssertAllStepsCachedOrUnchanged(GeneratorRun run)
    {
        foreach (string step in AllSteps)
        {
            // Valid networks never reach the Diagnostics step (only networks with something to report do).
            Assert.True(run.Result.TrackedSteps.ContainsKey(step) || step == NetworkGenerator.Steps.Diagnostics, $"Step '{step}' is not tracked");
            if (!run.Result.TrackedSteps.ContainsKey(step))
            {
                continue;
            }

            foreach ((object value, IncrementalStepRunReason reason) in run.Result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                Assert.True(CachedOrUnchanged.Contains(reason), $"Step '{step}' output {NetworkOf(value) ?? value.GetType().Name} was {reason}");
            }
        }
    }

    /// <summary>The AddSource output (fed by the Emit step) is cached: no generated file is rewritten.</summary>
    private static void AssertOutputsCached(GeneratorRun run)
    {
        List<IncrementalStepRunReason> reasons = SourceOutputReasons(run).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    /// <summary>The output steps fed by the Emit step (AddSource), as opposed to the diagnostics output.</summary>
    private static IEnumerable<IncrementalStepRunReason> SourceOutputReasons(GeneratorRun run) =>
        run.Result.TrackedOutputSteps.SelectMany(p => p.Value)
            .Where(s => s.Inputs.Any(i => i.Source.Name == NetworkGenerator.Steps.Emit))
            .SelectMany(s => s.Outputs)
            .Select(o => o.Reason);

    private static void AssertSameSources(GeneratorRun first, GeneratorRun second) =>
        Assert.Equal(
            first.Result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())),
            second.Result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())));

    private static IEnumerable<IncrementalStepRunReason> OutputReasons(GeneratorRun run) =>
        run.Result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(s => s.Outputs).Select(o => o.Reason);

    /// <summary>The reasons of a step's outputs, for one network (by class name) or all of them (null).</summary>
    private static List<IncrementalStepRunReason> Reasons(GeneratorRun run, string step, string? network)
    {
        var reasons = new List<IncrementalStepRunReason>();
        if (!run.Result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runSteps))
        {
            return reasons; // valid networks never reach the Diagnostics step
        }

        foreach (IncrementalGeneratorRunStep runStep in runSteps)
        {
            foreach ((object value, IncrementalStepRunReason reason) in runStep.Outputs)
            {
                string? name = NetworkOf(value) ?? NetworkOfInputs(runStep);
                if (network is null || name == network)
                {
                    reasons.Add(reason);
                }
            }
        }

        return reasons;
    }

    /// <summary>The class name a step's output value belongs to, for the values that carry it.</summary>
    private static string? NetworkOf(object value) => value switch
    {
        NetworkModel model => model.Type.Name,
        EmitInput emit => emit.Type.Name,
        ValueTuple<NetworkModel, CnnGen.Generator.Shapes.InferenceResult?> pair => pair.Item1.Type.Name,
        NetworkStage stage => stage.Model.Type.Name,
        _ => null,
    };

    /// <summary>For steps whose values carry no name (diagnostics), the name of the value they were computed from.</summary>
    private static string? NetworkOfInputs(IncrementalGeneratorRunStep step)
    {
        foreach ((IncrementalGeneratorRunStep source, int index) in step.Inputs)
        {
            if (index < source.Outputs.Length && NetworkOf(source.Outputs[index].Value) is { } name)
            {
                return name;
            }
        }

        return null;
    }

    private static string Source(GeneratorRun run, string hintName) =>
        run.Result.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
}
