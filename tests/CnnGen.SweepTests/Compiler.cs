using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using CnnGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CnnGen.SweepTests;

/// <summary>What the tests call on a generated network: its members that take spans, behind arrays.</summary>
public interface IDriver
{
    INetwork Create(int seed);

    void ForwardBatch(INetwork network, float[] inputs, float[] outputs);

    /// <summary>The trainer's gradients of the mean squared error against <paramref name="targets"/>; returns the loss.</summary>
    float Gradients(INetwork network, float[] inputs, float[] targets, float[] gradients, int degreeOfParallelism);

    /// <summary>The trainer's gradients of the softmax cross-entropy (networks that end in Softmax); returns the loss.</summary>
    float GradientsForLabels(INetwork network, float[] inputs, int[] labels, float[] gradients);
}

/// <summary>
/// Compiles many test networks at once with the real generator, in memory, the way the compiler does for a user: the
/// declarations, a small driver class per network, the generated sources; then loads the assembly. Compilation is the
/// cost of the sweep, so networks are compiled in batches.
/// </summary>
public static class Compiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    public static IReadOnlyDictionary<string, IDriver> Compile(IReadOnlyList<Net> nets)
    {
        var source = new StringBuilder();
        source.Append("using CnnGen;\nusing CnnGen.Training;\nnamespace Sweep;\n\n");
        foreach (Net net in nets)
        {
            string n = net.ClassName;
            bool softmax = net.Layers[^1] is Act { Kind: ActKind.Softmax };
            source.Append(net.Declaration());
            source.Append($$"""
                public sealed class {{n}}_Driver : global::CnnGen.SweepTests.IDriver
                {
                    public global::CnnGen.INetwork Create(int seed) => new {{n}}(seed);
                    public void ForwardBatch(global::CnnGen.INetwork network, float[] inputs, float[] outputs) => (({{n}})network).ForwardBatch(inputs, outputs);
                    public float Gradients(global::CnnGen.INetwork network, float[] inputs, float[] targets, float[] gradients, int degreeOfParallelism)
                    {
                        var trainer = new {{n}}.Trainer(({{n}})network, new Sgd(0.01f)) { DegreeOfParallelism = degreeOfParallelism };
                        float loss = trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError);
                        trainer.Gradients.CopyTo(gradients);
                        return loss;
                    }
                    public float GradientsForLabels(global::CnnGen.INetwork network, float[] inputs, int[] labels, float[] gradients)
                    {
                """);
            source.Append(softmax
                ? $$"""
                        var trainer = new {{n}}.Trainer(({{n}})network, new Sgd(0.01f)) { DegreeOfParallelism = 1 };
                        float loss = trainer.ComputeGradients(inputs, labels);
                        trainer.Gradients.CopyTo(gradients);
                        return loss;

                """
                : "        throw new global::System.NotSupportedException();\n");
            source.Append("    }\n}\n\n");
        }

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Sweep" + Guid.NewGuid().ToString("N"),
            new[] { CSharpSyntaxTree.ParseText(source.ToString(), parse, "Sweep.cs") },
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, allowUnsafe: true)
                .WithNullableContextOptions(NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();

        // Every declaration here is valid: any diagnostic at all, or any warning in the compiled output, is a failure.
        var problems = run.Diagnostics.Concat(generatorDiagnostics)
            .Concat(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning))
            .ToList();
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(stream);
        problems.AddRange(emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        if (problems.Count > 0 || !emitted.Success)
        {
            throw new InvalidOperationException("The sweep's networks did not compile cleanly:\n" + string.Join("\n", problems.Take(20).Select(d => d.ToString())));
        }

        Assembly assembly = Assembly.Load(stream.ToArray());
        return nets.ToDictionary(
            n => n.ClassName,
            n => (IDriver)Activator.CreateInstance(assembly.GetType("Sweep." + n.ClassName + "_Driver", throwOnError: true)!)!,
            StringComparer.Ordinal);
    }

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

        // The runtime, what it references beside it (System.Numerics.Tensors), and this assembly (IDriver).
        foreach (Assembly assembly in new[] { typeof(NetworkAttribute).Assembly, typeof(Compiler).Assembly })
        {
            paths[assembly.GetName().Name!] = assembly.Location;
            string beside = Path.GetDirectoryName(assembly.Location)!;
            foreach (AssemblyName name in assembly.GetReferencedAssemblies())
            {
                string candidate = Path.Combine(beside, name.Name + ".dll");
                if (!paths.ContainsKey(name.Name!) && File.Exists(candidate))
                {
                    paths[name.Name!] = candidate;
                }
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
