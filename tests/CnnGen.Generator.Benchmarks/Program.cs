using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using CnnGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// Times the CnnGen generator the way the IDE runs it, for each network of samples/Zoo/Networks.cs:
//   cold   — a new driver on a compilation holding the declaration (the first build);
//   typing — the same driver after an edit elsewhere in the project (every keystroke in other code);
//   edit   — after changing one attribute of the network (Dense(1000) → Dense(999), or similar);
// and reports the median of N runs after warm-up, plus the emitted source size.
// Usage: dotnet run -c Release --project tests/CnnGen.Generator.Benchmarks [-- --runs N]
//        dotnet run -c Release --project tests/CnnGen.Generator.Benchmarks -- --weights [--runs N]
//   (--weights: LeNet-5 with and without [Network(Weights = ...)] on tests/fixtures/lenet5_state_dict.safetensors,
//    side by side: generator run, compilation of the result to IL, emitted source and assembly size.)
if (args.Contains("--weights"))
{
    int weightRuns = args.SkipWhile(a => a != "--runs").Skip(1).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault(10);
    WeightsBenchmark.Run(weightRuns);
    return;
}

int runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
string zoo = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Zoo", "Networks.cs"));
var networks = Regex.Matches(zoo, @"(\[Network[^\n]*\n(?:\[[^\n]*\n)*?public partial class (\w+);)")
    .Select(m => (Name: m.Groups[2].Value, Source: "using CnnGen;\nnamespace Bench;\n" + m.Groups[1].Value + "\n"))
    .ToList();

MetadataReference[] references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .Append(MetadataReference.CreateFromFile(typeof(CnnGen.NetworkAttribute).Assembly.Location))
    .ToArray();
var parse = new CSharpParseOptions(LanguageVersion.Latest);
const string Other = "namespace Bench; public static class Other { public static int F(int x) => x + 1; }\n";

Console.WriteLine($"Generator timings, median of {runs} runs after warm-up (ms), and emitted source per network.");
Console.WriteLine();
Console.WriteLine("| network | layers declared | cold run | typing elsewhere | editing the network | emitted source | emitted lines |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
foreach ((string name, string source) in networks)
{
    CSharpCompilation Compile(string network, string other) => CSharpCompilation.Create(
        "Bench",
        new[] { CSharpSyntaxTree.ParseText(network, parse, "Network.cs"), CSharpSyntaxTree.ParseText(other, parse, "Other.cs") },
        references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

    CSharpCompilation baseline = Compile(source, Other);
    CSharpCompilation typed = Compile(source, Other + "// edit\n");
    string edited = Regex.Replace(source, @"\[Dense\((\d+)\)\](?!.*\[Dense)", m => $"[Dense({int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 1})]", RegexOptions.Singleline);
    edited = Regex.Replace(edited, @"ExpectedParameters = [\d_]+", "ExpectedParameters = 0");
    CSharpCompilation changed = Compile(edited, Other);

    GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create(new[] { new NetworkGenerator().AsSourceGenerator() }, parseOptions: parse);

    // Sanity: the declaration must generate exactly one file and no diagnostics.
    GeneratorDriverRunResult first = NewDriver().RunGenerators(baseline).GetRunResult();
    if (first.Diagnostics.Length > 0 || first.GeneratedTrees.Length != 1)
    {
        throw new InvalidOperationException($"{name}: expected one generated file and no diagnostics, got {first.GeneratedTrees.Length} and {string.Join("; ", first.Diagnostics)}");
    }

    string text = first.GeneratedTrees[0].GetText().ToString();
    double cold = Median(runs, () => NewDriver().RunGenerators(baseline));
    double typing = Median(runs, () => NewDriver().RunGenerators(baseline), driver => driver.RunGenerators(typed));
    double edit = Median(runs, () => NewDriver().RunGenerators(baseline), driver => driver.RunGenerators(changed));
    int declared = Regex.Matches(source, @"\[(?!Network|Input)\w+").Count;
    Console.WriteLine($"| {name} | {declared} | {cold:F2} | {typing:F2} | {edit:F2} | {text.Length / 1024.0:F0} KiB | {text.Count(c => c == '\n'):N0} |");
}

Console.WriteLine();
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}.");

// Median wall time of `measure`, each run on a fresh state from `setup`; warm-up runs are discarded.
static double Median(int runs, Func<GeneratorDriver> setup, Func<GeneratorDriver, GeneratorDriver>? measure = null)
{
    var times = new List<double>();
    for (int i = 0; i < runs + 5; i++)
    {
        GeneratorDriver driver = measure is null ? null! : setup();
        var clock = Stopwatch.StartNew();
        GeneratorDriver result = measure is null ? setup() : measure(driver);
        clock.Stop();
        GC.KeepAlive(result);
        if (i >= 5)
        {
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
    }

    times.Sort();
    return times[times.Count / 2];
}
