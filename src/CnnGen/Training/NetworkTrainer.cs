using System;
using System.Runtime.CompilerServices;
using CnnGen.Runtime;

namespace CnnGen.Training;

/// <summary>
/// Trains a generated network: mini-batch gradients through the network's emitted backward pass, then one optimizer
/// step. Every generated network's nested <c>Trainer</c> derives from this class and adds only its constructor; the
/// step itself (argument checks, the tapes, the stages split over threads, the reduction of the parts' gradients, the
/// finite check and the optimizer) is here, the same for every network. A batch is split over up to
/// <see cref="DegreeOfParallelism"/> threads. Allocates nothing after the first step of the largest batch size. Not
/// thread-safe.
/// </summary>
/// <remarks>
/// The step runs in stages (<see cref="TrainingLayout"/>). Each part of a per-image stage has its own scratch and its
/// own parameter-gradient buffer; the dense layers' parameter gradients are taken over the whole batch in a last stage
/// (split by output rows, so there are no per-part copies of the large dense weights), which also adds the parts'
/// other parameter gradients into part 0's in part order. Then the calling thread checks that the loss and every
/// gradient are finite (a step that is not is refused, with the running statistics put back, before anything else
/// changes), and a final stage runs the optimizer on each part's range of the parameters
/// (<see cref="Optimizer.StepRange"/>). Everything but the summation order of the convolutions' (and BatchNorm's)
/// parameter gradients is independent of the number of parts, and a given number of parts always gives the same bits.
/// </remarks>
/// <typeparam name="TNetwork">The generated network.</typeparam>
public abstract class NetworkTrainer<TNetwork> : ITrainer
    where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
{
    private readonly TNetwork _network;
    private readonly NetworkCore _core;
    private readonly TrainingLayout _layout;
    private readonly float[] _gradients;
    private readonly float[] _saved;
    // The running statistics before the step: put back if the step is refused (non-finite loss or gradients).
    private readonly float[] _stateBefore;
    private readonly int[] _clearedSlots;
    private readonly Step _step;
    private Random _random;
    private float[] _tape = Array.Empty<float>();
    private float[] _grad = Array.Empty<float>();
    private float[] _losses = Array.Empty<float>();
    // Per part: scratch, and parameter gradients (part 0's are _gradients; the others are added into it).
    private float[][] _scratch = Array.Empty<float[]>();
    private float[][] _partials = Array.Empty<float[]>();
    // The Winograd convolutions' transformed weights for the step, and the parameters they were made from.
    private readonly float[] _packed;
    private readonly float[] _packedSource;

    /// <summary>Creates a trainer that updates <paramref name="network"/>'s parameters with <paramref name="optimizer"/>.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="optimizer">SGD, SGD with momentum, Adam, …</param>
    /// <param name="seed">Seeds the dropout masks (if the network has Dropout), so runs repeat exactly.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="optimizer"/> is null.</exception>
    protected NetworkTrainer(TNetwork network, Optimizer optimizer, int seed)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _core = network.Core;
        _layout = TNetwork.Training;
        // The gradient slots cleared before each step, as (offset, floats per image) pairs from the layer table.
        ReadOnlySpan<int> cleared = _layout.ClearedGradients;
        _clearedSlots = new int[2 * cleared.Length];
        for (int k = 0; k < cleared.Length; k++)
        {
            LayerInfo layer = TNetwork.LayerTable[cleared[k]];
            (_clearedSlots[2 * k], _clearedSlots[(2 * k) + 1]) = (_layout.LayerSlot(cleared[k]), layer.Channels * layer.Height * layer.Width);
        }
        _gradients = new float[_core.Sizes.ParameterCount];
        _saved = new float[Math.Max(1, _layout.SavedLength)];
        _packed = new float[Math.Max(1, _layout.PackedLength)];
        _packedSource = new float[Math.Max(1, _layout.PackedSourceLength)];
        _stateBefore = new float[_core.Sizes.StateCount];
        _random = new Random(seed);
        _step = new Step(this);
    }

    /// <summary>The network being trained.</summary>
    public TNetwork Network => _network;

    /// <summary>The optimizer that applies the gradients; its <see cref="Optimizer.LearningRate"/> may change between steps.</summary>
    public Optimizer Optimizer { get; }

    INetwork ITrainer.Network => _network;

    /// <summary>The gradients of the last batch's mean loss, laid out as the network's <c>Parameters</c>.</summary>
    public ReadOnlySpan<float> Gradients => _gradients;

    /// <summary>The network's <c>DegreeOfParallelism</c> (one setting for its batches and its trainers): the most parts a training batch is split into.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int DegreeOfParallelism
    {
        get => _core.DegreeOfParallelism;
        set => _core.DegreeOfParallelism = value;
    }

    void ITrainer.ReseedDropout(int seed) => _random = new Random(seed);

    /// <summary>
    /// One training step with cross-entropy against class labels (softmax cross-entropy when the network ends in Softmax,
    /// fused: the gradient at the scores is p − y; otherwise on the outputs taken as scores); returns the batch's mean
    /// loss before the step.
    /// </summary>
    /// <param name="inputs">The batch's images back to back, the network's <c>InputLength</c> floats each.</param>
    /// <param name="labels">One class index per image.</param>
    /// <exception cref="ArgumentException">The inputs are not a whole number of images, or there is not one label per image.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a class index.</exception>
    /// <exception cref="NonFiniteTrainingException">The loss or a gradient is NaN or infinite: the step is refused and the parameters, the optimizer's state and the running statistics are left exactly as they were.</exception>
    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels) => Run(inputs, labels, Optimizer);

    /// <summary>One training step with a regression loss against <paramref name="targets"/>; returns the batch's mean loss before the step.</summary>
    /// <param name="inputs">The batch's images back to back.</param>
    /// <param name="targets">The network's <c>OutputLength</c> target values per image.</param>
    /// <param name="loss">The loss: mean squared error (L2) or mean absolute error (L1); cross-entropy takes labels instead.</param>
    /// <exception cref="ArgumentException">The spans do not match, or <paramref name="loss"/> is cross-entropy.</exception>
    /// <exception cref="NonFiniteTrainingException">The loss or a gradient is NaN or infinite: the step is refused and the parameters, the optimizer's state and the running statistics are left exactly as they were.</exception>
    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Loss loss) => Run(inputs, targets, loss, Optimizer);

    /// <summary>Computes <see cref="Gradients"/> of the mean cross-entropy over the batch without updating the parameters; returns the mean loss.</summary>
    /// <param name="inputs">The batch's images back to back.</param>
    /// <param name="labels">One class index per image, 0 to OutputLength − 1.</param>
    /// <exception cref="NonFiniteTrainingException">The loss or a gradient is NaN or infinite (<see cref="Gradients"/> holds them; the running statistics are put back).</exception>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels) => Run(inputs, labels, null);

    /// <summary>Computes <see cref="Gradients"/> of a regression loss over the batch without updating the parameters; returns the mean loss.</summary>
    /// <param name="inputs">The batch's images back to back.</param>
    /// <param name="targets">The network's <c>OutputLength</c> target values per image.</param>
    /// <param name="loss">Mean squared error or L1 (mean over every output of every image, as PyTorch's mse_loss and l1_loss).</param>
    /// <exception cref="NonFiniteTrainingException">The loss or a gradient is NaN or infinite (<see cref="Gradients"/> holds them; the running statistics are put back).</exception>
    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Loss loss) => Run(inputs, targets, loss, null);

    /// <summary>
    /// Copies layer <paramref name="layer"/>'s output for every image of the last batch that <c>TrainBatch</c> or
    /// <c>ComputeGradients</c> ran, as that step's forward pass computed it (training mode: BatchNorm with the batch's
    /// statistics, Dropout's mask applied; before the optimizer step).
    /// </summary>
    /// <param name="layer">0-based, as the rows of the network's layer table.</param>
    /// <param name="outputs">The last batch's images back to back: its size × the layer's C·H·W floats.</param>
    /// <exception cref="ArgumentOutOfRangeException">The layer does not exist.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputs"/> does not hold a whole batch no larger than the tape, or the layer is the input flattened.</exception>
    public void CopyLayerOutputs(int layer, Span<float> outputs)
    {
        var layers = _network.Layers;
        if ((uint)layer >= (uint)layers.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The network's layers are 0 to {layers.Count - 1}.");
        }

        LayerInfo info = layers[layer];
        int size = info.Channels * info.Height * info.Width;
        int batch = outputs.Length / size;
        if (batch == 0 || outputs.Length % size != 0 || (long)batch * _layout.TapeLength > _tape.Length)
        {
            throw new ArgumentException($"Expected the last batch's outputs of layer {layer}, {size} floats per image; got {outputs.Length} floats.", nameof(outputs));
        }

        int slot = _layout.LayerSlot(layer);
        if (slot < 0)
        {
            throw new ArgumentException($"Layer {layer} is the input flattened: the tape does not keep it.", nameof(layer));
        }

        _tape.AsSpan(slot * batch, batch * size).CopyTo(outputs);
    }

    // The gradients of the mean cross-entropy, then (with an optimizer) its step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Optimizer? optimizer)
    {
        int batch = Prepare(inputs, labels.Length, 1, nameof(labels));
        int classes = _core.Sizes.OutputLength;
        for (int i = 0; i < batch; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {i} is {labels[i]}; labels must be class indices from 0 to {classes - 1}.");
            }
        }

        return _step.Run(inputs, default, labels, Loss.CrossEntropy, batch, optimizer);
    }

    // The gradients of a regression loss, then (with an optimizer) its step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Loss loss, Optimizer? optimizer)
    {
        if (loss == Loss.CrossEntropy)
        {
            throw new ArgumentException("Cross-entropy takes class labels: call the overload with ReadOnlySpan<int> labels.", nameof(loss));
        }

        int batch = Prepare(inputs, targets.Length, _core.Sizes.OutputLength, nameof(targets));
        return _step.Run(inputs, targets, default, loss, batch, optimizer);
    }

    // Checks the batch and grows the tapes and the per-part buffers for a larger batch or more parts than before.
    private int Prepare(ReadOnlySpan<float> inputs, int targetLength, int perImage, string targetName)
    {
        NetworkSizes sizes = _core.Sizes;
        int batch = inputs.Length / sizes.InputLength;
        if (batch == 0 || inputs.Length % sizes.InputLength != 0)
        {
            throw new ArgumentException($"Expected a batch of whole {sizes.InputText} images ({sizes.InputLength} floats each), got {inputs.Length} floats.", nameof(inputs));
        }

        if (targetLength != batch * perImage)
        {
            throw new ArgumentException($"Expected {batch * perImage} values for a batch of {batch} images, got {targetLength}.", targetName);
        }

        if (_tape.Length < batch * _layout.TapeLength)
        {
            _tape = new float[batch * _layout.TapeLength];
            _grad = new float[batch * _layout.TapeLength];
            _losses = new float[batch];
        }

        // One part per thread. Finer parts (up to 4 per thread, tried until 2026-12-04) balance a late thread but cut the
        // dense layers' products into rows of a few images, each part reading the dense weights again: one part per
        // thread ran the two-core step 3-7 % faster on LeNet-5 and CifarNet (docs/parallelism.md).
        int parts = BatchWork.PartsFor(batch, 3 * sizes.MultiplyAddsPerImage, _core.DegreeOfParallelism);
        if (_partials.Length < parts)
        {
            var scratch = new float[parts][];
            var partials = new float[parts][];
            for (int i = 0; i < parts; i++)
            {
                scratch[i] = i < _scratch.Length ? _scratch[i] : new float[Math.Max(1, _layout.ScratchLength)];
                partials[i] = i == 0 ? _gradients : i < _partials.Length ? _partials[i] : new float[_layout.PartialLength];
            }

            (_scratch, _partials) = (scratch, partials);
        }

        (_step.Parts, _step.Threads) = (parts, _core.DegreeOfParallelism);
        return batch;
    }

    // One training step in stages (see the class remarks).
    private sealed class Step : BatchWork
    {
        private readonly NetworkTrainer<TNetwork> _trainer;
        private int _batch;
        private Loss _loss;
        private Optimizer? _optimizer;

        // The stage before the layers' stages that transforms the Winograd convolutions' weights.
        private const int PrepareStage = -1;

        public Step(NetworkTrainer<TNetwork> trainer) => _trainer = trainer;

        // The parts of a per-image stage (set by Prepare).
        public int Parts { get; set; } = 1;

        // The most threads that work on them (set by Prepare).
        public int Threads { get; set; } = 1;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, Loss loss, int batch, Optimizer? optimizer)
        {
            NetworkTrainer<TNetwork> trainer = _trainer;
            float[] state = trainer._core.State;
            (_batch, _loss) = (batch, loss);
            Array.Copy(state, trainer._stateBefore, state.Length);
            Pin(inputs, targets, labels, default);
            // A step whose loss or gradients are not finite is refused before the optimizer runs: nothing is changed.
            ReadOnlySpan<float> losses = new(trainer._losses, 0, batch);
            if (!NonFinite.AllFinite(trainer._gradients) || !NonFinite.AllFinite(losses))
            {
                Array.Copy(trainer._stateBefore, state, state.Length);
                throw NonFinite.StepFailure(trainer._network, losses, trainer._gradients, inputs);
            }

            int optimizerStage = trainer._layout.Stages + 1;
            if (optimizer is not null && Parts > 1 && optimizer.StepsInRanges)
            {
                _optimizer = optimizer;
                try
                {
                    optimizer.BeginStep(trainer._gradients.Length);
                    Split(optimizerStage, Parts, Threads); // the optimizer step, each part over its range of the parameters
                }
                finally
                {
                    _optimizer = null;
                }
            }
            else if (optimizer is not null)
            {
                optimizer.Step(trainer._core.Parameters, trainer._gradients);
            }

            double total = 0;
            for (int b = 0; b < batch; b++)
            {
                total += trainer._losses[b];
            }

            return (float)(total / batch);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Stages()
        {
            TrainingLayout layout = _trainer._layout;
            if (layout.PackedLength > 0)
            {
                // The Winograd convolutions' transformed weights, from the parameters as the last step left them, the
                // layers dealt out over the parts.
                Split(PrepareStage, Parts, Threads);
            }

            for (int s = 0; s < layout.Stages; s++)
            {
                Split(s, layout.WholeBatch(s) ? 1 : Parts, Threads);
            }

            // The dense layers' parameter gradients over the whole batch, and the parts' other gradients added into part 0's.
            if (layout.DenseGradients || Parts > 1)
            {
                Split(layout.Stages, Parts, Threads);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected internal override void RunPart(int stage, int part, int parts)
        {
            NetworkTrainer<TNetwork> trainer = _trainer;
            TrainingLayout layout = trainer._layout;
            float[] gradients = trainer._gradients;
            if (stage == PrepareStage)
            {
                TNetwork.PrepareTraining(trainer._core.ParametersToRead, trainer._packedSource, trainer._packed, part, parts);
                return;
            }

            if (stage > layout.Stages)
            {
                // This part's range of the optimizer step (after the check that the loss and gradients are finite).
                int start = Start(gradients.Length, part, parts, 16);
                _optimizer!.StepRange(trainer._core.Parameters, gradients, start, Start(gradients.Length, part + 1, parts, 16) - start);
                return;
            }

            if (stage == 0)
            {
                // This part's own parameter gradients start at zero (other parts may already be writing theirs: the
                // first stage runs through to the backward pass when nothing needs the whole batch).
                ReadOnlySpan<int> ranges = layout.PartRanges;
                for (int r = 0; r < ranges.Length; r += 2)
                {
                    trainer._partials[part].AsSpan(ranges[r], ranges[r + 1]).Clear();
                }

                // So do its images' rows of the gradient tape that the backward pass adds into.
                int from = Start(_batch, part, parts), to = Start(_batch, part + 1, parts);
                int[] cleared = trainer._clearedSlots;
                for (int k = 0; k < cleared.Length; k += 2)
                {
                    trainer._grad.AsSpan((cleared[k] * _batch) + (from * cleared[k + 1]), (to - from) * cleared[k + 1]).Clear();
                }
            }

            if (stage < layout.Stages || layout.DenseGradients)
            {
                TNetwork.TrainStage(stage, new TrainingPart(_batch, part, parts, trainer._core.Parameters, trainer._packed, trainer._core.State, Inputs,
                    trainer._tape, trainer._grad, trainer._partials[part], gradients, trainer._scratch[part], trainer._saved, trainer._losses,
                    trainer._random, _loss, Labels, Targets));
            }

            if (stage == layout.Stages)
            {
                // This part's share of the parameters the parts accumulated on their own: summed over the parts, in part order.
                ReadOnlySpan<int> ranges = layout.PartRanges;
                for (int r = 0; r < ranges.Length; r += 2)
                {
                    int first = ranges[r] + Start(ranges[r + 1], part, parts, 16);
                    int count = ranges[r] + Start(ranges[r + 1], part + 1, parts, 16) - first;
                    for (int s = 1; s < Parts; s++)
                    {
                        Kernels.Accumulate(new ReadOnlySpan<float>(trainer._partials[s], first, count), gradients.AsSpan(first, count));
                    }
                }
            }
        }
    }
}
