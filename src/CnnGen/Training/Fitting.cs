using System.Runtime.CompilerServices;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using CnnGen.IO;
using CnnGen.Runtime;

namespace CnnGen.Training;

/// <summary>
/// Keras-style training loops over any generated network: <see cref="Fit"/> (epochs of shuffled batches, validation,
/// learning-rate schedules, early stopping, checkpoints, progress, cancellation) and <see cref="Evaluate"/> (loss,
/// accuracy, top-k, confusion matrix).
/// </summary>
public static class Fitting
{
    private const string CheckpointFormat = "cnngen.fit.1";
    private const string OptimizerPrefix = "optimizer.";

    /// <summary>
    /// Trains <paramref name="trainer"/>'s network on <paramref name="train"/> for <see cref="FitOptions.Epochs"/> epochs.
    /// Each epoch visits the images in an order drawn from <see cref="FitOptions.Seed"/> and the epoch, in batches of
    /// <see cref="FitOptions.BatchSize"/> (the last one holds the rest); the learning rate is set before every step from
    /// <see cref="FitOptions.Schedule"/>. After each epoch it measures the validation set, writes the checkpoint and reports.
    /// The batch buffers are allocated once: nothing is allocated per batch. The same seed, data and options give
    /// bit-identical weights (at a given <see cref="INetwork.DegreeOfParallelism"/>).
    /// </summary>
    /// <param name="trainer">A generated network's <c>Trainer</c>.</param>
    /// <param name="train">The training images; each must hold the network's <see cref="INetwork.InputSize"/> floats.</param>
    /// <param name="options">Epochs, batch size, seed, validation, schedule, early stopping, checkpoint, progress.</param>
    /// <param name="cancellationToken">
    /// Checked before every batch: when cancelled, an <see cref="OperationCanceledException"/> is thrown between two steps,
    /// so the network holds the weights after the last completed step and the checkpoint those after the last completed
    /// epoch; <see cref="Fit"/> with <see cref="FitOptions.Resume"/> continues from there.
    /// </param>
    /// <returns>The history of epochs and why training ended.</returns>
    /// <exception cref="ArgumentException">An option is out of range, the images do not fit the network, or the checkpoint was written by a different run.</exception>
    /// <exception cref="InvalidDataException">The checkpoint file is invalid.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FitResult Fit(this ITrainer trainer, IImageDataset train, FitOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        INetwork network = trainer.Network;
        Optimizer optimizer = trainer.Optimizer;
        CheckOptions(network, train, options);

        IImageDataset? validation = options.Validation;
        if (options.ValidationSplit > 0)
        {
            (train, validation) = Split(train, options.ValidationSplit, options.Seed);
        }

        if (options.EarlyStopping is not null && validation is null)
        {
            throw new ArgumentException("EarlyStopping watches a validation metric: give Validation or a ValidationSplit > 0.", nameof(options));
        }

        int inputSize = network.InputSize;
        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batches = (train.Count + batchSize - 1) / batchSize;
        long totalSteps = (long)batches * options.Epochs;
        int topK = Math.Min(options.TopK, network.OutputSize);
        var images = new float[batchSize * inputSize];
        var labels = new int[batchSize];
        int classes = network.OutputSize, lastLayer = network.Layers.Count - 1;
        var outputs = new float[batchSize * classes];
        var order = new int[train.Count];

        var state = new FitState();
        int resumedFrom = 0;
        if (options.CheckpointPath is { } path && options.Resume && File.Exists(path))
        {
            LoadCheckpoint(path, network, optimizer, options, train.Count, state);
            resumedFrom = state.History.Count;
        }

        var clock = new Stopwatch();
        for (int epoch = state.History.Count; epoch < options.Epochs && !state.Stopped; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < order.Length; i++) order[i] = i;
            if (options.Shuffle) new Random(Mix(options.Seed, epoch, 1)).Shuffle(order);
            var augmentRandom = new Random(Mix(options.Seed, epoch, 2));
            trainer.ReseedDropout(Mix(options.Seed, epoch, 3));

            clock.Restart();
            double lossSum = 0;
            int seen = 0, correctSum = 0;
            float rate = optimizer.LearningRate;
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, order.Length - b * batchSize);
                ReadOnlySpan<int> chosen = order.AsSpan(b * batchSize, count);
                train.CopyBatch(chosen, images.AsSpan(0, count * inputSize));
                for (int i = 0; i < count; i++)
                {
                    options.Augment?.Invoke(images.AsSpan(i * inputSize, inputSize), augmentRandom);
                    labels[i] = train.Label(chosen[i]);
                }

                if (options.Schedule is { } schedule)
                {
                    rate = schedule.RateAt((long)epoch * batches + b, batches, totalSteps);
                    optimizer.LearningRate = rate;
                }

                float loss = trainer.TrainBatch(images.AsSpan(0, count * inputSize), labels.AsSpan(0, count));
                lossSum += (double)loss * count;
                seen += count;

                // The batch's accuracy from the step's own forward pass (the outputs the loss was taken of), as Keras reports it.
                trainer.CopyLayerOutputs(lastLayer, outputs.AsSpan(0, count * classes));
                int correct = 0;
                for (int i = 0; i < count; i++)
                {
                    if (Kernels.IndexOfMax(outputs.AsSpan(i * classes, classes)) == labels[i]) correct++;
                }

                correctSum += correct;
                options.BatchProgress?.Report(new BatchReport(epoch + 1, options.Epochs, b + 1, batches, loss, lossSum / seen, rate,
                    clock.Elapsed, seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), (double)correct / count, (double)correctSum / seen));
            }

            TimeSpan elapsed = clock.Elapsed;
            double trainAccuracy = options.MeasureTrainingAccuracy ? Evaluate(network, train, 1).Accuracy : double.NaN;
            Evaluation? measured = validation is null ? null : Evaluate(network, validation, topK);
            var report = new EpochReport(epoch + 1, options.Epochs, rate, lossSum / seen, trainAccuracy,
                measured?.Loss ?? double.NaN, measured?.Accuracy ?? double.NaN, measured?.TopKAccuracy ?? double.NaN,
                elapsed, seen / Math.Max(elapsed.TotalSeconds, 1e-9));
            state.History.Add(report);
            if (options.EarlyStopping is { } stopping) state.Watch(stopping, report);
            if (options.CheckpointPath is { } checkpoint) SaveCheckpoint(checkpoint, network, optimizer, options, train.Count, state);
            options.EpochProgress?.Report(report);
        }

        return new FitResult(state.History.ToArray(), state.Stopped, state.BestEpoch, resumedFrom);
    }

    /// <summary>
    /// Runs every image of <paramref name="data"/> through <paramref name="network"/> (in batches through
    /// <see cref="INetwork.ForwardBatch"/>) and measures the mean cross-entropy, the accuracy (largest output, the first
    /// of equal ones, as <c>Predict</c>), the top-<paramref name="topK"/> accuracy (the label counts when fewer than
    /// <paramref name="topK"/> outputs are strictly larger than its own) and the confusion matrix.
    /// </summary>
    /// <param name="network">Any generated network; its outputs are the class scores (or probabilities when it ends in Softmax).</param>
    /// <param name="data">Labelled images of <see cref="INetwork.InputSize"/> floats, labels 0 to OutputSize − 1.</param>
    /// <param name="topK">k of the top-k accuracy, 1 to the number of classes.</param>
    /// <param name="batchSize">Images per <see cref="INetwork.ForwardBatch"/> call, ≥ 1.</param>
    /// <exception cref="ArgumentException">The data is empty or does not fit the network, a label is out of range, or an argument is out of range.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Evaluation Evaluate(this INetwork network, IImageDataset data, int topK = 5, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        int classes = network.OutputSize;
        if (topK < 1 || topK > classes)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"topK must be between 1 and the network's {classes} outputs.");
        }

        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        CheckData(network, data, nameof(data));
        bool probabilities = EndsInSoftmax(network);

        int inputSize = network.InputSize;
        batchSize = Math.Min(batchSize, data.Count);
        var inputs = new float[batchSize * inputSize];
        var outputs = new float[batchSize * classes];
        var indices = new int[batchSize];
        var confusion = new ConfusionMatrix(classes);
        double lossSum = 0;
        long inTopK = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < count; i++) indices[i] = start + i;
            data.CopyBatch(indices.AsSpan(0, count), inputs.AsSpan(0, count * inputSize));
            network.ForwardBatch(inputs.AsSpan(0, count * inputSize), outputs.AsSpan(0, count * classes));
            for (int i = 0; i < count; i++)
            {
                int label = data.Label(start + i);
                if ((uint)label >= (uint)classes)
                {
                    throw new ArgumentException($"Image {start + i} has label {label}; the network's labels are 0 to {classes - 1}.", nameof(data));
                }

                ReadOnlySpan<float> output = outputs.AsSpan(i * classes, classes);
                confusion.Add(label, Kernels.IndexOfMax(output));
                int larger = 0;
                for (int c = 0; c < classes; c++)
                {
                    if (output[c] > output[label]) larger++;
                }

                if (larger < topK) inTopK++;
                lossSum += probabilities ? -Math.Log(Math.Max(output[label], float.Epsilon)) : CrossEntropyOfScores(output, label);
            }
        }

        return new Evaluation(lossSum / data.Count, confusion.Accuracy, topK, (double)inTopK / data.Count, confusion);
    }

    // −log softmax(scores)[label], computed in double with the largest score subtracted.
    private static double CrossEntropyOfScores(ReadOnlySpan<float> scores, int label)
    {
        double max = double.NegativeInfinity;
        foreach (float s in scores) max = Math.Max(max, s);
        double sum = 0;
        foreach (float s in scores) sum += Math.Exp(s - max);
        return Math.Log(sum) - (scores[label] - max);
    }

    private static bool EndsInSoftmax(INetwork network)
    {
        IReadOnlyList<LayerInfo> layers = network.Layers;
        return layers.Count > 0 && layers[^1].Name == "Softmax";
    }

    private static void CheckOptions(INetwork network, IImageDataset train, FitOptions options)
    {
        if (options.Epochs < 1) throw new ArgumentException($"FitOptions.Epochs must be at least 1; it is {options.Epochs}.", nameof(options));
        if (options.BatchSize < 1) throw new ArgumentException($"FitOptions.BatchSize must be at least 1; it is {options.BatchSize}.", nameof(options));
        if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
        {
            throw new ArgumentException($"FitOptions.ValidationSplit must be in [0, 1) (the share of the training images held out); it is {options.ValidationSplit}.", nameof(options));
        }

        if (options.ValidationSplit > 0 && options.Validation is not null)
        {
            throw new ArgumentException("Give either FitOptions.Validation or FitOptions.ValidationSplit, not both.", nameof(options));
        }

        if (options.TopK < 1) throw new ArgumentException($"FitOptions.TopK must be at least 1; it is {options.TopK}.", nameof(options));
        if (options.EarlyStopping is { } stopping)
        {
            if (stopping.Patience < 1) throw new ArgumentException($"EarlyStopping.Patience must be at least 1 epoch; it is {stopping.Patience}.", nameof(options));
            if (!(stopping.MinDelta >= 0) || double.IsInfinity(stopping.MinDelta))
            {
                throw new ArgumentException($"EarlyStopping.MinDelta must be finite and ≥ 0; it is {stopping.MinDelta}.", nameof(options));
            }
        }

        if (options.CheckpointPath is { Length: 0 }) throw new ArgumentException("FitOptions.CheckpointPath is empty: give a file path, or null for no checkpoint.", nameof(options));
        CheckData(network, train, "train");
        if (options.Validation is { } validation) CheckData(network, validation, "options");
        if (options.ValidationSplit > 0)
        {
            int held = HeldOut(train.Count, options.ValidationSplit);
            if (held < 1 || held >= train.Count)
            {
                throw new ArgumentException(
                    $"FitOptions.ValidationSplit {options.ValidationSplit} of {train.Count} images holds out {held}; at least 1 image must be held out and 1 left to train on.", nameof(options));
            }
        }
    }

    private static void CheckData(INetwork network, IImageDataset data, string name)
    {
        if (data.Count < 1) throw new ArgumentException("The data set is empty; at least 1 image is needed.", name);
        if (data.ImageSize != network.InputSize)
        {
            throw new ArgumentException($"The network takes images of {network.InputSize} floats but the data set's images have {data.ImageSize}.", name);
        }
    }

    private static int HeldOut(int count, double split) => (int)Math.Round(count * split, MidpointRounding.AwayFromZero);

    // A seeded random choice of images held out for validation; the rest, in their original order, for training.
    private static (IImageDataset Train, IImageDataset Validation) Split(IImageDataset data, double split, int seed)
    {
        int held = HeldOut(data.Count, split);
        var indices = new int[data.Count];
        for (int i = 0; i < indices.Length; i++) indices[i] = i;
        new Random(Mix(seed, 0, 0)).Shuffle(indices);
        int[] validation = indices[..held], train = indices[held..];
        Array.Sort(validation);
        Array.Sort(train);
        return (new Subset(data, train), new Subset(data, validation));
    }

    // A seed per (run seed, epoch, stream) without HashCode (randomised per process).
    private static int Mix(int seed, int epoch, int stream)
    {
        ulong z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL + (ulong)(uint)stream * 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(uint)(z ^ (z >> 31));
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double Number(IReadOnlyDictionary<string, string> metadata, string key, string path)
    {
        if (metadata.TryGetValue(key, out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return value;
        throw new InvalidDataException($"{path}: the checkpoint has no valid '{key}'.");
    }

    private static void SaveCheckpoint(string path, INetwork network, Optimizer optimizer, FitOptions options, int trainCount, FitState state)
    {
        var arrays = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        optimizer.SaveState(arrays, values);

        float[] parameters = network.Parameters.ToArray(), runningState = network.State.ToArray();
        var tensors = new List<(string, IReadOnlyList<int>, ReadOnlyMemory<float>)>();
        foreach (TensorInfo t in network.Tensors) tensors.Add((t.Name, t.Shape, new ReadOnlyMemory<float>(t.IsState ? runningState : parameters, t.Offset, t.Length)));
        foreach ((string name, float[] data) in arrays) tensors.Add((OptimizerPrefix + name, new[] { data.Length }, data));

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = CheckpointFormat,
            ["epoch"] = Text(state.History.Count),
            ["seed"] = Text(options.Seed),
            ["batch_size"] = Text(options.BatchSize),
            ["train_count"] = Text(trainCount),
            ["learning_rate"] = Text(optimizer.LearningRate),
            ["optimizer"] = optimizer.GetType().FullName ?? optimizer.GetType().Name,
            ["best"] = Text(state.Best),
            ["best_epoch"] = Text(state.BestEpoch),
            ["waited"] = Text(state.Waited),
            ["stopped"] = state.Stopped ? "1" : "0",
            ["history"] = string.Join(";", state.History.ConvertAll(r => string.Join(",",
                Text(r.LearningRate), Text(r.TrainLoss), Text(r.TrainAccuracy), Text(r.ValidationLoss), Text(r.ValidationAccuracy),
                Text(r.ValidationTopKAccuracy), Text(r.Elapsed.TotalSeconds), Text(r.ImagesPerSecond)))),
        };
        foreach ((string key, string value) in values) metadata[OptimizerPrefix + key] = value;
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    private static void LoadCheckpoint(string path, INetwork network, Optimizer optimizer, FitOptions options, int trainCount, FitState state)
    {
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        IReadOnlyDictionary<string, string> metadata = file.Metadata;
        if (!metadata.TryGetValue("format", out string? format) || format != CheckpointFormat)
        {
            throw new InvalidDataException($"{path} is not a Fit checkpoint (its metadata has no format = {CheckpointFormat}).");
        }

        string optimizerType = optimizer.GetType().FullName ?? optimizer.GetType().Name;
        if (metadata.GetValueOrDefault("optimizer") != optimizerType)
        {
            throw new ArgumentException($"{path} holds the state of a {metadata.GetValueOrDefault("optimizer")} optimizer, not of this trainer's {optimizerType}.", nameof(options));
        }

        (string Key, double Expected)[] run = { ("seed", options.Seed), ("batch_size", options.BatchSize), ("train_count", trainCount) };
        foreach ((string key, double expected) in run)
        {
            double found = Number(metadata, key, path);
            if (found != expected)
            {
                throw new ArgumentException($"{path} was written by a run with {key} {Text(found)}; this run has {Text(expected)}. Delete it or give matching options to resume.", nameof(options));
            }
        }

        // Everything is checked before the network or the optimizer changes.
        var copies = new List<(TensorInfo Tensor, TensorEntry Entry)>();
        foreach (TensorInfo t in network.Tensors)
        {
            if (!file.TryGet(t.Name, out TensorEntry? entry) || entry.DType != SafeTensors.Float32 || entry.ElementCount != t.Length)
            {
                throw new InvalidDataException($"{path}: tensor '{t.Name}' is missing or is not F32 {t.ShapeText}.");
            }

            copies.Add((t, entry));
        }

        var arrays = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (string name in file.Names)
        {
            if (!name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) continue;
            float[] data = file[name].ToArray();
            if (data.Length != network.ParameterSize)
            {
                throw new InvalidDataException($"{path}: optimizer array '{name}' has {data.Length} values; the network has {network.ParameterSize} parameters.");
            }

            arrays[name[OptimizerPrefix.Length..]] = data;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in metadata)
        {
            if (key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) values[key[OptimizerPrefix.Length..]] = value;
        }

        int epochs = (int)Number(metadata, "epoch", path);
        var history = new List<EpochReport>();
        string historyText = metadata.GetValueOrDefault("history") ?? string.Empty;
        foreach (string line in historyText.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(',');
            double[] v = new double[f.Length];
            for (int i = 0; i < f.Length; i++)
            {
                if (!double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i])) throw new InvalidDataException($"{path}: the history is malformed.");
            }

            if (v.Length != 8) throw new InvalidDataException($"{path}: the history is malformed.");
            history.Add(new EpochReport(history.Count + 1, options.Epochs, (float)v[0], v[1], v[2], v[3], v[4], v[5], TimeSpan.FromSeconds(v[6]), v[7]));
        }

        if (history.Count != epochs) throw new InvalidDataException($"{path}: the checkpoint says {epochs} epochs but its history holds {history.Count}.");

        optimizer.LoadState(arrays, values);
        optimizer.LearningRate = (float)Number(metadata, "learning_rate", path);
        Span<float> parameters = network.Parameters, running = network.State;
        foreach ((TensorInfo t, TensorEntry entry) in copies) entry.CopyTo((t.IsState ? running : parameters).Slice(t.Offset, t.Length));
        state.History.AddRange(history);
        state.Best = Number(metadata, "best", path);
        state.BestEpoch = (int)Number(metadata, "best_epoch", path);
        state.Waited = (int)Number(metadata, "waited", path);
        state.Stopped = metadata.GetValueOrDefault("stopped") == "1";
    }

    // The progress that a checkpoint carries: the epochs so far and early stopping's bookkeeping.
    private sealed class FitState
    {
        public List<EpochReport> History { get; } = new();

        public double Best { get; set; } = double.NaN;

        public int BestEpoch { get; set; }

        public int Waited { get; set; }

        public bool Stopped { get; set; }

        public void Watch(EarlyStopping stopping, EpochReport report)
        {
            bool lowerIsBetter = stopping.Metric == StoppingMetric.ValidationLoss;
            double value = lowerIsBetter ? report.ValidationLoss : report.ValidationAccuracy;
            bool improved = double.IsNaN(Best) || (lowerIsBetter ? value < Best - stopping.MinDelta : value > Best + stopping.MinDelta);
            if (improved)
            {
                (Best, BestEpoch, Waited) = (value, report.Epoch, 0);
                return;
            }

            Waited++;
            if (Waited >= stopping.Patience) Stopped = true;
        }
    }

    // Some images of another data set, by index.
    private sealed class Subset(IImageDataset source, int[] indices) : IImageDataset
    {
        public int Count => indices.Length;

        public int ImageSize => source.ImageSize;

        private int[] chosen = [];

        public void CopyTo(int index, Span<float> image) => source.CopyTo(indices[index], image);

        // The source's own batch copy (which may decode in parallel), with the indices mapped; the buffer grows once.
        public void CopyBatch(ReadOnlySpan<int> batch, Span<float> images)
        {
            if (chosen.Length < batch.Length) chosen = new int[batch.Length];
            for (int i = 0; i < batch.Length; i++) chosen[i] = indices[batch[i]];
            source.CopyBatch(chosen.AsSpan(0, batch.Length), images);
        }

        public int Label(int index) => source.Label(indices[index]);
    }
}
