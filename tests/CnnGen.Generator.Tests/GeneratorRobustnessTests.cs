using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Regression tests for the declarations that crashed the generator (CS8785, which drops every generated file of
/// the project), emitted code that did not compile or compiled with warnings, sizes that wrapped around, and a
/// weights file read at the wrong offset (issue 12, item 7). Every case checks the same three things: no exception,
/// no error or warning inside a generated file, and a rejected network emits nothing and reports an error.
/// </summary>
public sealed class GeneratorRobustnessTests
{
    private static string Net(string body, string name = "Net", string ns = "namespace Demo;", string network = "[Network]") => $$"""
        using CnnGen;

        {{ns}}

        {{network}}
        {{body}}
        public partial class {{name}};
        """;

    // ---- crashes ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("[Input(4, 4, 1)] [Dense(2, Name = \"a\")] [Add(null)]")]
    [InlineData("[Input(4, 4, 1)] [Dense(2, Name = \"a\")] [Concat(null)]")]
    [InlineData("[Input(4, 4, 1)] [Dense(2, Name = \"a\")] [Add(default)]")]
    [InlineData("[Input(4, 4, 1)] [Dense(2, Name = \"a\")] [Add(\"a\", null)]")]
    [InlineData("[Input(4, 4, 1)] [Dense(2, Name = \"a\")] [Concat(new string[0])]")]
    public void NullOrEmptyBranchLists_AreAnError(string layers)
    {
        GeneratedCode.AssertRejected(GeneratorHarness.Run(Net(layers)), layers);
    }

    [Theory]
    // An attribute class in namespace CnnGen that is not CnnGen's: a name without the Attribute suffix, a layer
    // name with a string where CnnGen has an int, and one whose int argument is out of range for the real one.
    [InlineData("namespace CnnGen { public sealed class Foo : System.Attribute { } }", "[Foo]")]
    [InlineData("namespace CnnGen { public sealed class XAttribute : System.Attribute { public XAttribute(string units) { } } }", "[X(\"many\")]")]
    [InlineData("namespace Other { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string units) { } } }", "[Other.Dense(\"ten\")]")]
    [InlineData("namespace Other { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(long units) { } } }", "[Other.Dense(10000000000)]")]
    [InlineData("namespace CnnGen.Mine { public sealed class Conv2DAttribute : System.Attribute { public Conv2DAttribute(double filters) { } } }", "[CnnGen.Mine.Conv2D(1e300)]")]
    public void UserAttributesNamedLikeOurs_AreIgnored(string declaration, string attribute)
    {
        GeneratorRun run = GeneratedCode.AssertSound(GeneratorHarness.Run(Net($"[Input(4, 4, 1)] {attribute} [Dense(2)]"), declaration), attribute);
        Assert.Single(run.Result.GeneratedSources);
        Assert.Contains("public const int ParameterCount = 34;", run.Result.GeneratedSources[0].SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void UserAttributesInNamespaceCnnGen_DefinedInTheUsersOwnCode_AreIgnored()
    {
        // The user's own CnnGen.DenseAttribute (taking a string) beside the real one: the compiler binds [Dense] to the
        // one in source (CS0436 warning); CnnGen must not read it as its own layer.
        GeneratorRun run = GeneratedCode.AssertSound(
            GeneratorHarness.Run(Net("[Input(4, 4, 1)] [Dense(\"ten\")]"), "namespace CnnGen { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string units) { } } }"),
            "user CnnGen.DenseAttribute");
        Assert.Contains(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("namespace @class.X;")]
    [InlineData("namespace @event;")]
    [InlineData("namespace Δ.Ünïcode;")]
    public void KeywordAndUnicodeNamespaces_GiveValidHintNamesAndCode(string ns)
    {
        GeneratedCode.AssertGenerated(GeneratorHarness.Run(Net("[Input(4, 4, 1)] [Dense(2)]", ns: ns)), ns);
    }

    [Fact]
    public void NetworkOnTwoPartialParts_IsOneDiagnosticNotACrash()
    {
        GeneratorRun run = GeneratorHarness.Run(
            "using CnnGen; namespace Demo; [Network] [Input(4, 4, 1)] public partial class Net;",
            "using CnnGen; namespace Demo; [Network] [Dense(2)] public partial class Net;");
        GeneratedCode.AssertRejected(run, "two [Network]", "CNN0010");
        Assert.Single(run.GeneratorDiagnostics);
    }

    [Fact]
    public void LayersOnTwoPartialParts_OneNetwork_IsGenerated()
    {
        GeneratorRun run = GeneratorHarness.Run(
            "using CnnGen; namespace Demo; [Network] [Input(4, 4, 1)] public partial class Net;",
            "using CnnGen; namespace Demo; [Dense(2)] public partial class Net;");
        GeneratedCode.AssertGenerated(run, "layers on a second part");
    }

    // ---- text written into the generated source ------------------------------------------------------

    public static TheoryData<string> HostileTexts() => new()
    {
        "a\nb", "a\r\nb", "a\"b", "a*/b", "/*a", "a\\b", "a\u0085b", "a\u2028b", "a\u2029b", "a\0b", "a\tb", "<a>&b", "a\u001bb", "\ud800", "a{0}b", "a}}b",
    };

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void HostileLayerNames_AreWrittenSafely(string name)
    {
        string literal = SymbolDisplay.FormatLiteral(name, quote: true);
        string layers = $"[Input(6, 6, 1)] [Conv2D(2, 3, Name = {literal})] [ReLU(Name = {SymbolDisplay.FormatLiteral(name + "2", true)})] [Add({literal}, {SymbolDisplay.FormatLiteral(name + "2", true)})] [BatchNorm] [Dense(2)]";
        GeneratedCode.AssertGenerated(GeneratorHarness.Run(Net(layers)), $"Name {literal}");
    }

    [Theory]
    [MemberData(nameof(HostileTexts))]
    public void HostileWeightsFileNames_AreWrittenSafely(string name)
    {
        string literal = SymbolDisplay.FormatLiteral(name + ".safetensors", quote: true);
        GeneratorRun run = GeneratedCode.AssertSound(
            GeneratorHarness.Run(Net("[Input(4, 4, 1)] [Dense(2)]", network: $"[Network(Weights = {literal})]")),
            $"Weights {literal}");

        // Not found: the class is still generated (without data), with CNN0201 the only diagnostic.
        Assert.Equal("CNN0201", Assert.Single(run.GeneratorDiagnostics).Id);
    }

    [Theory]
    [InlineData("[ELU(1e300)]", "alpha")]
    [InlineData("[ELU(-1e39)]", "alpha")]
    [InlineData("[ELU(double.PositiveInfinity)]", "alpha")]
    [InlineData("[ELU(double.NaN)]", "alpha")]
    [InlineData("[LeakyReLU(1e300)]", "slope")]
    [InlineData("[LeakyReLU(double.NegativeInfinity)]", "slope")]
    [InlineData("[BatchNorm(Epsilon = 1e300)]", "Epsilon")]
    [InlineData("[BatchNorm(Epsilon = double.NaN)]", "Epsilon")]
    [InlineData("[BatchNorm(Momentum = double.NaN)]", "Momentum")]
    [InlineData("[BatchNorm(Epsilon = 1e-300)]", "Epsilon")]
    [InlineData("[Dropout(double.NaN)]", "rate")]
    public void DoublesAFloatCannotHold_AreCnn0007OnTheArgument(string layer, string argument)
    {
        GeneratorRun run = GeneratedCode.AssertRejected(GeneratorHarness.Run(Net($"[Input(4, 4, 1)] {layer} [Dense(2)]")), layer, "CNN0007");
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        string located = diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
        Assert.True(located.Contains(argument, StringComparison.Ordinal) || !layer.Contains('='), $"{layer}: located on '{located}'");
        Assert.DoesNotContain("E+", located, StringComparison.Ordinal);
    }

    // ---- names that collide with what the generator writes -------------------------------------------

    /// <summary>
    /// Networks that between them make the emitter write every kind of member: batch-major dense work, direct and
    /// im2col convolutions, BatchNorm (state), branches, compiled-in weights. Every identifier they declare, at any depth.
    /// </summary>
    public static IReadOnlyList<string> EmittedIdentifiers()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string source in NetworkSources())
        {
            foreach (GeneratedSourceResult generated in new[] { source, WithWeights(source) }.SelectMany(s => GeneratorHarness.Run(s).Result.GeneratedSources))
            {
                foreach (SyntaxNode node in generated.SyntaxTree.GetRoot().DescendantNodes())
                {
                    string? name = node switch
                    {
                        BaseTypeDeclarationSyntax t => t.Identifier.ValueText,
                        MethodDeclarationSyntax m => m.Identifier.ValueText,
                        PropertyDeclarationSyntax p => p.Identifier.ValueText,
                        VariableDeclaratorSyntax v when v.Parent?.Parent is FieldDeclarationSyntax => v.Identifier.ValueText,
                        LocalFunctionStatementSyntax f => f.Identifier.ValueText,
                        _ => null,
                    };
                    if (name is not null)
                    {
                        names.Add(name);
                    }
                }
            }
        }

        // And the members every network inherits from the runtime's base class.
        foreach (System.Reflection.MemberInfo member in typeof(CnnGen.Runtime.GeneratedNetwork<>).GetMembers(
            System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
        {
            if (member is not System.Reflection.ConstructorInfo && !member.Name.Contains('.', StringComparison.Ordinal) && !member.Name.StartsWith("get_", StringComparison.Ordinal) && !member.Name.StartsWith("set_", StringComparison.Ordinal))
            {
                names.Add(member.Name);
            }
        }

        return names.ToList();
    }

    // A Weights argument makes the emitter write WeightsFile and LoadCompiledWeights (the file is not found: CNN0201, but the class is generated).
    private static string WithWeights(string source) => source.Replace("[Network]", "[Network(Weights = \"w.safetensors\")]", StringComparison.Ordinal);

    /// <summary>Networks that between them make the emitter write every kind of member.</summary>
    public static IEnumerable<string> NetworkSources()
    {
        string[] networks =
        {
            Sources.LeNet5, Sources.PadStride, Sources.Nested,
            Net("[Input(16, 16, 3)] [Conv2D(16, 3, Padding = 1, Name = \"a\")] [BatchNorm] [ReLU] [Conv2D(16, 3, Padding = 1)] [Add(\"a\")] [MaxPool(2)] [Conv2D(8, 1, Name = \"c\")] [Concat(\"c\", \"c\")] [GlobalAvgPool] [Dropout(0.5)] [Dense(3)] [Softmax]"),
            Net("[Input(32, 32, 3)] [BasicBlock(8)] [Inception(2, 2, 2, 2, 2, 2)] [L2Pool(2)] [MinPool(2)] [AvgPool(2)] [Flatten] [Dense(4)] [Tanh] [Sigmoid] [LeakyReLU] [ELU] [Dense(2)]"),
            Net("[Input(8, 8, 1)] [Conv2D(32, 3, Padding = 1)] [ReLU] [MaxPool(2)] [Conv2D(64, 3, Padding = 1)] [Dense(10)]"),
            Net("[Input(4, 4, 1)] [ReLU] [MaxPool(2)]"),
        };
        return networks;
    }

    [Fact]
    public void TheEmittedIdentifiers_IncludeTheOnesTheIssueNamed()
    {
        IReadOnlyList<string> names = EmittedIdentifiers();
        Assert.Superset(new HashSet<string> { "Trainer", "Summary", "Forward", "Predict", "InitializeParameters", "State", "Parameters", "InputLength" }, names.ToHashSet());
    }

    [Fact]
    public void AClassNamedLikeAnyEmittedMember_IsGeneratedOrRejected_NeverUncompilable()
    {
        var failures = new List<string>();
        foreach (string name in EmittedIdentifiers())
        {
            foreach (string body in new[] { "[Input(8, 8, 2)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Dense(2)]", "[Input(4, 4, 1)] [Dense(3)] [Softmax]" })
            {
                GeneratorRun run = GeneratorHarness.Run(Net(body, name));
                try
                {
                    GeneratedCode.AssertSound(run, name);
                    if (run.Result.GeneratedSources.IsEmpty)
                    {
                        GeneratedCode.AssertRejected(run, name, "CNN0014");
                    }
                }
                catch (Xunit.Sdk.XunitException e)
                {
                    failures.Add(name + ": " + e.Message.Split('\n').Skip(1).FirstOrDefault());
                }
            }
        }

        Assert.True(failures.Count == 0, failures.Count + " names:\n" + string.Join("\n", failures.Distinct()));
    }

    [Fact]
    public void AUserMemberNamedLikeAnEmittedOne_IsGeneratedOrRejected_NeverUncompilable()
    {
        var failures = new List<string>();
        foreach (string name in EmittedIdentifiers().Where(n => n != "Net"))
        {
            string source = $$"""
                using CnnGen;
                namespace Demo;
                [Network] [Input(8, 8, 2)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Dense(2)]
                public partial class Net { public static int {{name}}; }
                """;
            GeneratorRun run = GeneratorHarness.Run(source);
            try
            {
                GeneratedCode.AssertSound(run, name);
                if (run.Result.GeneratedSources.IsEmpty)
                {
                    GeneratedCode.AssertRejected(run, name, "CNN0014");
                }
            }
            catch (Xunit.Sdk.XunitException e)
            {
                failures.Add(name + ": " + e.Message.Split('\n').Skip(1).FirstOrDefault());
            }
        }

        Assert.True(failures.Count == 0, failures.Count + " names:\n" + string.Join("\n", failures));
    }

    [Theory]
    [InlineData("@class")]
    [InlineData("@var")]
    [InlineData("@record")]
    [InlineData("@file")]
    [InlineData("@extension")]
    [InlineData("@dynamic")]
    [InlineData("@partial")]
    [InlineData("@async")]
    [InlineData("@field")]
    [InlineData("@value")]
    [InlineData("@nameof")]
    [InlineData("@global")]
    [InlineData("@scoped")]
    [InlineData("@net")]
    public void KeywordClassNames_AreGeneratedOrRejected(string name)
    {
        GeneratorRun run = GeneratedCode.AssertSound(GeneratorHarness.Run(Net("[Input(4, 4, 1)] [Dense(2)]", name)), name);
        if (run.Result.GeneratedSources.IsEmpty)
        {
            GeneratedCode.AssertRejected(run, name);
        }
    }

    [Fact]
    public void ATypeNamedVarBesideTheNetwork_IsCnn0014()
    {
        GeneratorRun run = GeneratorHarness.Run(Net("[Input(4, 4, 1)] [Dense(2)]") + "\npublic sealed class @var { }");
        GeneratedCode.AssertRejected(run, "class var beside", "CNN0014");
    }

    [Theory]
    [InlineData("@event")]
    [InlineData("@class")]
    [InlineData("@extension")]
    [InlineData("@record")]
    public void KeywordEnclosingTypes_AreGenerated(string outer)
    {
        string source = $$"""
            using CnnGen;
            namespace Demo;
            public partial class {{outer}}
            {
                [Network] [Input(4, 4, 1)] [Dense(2)]
                public partial class Net;
            }
            """;
        GeneratedCode.AssertGenerated(GeneratorHarness.Run(source), outer);
    }

    [Theory]
    [InlineData("public partial class Net(int x) { public int X => x; }")]
    [InlineData("public partial class Net() { }")]
    [InlineData("public partial class Net { public Net() { } }")]
    [InlineData("public partial class Net { private Net(int seed) { } }")]
    public void ConstructorsThatCollide_AreCnn0014OnTheClass(string declaration)
    {
        string source = "using CnnGen;\nnamespace Demo;\n[Network] [Input(4, 4, 1)] [Dense(2)]\n" + declaration;
        GeneratorRun run = GeneratedCode.AssertRejected(GeneratorHarness.Run(source), declaration, "CNN0014");
        Assert.Equal("Net", run.GeneratorDiagnostics[0].Location.SourceTree!.GetText().ToString(run.GeneratorDiagnostics[0].Location.SourceSpan));
    }

    [Fact]
    public void AConstructorWithOtherParameters_IsFine()
    {
        string source = "using CnnGen;\nnamespace Demo;\n[Network] [Input(4, 4, 1)] [Dense(2)]\npublic partial class Net { public Net(string tag) : this(1) { Tag = tag; } public string? Tag { get; } }";
        GeneratedCode.AssertGenerated(GeneratorHarness.Run(source), "Net(string)");
    }

    // ---- sizes that wrapped around ----------------------------------------------------------------------

    [Theory]
    [InlineData("[Input(8192, 8192, 1)] [Dense(1)]")]
    [InlineData("[Input(8192, 8192, 2)] [Dense(1)]")]
    [InlineData("[Input(16384, 16384, 1)] [ReLU] [ReLU] [ReLU] [ReLU] [ReLU]")]
    [InlineData("[Input(16384, 16384, 2)] [Sigmoid] [Tanh] [Sigmoid] [Tanh] [Sigmoid] [Tanh] [Sigmoid] [Tanh] [Dense(1)]")]
    [InlineData("[Input(1, 1, 536870911)] [Concat(\"input\", \"input\", \"input\", \"input\")]")]
    [InlineData("[Input(1, 1, 536870911)] [Concat(\"input\", \"input\", \"input\", \"input\", \"input\", \"input\", \"input\", \"input\")]")]
    [InlineData("[Input(1, 1, 1)] [Conv2D(536870911, 1)] [Conv2D(1, 1)]")]
    [InlineData("[Input(1, 1, 20000)] [Dense(30000)]")]
    [InlineData("[Input(16384, 16384, 1)] [Conv2D(2, 1)] [BatchNorm] [ReLU] [MaxPool(2)]")]
    [InlineData("[Input(23170, 23170, 1)] [Conv2D(1, 3, Padding = 1)] [Conv2D(1, 3, Padding = 1)]")]
    [InlineData("[Input(65536, 8192, 1)] [Conv2D(1, 1)] [Dense(1)]")]
    public void HugeNetworks_AreGeneratedCorrectlyOrRejected(string layers)
    {
        GeneratorRun run = GeneratedCode.AssertSound(GeneratorHarness.Run(Net(layers)), layers);
        if (run.Result.GeneratedSources.IsEmpty)
        {
            GeneratedCode.AssertRejected(run, layers);
            Assert.All(run.GeneratorDiagnostics, d => Assert.True(d.Id is "CNN0007" or "CNN0015", d.ToString()));
        }
        else
        {
            // Whatever was generated: every emitted length and count is a non-negative int that the compiler accepted.
            string text = run.Result.GeneratedSources[0].SourceText.ToString();
            Assert.DoesNotContain("KiB: -", text, StringComparison.Ordinal);
            Assert.DoesNotContain("= -", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheSummarysWeightSize_IsNotNegative()
    {
        // 1.6 G dense weights + 400 M BatchNorm parameters + 400 M running statistics: more floats than an int counts.
        GeneratorRun run = GeneratedCode.AssertSound(GeneratorHarness.Run(Net("[Input(1, 1, 200000000)] [BatchNorm] [Dense(8)]")), "2.4 G values");
        string text = string.Join("\n", run.Result.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("Weights: 9155.3 MiB (float32)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AStrideProductPast2To31_DoesNotFireCnn0103Wrongly()
    {
        // 32 stride-2 max pools with padding keep a 2×2 image; the receptive field doubles with each, past every int (it
        // wrapped to a negative value, which the next layer took as 1: CNN0103 said the last pool sees 2 pixels).
        string pools = string.Concat(Enumerable.Repeat("[MaxPool(2, Stride = 2, Padding = 1, Rounding = Rounding.Floor)] ", 32));
        GeneratorRun run = GeneratorHarness.Run(Net("[Input(2, 2, 1)] " + pools + "[Dense(1)]", network: "[Network(MinReceptiveField = 3)]"));
        GeneratedCode.AssertSound(run, "32 pools");
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CNN0103");
    }

    // ---- compiled-in weights read at the wrong offset ------------------------------------------------------

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(1)]
    public void AHeaderLengthLoweredIntoThePadding_IsCnn0202_NotWeightsReadEarly(int lowered)
    {
        // LeNet-5's file with 16 spaces of padding after the JSON; the length field lowered by a few bytes still covers
        // the whole JSON, so only the rule that the tensors fill the data section exactly can tell.
        byte[] valid = WeightsFiles.Build(WeightsFiles.LeNet5());
        ulong length = BitConverter.ToUInt64(valid, 0);
        string json = System.Text.Encoding.UTF8.GetString(valid, 8, (int)length).TrimEnd(' ');
        byte[] padded = WeightsFiles.WithHeader(json + new string(' ', 16), valid.Length - 8 - (long)length, i => valid[8 + (int)length + i]);
        BitConverter.GetBytes(BitConverter.ToUInt64(padded, 0) - (ulong)lowered).CopyTo(padded, 0);

        const string Weights = "[Network(ExpectedParameters = 61706, Weights = \"lenet5.safetensors\")]";
        GeneratorRun run = GeneratorHarness.Run(
            new[] { WeightsFiles.Converted("/src/Demo/lenet5.safetensors", padded) },
            Sources.LeNet5.Replace("[Network(ExpectedParameters = 61706)]", Weights, StringComparison.Ordinal));
        GeneratedCode.AssertSound(run, "lowered by " + lowered);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("CNN0202", diagnostic.Id);
        Assert.Contains($"{lowered} bytes after the last tensor belong to none", diagnostic.GetMessage(), StringComparison.Ordinal);

        // The class is still generated (so CNN0202 is all the user sees), with no values compiled in.
        Assert.DoesNotContain("0x", run.Result.GeneratedSources.Single(s => s.HintName.EndsWith(".Weights.g.cs", StringComparison.Ordinal)).SourceText.ToString(), StringComparison.Ordinal);
    }

    // ---- time and size linear in the layers ---------------------------------------------------------------

    [Fact]
    public void GeneratorTimeAndOutput_GrowLinearlyWithTheLayers()
    {
        // 250 and 4,000 BasicBlocks (1,750 and 28,000 primitive layers): 16× the layers. Before, scans of every other
        // layer per layer (the consumers table, in-place reuse, He/Glorot, the vector check) grew quadratically: 250 blocks
        // took 3,089 ms and 4,000 took 126,579 ms (41×); now 472 ms and 4,871 ms (10.3×). Linear is 16×; the bound, 32×,
        // leaves room for a loaded machine (24.1× once in a fresh-clone CI run with benchmarks running beside it: the large
        // run's working set outgrows the shared caches first) and still fails the quadratic scans.
        static (double Ms, long Chars) Fastest(int blocks, int runs)
        {
            (double ms, long chars) = Measure(blocks);
            for (int r = 1; r < runs; r++)
            {
                ms = System.Math.Min(ms, Measure(blocks).Ms);
            }

            return (ms, chars);
        }

        static (double Ms, long Chars) Measure(int blocks)
        {
            string source = Net("[Input(8, 8, 4)] " + string.Concat(Enumerable.Repeat("[BasicBlock(4)] ", blocks)) + "[Dense(2)]");
            CSharpCompilation compilation = GeneratorHarness.Compilation(source);
            double start = ThreadCpu.Milliseconds();
            GeneratorRun run = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver(trackSteps: false));
            double ms = ThreadCpu.Milliseconds() - start;
            Assert.Empty(run.GeneratorDiagnostics);
            return (ms, run.Result.GeneratedSources.Sum(s => (long)s.SourceText.Length));
        }

        // Times are the generator thread's CPU time (ThreadCpu), so other processes sharing the cores (CI runs test
        // assemblies side by side) do not count, and the fastest of a few runs.
        Measure(250); // warm-up
        (double smallMs, long smallChars) = Fastest(250, 3);
        (double largeMs, long largeChars) = Fastest(4000, 2);
        Assert.InRange(largeChars / (double)smallChars, 15.2, 16.8);
        Assert.True(largeMs < 32 * smallMs, $"250 blocks {smallMs:0} ms, 4,000 blocks {largeMs:0} ms: {largeMs / smallMs:0.0}× for 16× the layers");
    }

    // ---- warnings in emitted code --------------------------------------------------------------------

    [Theory]
    [InlineData("[Input(4, 4, 1)] [ReLU] [MaxPool(2)]")]
    [InlineData("[Input(4, 4, 1)] [MaxPool(2)]")]
    [InlineData("[Input(4, 4, 1)] [Flatten]")]
    [InlineData("[Input(4, 4, 1)] [Flatten] [Softmax]")]
    [InlineData("[Input(4, 4, 1)] [Dropout(0.5)]")]
    [InlineData("[Input(4, 4, 2)] [GlobalAvgPool]")]
    [InlineData("[Input(4, 4, 2)] [ReLU(Name = \"a\")] [Add(\"a\", \"input\")]")]
    [InlineData("[Input(4, 4, 2)] [Concat(\"input\", \"input\")] [Tanh]")]
    public void NetworksWithoutParameters_CompileWithoutWarnings(string layers)
    {
        GeneratedCode.AssertGenerated(GeneratorHarness.Run(Net(layers)), layers);
    }
}
