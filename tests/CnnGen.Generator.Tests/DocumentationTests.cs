using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CnnGen.Generator.Diagnostics;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Keeps <c>docs/diagnostics/</c> honest: for every page, the declaration under "## Example" must produce
/// exactly the diagnostics quoted in the <c>text</c> block after it (same ID, same message), and every
/// declaration under "## How to fix" and "## Opting out" must generate cleanly and compile.
/// </summary>
public sealed class DocumentationTests
{
    private static string Docs => Path.Combine(SourceDirectory.Repository, "docs", "diagnostics");

    public static TheoryData<string> Ids => new(DiagnosticDescriptors.ById.Keys.OrderBy(k => k, StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Ids))]
    public void Example_ProducesTheQuotedDiagnostics(string id)
    {
        Page page = Page.Read(id);
        GeneratorRun run = GeneratorHarness.Run(page.ExampleFiles.Select(f => f.ToAdditionalText()), page.Example);

        string[] actual = run.GeneratorDiagnostics
            .Select(d => $"{(d.Severity == DiagnosticSeverity.Error ? "error" : "warning")} {d.Id}: {d.GetMessage()}")
            .ToArray();
        Assert.True(
            page.Messages.SequenceEqual(actual),
            $"docs/diagnostics/{id}.md quotes:\n{string.Join("\n", page.Messages)}\nbut the generator reports:\n{string.Join("\n", actual)}");
        Assert.Contains(actual, line => line.Contains(" " + id + ": ", StringComparison.Ordinal));

        // "The generator reports, on `Stride = 3`:" names the exact text the diagnostic covers.
        Diagnostic first = run.GeneratorDiagnostics.First(d => d.Id == id);
        Assert.Equal(page.Span, first.Location.SourceTree!.GetText().ToString(first.Location.SourceSpan));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Fixes_GenerateCleanly(string id)
    {
        Page page = Page.Read(id);
        Assert.NotEmpty(page.Fixes);

        foreach (string fix in page.Fixes)
        {
            GeneratorRun run = GeneratorHarness.Run((page.FixFiles.Count > 0 ? page.FixFiles : page.ExampleFiles).Select(f => f.ToAdditionalText()), fix);

            // What the compiler would show: CnnGen's diagnostics that no #pragma suppresses.
            Diagnostic[] reported = run.DriverDiagnostics.Where(d => d.Id.StartsWith("CNN", StringComparison.Ordinal) && !d.IsSuppressed).ToArray();
            Assert.True(reported.Length == 0, $"{id}.md fix reports:\n{string.Join("\n", reported.Select(d => d.ToString()))}\n{fix}");
            Assert.Single(run.Result.GeneratedSources, s => !s.HintName.EndsWith(".Weights.g.cs", StringComparison.Ordinal));
            Assert.True(run.OutputProblems.IsEmpty, $"{id}.md fix does not compile cleanly:\n{string.Join("\n", run.OutputProblems)}\n{fix}");
        }
    }

    [Fact]
    public void Readme_ListsEveryId_WithItsSeverityAndTitle()
    {
        string readme = File.ReadAllText(Path.Combine(Docs, "README.md"));

        foreach ((string id, DiagnosticDescriptor descriptor) in DiagnosticDescriptors.ById)
        {
            string row = $"| [{id}]({id}.md) | {descriptor.DefaultSeverity} | {descriptor.Title} |";
            Assert.True(readme.Contains(row, StringComparison.Ordinal), $"README.md lacks the row: {row}");
        }
    }

    [Fact]
    public void EveryPage_HasItsDescriptorsTitle()
    {
        foreach ((string id, DiagnosticDescriptor descriptor) in DiagnosticDescriptors.ById)
        {
            string first = File.ReadLines(Path.Combine(Docs, id + ".md")).First();
            Assert.Equal($"# {id}: {descriptor.Title}", first);
        }
    }

    /// <summary>
    /// A safetensors AdditionalFiles item a page describes ("With the AdditionalFiles item `tiny.safetensors`,
    /// whose header is:" and a json block): that header, and as many data bytes as its data_offsets reach.
    /// </summary>
    private sealed record WeightsItem(string Name, string Header)
    {
        private static readonly Regex Offsets = new(@"""data_offsets""\s*:\s*\[\s*\d+\s*,\s*(\d+)\s*\]", RegexOptions.Compiled);

        public AdditionalText ToAdditionalText()
        {
            long data = Offsets.Matches(Header).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            return WeightsFiles.Converted("/project/" + Name, WeightsFiles.WithHeader(Header, data));
        }
    }

    /// <summary>The parts of one page that the tests check.</summary>
    private sealed record Page(string Example, string[] Messages, string Span, List<string> Fixes, List<WeightsItem> ExampleFiles, List<WeightsItem> FixFiles)
    {
        private static readonly Regex Fence = new(@"^```(\w*)\s*$", RegexOptions.Compiled);

        private static readonly Regex Reports = new(@"^The generator reports, on `(.+)`:$", RegexOptions.Compiled);

        private static readonly Regex Item = new(@"^With the AdditionalFiles item `(.+)`, whose header is:$", RegexOptions.Compiled);

        public static Page Read(string id)
        {
            string[] lines = File.ReadAllLines(Path.Combine(Docs, id + ".md"));
            string? section = null;
            string? example = null;
            string[]? messages = null;
            string? span = null;
            var fixes = new List<string>();
            var exampleFiles = new List<WeightsItem>();
            var fixFiles = new List<WeightsItem>();
            string? item = null;
            for (int i = 0; i < lines.Length; i++)
            {
                if (Item.Match(lines[i]) is { Success: true } named)
                {
                    item = named.Groups[1].Value;
                    continue;
                }

                if (lines[i].StartsWith("## ", StringComparison.Ordinal))
                {
                    section = lines[i][3..].Trim();
                    continue;
                }

                if (section == "Example" && Reports.Match(lines[i]) is { Success: true } reports)
                {
                    span ??= reports.Groups[1].Value;
                }

                Match open = Fence.Match(lines[i]);
                if (!open.Success || open.Groups[1].Value.Length == 0)
                {
                    continue;
                }

                int end = Array.FindIndex(lines, i + 1, l => l.TrimEnd() == "```");
                string block = string.Join("\n", lines[(i + 1)..end]) + "\n";
                string language = open.Groups[1].Value;
                i = end;
                if (language == "json" && item is not null)
                {
                    (section == "Example" ? exampleFiles : fixFiles).Add(new WeightsItem(item, block));
                    item = null;
                }
                else if (section == "Example" && language == "csharp" && example is null)
                {
                    example = block;
                }
                else if (section == "Example" && language == "text" && messages is null)
                {
                    messages = block.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                }
                else if (section is "How to fix" or "Opting out" && language == "csharp")
                {
                    fixes.Add(block);
                }
            }

            Assert.True(example is not null, $"{id}.md has no csharp block under ## Example");
            Assert.True(messages is not null, $"{id}.md has no text block with the messages under ## Example");
            Assert.True(span is not null, $"{id}.md has no line \"The generator reports, on `…`:\" under ## Example");
            return new Page(example!, messages!, span!, fixes, exampleFiles, fixFiles);
        }
    }
}
