using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using CnnGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CnnGen.CodeFixes.Tests.Infrastructure;

/// <summary>
/// Test-only bridge: the CNN diagnostics come from a source generator, but the code-fix testing library
/// asks an analyzer for the diagnostics to fix. This analyzer runs the real <see cref="NetworkGenerator"/>
/// with <see cref="CSharpGeneratorDriver"/> once per compilation and reports what it reported, tree by tree,
/// with the generator's own descriptors, messages, locations and "Fixes" properties.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GeneratorDiagnosticsAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The generator's descriptors (its internal DiagnosticDescriptors.ById), read once by reflection.</summary>
    private static readonly ImmutableArray<DiagnosticDescriptor> Descriptors = LoadDescriptors();

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Descriptors;

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var diagnostics = new Lazy<ImmutableArray<Diagnostic>>(() => Run(start.Compilation));
            start.RegisterSemanticModelAction(model =>
            {
                foreach (Diagnostic diagnostic in diagnostics.Value.Where(d => d.Location.SourceTree == model.SemanticModel.SyntaxTree))
                {
                    model.ReportDiagnostic(diagnostic);
                }
            });
        });
    }

    /// <summary>The generator's diagnostics for a compilation, as the compiler would report them.</summary>
    public static ImmutableArray<Diagnostic> Run(Compilation compilation)
    {
        var parseOptions = (CSharpParseOptions?)compilation.SyntaxTrees.FirstOrDefault()?.Options ?? CSharpParseOptions.Default;
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: parseOptions);
        return driver.RunGenerators(compilation).GetRunResult().Diagnostics;
    }

    private static ImmutableArray<DiagnosticDescriptor> LoadDescriptors()
    {
        Type type = typeof(NetworkGenerator).Assembly.GetType("CnnGen.Generator.Diagnostics.DiagnosticDescriptors", throwOnError: true)!;
        var byId = (IReadOnlyDictionary<string, DiagnosticDescriptor>)type.GetField("ById", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        return byId.Values.OrderBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray();
    }
}
