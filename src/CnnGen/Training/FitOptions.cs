using System;
using CnnGen.IO;

namespace CnnGen.Training;

/// <summary>Changes one training image in place (augmentation), drawing its random choices from <paramref name="random"/>.</summary>
/// <param name="image">The image as the network takes it (C × H × W floats), already copied into the batch.</param>
/// <param name="random">Seeded by <see cref="FitOptions.Seed"/> and the epoch, so runs repeat exactly.</param>
public delegate void ImageAugmentation(Span<float> image, Random random);

/// <summary>What <see cref="EarlyStopping"/> watches, measured on the validation set after each epoch.</summary>
public enum StoppingMetric
{
    /// <summary>The validation loss; lower is better.</summary>
    ValidationLoss,

    /// <summary>The validation accuracy; higher is better.</summary>
    ValidationAccuracy,
}

/// <summary>Stops training when <paramref name="Metric"/> has not improved by more than <paramref name="MinDelta"/> for <paramref name="Patience"/> epochs in a row.</summary>
/// <param name="Metric">The validation metric watched (needs a validation set or split).</param>
/// <param name="Patience">Epochs without improvement tolerated, ≥ 1.</param>
/// <param name="MinDelta">The least change that counts as an improvement, ≥ 0.</param>
public sealed record EarlyStopping(StoppingMetric Metric = StoppingMetric.ValidationLoss, int Patience = 3, double MinDelta = 0);

/// <summary>How <see cref="Fitting.Fit"/> trains. Only <see cref="Epochs"/> has no default.</summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training data, ≥ 1.</summary>
    public int Epochs { get; init; }

    /// <summary>Images per step (the last batch of an epoch holds the rest), ≥ 1. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Seeds the shuffling, the validation split, the augmentation and the dropout masks: the same seed gives the same weights.</summary>
    public int Seed { get; init; }

    /// <summary>Whether each epoch visits the images in a new random order (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Images measured after each epoch (loss, accuracy); not trained on.</summary>
    public IImageDataset? Validation { get; init; }

    /// <summary>
    /// Instead of <see cref="Validation"/>: the share of the training images, in [0, 1), held out (chosen at random from
    /// <see cref="Seed"/>) and measured after each epoch. 0 holds out nothing.
    /// </summary>
    public double ValidationSplit { get; init; }

    /// <summary>The learning rate per step; null keeps the optimizer's rate as it is.</summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>Stops when a validation metric stops improving; null trains all <see cref="Epochs"/>.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>
    /// A file written after every epoch (atomically: a temporary file renamed over it) with the weights, the optimizer's
    /// state and the progress so far, in safetensors format. Null writes none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Whether an existing <see cref="CheckpointPath"/> is loaded first and training continues after its epoch (default true).</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Changes each training image after it is copied into the batch (e.g. random shifts); null trains on the images as they are.</summary>
    public ImageAugmentation? Augment { get; init; }

    /// <summary>Whether each epoch ends with a pass over the training images (without augmentation) to measure their accuracy.</summary>
    public bool MeasureTrainingAccuracy { get; init; }

    /// <summary>The k of the top-k accuracy measured on the validation set (default 5, at most the number of classes).</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Receives a report after every batch (a struct: nothing is allocated per batch).</summary>
    public IProgress<BatchReport>? BatchProgress { get; init; }

    /// <summary>Receives a report after every epoch.</summary>
    public IProgress<EpochReport>? EpochProgress { get; init; }
}

/// <summary>Progress after one batch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs of the run.</param>
/// <param name="Batch">1-based batch in the epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">This batch's mean loss (before its step).</param>
/// <param name="MeanLoss">The epoch's mean loss so far, per image.</param>
/// <param name="LearningRate">The rate this batch's step used.</param>
/// <param name="Elapsed">Time since the epoch started.</param>
/// <param name="ImagesPerSecond">Training images per second so far in this epoch.</param>
/// <param name="Accuracy">This batch's accuracy: the share of its images whose largest output, in the step's own forward pass (before the step, augmented, in training mode), is the label.</param>
/// <param name="MeanAccuracy">The epoch's <paramref name="Accuracy"/> so far, per image (Keras' running training accuracy).</param>
public readonly record struct BatchReport(int Epoch, int Epochs, int Batch, int Batches, float Loss, double MeanLoss, float LearningRate, TimeSpan Elapsed, double ImagesPerSecond,
    double Accuracy, double MeanAccuracy);

/// <summary>The results of one epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs of the run.</param>
/// <param name="LearningRate">The rate of the epoch's last step.</param>
/// <param name="TrainLoss">Mean training loss per image, each batch's loss taken before its step.</param>
/// <param name="TrainAccuracy">Accuracy on the training images after the epoch; NaN unless <see cref="FitOptions.MeasureTrainingAccuracy"/>.</param>
/// <param name="ValidationLoss">Mean cross-entropy on the validation images; NaN without validation.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation images; NaN without validation.</param>
/// <param name="ValidationTopKAccuracy">Top-k accuracy on the validation images (k = <see cref="FitOptions.TopK"/>); NaN without validation.</param>
/// <param name="Elapsed">Training time of the epoch (without the measurements).</param>
/// <param name="ImagesPerSecond">Training images per second.</param>
public sealed record EpochReport(int Epoch, int Epochs, float LearningRate, double TrainLoss, double TrainAccuracy, double ValidationLoss,
    double ValidationAccuracy, double ValidationTopKAccuracy, TimeSpan Elapsed, double ImagesPerSecond);

/// <summary>What <see cref="Fitting.Fit"/> did.</summary>
/// <param name="History">One report per epoch trained, including epochs restored from a checkpoint.</param>
/// <param name="StoppedEarly">Whether <see cref="FitOptions.EarlyStopping"/> ended the run before <see cref="FitOptions.Epochs"/>.</param>
/// <param name="BestEpoch">The epoch with the best watched metric (0 without early stopping).</param>
/// <param name="ResumedFromEpoch">The epoch the checkpoint held when training resumed from it (0 when it started afresh).</param>
public sealed record FitResult(System.Collections.Generic.IReadOnlyList<EpochReport> History, bool StoppedEarly, int BestEpoch, int ResumedFromEpoch);
