using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// System.Text.Json's <c>SourceGenModelDoesNotEncapsulateSymbolsOrCompilationData</c> for CnnGen: every value
/// that flows out of a tracked pipeline step is walked, field by field, and must hold no Roslyn symbol, syntax,
/// semantic model, compilation or location, and no array, list or other collection compared by reference
/// (only <c>EquatableArray&lt;T&gt;</c>). Any of those would keep compilations alive or defeat caching.
/// </summary>
public sealed class SpecGraphTests
{
    public static TheoryData<string, string> Declarations => new()
    {
        { "LeNet5", Sources.LeNet5 },
        { "PadStride", Sources.PadStride },
        { "Nested", Sources.Nested },
        { "Invalid: stride", "using CnnGen; [Network] [Input(7, 7, 1)] [Conv2D(1, 3, Stride = 3)] public partial class N;" },
        { "Invalid: parse", "using CnnGen; [Network] [Dense(10)] [Input(32, 32, 1)] [Input(3, 3, 1)] public class N<T> { }" },
        { "Invalid: typing", "using CnnGen; [Network] [Input(32, 32, 1)] [Conv2D(6, )] public partial class N;" },
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void SourceGenModelDoesNotEncapsulateSymbolsOrCompilationData(string name, string source) =>
        WalkEveryStep(name, GeneratorHarness.Run(source));

    [Fact]
    public void TheWeightsStepsHoldOnlyValues()
    {
        // A network with compiled-in weights reaches WeightsFile, Weights and EmitWeights; a second file that is not
        // a safetensors file at all reaches WeightsFile with its error. Both kinds of value are walked.
        string source = Sources.LeNet5.Replace(
            "[Network(ExpectedParameters = 61706)]", "[Network(ExpectedParameters = 61706, Weights = \"lenet5.safetensors\")]", StringComparison.Ordinal);
        AdditionalText[] files =
        {
            WeightsFiles.Converted("/src/Demo/lenet5.safetensors", WeightsFiles.Build(WeightsFiles.LeNet5())),
            WeightsFiles.Converted("/src/Demo/broken.safetensors", new byte[] { 1, 2, 3 }),
        };

        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.Compilation(source), GeneratorHarness.CreateDriver(additionalTexts: files));

        foreach (string step in new[] { NetworkGenerator.Steps.WeightsFile, NetworkGenerator.Steps.Weights, NetworkGenerator.Steps.EmitWeights })
        {
            Assert.True(run.Result.TrackedSteps.ContainsKey(step), step + " was not reached");
        }

        WalkEveryStep("LeNet5 with compiled-in weights", run);
    }

    /// <summary>Every tracking name the pipeline declares (Roslyn's own internal steps are tracked too, and skipped).</summary>
    private static readonly string[] OurSteps = typeof(NetworkGenerator.Steps).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

    private static void WalkEveryStep(string name, GeneratorRun run)
    {
        var problems = new List<string>();
        int walked = 0;

        foreach (string step in OurSteps.Where(run.Result.TrackedSteps.ContainsKey))
        {
            foreach ((object value, _) in run.Result.TrackedSteps[step].SelectMany(r => r.Outputs))
            {
                walked++;
                Walk(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), problems);
            }
        }

        // A declaration that does not bind yet while typing reaches no step at all; every other one must be walked.
        bool reached = run.Result.TrackedSteps.ContainsKey(NetworkGenerator.Steps.Parse);
        Assert.True(walked > 0 || !reached, name + ": no tracked step produced a value");
        Assert.True(problems.Count == 0, name + ":\n" + string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void TheWalkerFindsForbiddenValues()
    {
        // The walker itself must be able to fail: arrays, lists, symbols' stand-ins and locations are reported.
        var problems = new List<string>();
        Walk(new Holder(new[] { 1, 2 }, new List<string> { "a" }, Location.None), "Test", new HashSet<object>(ReferenceEqualityComparer.Instance), problems);

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("Int32[]", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("List`1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Location", StringComparison.Ordinal));

        problems.Clear();
        Walk(new Plain(), "Test", new HashSet<object>(ReferenceEqualityComparer.Instance), problems);
        Assert.Contains(problems, p => p.Contains("reference equality", StringComparison.Ordinal));
    }

    private static readonly Type[] Forbidden =
    {
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Compilation), typeof(Location),
        typeof(AttributeData), typeof(SyntaxToken), typeof(SyntaxReference), typeof(Diagnostic),
    };

    private static void Walk(object? value, string path, HashSet<object> seen, List<string> problems)
    {
        if (value is null)
        {
            return;
        }

        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string or decimal)
        {
            return;
        }

        if (Forbidden.FirstOrDefault(f => f.IsAssignableFrom(type)) is { } forbidden)
        {
            problems.Add($"{path}: {type.Name} is a {forbidden.Name}");
            return;
        }

        if (!type.IsValueType && !seen.Add(value))
        {
            return;
        }

        // The generator's own content-compared holders of bulk data (a weights file's bytes, its decoded values):
        // compared element by element with a hash computed once, so their arrays are fine.
        if (type.Name == "ByteArray" || (type.IsGenericType && type.GetGenericTypeDefinition().Name == "ContentArray`1" && type.GetGenericArguments()[0].IsPrimitive))
        {
            if (!OverridesEquals(type))
            {
                problems.Add($"{path}: {type.Name} has reference equality");
            }

            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition().Name == "EquatableArray`1")
        {
            int i = 0;
            foreach (object? item in (IEnumerable)value)
            {
                Walk(item, $"{path}[{i++}]", seen, problems);
            }

            return;
        }

        if (value is IEnumerable || type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>)))
        {
            problems.Add($"{path}: {type.Name} is a collection compared by reference; use EquatableArray<T>");
            return;
        }

        if (!type.IsValueType && !OverridesEquals(type))
        {
            problems.Add($"{path}: {type.Name} has reference equality; use a record");
        }

        for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                // Records' compiler-generated EqualityContract is a Type, not data.
                if (field.FieldType == typeof(Type))
                {
                    continue;
                }

                Walk(field.GetValue(value), path + "." + Clean(field.Name), seen, problems);
            }
        }
    }

    private static bool OverridesEquals(Type type) =>
        type.GetMethod(nameof(Equals), BindingFlags.Instance | BindingFlags.Public, new[] { typeof(object) })?.DeclaringType != typeof(object);

    private static string Clean(string field) =>
        field.StartsWith('<') && field.Contains(">k__BackingField", StringComparison.Ordinal) ? field[1..field.IndexOf('>')] : field;

    private sealed record Holder(int[] Numbers, List<string> Names, Location Where);

    private sealed class Plain
    {
        public int Value { get; } = 1;
    }
}
