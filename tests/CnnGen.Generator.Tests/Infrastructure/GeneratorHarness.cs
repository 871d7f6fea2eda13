using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>The result of one generator run: the driver (for further runs), the output compilation and the run result.</summary>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    Compilation Input,
    Compilation Output,
    GeneratorRunResult Result,
    ImmutableArray<Diagnostic> DriverDiagnostics)
{
    /// <summary>The diagnostics CnnGen reported, ordered by position.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => Result.Diagnostics
        .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
        .ThenBy(d => d.Location.SourceSpan.Start)
        .ToImmutableArray();

    /// <summary>Errors and warnings of the compilation with the generated files added.</summary>
    public ImmutableArray<Diagnostic> OutputProblems => Output.GetDiagnostics()
        .Where(d => d.Severity >= DiagnosticSeverity.Warning)
        .ToImmutableArray();
}

/// <summary>
/// Runs the real <see cref="NetworkGenerator"/> the way the compiler does, on an in-memory
/// <see cref="CSharpCompilation"/> that references the CnnGen runtime and the .NET framework.
/// </summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions CompilationOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        .WithNullableContextOptions(NullableContextOptions.Enable)
        .WithWarningLevel(9999)
        .WithDeterministic(true);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    /// <summary>The framework's managed assemblies, the CnnGen runtime and the assemblies it depends on beside it.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    public static CSharpCompilation Compilation(params string[] sources) =>
        Compilation(sources.Select((s, i) => ("Network" + i + ".cs", s)).ToArray());

    public static CSharpCompilation Compilation(params (string Path, string Source)[] files) =>
        CSharpCompilation.Create(
            "CnnGenTestAssembly",
            files.Select(f => CSharpSyntaxTree.ParseText(f.Source, ParseOptions, f.Path)),
            References,
            CompilationOptions);

    public static SyntaxTree Tree(string path, string source) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

    public static GeneratorDriver CreateDriver(bool trackSteps = true, IEnumerable<AdditionalText>? additionalTexts = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            additionalTexts: additionalTexts,
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public static GeneratorRun Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        return new GeneratorRun(driver, compilation, output, result, diagnostics);
    }

    public static GeneratorRun Run(params string[] sources) => Run(Compilation(sources));

    /// <summary>Runs on the sources with AdditionalFiles items (e.g. converted weights files).</summary>
    public static GeneratorRun Run(IEnumerable<AdditionalText> additionalTexts, params string[] sources) =>
        Run(Compilation(sources), CreateDriver(additionalTexts: additionalTexts));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (string dll in Directory.EnumerateFiles(framework, "*.dll"))
        {
            if (IsManaged(dll))
            {
                paths[Path.GetFileNameWithoutExtension(dll)] = dll;
            }
        }

        // The runtime assembly and what it references that the framework does not have (System.Numerics.Tensors).
        string runtime = typeof(CnnGen.NetworkAttribute).Assembly.Location;
        paths[Path.GetFileNameWithoutExtension(runtime)] = runtime;
        string beside = Path.GetDirectoryName(runtime)!;
        foreach (System.Reflection.AssemblyName name in typeof(CnnGen.NetworkAttribute).Assembly.GetReferencedAssemblies())
        {
            string candidate = Path.Combine(beside, name.Name + ".dll");
            if (!paths.ContainsKey(name.Name!) && File.Exists(candidate))
            {
                paths[name.Name!] = candidate;
            }
        }

        return paths.Values.OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            using var reader = new PEReader(stream);
            return reader.HasMetadata && reader.GetMetadataReader().IsAssembly;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
