using System;
using System.Collections.Generic;
using System.IO;

namespace CnnGen.Tests.Runtime;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnngen-rt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file in the directory, by name, sorted.</summary>
    public string[] FileNames()
    {
        var names = new List<string>();
        foreach (string f in Directory.GetFileSystemEntries(Path)) names.Add(System.IO.Path.GetFileName(f));
        names.Sort(StringComparer.Ordinal);
        return names.ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A hand-written <see cref="INetwork"/> with an arbitrary tensor table; Forward is not used.</summary>
internal sealed class FakeNetwork : INetwork
{
    private readonly float[] parameters;

    public Span<float> State => Span<float>.Empty;

    public FakeNetwork(int parameterCount, params TensorInfo[] tensors)
    {
        parameters = new float[parameterCount];
        Tensors = tensors;
    }

    /// <summary>Two tensors like a tiny convolution: conv1.weight [2, 1, 2, 2] at 0 and conv1.bias [2] at 8.</summary>
    public static FakeNetwork TwoTensors()
    {
        var net = new FakeNetwork(10,
            new TensorInfo("conv1.weight", 0, new[] { 2, 1, 2, 2 }),
            new TensorInfo("conv1.bias", 8, new[] { 2 }));
        for (int i = 0; i < 10; i++) net.parameters[i] = 0.25f * i - 1f; // -1, -0.75, ..., 1.25
        return net;
    }

    public float[] Values => parameters;

    public int InputSize => 4;

    public int OutputSize => 2;

    public int ParameterSize => parameters.Length;

    public Span<float> Parameters => parameters;

    public IReadOnlyList<TensorInfo> Tensors { get; }

    public IReadOnlyList<LayerInfo> Layers => Array.Empty<LayerInfo>();

    public int DegreeOfParallelism { get; set; } = 1;

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
}
