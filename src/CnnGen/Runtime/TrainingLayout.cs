using System;
using System.ComponentModel;

namespace CnnGen.Runtime;

/// <summary>
/// A generated network's training step as the runtime runs it: the sizes of the tapes and buffers, and the stages.
/// A per-image stage is split into parts over contiguous ranges of the batch; a whole-batch stage (BatchNorm's batch
/// statistics, Dropout's one random sequence) runs on the calling thread. After the last stage the dense layers'
/// parameter gradients are taken over the whole batch (split by output rows) and the parts' other parameter gradients
/// are added into part 0's, range by range, in part order.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TrainingLayout
{
    private readonly bool[] _wholeBatch;
    private readonly int[] _partRanges;
    private readonly int[] _layerSlots;
    private readonly int[] _clearedGradients;

    /// <summary>Creates the layout; the generator writes one per network.</summary>
    /// <param name="tapeLength">Floats per image of the tape (every layer's output); the gradient tape mirrors it.</param>
    /// <param name="savedLength">BatchNorm's batch mean and 1/σ per channel, kept for the backward pass.</param>
    /// <param name="scratchLength">Scratch per part.</param>
    /// <param name="partialLength">The parameter gradients a part beyond the first keeps of its own (up to the last parameter not in a dense layer).</param>
    /// <param name="wholeBatch">Per stage: whether it needs the whole batch at once (runs on the calling thread).</param>
    /// <param name="partRanges">The parameter ranges each part accumulates on its own, as offset, length pairs.</param>
    /// <param name="denseGradients">Whether the network has dense layers, whose parameter gradients the stage after the last takes over the whole batch.</param>
    /// <param name="layerSlots">Per layer, where its output starts on the tape (× batch), or −1 for a Flatten of the input (not on the tape).</param>
    /// <param name="clearedGradients">The layers whose slots on the gradient tape a part's images start at zero in: every
    /// slot the backward pass adds into.</param>
    /// <param name="packedLength">Floats of the Winograd-transformed weights the network's <c>PrepareTraining</c> makes before each step.</param>
    /// <param name="packedSourceLength">Floats of the parameters they were made from.</param>
    public TrainingLayout(int tapeLength, int savedLength, int scratchLength, int partialLength, bool[] wholeBatch, int[] partRanges, bool denseGradients, int[] layerSlots,
        int[] clearedGradients, int packedLength = 0, int packedSourceLength = 0)
    {
        ArgumentNullException.ThrowIfNull(wholeBatch);
        ArgumentNullException.ThrowIfNull(partRanges);
        ArgumentNullException.ThrowIfNull(layerSlots);
        ArgumentNullException.ThrowIfNull(clearedGradients);
        _layerSlots = (int[])layerSlots.Clone();
        _clearedGradients = (int[])clearedGradients.Clone();
        if (partRanges.Length % 2 != 0)
        {
            throw new ArgumentException("Part ranges come as offset, length pairs.", nameof(partRanges));
        }

        (TapeLength, SavedLength, ScratchLength, PartialLength) = (tapeLength, savedLength, scratchLength, partialLength);
        (PackedLength, PackedSourceLength) = (packedLength, packedSourceLength);
        (_wholeBatch, _partRanges, DenseGradients) = ((bool[])wholeBatch.Clone(), (int[])partRanges.Clone(), denseGradients);
    }

    /// <summary>Floats per image of the tape.</summary>
    public int TapeLength { get; }

    /// <summary>BatchNorm's saved statistics.</summary>
    public int SavedLength { get; }

    /// <summary>Scratch per part.</summary>
    public int ScratchLength { get; }

    /// <summary>A further part's own parameter gradients.</summary>
    public int PartialLength { get; }

    /// <summary>The Winograd-transformed weights of a training step (the forward kernels and the input gradients' turned ones).</summary>
    public int PackedLength { get; }

    /// <summary>The copy of the parameters they were made from.</summary>
    public int PackedSourceLength { get; }

    /// <summary>The number of layer stages (the dense gradients and the reduction come after them).</summary>
    public int Stages => _wholeBatch.Length;

    /// <summary>Whether stage <paramref name="stage"/> needs the whole batch at once.</summary>
    /// <param name="stage">0 to <see cref="Stages"/> − 1.</param>
    public bool WholeBatch(int stage) => _wholeBatch[stage];

    /// <summary>The parameter ranges each part accumulates on its own, as offset, length pairs.</summary>
    public ReadOnlySpan<int> PartRanges => _partRanges;

    /// <summary>Where layer <paramref name="layer"/>'s output starts on the tape (× batch), or −1 when the tape does not keep it.</summary>
    /// <param name="layer">0-based, as the network's layer table.</param>
    public int LayerSlot(int layer) => _layerSlots[layer];

    /// <summary>The layers whose slots on the gradient tape each part clears for its images before stage 0.</summary>
    public ReadOnlySpan<int> ClearedGradients => _clearedGradients;

    /// <summary>Whether the stage after the last takes dense layers' parameter gradients.</summary>
    public bool DenseGradients { get; }
}

/// <summary>Where one layer's output lives on the training tapes: at <see cref="Offset"/> × batch, <see cref="Size"/> floats per image.</summary>
/// <param name="Offset">Floats per image of the tape before this slot.</param>
/// <param name="Size">Floats of one image's output.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct TapeSlot(int Offset, int Size)
{
    /// <summary>No slot: a gradient nothing reads.</summary>
    public static TapeSlot None => default;
}

/// <summary>
/// One part of one stage of a training step, as the generated layer sequence sees it: its range of images and every
/// buffer it reads or writes. Valid only during the call it is passed to.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct TrainingPart
{
    /// <summary>Creates the view; only the runtime's trainer does.</summary>
    internal TrainingPart(int batch, int part, int parts, ReadOnlySpan<float> parameters, ReadOnlySpan<float> packed, Span<float> state, ReadOnlySpan<float> inputs,
        Span<float> tape, Span<float> grad, Span<float> grads, Span<float> gradients, Span<float> scratch, Span<float> saved, Span<float> losses,
        Random random, Training.Loss loss, ReadOnlySpan<int> labels, ReadOnlySpan<float> targets)
    {
        Batch = batch;
        Part = part;
        Parts = parts;
        From = BatchWork.Start(batch, part, parts);
        To = BatchWork.Start(batch, part + 1, parts);
        Parameters = parameters;
        Packed = packed;
        State = state;
        Inputs = inputs;
        Tape = tape;
        Grad = grad;
        Grads = grads;
        Gradients = gradients;
        Scratch = scratch;
        Saved = saved;
        Losses = losses;
        Random = random;
        Loss = loss;
        Labels = labels;
        Targets = targets;
    }

    /// <summary>The images of the whole batch.</summary>
    public int Batch { get; }

    /// <summary>This part, 0 to <see cref="Parts"/> − 1.</summary>
    public int Part { get; }

    /// <summary>The parts of this stage.</summary>
    public int Parts { get; }

    /// <summary>This part's first image.</summary>
    public int From { get; }

    /// <summary>One past this part's last image.</summary>
    public int To { get; }

    /// <summary>The network's parameters.</summary>
    public ReadOnlySpan<float> Parameters { get; }

    /// <summary>
    /// The Winograd-transformed weights of the convolutions that train in the Winograd domain (made before the step by
    /// the network's <c>PrepareTraining</c>).
    /// </summary>
    public ReadOnlySpan<float> Packed { get; }

    /// <summary>The network's running statistics.</summary>
    public Span<float> State { get; }

    /// <summary>The batch's images back to back.</summary>
    public ReadOnlySpan<float> Inputs { get; }

    /// <summary>Every layer's output for the whole batch.</summary>
    public Span<float> Tape { get; }

    /// <summary>The gradient of the loss at every layer's output (mirrors <see cref="Tape"/>).</summary>
    public Span<float> Grad { get; }

    /// <summary>This part's own parameter gradients (part 0's are <see cref="Gradients"/>).</summary>
    public Span<float> Grads { get; }

    /// <summary>The step's parameter gradients (part 0's).</summary>
    public Span<float> Gradients { get; }

    /// <summary>This part's scratch.</summary>
    public Span<float> Scratch { get; }

    /// <summary>BatchNorm's saved batch statistics.</summary>
    public Span<float> Saved { get; }

    /// <summary>Each image's loss.</summary>
    public Span<float> Losses { get; }

    /// <summary>The dropout masks' random numbers.</summary>
    public Random Random { get; }

    /// <summary>The loss of this step.</summary>
    public Training.Loss Loss { get; }

    /// <summary>The class labels (cross-entropy).</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>The regression targets (MSE, L1).</summary>
    public ReadOnlySpan<float> Targets { get; }

    /// <summary>This part's images [<see cref="From"/>, <see cref="To"/>) of a slot, back to back.</summary>
    /// <param name="tape">The tape or the gradient tape.</param>
    /// <param name="slot">The layer's slot.</param>
    /// <returns>(To − From) × Size floats.</returns>
    public Span<float> Rows(Span<float> tape, TapeSlot slot) => tape.Slice((slot.Offset * Batch) + (From * slot.Size), (To - From) * slot.Size);

    /// <summary>Image <paramref name="b"/> of a slot.</summary>
    /// <param name="tape">The tape or the gradient tape.</param>
    /// <param name="slot">The layer's slot.</param>
    /// <param name="b">The image, 0 to <see cref="Batch"/> − 1.</param>
    /// <returns>Size floats.</returns>
    public Span<float> Image(Span<float> tape, TapeSlot slot, int b) => tape.Slice((slot.Offset * Batch) + (b * slot.Size), slot.Size);

    /// <summary>Every image of a slot, back to back.</summary>
    /// <param name="tape">The tape or the gradient tape.</param>
    /// <param name="slot">The layer's slot.</param>
    /// <returns>Batch × Size floats.</returns>
    public Span<float> All(Span<float> tape, TapeSlot slot) => tape.Slice(slot.Offset * Batch, Batch * slot.Size);

    /// <summary>
    /// The loss of each image of [<see cref="From"/>, <see cref="To"/>) into <see cref="Losses"/> (the trainer sums them in
    /// image order, so the total does not depend on the parts) and its gradient, scaled by 1 / batch: with labels,
    /// cross-entropy — fused with a final softmax (the gradient at the scores is p − y) or on the outputs taken as scores —
    /// written at <paramref name="scores"/> on the gradient tape; with targets, MSE or L1 at the output, written at
    /// <paramref name="outputGradient"/>. A gradient nothing reads has <see cref="TapeSlot.None"/>.
    /// </summary>
    /// <param name="outputs">The whole batch's outputs back to back (on the tape, or the inputs themselves).</param>
    /// <param name="scores">Where cross-entropy's gradient goes: the softmax's input, or the output itself.</param>
    /// <param name="outputGradient">Where a regression loss's gradient goes: the output.</param>
    /// <param name="softmax">Whether the network ends in softmax (cross-entropy then takes its probabilities).</param>
    public void ComputeLoss(ReadOnlySpan<float> outputs, TapeSlot scores, TapeSlot outputGradient, bool softmax)
    {
        float scale = 1f / Batch;
        int length = outputs.Length / Batch;
        Span<float> losses = Losses;
        // Where a gradient nothing reads goes (only a network in which nothing before the loss trains has one).
        Span<float> discard = scores.Size != 0 && outputGradient.Size != 0 ? default : length <= 1024 ? stackalloc float[length] : new float[length];
        if (Loss == Training.Loss.CrossEntropy)
        {
            ReadOnlySpan<int> labels = Labels;
            for (int b = From; b < To; b++)
            {
                ReadOnlySpan<float> output = outputs.Slice(b * length, length);
                Span<float> gradient = scores.Size == 0 ? discard : Image(Grad, scores, b);
                losses[b] = softmax
                    ? Training.Losses.SoftmaxCrossEntropy(output, labels[b], gradient, scale)
                    : Training.Losses.CrossEntropyFromLogits(output, labels[b], gradient, scale);
            }

            return;
        }

        ReadOnlySpan<float> targets = Targets;
        for (int b = From; b < To; b++)
        {
            ReadOnlySpan<float> output = outputs.Slice(b * length, length);
            ReadOnlySpan<float> target = targets.Slice(b * length, length);
            Span<float> gradient = outputGradient.Size == 0 ? discard : Image(Grad, outputGradient, b);
            losses[b] = Loss == Training.Loss.L1
                ? Training.Losses.L1(output, target, gradient, scale)
                : Training.Losses.MeanSquaredError(output, target, gradient, scale);
        }
    }
}
