using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Emit;
using CnnGen.Generator.Model;
using CnnGen.Generator.Parse;
using CnnGen.Generator.Shapes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.Generator;

/// <summary>
/// The pipeline, and only the pipeline: find <c>[Network]</c> classes, parse their attributes into a
/// value-equatable spec, infer shapes (pure), report diagnostics, emit one source file per valid network.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, asserted by the incremental-caching tests.</summary>
    public static class Steps
    {
        public const string Parse = nameof(Parse);
        public const string Infer = nameof(Infer);
        public const string Emit = nameof(Emit);
        public const string Diagnostics = nameof(Diagnostics);
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<NetworkModel> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "CnnGen.NetworkAttribute",
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: NetworkParser.Parse)
            .WithTrackingName(Steps.Parse);

        IncrementalValuesProvider<(NetworkModel Model, InferenceResult? Result)> inferred = models
            .Select(static (model, _) => (model, model.Spec is null ? null : ShapeInference.Infer(model.Spec)))
            .WithTrackingName(Steps.Infer);

        // Only networks with something to report go on to the diagnostics output (which needs the compilation).
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = inferred
            .Where(static pair => pair.Model.Diagnostics.Count > 0 || pair.Result is { Errors.Count: > 0 })
            .Select(static (pair, _) => CollectDiagnostics(pair.Model, pair.Result))
            .WithTrackingName(Steps.Diagnostics);

        IncrementalValuesProvider<EmitInput> emits = inferred
            .Where(static pair => pair.Result?.Plan is not null && pair.Model.Diagnostics.Count == 0)
            .Select(static (pair, _) => new EmitInput(pair.Model.Type, pair.Result!.Plan!))
            .WithTrackingName(Steps.Emit);

        // Diagnostics are reported with locations in the compilation's own syntax trees, so that
        // #pragma warning disable works for the budget warnings. Only this last, cheap step sees the
        // compilation, and only for networks that have diagnostics: valid networks stay cached across edits.
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (DiagnosticInfo info in pair.Left)
            {
                ImmutableDictionary<string, string?> properties = info.Fixes.Length == 0
                    ? ImmutableDictionary<string, string?>.Empty
                    : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.FixesProperty, info.Fixes);
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById[info.Id], ToLocation(info.Location, pair.Right), properties, info.Message));
            }
        });

        context.RegisterSourceOutput(emits, static (spc, input) =>
            spc.AddSource(input.Type.HintName, NetworkEmitter.Emit(input.Type, input.Plan)));
    }

    private static Location ToLocation(LocationInfo? info, Compilation compilation)
    {
        if (info is null)
        {
            return Location.None;
        }

        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            if (tree.FilePath == info.FilePath && info.Span.End <= tree.Length)
            {
                return Location.Create(tree, info.Span);
            }
        }

        return info.ToLocation();
    }

    /// <summary>Parse diagnostics, then shape errors placed on the attribute argument they name.</summary>
    private static EquatableArray<DiagnosticInfo> CollectDiagnostics(NetworkModel model, InferenceResult? result)
    {
        var list = new List<DiagnosticInfo>(model.Diagnostics);
        if (result is not null)
        {
            foreach (ShapeError error in result.Errors)
            {
                // A block expands into several layers that may fail the same way on the same argument
                // (BasicBlock's main path and projection): one diagnostic per ID and place.
                var info = new DiagnosticInfo(error.Id, Locate(model, error.Source), error.Message, error.Fixes);
                if (!list.Any(d => d.Id == info.Id && d.Location == info.Location))
                {
                    list.Add(info);
                }
            }
        }

        return list.ToEquatableArray();
    }

    private static LocationInfo? Locate(NetworkModel model, SourceRef source)
    {
        // The first named argument that is written ("StrideHeight|Stride" tries both); otherwise the
        // whole attribute (e.g. a default stride, or a layer expanded from a block).
        foreach (string argument in (source.Argument ?? string.Empty).Split('|'))
        {
            ArgumentLocation? exact = model.Locations.FirstOrDefault(l => l.Source == source with { Argument = argument });
            if (exact is not null)
            {
                return exact.Location;
            }
        }

        return model.Locations.FirstOrDefault(l => l.Source == source with { Argument = null })?.Location;
    }
}
