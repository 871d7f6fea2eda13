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

/// <summary>
/// Checks that a warm step allocates nothing on the calling thread, robustly against the runtime's own one-off
/// allocations on that thread (a tier-up or a type's first use inside a measured window: 3,312 bytes once in ten calls
/// of LeNet-5's <c>Forward</c> on CI's no-SIMD leg, 8,032 once in thirty training steps, neither reproduced).
/// </summary>
internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="step"/> in up to <paramref name="windows"/> windows of <paramref name="calls"/> calls and
    /// passes when one window allocates nothing; a step that allocates on every call fails every window, and the failure
    /// lists what each window allocated.
    /// </summary>
    public static void AssertSomeWindowAllocatesNothing(Action step, int calls = 10, int windows = 5)
    {
        var bytes = new List<long>(windows);
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                step();
            }

            bytes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (bytes[^1] == 0)
            {
                return;
            }
        }

        throw new Xunit.Sdk.XunitException(
            $"every window of {calls} calls allocated on this thread: {string.Join(", ", bytes)} bytes");
    }
}
