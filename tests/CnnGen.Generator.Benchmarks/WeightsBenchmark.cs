using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using CnnGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

/// <summary>What compiling weights in costs the build: LeNet-5 with and without Weights, measured in one process, alternating.</summary>
internal static class WeightsBenchmark
{
    private const string Declaration = """
        using CnnGen;
        namespace Bench;
        [Network(ExpectedParameters = 61706{0})]
        [Input(32, 32, 1)]
        [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
        [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
        [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
        public partial class LeNet5;
        """;

    public static void Run(int runs)
    {
        string fixture = Path.Combine(FindRepository(), "tests", "fixtures", "lenet5_state_dict.safetensors");
        byte[] bytes = File.ReadAllBytes(fixture);

        // The text build/CnnGen.targets writes (written here by hand, as the targets file's inline task does).
        string converted = "# CnnGen weights: base64 of a safetensors file, written by build/CnnGen.targets. Do not edit.\n# source: "
            + fixture + "\n" + Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n";
        var item = new Text("/obj/cnngen/lenet5_state_dict.safetensors.cnngen.b64", converted);

        MetadataReference[] references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(CnnGen.NetworkAttribute).Assembly.Location))
            .ToArray();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        CSharpCompilation Compile(string weights) => CSharpCompilation.Create(
            "Bench",
            new[] { CSharpSyntaxTree.ParseText(string.Format(System.Globalization.CultureInfo.InvariantCulture, Declaration, weights), parse, "LeNet5.cs") },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));

        var cases = new (string Name, CSharpCompilation Compilation, AdditionalText[] Items)[]
        {
            ("LeNet-5, random init", Compile(string.Empty), Array.Empty<AdditionalText>()),
            ("LeNet-5, Weights = lenet5_state_dict.safetensors", Compile(", Weights = \"lenet5_state_dict.safetensors\""), new AdditionalText[] { item }),
        };

        var generate = cases.Select(_ => new List<double>()).ToArray();
        var build = cases.Select(_ => new List<double>()).ToArray();
        var sizes = new (long Source, long Assembly)[cases.Length];
        for (int run = 0; run < runs + 2; run++)
        {
            for (int c = 0; c < cases.Length; c++)
            {
                var clock = Stopwatch.StartNew();
                GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, cases[c].Items, parse)
                    .RunGeneratorsAndUpdateCompilation(cases[c].Compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
                double generated = clock.Elapsed.TotalMilliseconds;
                using var il = new MemoryStream();
                Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(il);
                clock.Stop();
                if (!emitted.Success || diagnostics.Length > 0)
                {
                    throw new InvalidOperationException(cases[c].Name + ": " + string.Join("; ", diagnostics.Concat(emitted.Diagnostics)));
                }

                if (run >= 2)
                {
                    generate[c].Add(generated);
                    build[c].Add(clock.Elapsed.TotalMilliseconds);
                }

                sizes[c] = (driver.GetRunResult().GeneratedTrees.Sum(t => (long)t.GetText().Length), il.Length);
            }
        }

        Console.WriteLine($"LeNet-5 with and without compiled-in weights, median of {runs} alternating runs (ms).");
        Console.WriteLine();
        Console.WriteLine("| case | generator run | generator + compile to IL | emitted source | assembly |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        for (int c = 0; c < cases.Length; c++)
        {
            Console.WriteLine($"| {cases[c].Name} | {Median(generate[c]):F0} | {Median(build[c]):F0} | {sizes[c].Source / 1024.0:F0} KiB | {sizes[c].Assembly / 1024.0:F0} KiB |");
        }

        Console.WriteLine();
        Console.WriteLine($"File: {bytes.Length:N0} bytes. Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}.");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string FindRepository()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "CnnGen.sln")))
            {
                return directory;
            }
        }

        throw new DirectoryNotFoundException("CnnGen.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed class Text : AdditionalText
    {
        private readonly SourceText _text;

        public Text(string path, string text)
        {
            Path = path;
            _text = SourceText.From(text, System.Text.Encoding.UTF8);
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }
}
