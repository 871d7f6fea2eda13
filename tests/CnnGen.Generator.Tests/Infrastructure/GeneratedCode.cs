using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>What every run of the generator must satisfy, whatever the declaration.</summary>
internal static class GeneratedCode
{
    /// <summary>
    /// The generator did not throw (CS8785 would drop every generated file of the project), the generated files
    /// compile with no error and no warning, and a network it rejected emits nothing and has at least one error.
    /// Returns the run for further checks.
    /// </summary>
    public static GeneratorRun AssertSound(GeneratorRun run, string what)
    {
        Assert.True(run.Result.Exception is null, $"{what}: the generator threw {run.Result.Exception}");
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id is "CS8785" or "CS8784");
        ImmutableArray<SyntaxTree> generated = run.Result.GeneratedSources.Select(s => s.SyntaxTree).ToImmutableArray();
        List<Diagnostic> inGenerated = run.Output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree))
            .ToList();
        Assert.True(inGenerated.Count == 0, $"{what}: the generated code has {inGenerated.Count} problems:\n" + string.Join("\n", inGenerated.Take(10)));
        return run;
    }

    /// <summary>As <see cref="AssertSound"/>, and the network was rejected: nothing emitted, at least one CnnGen error.</summary>
    public static GeneratorRun AssertRejected(GeneratorRun run, string what, string? id = null)
    {
        AssertSound(run, what);
        Assert.True(run.Result.GeneratedSources.IsEmpty, $"{what}: rejected but emitted {string.Join(", ", run.Result.GeneratedSources.Select(s => s.HintName))}");
        Assert.Contains(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error && (id is null || d.Id == id));
        return run;
    }

    /// <summary>As <see cref="AssertSound"/>, and the network was generated without any CnnGen diagnostic.</summary>
    public static GeneratorRun AssertGenerated(GeneratorRun run, string what)
    {
        AssertSound(run, what);
        Assert.True(run.GeneratorDiagnostics.IsEmpty, $"{what}: unexpected diagnostics\n" + string.Join("\n", run.GeneratorDiagnostics));
        Assert.False(run.Result.GeneratedSources.IsEmpty, $"{what}: nothing was generated");
        return run;
    }
}
