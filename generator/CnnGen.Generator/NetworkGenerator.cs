using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Emit;
using CnnGen.Generator.Lower;
using CnnGen.Generator.Model;
using CnnGen.Generator.Parse;
using CnnGen.Generator.Shapes;
using CnnGen.Generator.Weights;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.Generator;

/// <summary>
/// The pipeline, and only the pipeline: find <c>[Network]</c> classes, parse their attributes into a
/// value-equatable spec, infer shapes (pure), bind the safetensors file a network names (if any), report
/// diagnostics, emit one source file per valid network (and one with its compiled-in weights).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, asserted by the incremental-caching tests.</summary>
    public static class Steps
    {
        public const string Parse = nameof(Parse);
        public const string Infer = nameof(Infer);

        /// <summary>Reads one safetensors AdditionalFiles item (the only step that touches its text).</summary>
        public const string WeightsFile = nameof(WeightsFile);

        /// <summary>Finds and checks the file a network's <c>Weights = "…"</c> names.</summary>
        public const string Weights = nameof(Weights);
        public const string Emit = nameof(Emit);

        /// <summary>Lowers a valid network's plan to its execution plan (kernels, fusions, memory, training stages).</summary>
        public const string Lower = nameof(Lower);
        public const string EmitWeights = nameof(EmitWeights);
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

        // Each safetensors AdditionalFiles item is decoded and its header checked once, here; the step stays
        // cached until that file changes. A raw .safetensors item (build/CnnGen.targets not imported) is not
        // read at all: asking the compiler for its text would fail with CS2015.
        IncrementalValuesProvider<WeightsFile> weightsFiles = context.AdditionalTextsProvider
            .Where(static text => WeightsText.IsCandidate(text.Path))
            .Select(static (text, cancellationToken) => WeightsText.IsRaw(text.Path)
                ? WeightsText.Unconverted(text.Path)
                : WeightsText.Decode(text.Path, text.GetText(cancellationToken)?.ToString()))
            .WithTrackingName(Steps.WeightsFile);

        IncrementalValuesProvider<NetworkStage> stages = inferred
            .Combine(weightsFiles.Collect())
            .Select(static (pair, _) => Bind(pair.Left.Model, pair.Left.Result, pair.Right))
            .WithTrackingName(Steps.Weights);

        // Only networks with something to report go on to the diagnostics output (which needs the compilation).
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = stages
            .Where(static stage => stage.Model.Diagnostics.Count > 0 || stage.Result is { Errors.Count: > 0 } || stage.WeightsErrors.Count > 0)
            .Select(static (stage, _) => CollectDiagnostics(stage))
            .WithTrackingName(Steps.Diagnostics);

        // A network whose Weights file does not match is still generated (without the data), so that its
        // CNN02xx errors are all the user sees, not follow-on errors about missing members.
        IncrementalValuesProvider<NetworkStage> valid = stages
            .Where(static stage => stage.Result?.Plan is not null && stage.Model.Diagnostics.Count == 0);

        // Lowering (pure, value-equatable): every execution decision the emitters format. Lowering.Lower caches its
        // result per plan instance, so the emitters read this very ExecutionPlan.
        IncrementalValuesProvider<(NetworkStage Stage, ExecutionPlan Execution)> lowered = valid
            .Select(static (stage, _) => (stage, Lowering.Lower(stage.Result!.Plan!)))
            .WithTrackingName(Steps.Lower);

        IncrementalValuesProvider<EmitInput> emits = lowered
            .Select(static (pair, _) => new EmitInput(pair.Stage.Model.Type, pair.Stage.Result!.Plan!, WeightsInfo(pair.Stage)))
            .WithTrackingName(Steps.Emit);

        IncrementalValuesProvider<WeightsEmitInput> weightEmits = valid
            .Where(static stage => stage.Model.Weights is not null)
            .Select(static (stage, _) => new WeightsEmitInput(stage.Model.Type, stage.Result!.Plan!, stage.Weights ?? CompiledWeights.Rejected(WeightsFile.NameOf(stage.Model.Weights!))))
            .WithTrackingName(Steps.EmitWeights);

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
            spc.AddSource(input.Type.HintName, NetworkEmitter.Emit(input.Type, input.Plan, input.Weights)));

        context.RegisterSourceOutput(weightEmits, static (spc, input) =>
            spc.AddSource(input.Type.WeightsHintName, WeightsEmitter.Emit(input.Type, input.Plan, input.Weights)));
    }

    private static CompiledWeightsInfo? WeightsInfo(NetworkStage stage) =>
        stage.Model.Weights is null ? null : stage.Weights?.Info ?? CompiledWeights.Rejected(WeightsFile.NameOf(stage.Model.Weights)).Info;

    /// <summary>Checks the network's <c>Weights</c> file, when it names one and its shapes are valid.</summary>
    private static NetworkStage Bind(NetworkModel model, InferenceResult? result, System.Collections.Immutable.ImmutableArray<WeightsFile> files)
    {
        if (model.Weights is null || result?.Plan is null || result.Errors.Any(e => e.Id.StartsWith("CNN00", System.StringComparison.Ordinal)))
        {
            return new NetworkStage(model, result, EquatableArray<WeightsError>.Empty, null);
        }

        var errors = new List<WeightsError>();
        CompiledWeights? weights = WeightsBinding.Bind(model.Weights, model.Type.Name, result.Plan, files, errors);
        return new NetworkStage(model, result, errors.ToEquatableArray(), weights);
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
    private static EquatableArray<DiagnosticInfo> CollectDiagnostics(NetworkStage stage)
    {
        NetworkModel model = stage.Model;
        InferenceResult? result = stage.Result;
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

        // Every problem with the weights file goes on Weights = "…".
        LocationInfo? weights = Locate(model, new SourceRef(SourceRef.NetworkAttribute, "Weights"));
        foreach (WeightsError error in stage.WeightsErrors)
        {
            list.Add(new DiagnosticInfo(error.Id, weights, error.Message));
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
