using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;

namespace CnnGen.Benchmarks;

/// <summary>
/// ONNX Runtime on the same network, weights and inputs as a <see cref="CnnGenCase"/>: the ONNX file written
/// from the same PyTorch module, <c>IntraOpNumThreads</c> = 1 (or 2 for the two-core rows), ORT_ENABLE_ALL,
/// sequential execution, and input and output <see cref="OrtValue"/>s bound once to the case's own arrays
/// (an <see cref="OrtIoBinding"/>), so a timed call is only <see cref="InferenceSession.RunWithBinding(RunOptions, OrtIoBinding)"/>.
/// </summary>
public sealed class OrtCase : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly OrtIoBinding _binding;

    /// <summary>Loads <c>{models}/{stem}.onnx</c> and binds <paramref name="inputs"/> and a fresh output array.</summary>
    public OrtCase(string network, int batch, float[] inputs, int outputLength, int threads, string models)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(Path.Combine(models, CnnGenCase.FileStem(network) + ".onnx"), options);
        int[] shape = CnnGenCase.InputShape(network);
        Outputs = new float[batch * outputLength];
        _input = OrtValue.CreateTensorValueFromMemory(inputs, [batch, shape[0], shape[1], shape[2]]);
        _output = OrtValue.CreateTensorValueFromMemory(Outputs, [batch, outputLength]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("input", _input);
        _binding.BindOutput("output", _output);
        Run();
    }

    /// <summary>The outputs of the last run (softmax probabilities), written in place by ONNX Runtime.</summary>
    public float[] Outputs { get; }

    /// <summary>One inference of the bound batch.</summary>
    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    /// <inheritdoc/>
    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
