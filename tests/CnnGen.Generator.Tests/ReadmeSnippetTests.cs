using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// README's C# snippets compile as shown, with the real generator. Every <c>```csharp</c> block carries an HTML comment on
/// the line before it (invisible on the rendered page) that says how it is compiled:
/// <list type="bullet">
/// <item><c>&lt;!-- compiled: file --&gt;</c> — a source file on its own (<c>weights=NAME</c> adds a matching safetensors
/// AdditionalFiles item for <c>Weights = "NAME"</c>).</item>
/// <item><c>&lt;!-- compiled: program after previous; given T a, U b --&gt;</c> — top-level statements (its <c>using</c>s
/// hoisted) compiled with the previous compiled file, the variables it only mentions declared first.</item>
/// <item><c>&lt;!-- compiled: layers in [Network] [Input(H, W, C)] --&gt;</c> — each paragraph of attributes becomes one
/// network with that input.</item>
/// <item><c>&lt;!-- not compiled: why --&gt;</c> — e.g. an example of a build error.</item>
/// </list>
/// A block without a comment fails the test, so a new snippet cannot go unchecked.
/// </summary>
public sealed class ReadmeSnippetTests
{
    private static readonly Regex Marker = new(@"^<!--\s*(?<kind>compiled|not compiled):\s*(?<rest>.*?)\s*-->\s*$", RegexOptions.CultureInvariant);

    public static TheoryData<int> Blocks => new(Enumerable.Range(0, ReadBlocks().Count));

    [Theory]
    [MemberData(nameof(Blocks))]
    public void The_snippet_compiles_as_shown(int index)
    {
        List<Block> blocks = ReadBlocks();
        Block block = blocks[index];
        string where = $"README.md line {block.Line}";
        Assert.True(block.Marker is not null, $"{where}: a ```csharp block needs a comment on the line before it saying how it is compiled (see {nameof(ReadmeSnippetTests)})");
        Match m = Marker.Match(block.Marker!);
        Assert.True(m.Success, $"{where}: unreadable marker {block.Marker}");
        if (m.Groups["kind"].Value == "not compiled")
        {
            Assert.False(string.IsNullOrWhiteSpace(m.Groups["rest"].Value), $"{where}: say why the block is not compiled");
            return;
        }

        string rest = m.Groups["rest"].Value;
        var files = new List<(string Path, string Source)>();
        var additional = new List<AdditionalText>();
        bool program = false;
        if (rest.StartsWith("file", StringComparison.Ordinal))
        {
            files.Add(("Snippet.cs", block.Code));
            AddWeights(rest, additional);
        }
        else if (rest.StartsWith("program after previous", StringComparison.Ordinal))
        {
            Block previous = blocks.Take(index).Last(b => b.Marker is not null && b.Marker.Contains("compiled: file", StringComparison.Ordinal));
            files.Add(("Previous.cs", previous.Code));
            AddWeights(Marker.Match(previous.Marker!).Groups["rest"].Value, additional);
            string[] lines = block.Code.Split('\n');
            string usings = string.Join("\n", lines.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal)));
            string body = string.Join("\n", lines.SkipWhile(l => l.StartsWith("using ", StringComparison.Ordinal)));
            int given = rest.IndexOf("given ", StringComparison.Ordinal);
            string declarations = given < 0 ? string.Empty : string.Concat(rest[(given + 6)..].Split(',').Select(v => v.Trim() + " = default!;\n"));
            files.Add(("Program.cs", usings + "\n" + declarations + body));
            program = true;
        }
        else if (rest.StartsWith("layers in ", StringComparison.Ordinal))
        {
            string head = rest["layers in ".Length..];
            string[] paragraphs = block.Code.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < paragraphs.Length; i++)
            {
                files.Add(($"Layers{i}.cs", $"using CnnGen;\n{head}\n{paragraphs[i]}\npublic partial class Snippet{i};\n"));
            }
        }
        else
        {
            Assert.Fail($"{where}: unknown marker {block.Marker}");
        }

        // The README also shows CnnGen.Onnx (ONNX export), a library beside the runtime.
        CSharpCompilation compilation = GeneratorHarness.Compilation(files.ToArray())
            .AddReferences(MetadataReference.CreateFromFile(typeof(CnnGen.Onnx.OnnxExport).Assembly.Location))
            .WithOptions(new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary).WithNullableContextOptions(NullableContextOptions.Enable));
        GeneratorRun run = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver(additionalTexts: additional));
        var problems = run.GeneratorDiagnostics.Concat(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)).ToList();
        Assert.True(problems.Count == 0, $"{where}:\n{string.Join("\n", files.Select(f => f.Source))}\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_readme_has_snippets_of_every_kind()
    {
        // The markers are read: a README whose blocks all lost their markers (or a parser that finds no block) fails here.
        List<Block> blocks = ReadBlocks();
        Assert.True(blocks.Count >= 5, $"{blocks.Count} C# blocks found");
        Assert.Contains(blocks, b => b.Marker?.Contains("compiled: file", StringComparison.Ordinal) == true);
        Assert.Contains(blocks, b => b.Marker?.Contains("compiled: program", StringComparison.Ordinal) == true);
        Assert.Contains(blocks, b => b.Marker?.Contains("compiled: layers", StringComparison.Ordinal) == true);
    }

    private static void AddWeights(string rest, List<AdditionalText> additional)
    {
        Match w = Regex.Match(rest, @"weights=(?<name>\S+)", RegexOptions.CultureInvariant);
        if (w.Success)
        {
            // LeNet-5's tensors, as the README's declaration names them.
            additional.Add(WeightsFiles.Converted("/snippet/" + w.Groups["name"].Value, WeightsFiles.Build(WeightsFiles.LeNet5())));
        }
    }

    private sealed record Block(int Line, string? Marker, string Code);

    private static List<Block> ReadBlocks()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        var blocks = new List<Block>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            int start = i + 1;
            int end = Array.FindIndex(lines, start, l => l.Trim() == "```");
            string? marker = i > 0 && lines[i - 1].TrimStart().StartsWith("<!--", StringComparison.Ordinal) ? lines[i - 1].Trim() : null;
            blocks.Add(new Block(i + 1, marker, string.Join("\n", lines[start..end]) + "\n"));
            i = end;
        }

        return blocks;
    }

    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "CnnGen.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("CnnGen.sln not found above " + AppContext.BaseDirectory);
    }
}
