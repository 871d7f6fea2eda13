using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace CnnGen.CodeFixes.Tests.Infrastructure;

/// <summary>
/// <see cref="CSharpCodeFixTest{TAnalyzer, TCodeFix, TVerifier}"/> for CnnGen: the generator's diagnostics
/// through <see cref="GeneratorDiagnosticsAnalyzer"/>, the running framework's assemblies and the CnnGen
/// runtime as references (nothing is downloaded), the latest language version.
/// </summary>
internal sealed class CodeFixTest : CSharpCodeFixTest<GeneratorDiagnosticsAnalyzer, ShapeCodeFixProvider, DefaultVerifier>
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    public CodeFixTest()
    {
        // No reference-assembly package: the references below are the ones this test process runs on.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(References);
    }

    /// <summary>The framework's managed assemblies and the CnnGen runtime (with what it needs beside it).</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    protected override ParseOptions CreateParseOptions() =>
        ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        foreach (string dll in Directory.EnumerateFiles(framework, "*.dll").Where(IsManagedAssembly))
        {
            paths[Path.GetFileNameWithoutExtension(dll)] = dll;
        }

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

    private static bool IsManagedAssembly(string path)
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
