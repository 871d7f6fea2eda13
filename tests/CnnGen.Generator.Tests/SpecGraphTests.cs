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
    public void SourceGenModelDoesNotEncapsulateSymbolsOrCompilationData(string name, string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        var problems = new List<string>();
        int walked = 0;

        // Our own steps only: Roslyn's internal steps (the compilation, syntax trees of ForAttributeWithMetadataName) are tracked too.
        string[] steps = { NetworkGenerator.Steps.Parse, NetworkGenerator.Steps.Infer, NetworkGenerator.Steps.Emit, NetworkGenerator.Steps.Diagnostics };
        foreach (string step in steps.Where(run.Result.TrackedSteps.ContainsKey))
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
