using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CnnGen.Benchmarks;

/// <summary>
/// Medians written by a timing run outside BenchmarkDotNet, read back by the table: tools/bench/pytorch_bench.py
/// (PyTorch) and tests/CnnGen.Benchmarks.Aot (CnnGen under the JIT and as Native AOT). Keys are case labels
/// ("LeNet5 b64", "LeNet5 b32 train", "ResNet18 b8 2 cores"), values median microseconds per call.
/// </summary>
public sealed class HarnessResults
{
    /// <summary>What ran: "PyTorch 1.13.0a0", "CnnGen JIT", "CnnGen Native AOT".</summary>
    public string Runtime { get; set; } = "";

    /// <summary>Anything else worth printing (threads, instruction set, date).</summary>
    public string Details { get; set; } = "";

    /// <summary>Median microseconds per call, by case label.</summary>
    public Dictionary<string, double> Results { get; set; } = [];

    /// <summary>Bytes allocated per call on the calling thread (the CnnGen harness only), by case label.</summary>
    public Dictionary<string, double> AllocatedBytes { get; set; } = [];

    /// <summary>Reads a results file, or null when it does not exist.</summary>
    public static HarnessResults? TryRead(string? path) =>
        path is null || !File.Exists(path) ? null : JsonSerializer.Deserialize(File.ReadAllText(path), HarnessJson.Default.HarnessResults);

    /// <summary>Writes the results as JSON.</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, HarnessJson.Default.HarnessResults));
    }
}

/// <summary>Source-generated JSON (works under Native AOT and trimming).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HarnessResults))]
internal sealed partial class HarnessJson : JsonSerializerContext;
