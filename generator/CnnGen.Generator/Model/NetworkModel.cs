using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator.Model;

// What the parser hands to the rest of the pipeline: the pure spec plus the source facts needed to
// report diagnostics and to write the partial class. Only value-equatable data: no ISymbol, no
// SyntaxNode, no Location (a LocationInfo is a path and two spans).

/// <summary>A source location as plain values, turned back into a <see cref="Location"/> only when reporting.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public static LocationInfo? From(Location location) =>
        location.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}

/// <summary>Where one attribute argument (or a whole attribute) is written.</summary>
internal sealed record ArgumentLocation(SourceRef Source, LocationInfo Location);

/// <summary>A diagnostic as data: its ID, where it goes, its already formatted message, and the fixes a code fix can offer ("Argument=value;…").</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, string Message, string Fixes = "");

/// <summary>A type that contains the network class (for nested declarations).</summary>
internal sealed record ContainingTypeInfo(string Keyword, string Name);

/// <summary>The partial class to complete: namespace, name, containing types, and the generated file's hint name.</summary>
internal sealed record TargetTypeInfo(string? Namespace, string Name, EquatableArray<ContainingTypeInfo> ContainingTypes)
{
    public string FullName => (Namespace is null ? string.Empty : Namespace + ".")
        + string.Concat(System.Linq.Enumerable.Select(ContainingTypes, t => t.Name + ".")) + Name;

    public string HintName => HintBase + ".g.cs";

    /// <summary>The file with the compiled-in weights, beside <see cref="HintName"/>.</summary>
    public string WeightsHintName => HintBase + ".Weights.g.cs";

    // The names are stored as source writes them ("@class.X"); a hint name may not contain '@'. Dropping it cannot
    // make two types' names equal: "@class" and "class" cannot both name a type.
    private string HintBase => FullName.Replace("@", string.Empty);
}

/// <summary>The parser's output: the spec (null when the declaration cannot be read), argument locations and parse diagnostics.</summary>
internal sealed record NetworkModel(
    TargetTypeInfo Type,
    NetworkSpec? Spec,
    EquatableArray<ArgumentLocation> Locations,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary><c>Weights = "…"</c>: the safetensors AdditionalFiles item to compile in, or null.</summary>
    public string? Weights { get; init; }
}

/// <summary>
/// A network after shape inference and after its <c>Weights</c> file (if any) was found and checked: the errors
/// that file gives, or its tensors arranged as the parameter and state buffers.
/// </summary>
internal sealed record NetworkStage(
    NetworkModel Model,
    Shapes.InferenceResult? Result,
    EquatableArray<Weights.WeightsError> WeightsErrors,
    Weights.CompiledWeights? Weights);

/// <summary>What the emitter needs: the type to complete, its checked plan, and the weights file it was compiled with (not the values). Equal inputs emit nothing new.</summary>
internal sealed record EmitInput(TargetTypeInfo Type, Plan.NetworkPlan Plan, Weights.CompiledWeightsInfo? Weights = null);

/// <summary>What the weights emitter needs: the type, the plan (for the tensor comments) and the values.</summary>
internal sealed record WeightsEmitInput(TargetTypeInfo Type, Plan.NetworkPlan Plan, Weights.CompiledWeights Weights);
