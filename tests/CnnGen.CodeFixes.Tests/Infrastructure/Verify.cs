using System;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CnnGen.CodeFixes.Tests.Infrastructure;

/// <summary>
/// Before/after checks for one code fix. The sources use the testing library's markup:
/// <c>{|CNN0001:Stride = 2|}</c> is where the generator must report CNN0001, in the source before the fix
/// and, for diagnostics that remain, after it.
/// </summary>
internal static class Verify
{
    /// <summary>
    /// Applies the fix with <paramref name="equivalenceKey"/> to the first diagnostic that offers it, checks its
    /// title and that the result is exactly <paramref name="after"/> (diagnostics included), checks "fix all"
    /// gives <paramref name="batchAfter"/> (by default the same), and checks the generator reports nothing on
    /// the changed attribute <paramref name="fixedAttribute"/> any more.
    /// </summary>
    public static async Task FixAsync(string before, string after, string equivalenceKey, string title, string fixedAttribute, string? batchAfter = null)
    {
        var test = new CodeFixTest
        {
            TestCode = before,
            FixedCode = after,
            BatchFixedCode = batchAfter ?? after,
            CodeActionEquivalenceKey = equivalenceKey,
            CodeActionVerifier = (action, verifier) => verifier.Equal(title, action.Title),
            CodeFixTestBehaviors = CodeFixTestBehaviors.FixOne,
        };

        // Diagnostics marked in the "after" sources are expected there (by default the library ignores fixable markup).
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
        await test.RunAsync();
        AssertAttributeClean(after, fixedAttribute);
    }

    /// <summary>The generator reports no diagnostic on (or inside) the attribute whose text is <paramref name="attribute"/>.</summary>
    public static void AssertAttributeClean(string markup, string attribute)
    {
        string source = StripMarkup(markup);
        int start = source.IndexOf("[" + attribute + "]", StringComparison.Ordinal);
        Assert.True(start >= 0, $"[{attribute}] is not in the fixed source");
        Assert.Equal(start, source.LastIndexOf("[" + attribute + "]", StringComparison.Ordinal));
        var span = new Microsoft.CodeAnalysis.Text.TextSpan(start, attribute.Length + 2);

        var on = Generate(source).Where(d => d.Location.SourceSpan.IntersectsWith(span)).Select(d => $"{d.Id}: {d.GetMessage()}").ToList();
        Assert.True(on.Count == 0, $"[{attribute}] still has: {string.Join("; ", on)}");
    }

    /// <summary>The generator's diagnostics for one source file.</summary>
    public static System.Collections.Immutable.ImmutableArray<Diagnostic> Generate(string source)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Fixed",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), "Test0.cs") },
            CodeFixTest.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return GeneratorDiagnosticsAnalyzer.Run(compilation);
    }

    public static string StripMarkup(string markup) => Regex.Replace(markup, @"\{\|[A-Z]+[0-9]+:|\|\}", string.Empty);
}
