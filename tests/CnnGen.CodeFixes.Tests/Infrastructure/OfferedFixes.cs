using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.CodeFixes.Tests.Infrastructure;

/// <summary>One diagnostic and the code actions the provider offers for it.</summary>
internal sealed record Offer(Diagnostic Diagnostic, ImmutableArray<CodeAction> Actions);

/// <summary>
/// Drives the code fix by hand, as the IDE does: an <see cref="AdhocWorkspace"/> document, the generator's
/// diagnostics for it, <see cref="CodeFixProvider.RegisterCodeFixesAsync"/>, and the chosen action's operations.
/// </summary>
internal static class OfferedFixes
{
    public static Document Document(string source)
    {
        var workspace = new AdhocWorkspace();
        ProjectId projectId = ProjectId.CreateNewId();
        Solution solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId,
                VersionStamp.Default,
                "Test",
                "Test",
                LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: CodeFixTest.References))
            .AddDocument(DocumentId.CreateNewId(projectId), "Test0.cs", SourceText.From(source), filePath: "Test0.cs");
        return solution.Projects.Single().Documents.Single();
    }

    /// <summary>Every diagnostic the provider can fix in <paramref name="source"/>, with the actions it offers, in source order.</summary>
    public static async Task<IReadOnlyList<Offer>> ForAsync(string source)
    {
        Document document = Document(source);
        return await ForAsync(document);
    }

    public static async Task<IReadOnlyList<Offer>> ForAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        var provider = new ShapeCodeFixProvider();
        var offers = new List<Offer>();
        foreach (Diagnostic diagnostic in GeneratorDiagnosticsAnalyzer.Run(compilation)
            .Where(d => provider.FixableDiagnosticIds.Contains(d.Id))
            .OrderBy(d => d.Location.SourceSpan.Start))
        {
            var actions = ImmutableArray.CreateBuilder<CodeAction>();
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
            await provider.RegisterCodeFixesAsync(context);
            offers.Add(new Offer(diagnostic, actions.ToImmutable()));
        }

        return offers;
    }

    /// <summary>The document's text after applying <paramref name="action"/>'s operations.</summary>
    public static async Task<string> ApplyAsync(Document document, CodeAction action)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();
    }
}
