using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace CnnGen.PackageTests;

/// <summary>
/// Publishes samples/LeNet.Aot with Native AOT (the command of its README) and builds it with the JIT, once for
/// all tests of <see cref="AotPublishTests"/>.
/// </summary>
public sealed class PublishedSample : IDisposable
{
    private readonly TempFolder _temp = DotNet.CreateTempFolder("cnngen-aot");

    public PublishedSample()
    {
        string project = Path.Combine(DotNet.RepoRoot, "samples", "LeNet.Aot", "LeNet.Aot.csproj");
        PublishFolder = _temp.Combine("publish");
        Publish = DotNet.Run(DotNet.RepoRoot, null, "publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", PublishFolder);
        JitBuild = DotNet.Run(DotNet.RepoRoot, null, "build", project, "-c", "Release");
        Images = _temp.Combine("images");
        Directory.CreateDirectory(Images);
    }

    public ProcessResult Publish { get; }

    public string PublishFolder { get; }

    public string Native => Path.Combine(PublishFolder, "LeNet.Aot");

    /// <summary>The AVX-512 build the publish writes beside <see cref="Native"/>, which switches to it on AVX-512 CPUs.</summary>
    public string NativeAvx512 => Native + ".x86-64-v4";

    public ProcessResult JitBuild { get; }

    public string JitAssembly => Path.Combine(DotNet.RepoRoot, "samples", "LeNet.Aot", "bin", "Release", "net10.0", "LeNet.Aot.dll");

    /// <summary>A folder for image files the tests write.</summary>
    public string Images { get; }

    public void Dispose() => _temp.Dispose();
}

/// <summary>The inference-only sample as one native executable: no trim or AOT warning, the JIT's predictions.</summary>
public sealed class AotPublishTests(PublishedSample sample) : IClassFixture<PublishedSample>
{
    private static readonly string Data = Path.Combine(DotNet.RepoRoot, "samples", "LeNet", "data");

    [Fact]
    public void LeNet_Aot_publishes_natively_without_a_trim_or_AOT_warning()
    {
        Assert.True(sample.Publish.ExitCode == 0, sample.Publish.ToString());
        Assert.DoesNotMatch(@"warning IL[23]\d{3}", sample.Publish.Output);
        Assert.DoesNotMatch(@"(?m)warning [A-Z]+\d+", sample.Publish.Output);
        Assert.True(File.Exists(sample.Native), $"{sample.Native} missing:\n{sample.Publish.Output}");

        // One native file: no managed assemblies beside it.
        Assert.Empty(Directory.GetFiles(sample.PublishFolder, "*.dll"));
        long size = new FileInfo(sample.Native).Length;
        Assert.True(size <= 3_000_000, $"the executable is {size:N0} bytes, above the 3 MB budget");
    }

    [Fact]
    public void The_native_executable_predicts_every_test_digit_as_the_JIT_build_does()
    {
        Assert.True(sample.Publish.ExitCode == 0, sample.Publish.ToString());
        Assert.True(sample.JitBuild.ExitCode == 0, sample.JitBuild.ToString());
        string[] args =
        [
            "--idx", Path.Combine(Data, "test-images-idx3-ubyte.gz"),
            "--labels", Path.Combine(Data, "test-labels-idx1-ubyte.gz"),
        ];
        ProcessResult native = DotNet.Exec(sample.Native, DotNet.RepoRoot, null, args);
        ProcessResult jit = DotNet.Run(DotNet.RepoRoot, null, [sample.JitAssembly, .. args]);
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.True(jit.ExitCode == 0, jit.ToString());

        var nativeResults = Parse(native.Output);
        var jitResults = Parse(jit.Output);
        Assert.Equal(2000, nativeResults.Count);
        Assert.Equal(jitResults.Keys.Order(), nativeResults.Keys.Order());
        foreach (var (index, (k, p)) in jitResults)
        {
            Assert.Equal(k, nativeResults[index].Class);
            Assert.InRange(nativeResults[index].Probability, p - 2e-4, p + 2e-4);
        }

        // The committed weights are the trained ones: about 98 % of the held-out digits.
        Match accuracy = Regex.Match(native.Output, @"accuracy: (\d+)/2000");
        Assert.True(accuracy.Success, native.Output);
        Assert.InRange(int.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture), 1940, 2000);
        Assert.Contains(accuracy.Value, jit.Output);

        // The compiled-in weights are the committed file's: loading it at run time changes nothing.
        ProcessResult loaded = DotNet.Exec(sample.Native, DotNet.RepoRoot, null, ["--weights", Path.Combine(DotNet.RepoRoot, "samples", "LeNet.Aot", "lenet5.safetensors"), .. args]);
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        Assert.Equal(native.Output, loaded.Output);
    }

    [Fact]
    public void The_default_publish_runs_without_AVX512_and_predicts_as_the_JIT_does()
    {
        Assert.True(sample.Publish.ExitCode == 0, sample.Publish.ToString());
        Assert.True(sample.JitBuild.ExitCode == 0, sample.JitBuild.ToString());
        Assert.True(File.Exists(sample.NativeAvx512), $"{sample.NativeAvx512} missing:\n{sample.Publish.Output}");
        long size = new FileInfo(sample.NativeAvx512).Length;
        Assert.True(size <= 3_000_000, $"the AVX-512 executable is {size:N0} bytes, above the 3 MB budget");

        // What runs: the AVX-512 build on a CPU (and kernel) with AVX-512, else the x86-64-v3 one itself.
        var noAvx512 = new Dictionary<string, string> { ["DOTNET_EnableAVX512"] = "0" };
        ProcessResult plain = DotNet.Exec(sample.Native, DotNet.RepoRoot, null, "--cpu");
        ProcessResult without = DotNet.Exec(sample.Native, DotNet.RepoRoot, noAvx512, "--cpu");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.True(without.ExitCode == 0, without.ToString());
        Assert.Equal(
            CpuHasAvx512() && Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") != "0" && Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") != "0"
                ? "Vector512 kernels, Native AOT, LeNet.Aot.x86-64-v4"
                : "Vector256 kernels, Native AOT, LeNet.Aot",
            plain.Output.Trim());
        Assert.Equal("Vector256 kernels, Native AOT, LeNet.Aot", without.Output.Trim());

        // Without AVX-512 the x86-64-v3 executable classifies the 2,000 test digits as the JIT does without AVX-512.
        string[] args =
        [
            "--idx", Path.Combine(Data, "test-images-idx3-ubyte.gz"),
            "--labels", Path.Combine(Data, "test-labels-idx1-ubyte.gz"),
        ];
        ProcessResult native = DotNet.Exec(sample.Native, DotNet.RepoRoot, noAvx512, args);
        ProcessResult jit = DotNet.Run(DotNet.RepoRoot, noAvx512, [sample.JitAssembly, .. args]);
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.True(jit.ExitCode == 0, jit.ToString());
        var nativeResults = Parse(native.Output);
        var jitResults = Parse(jit.Output);
        Assert.Equal(2000, nativeResults.Count);
        Assert.Equal(jitResults.Keys.Order(), nativeResults.Keys.Order());
        foreach (var (index, (k, p)) in jitResults)
        {
            Assert.Equal(k, nativeResults[index].Class);
            Assert.InRange(nativeResults[index].Probability, p - 2e-4, p + 2e-4);
        }

        Match accuracy = Regex.Match(native.Output, @"accuracy: (\d+)/2000");
        Assert.True(accuracy.Success, native.Output);
        Assert.Contains(accuracy.Value, jit.Output);
    }

    // x86-64-v4's AVX-512 subsets, as the kernel lists them (only when it also saves their registers).
    private static bool CpuHasAvx512()
    {
        string flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal));
        string[] names = flags[(flags.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new[] { "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl" }.All(names.Contains);
    }

    [Fact]
    public void PGM_and_PNG_files_get_the_class_of_the_same_digit_read_from_the_IDX_file()
    {
        Assert.True(sample.Publish.ExitCode == 0, sample.Publish.ToString());
        Assert.True(sample.JitBuild.ExitCode == 0, sample.JitBuild.ToString());
        var (pixels, _, rows, columns) = ReadIdx(Path.Combine(Data, "test-images-idx3-ubyte.gz"));
        var files = new List<string>();
        for (int i = 0; i < 10; i++)
        {
            byte[] digit = pixels.AsSpan(i * rows * columns, rows * columns).ToArray();
            string pgm = Path.Combine(sample.Images, $"digit{i}.pgm"), png = Path.Combine(sample.Images, $"digit{i}.png");
            File.WriteAllBytes(pgm, [.. System.Text.Encoding.ASCII.GetBytes($"P5\n# test digit {i}\n{columns} {rows}\n255\n"), .. digit]);
            File.WriteAllBytes(png, TestImages.GreyPng(columns, rows, digit));
            files.Add(pgm);
            files.Add(png);
        }

        ProcessResult idx = DotNet.Exec(sample.Native, DotNet.RepoRoot, null, "--idx", Path.Combine(Data, "test-images-idx3-ubyte.gz"), "--count", "10");
        ProcessResult native = DotNet.Exec(sample.Native, DotNet.RepoRoot, null, [.. files]);
        ProcessResult jit = DotNet.Run(DotNet.RepoRoot, null, [sample.JitAssembly, .. files]);
        Assert.True(idx.ExitCode == 0, idx.ToString());
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.True(jit.ExitCode == 0, jit.ToString());

        string[] expected = Lines(idx.Output).Select(l => l[(l.IndexOf("]: ", StringComparison.Ordinal) + 3)..]).ToArray();
        string[] fromFiles = Lines(native.Output).Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).ToArray();
        Assert.Equal(10, expected.Length);
        Assert.Equal(expected.SelectMany(e => new[] { e, e }), fromFiles);
        Assert.Equal(native.Output, jit.Output);
    }

    [Fact]
    public void A_file_that_is_not_an_image_is_reported_and_the_others_are_still_classified()
    {
        Assert.True(sample.Publish.ExitCode == 0, sample.Publish.ToString());
        string text = Path.Combine(sample.Images, "notes.txt");
        File.WriteAllText(text, "hello");
        var (pixels, _, rows, columns) = ReadIdx(Path.Combine(Data, "test-images-idx3-ubyte.gz"));
        string pgm = Path.Combine(sample.Images, "first.pgm");
        File.WriteAllBytes(pgm, [.. System.Text.Encoding.ASCII.GetBytes($"P5 {columns} {rows} 255\n"), .. pixels.AsSpan(0, rows * columns)]);

        ProcessResult r = DotNet.Exec(sample.Native, DotNet.RepoRoot, null, text, pgm);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"error: {text}: not a PNG or PGM image", r.Output);
        Assert.Matches(@"first\.pgm: class \d \(p = [01]\.\d{4}\)", r.Output);
    }

    private static Dictionary<int, (int Class, double Probability)> Parse(string output)
    {
        var results = new Dictionary<int, (int, double)>();
        foreach (Match m in Regex.Matches(output, @"\[(\d+)\]: class (\d) \(p = ([0-9.]+)\)"))
        {
            results.Add(
                int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                (int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
        }

        return results;
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>MNIST's IDX image file, read here independently of CnnGen.IO: magic 0x00000803, count, rows, columns, pixels.</summary>
    private static (byte[] Pixels, int Count, int Rows, int Columns) ReadIdx(string gz)
    {
        using var stream = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
        using var m = new MemoryStream();
        stream.CopyTo(m);
        byte[] b = m.ToArray();
        int Int(int at) => (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
        Assert.Equal(0x803, Int(0));
        return (b[16..], Int(4), Int(8), Int(12));
    }
}
