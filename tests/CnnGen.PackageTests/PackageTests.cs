using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace CnnGen.PackageTests;

/// <summary>
/// Packs CnnGen once into a temporary folder and writes a consumer project that restores it from there, as a new
/// user would: its own nuget.config, an empty NuGet cache (NUGET_PACKAGES) so no earlier CnnGen can be picked up.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    private readonly TempFolder _temp = DotNet.CreateTempFolder("cnngen-package");

    public PackedPackage()
    {
        Feed = _temp.Combine("feed");
        Pack = DotNet.Run(DotNet.RepoRoot, null, "pack", Path.Combine(DotNet.RepoRoot, "src", "CnnGen", "CnnGen.csproj"), "-c", "Release", "-o", Feed);
        if (Pack.ExitCode != 0) return;
        PackagePath = Directory.GetFiles(Feed, "CnnGen.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(PackagePath)["CnnGen.".Length..];

        // The packages CnnGen depends on (System.Numerics.Tensors, StbImageSharp, StbImageWriteSharp, and ILLink's analyzers for IsAotCompatible) come
        // from the machine's NuGet cache used as a plain folder source: the restore works offline. Source mapping
        // makes the CnnGen package come from the freshly packed folder and nowhere else.
        string machineCache = GlobalPackagesFolder();
        Consumer = _temp.Combine("consumer");
        Directory.CreateDirectory(Consumer);
        Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed" value="{Feed}" />
                <add key="machine-cache" value="{machineCache}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="packed">
                  <package pattern="CnnGen" />
                </packageSource>
                <packageSource key="machine-cache">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        // A new user's folder: nothing inherited from any Directory.Build.* above the temporary folder.
        Write("Directory.Build.props", "<Project />");
        Write("Directory.Build.targets", "<Project />");
        Write("Consumer.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- The trim and AOT analyzers look at the generated code too. -->
                <IsAotCompatible>true</IsAotCompatible>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="CnnGen" Version="{Version}" />
              </ItemGroup>
              <ItemGroup>
                <AdditionalFiles Include="lenet5.safetensors" />
              </ItemGroup>
              <ItemGroup Condition="'$(WithStrideError)' != 'true'">
                <Compile Remove="StrideError.cs" />
              </ItemGroup>
            </Project>
            """);
        Write("LeNet5.cs", """
            using CnnGen;

            [Network(ExpectedParameters = 61706)]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class LeNet5;
            """);
        Write("TrainedLeNet5.cs", """
            using CnnGen;

            [Network(Weights = "lenet5.safetensors")]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class TrainedLeNet5;
            """);
        File.Copy(Weights, Path.Combine(Consumer, "lenet5.safetensors"));
        Write("StrideError.cs", """
            using CnnGen;

            [Network]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5, Stride = 2)] [ReLU] [MaxPool(2)]
            [Dense(10)] [Softmax]
            public partial class BadStride;
            """);
        Write("Program.cs", """
            using System;
            using System.Globalization;
            using CnnGen.IO;
            using CnnGen.Training;

            // args: weights.safetensors images-idx3 labels-idx1
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Console.WriteLine($"parameters: {LeNet5.ParameterCount}");

            // Training runs: 20 Adam steps on one batch of 16 digits lower its loss.
            var (pixels, count, rows, columns) = Idx.ReadImages(args[1]);
            byte[] labels = Idx.ReadLabels(args[2]);
            const int batch = 16;
            var inputs = new float[batch * LeNet5.InputLength];
            var targets = new int[batch];
            for (int i = 0; i < batch; i++)
            {
                Pad(pixels.AsSpan(i * rows * columns, rows * columns), inputs.AsSpan(i * LeNet5.InputLength, LeNet5.InputLength));
                targets[i] = labels[i];
            }

            var fresh = new LeNet5(seed: 1);
            var trainer = new LeNet5.Trainer(fresh, new Adam(1e-3f));
            float first = trainer.TrainBatch(inputs, targets), last = first;
            for (int step = 1; step < 20; step++) last = trainer.TrainBatch(inputs, targets);
            Console.WriteLine($"training loss: {first:0.0000} -> {last:0.0000}");

            // Inference with trained weights: the first 100 test digits.
            var net = new LeNet5();
            SafeTensors.Load(net, args[0]);
            var input = new float[LeNet5.InputLength];
            var probabilities = new float[LeNet5.OutputLength];
            int correct = 0, n = Math.Min(100, count);
            for (int i = 0; i < n; i++)
            {
                Pad(pixels.AsSpan(i * rows * columns, rows * columns), input);
                if (net.Predict(input, probabilities) == labels[i]) correct++;
            }

            Console.WriteLine($"correct: {correct}/{n}");

            // The same weights compiled in ([Network(Weights = ...)]): the same probabilities, bit for bit.
            var compiled = new TrainedLeNet5();
            var compiledProbabilities = new float[TrainedLeNet5.OutputLength];
            int same = 0;
            for (int i = 0; i < n; i++)
            {
                Pad(pixels.AsSpan(i * rows * columns, rows * columns), input);
                net.Predict(input, probabilities);
                compiled.Predict(input, compiledProbabilities);
                if (probabilities.AsSpan().SequenceEqual(compiledProbabilities)) same++;
            }

            Console.WriteLine($"compiled-in weights agree: {same}/{n}");

            // MNIST's 28×28 digits centred in the 32×32 input, as the training sample feeds them.
            static void Pad(ReadOnlySpan<byte> image, Span<float> input)
            {
                input.Clear();
                int side = (int)Math.Sqrt(image.Length), offset = (32 - side) / 2;
                for (int r = 0; r < side; r++)
                    for (int c = 0; c < side; c++)
                        input[(r + offset) * 32 + c + offset] = image[r * side + c] / 255f;
            }
            """);

        Environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = _temp.Combine("nuget-packages"),
        };
        Restore = DotNet.Run(Consumer, Environment, "restore");
    }

    /// <summary>The trained LeNet-5 weights samples/LeNet.Aot compiles in.</summary>
    public static string Weights { get; } = Path.Combine(DotNet.RepoRoot, "samples", "LeNet.Aot", "lenet5.safetensors");

    public string Feed { get; }

    public ProcessResult Pack { get; }

    public string PackagePath { get; } = "";

    public string Version { get; } = "";

    public string Consumer { get; } = "";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>();

    public ProcessResult? Restore { get; }

    public void Dispose() => _temp.Dispose();

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(Consumer, name), text);

    private static string GlobalPackagesFolder()
    {
        // "global-packages: /root/.nuget/packages/"
        ProcessResult r = DotNet.Run(DotNet.RepoRoot, null, "nuget", "locals", "global-packages", "--list");
        Match m = Regex.Match(r.Output, @"global-packages:\s*(.+)");
        if (r.ExitCode != 0 || !m.Success) throw new InvalidOperationException(r.ToString());
        return m.Groups[1].Value.Trim();
    }
}

/// <summary>The package as a new user meets it: its content, a consumer build, a shape error, no leaked paths.</summary>
public sealed class PackageTests(PackedPackage package) : IClassFixture<PackedPackage>
{
    private static readonly string Data = Path.Combine(DotNet.RepoRoot, "samples", "LeNet", "data");

    [Fact]
    public void Pack_gives_one_package_with_the_runtime_and_both_analyzer_assemblies()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.ToString());
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        string[] files = zip.Entries.Select(e => e.FullName).Where(n => n.EndsWith(".dll", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["analyzers/dotnet/cs/CnnGen.CodeFixes.dll", "analyzers/dotnet/cs/CnnGen.Generator.dll", "lib/net10.0/CnnGen.dll"],
            files);

        // The build step of compiled-in weights, imported by NuGet into the projects that reference CnnGen.
        Assert.NotNull(zip.GetEntry("build/CnnGen.targets"));

        // The dependencies are System.Numerics.Tensors and the two picture libraries (ImageFolder decodes with StbImageSharp,
        // Pictures writes PNG with StbImageWriteSharp; both plain C#): the generator projects are not package dependencies.
        string nuspec = Read(zip.GetEntry("CnnGen.nuspec")!);
        string[] dependencies = Regex.Matches(nuspec, "<dependency id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["StbImageSharp", "StbImageWriteSharp", "System.Numerics.Tensors"], dependencies);
        Assert.Single(Directory.GetFiles(package.Feed, "*.nupkg"));
    }

    [Fact]
    public void The_package_holds_no_path_of_the_packing_machine()
    {
        Assert.True(package.Pack.ExitCode == 0, package.Pack.ToString());
        string[] forbidden =
        [
            DotNet.RepoRoot.TrimEnd('/'),
            Path.GetTempPath().TrimEnd('/'),
            System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile),
        ];
        using ZipArchive zip = ZipFile.OpenRead(package.PackagePath);
        var leaks = new List<string>();
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            byte[] bytes = ReadBytes(entry);
            foreach (string path in forbidden.Where(p => p.Length > 1))
            {
                if (Contains(bytes, Encoding.UTF8.GetBytes(path)) || Contains(bytes, Encoding.Unicode.GetBytes(path)))
                    leaks.Add($"{entry.FullName} contains '{path}'");
            }

            if (entry.FullName.EndsWith(".dll", StringComparison.Ordinal))
            {
                // The one path every assembly carries: its PDB's, in the CodeView debug entry. Mapped, not absolute.
                using var pe = new PEReader(new MemoryStream(bytes));
                foreach (DebugDirectoryEntry debug in pe.ReadDebugDirectory().Where(d => d.Type == DebugDirectoryEntryType.CodeView))
                {
                    string pdb = pe.ReadCodeViewDebugDirectoryData(debug).Path;
                    if (!pdb.StartsWith("/_/", StringComparison.Ordinal)) leaks.Add($"{entry.FullName}: PDB path '{pdb}' is not mapped to /_/");
                }
            }
        }

        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    [Fact]
    public void A_fresh_project_restores_the_package_builds_LeNet5_without_warnings_trains_it_and_runs_compiled_in_weights()
    {
        Assert.True(package.Restore is { ExitCode: 0 }, package.Restore?.ToString() ?? package.Pack.ToString());

        // The CnnGen that was restored is the packed one, extracted into the isolated cache.
        string restored = Path.Combine(package.Environment["NUGET_PACKAGES"], "cnngen", package.Version.ToLowerInvariant(), "lib", "net10.0", "CnnGen.dll");
        Assert.True(File.Exists(restored), $"{restored} missing");

        ProcessResult build = DotNet.Run(package.Consumer, package.Environment, "build", "-c", "Release", "--no-restore");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotMatch(@"(?m)warning [A-Z]+\d+", build.Output);

        ProcessResult run = DotNet.Run(
            package.Consumer, package.Environment, "bin/Release/net10.0/Consumer.dll",
            PackedPackage.Weights, Path.Combine(Data, "test-images-idx3-ubyte.gz"), Path.Combine(Data, "test-labels-idx1-ubyte.gz"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("parameters: 61706", run.Output);

        Match loss = Regex.Match(run.Output, @"training loss: ([0-9.]+) -> ([0-9.]+)");
        Assert.True(loss.Success, run.Output);
        Assert.True(double.Parse(loss.Groups[2].Value) < 0.5 * double.Parse(loss.Groups[1].Value), run.Output);

        Match correct = Regex.Match(run.Output, @"correct: (\d+)/100");
        Assert.True(correct.Success, run.Output);
        Assert.InRange(int.Parse(correct.Groups[1].Value), 95, 100);
        Assert.Contains("compiled-in weights agree: 100/100", run.Output);
    }

    [Fact]
    public void A_stride_that_does_not_fit_is_CNN0001_on_the_attribute_argument()
    {
        Assert.True(package.Restore is { ExitCode: 0 }, package.Restore?.ToString() ?? package.Pack.ToString());
        ProcessResult build = DotNet.Run(
            package.Consumer, package.Environment, "build", "-c", "Release", "--no-restore", "-p:WithStrideError=true");
        Assert.NotEqual(0, build.ExitCode);
        // Line 6 of StrideError.cs, column 16: `Stride = 2` of the second Conv2D.
        Assert.Matches(@"StrideError\.cs\(6,16\): error CNN0001: .*\(14 − 5 \+ 2·0\)/2 \+ 1 = 5\.5", build.Output);
        Assert.DoesNotMatch(@"error (?!CNN0001)[A-Z]+\d+", build.Output);
    }

    private static byte[] ReadBytes(ZipArchiveEntry entry)
    {
        using Stream s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static string Read(ZipArchiveEntry entry) => Encoding.UTF8.GetString(ReadBytes(entry));

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
