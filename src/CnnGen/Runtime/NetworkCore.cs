using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>
/// What every generated network instance holds and does the same way: its parameters and running statistics, the
/// weights derived from them (BatchNorm folded, direct convolutions packed), one workspace per thread's part, the
/// degree of parallelism, and <c>Forward</c>/<c>ForwardBatch</c> around the network's own layer sequence
/// (<see cref="IGeneratedNetwork{TSelf}.RunHead"/>, <see cref="IGeneratedNetwork{TSelf}.RunTail"/>): the argument
/// checks, preparing the derived weights, splitting a batch into parts over the worker threads and each part into chunks
/// for the batch-major dense tail. Allocates nothing per call after the first at a given degree.
/// Not thread-safe (one workspace per instance, as <c>Forward</c> documents).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NetworkCore
{
    private readonly NetworkSizes _sizes;
    private readonly Workspace _workspace;
    private Workspace[] _parts = Array.Empty<Workspace>();
    private BatchWork? _batchForward;
    private int _degreeOfParallelism = BatchWork.DefaultDegreeOfParallelism;
    private readonly float[] _parameters;
    private readonly float[] _state;

    // Whether Folded and Packed were made from the parameters and state as they are now: false from the start and
    // whenever Parameters or State is taken to write (the trainer, the loaders, a user through the network's spans).
    private bool _derivedCurrent;

    /// <summary>Allocates the buffers of a network of <paramref name="sizes"/>.</summary>
    /// <param name="sizes">The generated network's sizes.</param>
    public NetworkCore(NetworkSizes sizes)
    {
        _sizes = sizes ?? throw new ArgumentNullException(nameof(sizes));
        _parameters = new float[sizes.ParameterCount];
        _state = new float[sizes.StateCount];
        Folded = new float[Math.Max(1, sizes.FoldedLength)];
        Packed = new float[Math.Max(1, sizes.PackedLength)];
        PackedSource = new float[Math.Max(1, sizes.PackedSourceLength)];
        _workspace = new Workspace(sizes);
    }

    /// <summary>The network's sizes.</summary>
    public NetworkSizes Sizes => _sizes;

    /// <summary>
    /// All trainable parameters, one buffer, to write: taking it marks the derived weights (<see cref="Folded"/>,
    /// <see cref="Packed"/>) stale, so the next <c>Forward</c> or <c>ForwardBatch</c> makes them again from the parameters
    /// (once, not on every call). Code that only reads takes <see cref="ParametersToRead"/>.
    /// </summary>
    public float[] Parameters
    {
        get
        {
            _derivedCurrent = false;
            return _parameters;
        }
    }

    /// <summary>BatchNorm running averages, to write: taking them marks the derived weights stale, as <see cref="Parameters"/> does.</summary>
    public float[] State
    {
        get
        {
            _derivedCurrent = false;
            return _state;
        }
    }

    /// <summary>The parameters, to read (the generated layer sequences and the derived weights' preparation): leaves the derived weights current.</summary>
    public ReadOnlySpan<float> ParametersToRead => _parameters;

    /// <summary>The BatchNorm running averages, to read: leaves the derived weights current.</summary>
    public ReadOnlySpan<float> StateToRead => _state;

    /// <summary>Convolution weights with the BatchNorm after them folded in.</summary>
    public float[] Folded { get; }

    /// <summary>The direct convolutions' packed weights.</summary>
    public float[] Packed { get; }

    /// <summary>The copy of the parameters the packed weights were made from.</summary>
    public float[] PackedSource { get; }

    /// <summary>
    /// The most parts a batch is split into, each run on its own thread: the network's <c>ForwardBatch</c> and every
    /// <c>Trainer</c> of it. Default <see cref="Environment.ProcessorCount"/>; 1 runs batches on the calling thread alone.
    /// A batch is never split into parts of fewer than <see cref="BatchWork.MinMultiplyAddsPerPart"/> multiply-adds, so
    /// small batches stay on the calling thread; <c>Forward</c> and <c>Predict</c> (one image) always do. Outputs do not
    /// depend on it; in training only the summation order of the convolution and dense parameter gradients does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int DegreeOfParallelism
    {
        get => _degreeOfParallelism;
        set => _degreeOfParallelism = BatchWork.CheckDegree(value);
    }

    /// <summary>Runs one image on the calling thread: checks the spans, prepares the derived weights, runs the layers.</summary>
    /// <typeparam name="TNetwork">The generated network.</typeparam>
    /// <param name="input">One image.</param>
    /// <param name="output">Its output.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward<TNetwork>(ReadOnlySpan<float> input, Span<float> output)
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
    {
        if (input.Length != _sizes.InputLength)
        {
            throw new ArgumentException($"Expected an input of {_sizes.InputText} (C×H×W) = {_sizes.InputLength} floats, got {input.Length}.", nameof(input));
        }

        if (output.Length != _sizes.OutputLength)
        {
            throw new ArgumentException($"Expected an output span of {_sizes.OutputLength} floats ({_sizes.OutputText}), got {output.Length}.", nameof(output));
        }

        PrepareDerived<TNetwork>();
        RunImages<TNetwork>(input, output, 1, _workspace);
    }

    /// <summary>
    /// Runs a batch: up to 4 parts per thread (images are independent, so finer parts only balance the load when a
    /// thread starts late; with a batch-major dense tail no more parts per thread than chunks of images for each), each
    /// with its own workspace (part 0 uses the network's), on the worker threads and the calling thread. Every image's
    /// output is the same bits for any split.
    /// </summary>
    /// <typeparam name="TNetwork">The generated network.</typeparam>
    /// <param name="inputs">Whole images back to back.</param>
    /// <param name="outputs">One output per image.</param>
    /// <exception cref="ArgumentException">The spans do not hold the same whole number of images.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForwardBatch<TNetwork>(ReadOnlySpan<float> inputs, Span<float> outputs)
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
    {
        int batch = inputs.Length / _sizes.InputLength;
        if (inputs.Length % _sizes.InputLength != 0 || outputs.Length != batch * _sizes.OutputLength)
        {
            throw new ArgumentException(
                $"Expected inputs of a whole number of {_sizes.InputText} images ({_sizes.InputLength} floats each) and outputs of {_sizes.OutputLength} floats per image; got {inputs.Length} input and {outputs.Length} output floats.",
                nameof(inputs));
        }

        PrepareDerived<TNetwork>();
        // Finer parts balance the threads, but with a batch-major dense tail each part reads the tail's weights once
        // (CifarNet's first dense layer: 4 MiB), so then only as many parts per thread as there are chunks for each.
        int chunk = _sizes.Chunk;
        int perThread = chunk == 0 ? 4 : Math.Clamp(batch / (_degreeOfParallelism * chunk), 1, 4);
        int parts = BatchWork.PartsFor(batch, _sizes.MultiplyAddsPerImage, _degreeOfParallelism, perThread);
        if (parts > 1)
        {
            var work = (BatchForward<TNetwork>)(_batchForward ??= new BatchForward<TNetwork>(this));
            work.RunBatch(inputs, outputs, batch, parts, _degreeOfParallelism);
            return;
        }

        RunImages<TNetwork>(inputs, outputs, batch, _workspace);
    }

    /// <summary>
    /// Runs <paramref name="count"/> images with one workspace on the calling thread. In a network with a batch-major
    /// tail (<see cref="NetworkSizes.Chunk"/> above 0) the layers before it run image by image, each image's input of the
    /// tail is gathered for a chunk of images, and the tail runs over the whole chunk at once (its dense layers one matrix
    /// product each, the weights read once per chunk); a single image is a chunk of one. Every image's output is the same
    /// bits in any chunk (the same dot products). Without a tail every image runs through the whole network on its own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunImages<TNetwork>(ReadOnlySpan<float> inputs, Span<float> outputs, int count, Workspace workspace)
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
    {
        NetworkSizes sizes = _sizes;
        int inputLength = sizes.InputLength, outputLength = sizes.OutputLength, chunk = sizes.Chunk;
        if (chunk == 0)
        {
            for (int i = 0; i < count; i++)
            {
                TNetwork.RunHead(this, inputs.Slice(i * inputLength, inputLength), outputs.Slice(i * outputLength, outputLength), workspace);
            }

            return;
        }

        int headLength = sizes.HeadLength, width = sizes.TailWidth;
        Span<float> work = workspace.Work;
        Span<float> head = work.Slice(0, chunk * headLength);
        Span<float> ping = work.Slice(chunk * headLength, chunk * width);
        Span<float> pong = work.Slice(chunk * (headLength + width), chunk * width);
        for (int first = 0; first < count; first += chunk)
        {
            int n = Math.Min(chunk, count - first);
            for (int j = 0; j < n; j++)
            {
                TNetwork.RunHead(this, inputs.Slice((first + j) * inputLength, inputLength), head.Slice(j * headLength, headLength), workspace);
            }

            TNetwork.RunTail(this, head.Slice(0, n * headLength), outputs.Slice(first * outputLength, n * outputLength), n, ping, pong);
        }
    }

    // Makes the folded and packed weights from the parameters once after they change, not on every call: folding
    // ResNet-18's BatchNorms and comparing its Winograd weights took 3.4 ms of its 22 ms forward pass (batch 1).
    private void PrepareDerived<TNetwork>()
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
    {
        if (!_derivedCurrent)
        {
            TNetwork.Prepare(this);
            _derivedCurrent = true;
        }
    }

    // The workspace of each part: part 0 uses the network's own, the others are allocated once and kept.
    private Workspace[] Workspaces(int parts)
    {
        if (_parts.Length < parts)
        {
            var grown = new Workspace[parts];
            for (int i = 0; i < parts; i++)
            {
                grown[i] = i == 0 ? _workspace : i < _parts.Length ? _parts[i] : new Workspace(_sizes);
            }

            _parts = grown;
        }

        return _parts;
    }

    // ForwardBatch in parts: each part runs a contiguous range of the images (RunImages).
    private sealed class BatchForward<TNetwork> : BatchWork
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
    {
        private readonly NetworkCore _core;
        private Workspace[] _workspaces = Array.Empty<Workspace>();
        private int _batch;
        private int _parts;
        private int _threads;

        public BatchForward(NetworkCore core) => _core = core;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batch, int parts, int threads)
        {
            _workspaces = _core.Workspaces(parts);
            (_batch, _parts, _threads) = (batch, parts, threads);
            Pin(inputs, default, default, outputs);
        }

        protected override void Stages() => Split(0, _parts, _threads);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected internal override void RunPart(int stage, int part, int parts)
        {
            NetworkSizes sizes = _core._sizes;
            int start = Start(_batch, part, parts), count = Start(_batch, part + 1, parts) - start;
            _core.RunImages<TNetwork>(Inputs.Slice(start * sizes.InputLength, count * sizes.InputLength), Outputs.Slice(start * sizes.OutputLength, count * sizes.OutputLength), count, _workspaces[part]);
        }
    }
}
