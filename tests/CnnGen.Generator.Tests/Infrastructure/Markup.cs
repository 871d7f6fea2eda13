using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>A diagnostic expected by a test: its ID and the exact span it covers.</summary>
internal sealed record ExpectedDiagnostic(string Id, TextSpan Span, string Text);

/// <summary>
/// The markup convention of the Roslyn SDK testing library (used by CommunityToolkit's tests):
/// <c>{|CNN0001:Stride = 2|}</c> marks the span where diagnostic CNN0001 is expected. Markers do not nest.
/// </summary>
internal static class Markup
{
    private const string Open = "{|";
    private const string Close = "|}";

    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string markup)
    {
        var source = new StringBuilder(markup.Length);
        var expected = new List<ExpectedDiagnostic>();
        int i = 0;
        while (i < markup.Length)
        {
            int open = markup.IndexOf(Open, i, StringComparison.Ordinal);
            if (open < 0)
            {
                source.Append(markup, i, markup.Length - i);
                break;
            }

            source.Append(markup, i, open - i);
            int colon = markup.IndexOf(':', open);
            int close = markup.IndexOf(Close, open, StringComparison.Ordinal);
            if (colon < 0 || close < 0 || colon > close)
            {
                throw new FormatException($"Unterminated markup at offset {open}: expected {{|ID:text|}}");
            }

            string id = markup.Substring(open + Open.Length, colon - open - Open.Length);
            string text = markup.Substring(colon + 1, close - colon - 1);
            if (text.Contains(Open, StringComparison.Ordinal))
            {
                throw new FormatException($"Nested markup at offset {open} is not supported");
            }

            expected.Add(new ExpectedDiagnostic(id, new TextSpan(source.Length, text.Length), text));
            source.Append(text);
            i = close + Close.Length;
        }

        return (source.ToString(), expected);
    }
}
