using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using CnnGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.CodeFixes;

/// <summary>
/// The light-bulb fixes for the shape errors the generator reports. Each diagnostic lists its fixes in the
/// "Fixes" property (computed by shape inference, so a fix always makes that layer's check pass); this
/// provider turns each into one edit of the attribute the diagnostic is on:
/// <list type="bullet">
/// <item>CNN0001 (stride does not fit): <c>Padding = N</c> for each padding that fits, <c>Stride = N</c> for each
/// stride that fits (added when the stride is implicit, as in <c>MaxPool(2)</c>), and <c>Rounding = Rounding.Floor</c>.</item>
/// <item>CNN0002 (window larger than its input): a padding, or a smaller kernel or pooling window.</item>
/// <item>CNN0003 (parameter count): <c>ExpectedParameters</c> set to the computed count.</item>
/// </list>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ShapeCodeFixProvider)), Shared]
public sealed class ShapeCodeFixProvider : CodeFixProvider
{
    private const string AttributeNamespace = "CnnGen";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticIds.StrideDoesNotFit, DiagnosticIds.WindowLargerThanInput, DiagnosticIds.ParameterCountMismatch);

    /// <summary>
    /// Fix all applies the fix with the same equivalence key to every diagnostic that offers it: "Use Stride = 3"
    /// to every layer where 3 fits, "Rounding = Rounding.Floor" everywhere, each network's own computed count.
    /// </summary>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        CancellationToken cancellationToken = context.CancellationToken;
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        SemanticModel? model = null;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            diagnostic.Properties.TryGetValue(SuggestedFix.FixesProperty, out string? fixes);
            ImmutableArray<SuggestedFix> suggestions = SuggestedFix.Parse(fixes, diagnostic.Id, diagnostic.GetMessage(CultureInfo.InvariantCulture));
            if (suggestions.IsEmpty
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>() is not { } attribute)
            {
                continue;
            }

            model ??= await context.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model?.GetSymbolInfo(attribute, cancellationToken).Symbol is not IMethodSymbol constructor
                || constructor.ContainingType.ContainingNamespace?.ToDisplayString() != AttributeNamespace)
            {
                continue;
            }

            foreach (SuggestedFix fix in suggestions)
            {
                if (AttributeEditor.Set(attribute, constructor, fix.Argument, fix.Value) is not { } changed)
                {
                    continue;
                }

                Document document = context.Document;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        Title(diagnostic.Id, fix),
                        _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(attribute, changed))),
                        EquivalenceKey(diagnostic.Id, fix)),
                    diagnostic);
            }
        }
    }

    /// <summary>
    /// Unique per fix, and equal across diagnostics for the same fix so that fix all can find them:
    /// "CNN0001:Stride=3", "CNN0001:Rounding=Floor", "CNN0002:kernel=5", and "CNN0003:ExpectedParameters"
    /// (without the value: every network gets its own count).
    /// </summary>
    internal static string EquivalenceKey(string id, SuggestedFix fix) =>
        id == DiagnosticIds.ParameterCountMismatch
            ? id + ":" + fix.Argument
            : id + ":" + fix.Argument + "=" + fix.Value;

    /// <summary>The light-bulb title: "Use Stride = 3 (output 4×4)", "Use a 5×5 kernel", "Set ExpectedParameters = 61706".</summary>
    internal static string Title(string id, SuggestedFix fix)
    {
        string output = fix.Output is null ? string.Empty : " (output " + fix.Output + ")";
        return fix.Argument switch
        {
            "Rounding" => "Opt in to Rounding = Rounding." + fix.Value + output,
            "ExpectedParameters" => "Set ExpectedParameters = " + fix.Value + " (the computed count)",
            "kernel" => "Use a " + fix.Value + "×" + fix.Value + " kernel" + output,
            "kernelHeight" => "Use a kernel height of " + fix.Value + output,
            "kernelWidth" => "Use a kernel width of " + fix.Value + output,
            "size" => "Use a " + fix.Value + "×" + fix.Value + " pooling window" + output,
            _ when id == DiagnosticIds.WindowLargerThanInput && fix.Argument == "Padding" => "Use Padding = " + fix.Value + " so that the kernel fits" + output,
            _ => "Use " + fix.Argument + " = " + fix.Value + output,
        };
    }
}
