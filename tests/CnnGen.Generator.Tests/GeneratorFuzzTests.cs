using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Seeded fuzzing of the whole generator, in process: random and malformed declarations, user attribute types named
/// like CnnGen's, huge sizes, hostile names, members that collide with generated ones, and corrupted compiled-in
/// weight files. For every input: the generator does not throw, no generated file has an error or a warning, a network
/// that is not generated has an error (CnnGen's, or the compiler's on the user's own code), a network CnnGen reports
/// an error for is not generated, and a valid network declared beside it is still generated.
/// CI runs <see cref="DefaultIterations"/> inputs; <c>CNNGEN_FUZZ_ITERATIONS=20000</c> runs a long session and
/// <c>CNNGEN_FUZZ_SEED</c> picks another seed. A failure prints the seed, the iteration and the source.
/// </summary>
public sealed class GeneratorFuzzTests
{
    private const int DefaultIterations = 400;
    private const int DefaultSeed = 20261202;

    private readonly ITestOutputHelper _output;

    public GeneratorFuzzTests(ITestOutputHelper output) => _output = output;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;

    [Fact]
    public void RandomAndHostileDeclarations_NeverCrashNorEmitBrokenCode()
    {
        int iterations = Setting("CNNGEN_FUZZ_ITERATIONS", DefaultIterations);
        int seed = Setting("CNNGEN_FUZZ_SEED", DefaultSeed);
        var random = new Random(seed);
        var times = new List<double>();
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var ids = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int generated = 0, rejected = 0;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            FuzzCase c = NextCase(random);
            kinds[c.Kind] = kinds.GetValueOrDefault(c.Kind) + 1;
            var watch = Stopwatch.StartNew();
            GeneratorRun run = c.Weights is null
                ? GeneratorHarness.Run(c.Sources)
                : GeneratorHarness.Run(new[] { WeightsFiles.Converted("/src/Demo/w.safetensors", c.Weights) }, c.Sources);
            times.Add(watch.Elapsed.TotalMilliseconds);
            try
            {
                Check(run, c);
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}, iteration {i}, {c.Kind}:\n{e.Message}\n---- source ----\n{string.Join("\n----\n", c.Sources)}");
            }

            if (Emitted(run))
            {
                generated++;
            }
            else
            {
                rejected++;
            }

            foreach (Diagnostic d in run.GeneratorDiagnostics)
            {
                ids[d.Id] = ids.GetValueOrDefault(d.Id) + 1;
            }
        }

        times.Sort();
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {seed}: {iterations} inputs in {total.Elapsed.TotalSeconds:0.0} s; network generated {generated}, not generated {rejected}; generator run per input p50 {times[times.Count / 2]:0.0} ms, p99 {times[(int)(times.Count * 0.99)]:0.0} ms, max {times[^1]:0.0} ms"));
        _output.WriteLine("cases: " + string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}")));
        _output.WriteLine("diagnostics: " + string.Join(", ", ids.Select(k => $"{k.Key} {k.Value}")));
    }

    private static bool Emitted(GeneratorRun run) =>
        run.Result.GeneratedSources.Any(s => !s.HintName.StartsWith("Demo.Beside.", StringComparison.Ordinal) && !s.HintName.EndsWith(".Weights.g.cs", StringComparison.Ordinal));

    private static void Check(GeneratorRun run, FuzzCase c)
    {
        GeneratedCode.AssertSound(run, c.Kind);
        // The fuzzed network is the one in Network0.cs; the valid one beside it must have no diagnostic at all.
        bool emitted = Emitted(run);
        List<Diagnostic> errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath == "Network0.cs").ToList();
        if (c.BesideIsValid)
        {
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Location.SourceTree?.FilePath != "Network0.cs");
        }

        bool userCodeBroken = run.Input.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        if (!emitted)
        {
            Assert.True(errors.Count > 0 || userCodeBroken, "the network was not generated, but nothing reports an error");
        }
        else
        {
            // A weights file that does not match (CNN02xx) still generates the class, without data; any other error does not.
            Assert.True(errors.All(d => d.Id.StartsWith("CNN02", StringComparison.Ordinal)), "generated despite " + string.Join("; ", errors));
        }

        // A valid network beside the fuzzed one is never lost (a crash would drop every generated file).
        if (c.BesideIsValid)
        {
            Assert.Contains(run.Result.GeneratedSources, s => s.HintName == "Demo.Beside.Valid.g.cs");
        }
    }

    private sealed record FuzzCase(string Kind, string[] Sources, byte[]? Weights = null)
    {
        /// <summary>False when the case redefines a CnnGen attribute in the user's code, which changes the network beside too.</summary>
        public bool BesideIsValid { get; init; } = true;
    }

    private const string Beside = """
        using CnnGen;
        namespace Demo.Beside;
        [Network] [Input(6, 6, 1)] [Conv2D(2, 3)] [ReLU] [Dense(3)] [Softmax]
        public partial class Valid;
        """;

    private static readonly string[] LayerKinds =
    {
        "Conv2D", "MaxPool", "AvgPool", "MinPool", "L2Pool", "GlobalAvgPool", "Dense", "Flatten", "ReLU", "LeakyReLU", "ELU",
        "Sigmoid", "Tanh", "Softmax", "Dropout", "BatchNorm", "Add", "Concat", "BasicBlock", "Inception",
    };

    private static readonly string[] HostileTexts =
    {
        "a\nb", "a\r\nb", "q\"q", "*/", "/*", "\\", "\u0085", "\u2028", "\u2029", "\0", "\u001b", "<x>&", "\ud800", "{0}", "", " ", "input", "é", "\t",
    };

    private static readonly string[] ClassNames =
    {
        "Fuzz", "Trainer", "Summary", "Forward", "Predict", "Run", "State", "Parameters", "InputLength", "ArenaLength", "Chunk",
        "BatchForwardWork", "Dense_4_to_2", "Network", "Step", "Kernels", "CnnGen", "System", "Random", "Span", "INetwork",
        "@class", "@var", "@record", "@file", "@extension", "@value", "@event", "@dynamic", "Ünïcode",
    };

    private static FuzzCase NextCase(Random r)
    {
        int pick = r.Next(100);
        return pick switch
        {
            < 45 => Declaration(r, "random", hostile: false),
            < 60 => Declaration(r, "malformed", hostile: true),
            < 68 => HugeSizes(r),
            < 76 => NamedLikeOurs(r),
            < 84 => HostileNames(r),
            < 92 => CollidingMembers(r),
            _ => CorruptedWeights(r),
        };
    }

    // ---- declarations ------------------------------------------------------------------------------------

    private static string Network(string attributes, string className = "Fuzz", string body = ";", string network = "[Network]", string ns = "Demo.Fuzz") => $$"""
        using CnnGen;
        namespace {{ns}};
        {{network}}
        {{attributes}}
        public partial class {{className}}{{body}}
        """;

    private static FuzzCase Declaration(Random r, string kind, bool hostile)
    {
        var names = new List<string> { "input" };
        var text = new StringBuilder();
        if (!hostile || r.Next(8) != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"[Input({Size(r, hostile, 1, 12)}, {Size(r, hostile, 1, 12)}, {Size(r, hostile, 1, 4)})] ");
        }

        int layers = r.Next(hostile ? 0 : 1, 9);
        for (int i = 0; i < layers; i++)
        {
            text.Append(Layer(r, hostile, names)).Append(' ');
            if (hostile && r.Next(12) == 0)
            {
                text.Append("[Input(4, 4, 1)] ");
            }
        }

        string network = r.Next(4) switch
        {
            0 => $"[Network(ExpectedParameters = {(hostile ? Pick(r, "-1", "0", "1", "9223372036854775807") : r.Next(0, 500).ToString(CultureInfo.InvariantCulture))})]",
            1 => $"[Network(MaxParameters = {r.Next(0, 300)}, MaxMultiplyAdds = {r.Next(0, 3000)}, MinReceptiveField = {Pick(r, "0", "3", "100", "-1", "2147483647")})]",
            2 => $"[Network(Seed = {Pick(r, "0", "7", "-1", "2147483647")}, Rounding = {Pick(r, "Rounding.Floor", "Rounding.Ceil", "Rounding.Exact", "(Rounding)9")})]",
            _ => "[Network]",
        };
        return new FuzzCase(kind, new[] { Network(text.ToString(), network: network), Beside });
    }

    private static string Size(Random r, bool hostile, int min, int max) => hostile && r.Next(4) == 0
        ? Pick(r, "0", "-1", "2147483647", "-2147483648", "8192", "65536", "46341", "default")
        : r.Next(min, max + 1).ToString(CultureInfo.InvariantCulture);

    private static string Number(Random r, bool hostile, int min, int max) => Size(r, hostile, min, max);

    private static string Double(Random r, bool hostile, string usual) => hostile && r.Next(3) == 0
        ? Pick(r, "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "1e300", "-1e300", "1e-300", "-0.0", "0", "1e39", "3.4028235e38", "2")
        : usual;

    private static string Layer(Random r, bool hostile, List<string> names)
    {
        string kind = LayerKinds[r.Next(LayerKinds.Length)];
        var args = new List<string>();
        switch (kind)
        {
            case "Conv2D":
                args.Add(Number(r, hostile, 1, 20));
                if (r.Next(3) == 0)
                {
                    args.Add(Number(r, hostile, 1, 4));
                    args.Add(Number(r, hostile, 1, 4));
                }
                else
                {
                    args.Add(Number(r, hostile, 1, 5));
                }

                if (r.Next(2) == 0) args.Add("Stride = " + Number(r, hostile, 1, 3));
                if (r.Next(3) == 0) args.Add("Padding = " + (r.Next(3) == 0 ? "Padding.Same" : Number(r, hostile, 0, 2)));
                if (r.Next(5) == 0) args.Add("Bias = false");
                if (r.Next(4) == 0) args.Add("Rounding = " + Pick(r, "Rounding.Floor", "Rounding.Ceil", "Rounding.Exact"));
                break;
            case "MaxPool" or "AvgPool" or "MinPool" or "L2Pool":
                args.Add(Number(r, hostile, 1, 3));
                if (r.Next(2) == 0) args.Add("Stride = " + Number(r, hostile, 1, 3));
                if (r.Next(3) == 0) args.Add("Padding = " + Number(r, hostile, 0, 1));
                if (r.Next(3) == 0) args.Add("Rounding = " + Pick(r, "Rounding.Floor", "Rounding.Ceil"));
                break;
            case "Dense":
                args.Add(Number(r, hostile, 1, 16));
                break;
            case "LeakyReLU":
                if (r.Next(2) == 0) args.Add(Double(r, hostile, "0.1"));
                break;
            case "ELU":
                if (r.Next(2) == 0) args.Add(Double(r, hostile, "0.5"));
                break;
            case "Dropout":
                args.Add(Double(r, hostile, "0.25"));
                break;
            case "BatchNorm":
                if (r.Next(2) == 0) args.Add("Epsilon = " + Double(r, hostile, "1e-3"));
                if (r.Next(3) == 0) args.Add("Momentum = " + Double(r, hostile, "0.2"));
                break;
            case "Add" or "Concat":
                if (hostile && r.Next(4) == 0)
                {
                    args.Add(Pick(r, "null", "default", "new string[0]", "\"nowhere\"", "null, null"));
                }
                else
                {
                    int n = r.Next(1, 3);
                    for (int k = 0; k < n; k++) args.Add("\"" + names[r.Next(names.Count)] + "\"");
                }

                break;
            case "BasicBlock":
                args.Add(Number(r, hostile, 1, 8));
                if (r.Next(3) == 0) args.Add("Stride = " + Number(r, hostile, 1, 2));
                break;
            case "Inception":
                for (int k = 0; k < 6; k++) args.Add(Number(r, hostile, 1, 3));
                break;
        }

        if (r.Next(3) == 0)
        {
            string name = "n" + names.Count.ToString(CultureInfo.InvariantCulture);
            if (hostile && r.Next(3) == 0)
            {
                name = names[r.Next(names.Count)];
            }

            args.Add("Name = \"" + name + "\"");
            names.Add(name);
        }

        if (r.Next(8) == 0 && kind is not "Concat")
        {
            args.Add("From = \"" + (hostile && r.Next(2) == 0 ? "later" : names[r.Next(names.Count)]) + "\"");
        }

        return args.Count == 0 ? $"[{kind}]" : $"[{kind}({string.Join(", ", args)})]";
    }

    private static FuzzCase HugeSizes(Random r)
    {
        string[] dims = { "1", "2", "7", "1024", "8192", "16384", "23170", "46341", "65536", "536870911", "2147483647" };
        string input = $"[Input({Pick(r, dims)}, {Pick(r, dims)}, {Pick(r, dims)})]";
        var layers = new List<string>();
        int n = r.Next(1, 6);
        for (int i = 0; i < n; i++)
        {
            layers.Add(Pick(r,
                $"[Dense({Pick(r, dims)})]", $"[Conv2D({Pick(r, dims)}, 1)]", "[ReLU]", "[Sigmoid]", "[BatchNorm]",
                "[Concat(\"input\", \"input\", \"input\", \"input\")]", $"[MaxPool(2, Stride = 2, Padding = 1, Rounding = Rounding.Floor)]",
                "[Flatten]", "[GlobalAvgPool]"));
        }

        string network = r.Next(2) == 0 ? "[Network]" : "[Network(MinReceptiveField = 3)]";
        return new FuzzCase("huge", new[] { Network(input + " " + string.Join(" ", layers), network: network), Beside });
    }

    private static FuzzCase NamedLikeOurs(Random r)
    {
        string kind = LayerKinds[r.Next(LayerKinds.Length)];
        string ns = Pick(r, "CnnGen", "Other", "CnnGen.Mine");
        string parameter = Pick(r, "string units", "long units", "double filters", "int a, int b, int c, int d, int e, int f, int g", "params string[] layers", "");
        string typeName = Pick(r, kind + "Attribute", kind, "NetworkAttribute", "InputAttribute");
        string declaration = $"namespace {ns} {{ [System.AttributeUsage(System.AttributeTargets.All, AllowMultiple = true)] public sealed class {typeName} : System.Attribute {{ public {typeName}({parameter}) {{ }} }} }}";
        string argument = parameter switch
        {
            "string units" => "\"ten\"",
            "long units" => "10000000000",
            "double filters" => "1e300",
            "params string[] layers" => "null",
            "" => string.Empty,
            _ => "1, 2, 3, 4, 5, 6, 7",
        };
        string usage = typeName.EndsWith("Attribute", StringComparison.Ordinal) ? typeName[..^"Attribute".Length] : typeName;
        string qualified = ns == "CnnGen" ? usage : ns + "." + usage;
        string attribute = argument.Length == 0 ? $"[{qualified}]" : $"[{qualified}({argument})]";
        string layers = r.Next(2) == 0 ? $"[Input(4, 4, 1)] {attribute} [Dense(2)]" : $"{attribute} [Input(4, 4, 1)] [Dense(2)]";
        return new FuzzCase("named-like-ours", new[] { Network(layers), declaration, Beside }) { BesideIsValid = ns != "CnnGen" };
    }

    private static FuzzCase HostileNames(Random r)
    {
        string name = HostileTexts[r.Next(HostileTexts.Length)] + (r.Next(2) == 0 ? HostileTexts[r.Next(HostileTexts.Length)] : string.Empty);
        string literal = SymbolDisplay.FormatLiteral(name, quote: true);
        string layers = r.Next(3) switch
        {
            0 => $"[Input(6, 6, 1)] [Conv2D(2, 3, Name = {literal})] [ReLU] [Add({literal})] [Dense(2)]",
            1 => $"[Input(4, 4, 2)] [ReLU(Name = {literal})] [Concat({literal}, \"input\")] [Dense(2)]",
            _ => $"[Input(4, 4, 1)] [Dense(3, Name = {literal})] [Dense(2, From = {literal})]",
        };
        string network = r.Next(3) == 0 ? $"[Network(Weights = {SymbolDisplay.FormatLiteral(name + ".safetensors", true)})]" : "[Network]";
        string className = ClassNames[r.Next(ClassNames.Length)];
        string ns = Pick(r, "Demo.Fuzz", "Demo.Fuzz.@class", "Demo.Fuzz.@event.Ünï");
        string source = $$"""
            using CnnGen;
            namespace {{ns}}
            {
                public partial class {{Pick(r, "Outer", "@event", "@record", "@extension")}}
                {
                    {{network}}
                    {{layers}}
                    public partial class {{className}};
                }
            }
            """;

        return new FuzzCase("hostile-names", new[] { r.Next(2) == 0 ? source : Network(layers, className, network: network), Beside });
    }

    private static FuzzCase CollidingMembers(Random r)
    {
        IReadOnlyList<string> emitted = s_emitted.Value;
        string member = emitted[r.Next(emitted.Count)];
        string body = r.Next(6) switch
        {
            0 => $" {{ public static int {member}; }}",
            1 => $" {{ private void {member}() {{ }} }}",
            2 => " { public Fuzz() { } }",
            3 => " { private Fuzz(int seed) { } }",
            4 => "(int size) { public int Size => size; }",
            _ => " { public Fuzz(string tag) : this(1) { } }",
        };
        string baseClass = r.Next(4) == 0 ? $"\npublic class FuzzBase {{ public int {member} => 1; }}" : string.Empty;
        string className = r.Next(4) == 0 ? member : "Fuzz";
        if (className != "Fuzz")
        {
            body = ";";
        }

        string source = Network("[Input(6, 6, 2)] [Conv2D(4, 3)] [BatchNorm] [ReLU] [Dense(3)]", className, (baseClass.Length > 0 ? " : FuzzBase" : string.Empty) + body) + baseClass;
        return new FuzzCase("colliding-members", new[] { source, Beside });
    }

    private static readonly Lazy<IReadOnlyList<string>> s_emitted = new(GeneratorRobustnessTests.EmittedIdentifiers);

    // ---- compiled-in weights ---------------------------------------------------------------------------------

    private static readonly TestTensor[] SmallTensors =
    {
        new("conv1.weight", "F32", 2, 1, 3, 3), new("conv1.bias", "F32", 2), new("fc1.weight", "F32", 3, 32), new("fc1.bias", "F32", 3),
    };

    private static FuzzCase CorruptedWeights(Random r)
    {
        byte[] file = WeightsFiles.Build(SmallTensors);
        int corruption = r.Next(7);
        switch (corruption)
        {
            case 0:
                // A few random bytes anywhere.
                for (int k = r.Next(1, 4); k > 0; k--) file[r.Next(file.Length)] = (byte)r.Next(256);
                break;
            case 1:
                Array.Resize(ref file, r.Next(0, file.Length));
                break;
            case 2:
                // The length field moved by a few bytes either way.
                BitConverter.GetBytes(BitConverter.ToUInt64(file, 0) + (ulong)(long)r.Next(-9, 10)).CopyTo(file, 0);
                break;
            case 3:
                // A byte of the JSON header.
                file[8 + r.Next((int)BitConverter.ToUInt64(file, 0))] = (byte)Pick(r, "\"", "{", "}", "]", ",", "9", "-", " ", "\\", "\u00e9")[0];
                break;
            case 4:
                Array.Resize(ref file, file.Length + r.Next(1, 9));
                break;
            case 5:
                // Bytes of the data: still a valid file (every bit pattern is some float, NaN and infinity included).
                for (int k = 0; k < 8; k++) file[file.Length - 1 - r.Next(40)] = (byte)r.Next(256);
                break;
            default:
                break;
        }

        string source = Network("[Input(6, 6, 1)] [Conv2D(2, 3)] [ReLU] [Dense(3)]", network: "[Network(Weights = \"w.safetensors\")]");
        return new FuzzCase("corrupted-weights", new[] { source, Beside }, file);
    }

    private static string Pick(Random r, params string[] values) => values[r.Next(values.Length)];
}
