using System;
using System.ComponentModel;

namespace CnnGen.Runtime;

/// <summary>
/// The base of the generated batch steps (<c>ForwardBatch</c>, the <c>Trainer</c>'s step): a sequence of stages,
/// each split into parts over contiguous ranges of the batch's images and run on the shared worker threads and
/// the calling thread. Not meant to be used directly.
/// </summary>
/// <remarks>
/// Every part of a stage has its own buffers (indexed by part, never by thread), and which thread runs a part
/// changes nothing, so a result depends only on the number of parts. The caller's spans are pinned for the
/// duration of <see cref="Stages"/> so that parts on other threads can read them through <see cref="Inputs"/>,
/// <see cref="Targets"/>, <see cref="Labels"/> and <see cref="Outputs"/>. Nothing is allocated per call.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract unsafe class BatchWork
{
    /// <summary>
    /// Work below this many multiply-adds per part is not split further: waking a sleeping worker and joining it
    /// costs tens of microseconds (far more on a loaded machine), which must stay small next to the part's own
    /// time. At the 3 to 20 billion multiply-adds per second the kernels reach on one core, 2 million take 100 to
    /// 700 µs (docs/parallelism.md).
    /// </summary>
    public const long MinMultiplyAddsPerPart = 2_000_000;

    private float* _inputs;
    private int _inputLength;
    private float* _targets;
    private int _targetLength;
    private int* _labels;
    private int _labelLength;
    private float* _outputs;
    private int _outputLength;

    /// <summary>The default degree of parallelism: one part per logical processor.</summary>
    public static int DefaultDegreeOfParallelism => Environment.ProcessorCount;

    /// <summary>The inputs passed to <see cref="Pin"/>; valid only while <see cref="Stages"/> runs.</summary>
    protected ReadOnlySpan<float> Inputs => new(_inputs, _inputLength);

    /// <summary>The targets passed to <see cref="Pin"/>; valid only while <see cref="Stages"/> runs.</summary>
    protected ReadOnlySpan<float> Targets => new(_targets, _targetLength);

    /// <summary>The labels passed to <see cref="Pin"/>; valid only while <see cref="Stages"/> runs.</summary>
    protected ReadOnlySpan<int> Labels => new(_labels, _labelLength);

    /// <summary>The outputs passed to <see cref="Pin"/>; valid only while <see cref="Stages"/> runs.</summary>
    protected Span<float> Outputs => new(_outputs, _outputLength);

    /// <summary>
    /// How many parts to split <paramref name="items"/> images of <paramref name="multiplyAddsPerItem"/> each into:
    /// at most <paramref name="degreeOfParallelism"/>, at most one per image, and none smaller than
    /// <see cref="MinMultiplyAddsPerPart"/> (so a small batch runs on the calling thread alone).
    /// </summary>
    /// <param name="items">The images of the batch.</param>
    /// <param name="multiplyAddsPerItem">The work of one image.</param>
    /// <param name="degreeOfParallelism">The most parts wanted (1: everything on the calling thread).</param>
    /// <returns>The number of parts, from 1 to <paramref name="degreeOfParallelism"/>.</returns>
    public static int PartsFor(int items, long multiplyAddsPerItem, int degreeOfParallelism)
    {
        if (degreeOfParallelism <= 1 || items <= 1)
        {
            return 1;
        }

        long byWork = Math.Max(1, items * Math.Max(1, multiplyAddsPerItem) / MinMultiplyAddsPerPart);
        return (int)Math.Min(Math.Min(degreeOfParallelism, items), byWork);
    }

    /// <summary>
    /// How many parts to split a batch into on <paramref name="degreeOfParallelism"/> threads: up to
    /// <paramref name="perThread"/> parts per thread (finer parts balance the load when a thread starts late on a
    /// shared machine), a multiple of the thread count when there is more than one part per thread, and none smaller
    /// than <see cref="MinMultiplyAddsPerPart"/>.
    /// </summary>
    /// <param name="items">The images of the batch.</param>
    /// <param name="multiplyAddsPerItem">The work of one image.</param>
    /// <param name="degreeOfParallelism">The threads (1: everything on the calling thread).</param>
    /// <param name="perThread">The most parts per thread.</param>
    /// <returns>The number of parts.</returns>
    public static int PartsFor(int items, long multiplyAddsPerItem, int degreeOfParallelism, int perThread)
    {
        int parts = PartsFor(items, multiplyAddsPerItem, degreeOfParallelism);
        if (degreeOfParallelism <= 1 || parts < degreeOfParallelism || perThread <= 1)
        {
            return parts;
        }

        int finer = PartsFor(items, multiplyAddsPerItem, perThread * degreeOfParallelism) / degreeOfParallelism * degreeOfParallelism;
        return Math.Max(parts, finer);
    }

    /// <summary>Checks a degree of parallelism set by a user: 1 or more.</summary>
    /// <param name="value">The value to check.</param>
    /// <returns><paramref name="value"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is below 1.</exception>
    public static int CheckDegree(int value)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The degree of parallelism is the number of parts a batch is split into: 1 (the calling thread only) or more.");
        }

        return value;
    }

    /// <summary>The first image of <paramref name="part"/> when <paramref name="items"/> images are split into <paramref name="parts"/> contiguous ranges.</summary>
    /// <param name="items">The images of the batch.</param>
    /// <param name="part">The part, 0 to <paramref name="parts"/> (the end of the last part).</param>
    /// <param name="parts">The number of parts.</param>
    /// <returns>The index of the part's first image.</returns>
    public static int Start(int items, int part, int parts) => (int)((long)items * part / parts);

    /// <summary>
    /// As <see cref="Start(int, int, int)"/>, with every part but the last starting and ending at a multiple of
    /// <paramref name="align"/> (so that ranges of a buffer split across threads start on whole vectors).
    /// </summary>
    /// <param name="items">The items to split.</param>
    /// <param name="part">The part, 0 to <paramref name="parts"/> (the end of the last part).</param>
    /// <param name="parts">The number of parts.</param>
    /// <param name="align">The alignment, 1 or more.</param>
    /// <returns>The index of the part's first item.</returns>
    public static int Start(int items, int part, int parts, int align) => part >= parts ? items : Start(items / align, part, parts) * align;

    /// <summary>Runs <see cref="Stages"/> with the spans pinned; parts on other threads read them through the properties.</summary>
    /// <param name="inputs">The batch's inputs.</param>
    /// <param name="targets">Regression targets, or empty.</param>
    /// <param name="labels">Class labels, or empty.</param>
    /// <param name="outputs">Where outputs go, or empty.</param>
    protected void Pin(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, Span<float> outputs)
    {
        fixed (float* i = inputs)
        fixed (float* t = targets)
        fixed (int* l = labels)
        fixed (float* o = outputs)
        {
            _inputs = i;
            _inputLength = inputs.Length;
            _targets = t;
            _targetLength = targets.Length;
            _labels = l;
            _labelLength = labels.Length;
            _outputs = o;
            _outputLength = outputs.Length;
            try
            {
                Stages();
            }
            finally
            {
                _inputs = _targets = _outputs = null;
                _labels = null;
                _inputLength = _targetLength = _labelLength = _outputLength = 0;
            }
        }
    }

    /// <summary>The step: calls <see cref="Split(int, int)"/> once per stage, in order.</summary>
    protected abstract void Stages();

    /// <summary>
    /// Runs <see cref="RunPart"/>(<paramref name="stage"/>, part, <paramref name="parts"/>) for every part and returns
    /// when all are done. The calling thread takes parts too; one part runs on the calling thread alone. An exception
    /// thrown by a part is rethrown here (the one of the lowest part when several throw), after every part has ended.
    /// </summary>
    /// <param name="stage">Which stage; passed through to <see cref="RunPart"/>.</param>
    /// <param name="parts">How many parts.</param>
    protected void Split(int stage, int parts) => Workers.Run(this, stage, parts, parts);

    /// <summary>
    /// As <see cref="Split(int, int)"/>, on at most <paramref name="threads"/> threads (the caller's included): more parts
    /// than threads balance the load when a thread starts late or runs slower (the machine is shared).
    /// </summary>
    /// <param name="stage">Which stage; passed through to <see cref="RunPart"/>.</param>
    /// <param name="parts">How many parts.</param>
    /// <param name="threads">The most threads that work on them.</param>
    protected void Split(int stage, int parts, int threads) => Workers.Run(this, stage, parts, threads);

    /// <summary>Runs one part of a stage. Parts of one stage may run at the same time on different threads.</summary>
    /// <param name="stage">The stage.</param>
    /// <param name="part">The part, 0 to <paramref name="parts"/> − 1.</param>
    /// <param name="parts">The number of parts of this stage.</param>
    protected internal abstract void RunPart(int stage, int part, int parts);
}
