// Trains LeNet-5 (declared with attributes in LeNet5.cs, compiled by the CnnGen source generator) on MNIST
// digits, saves the weights as safetensors, checks that they load back, and plots the training curves.
//
//   dotnet run -c Release --project samples/LeNet -- --help
using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using CnnGen.IO;
using CnnGen.Training;
using LeNet;

return CommandLine.Invoke(args, Run);

static int Run(TrainingOptions options)
{
    // The first training step compiles the emitted stages and their kernels (about 0.1 s on the JIT); this does it on the
    // other core while this one loads the digits, so the first epoch runs near the speed of the others.
    _ = WarmUp.TrainingAsync(new LeNet5(), options.BatchSize, new Adam());
    if (!TryLoad(options.DataDirectory, out Dataset? train, out Dataset? test)) return CommandLine.UsageError;

    Console.Write(LeNet5.Summary);
    Console.WriteLine($"data: {train.Count:N0} train images, {test.Count:N0} test images ({options.DataDirectory})");
    Console.WriteLine($"training: {options.Epochs} epochs of {options.BatchSize}-image batches, Adam with lr {options.LearningRate:G} "
        + $"halved every {TrainingOptions.DecayEvery} epochs, random shifts up to {options.Shift} px, seed {options.Seed}");

    var network = new LeNet5(options.Seed);
    IReadOnlyList<EpochResult> history = Train(network, train, test, options);

    Directory.CreateDirectory(options.OutputDirectory);
    string weightsPath = Path.Combine(options.OutputDirectory, "lenet5.safetensors");
    SafeTensors.Save(network, weightsPath);
    var reloaded = new LeNet5();
    SafeTensors.Load(reloaded, weightsPath);
    int agree = AgreeingPredictions(network, reloaded, test);
    Console.WriteLine($"weights: {weightsPath}");
    Console.WriteLine($"reloaded weights: {agree}/{test.Count} predictions agree");

    string plotPath = Path.Combine(options.OutputDirectory, "lenet5-training.png");
    TrainingPlot.Save(history, plotPath);
    Console.WriteLine($"plot: {plotPath}");

    Evaluation evaluation = network.Evaluate(test, topK: 2);
    Console.WriteLine($"test: loss {evaluation.Loss:F4}, top-2 accuracy {evaluation.TopKAccuracy:F4}; confusion matrix (rows: true digit, columns: predicted):");
    Console.Write(evaluation.Confusion.ToTable());
    string confusionPath = Path.Combine(options.OutputDirectory, "lenet5-confusion.png");
    ConfusionPlot.Save(evaluation.Confusion, $"LeNet-5 on the {test.Count:N0} test digits (rows: true, columns: predicted)", confusionPath);
    Console.WriteLine($"confusion matrix: {confusionPath}");
    Console.WriteLine($"test accuracy: {evaluation.Accuracy:F4}");
    return agree == test.Count ? 0 : 1;
}

// Trains with Fit: Adam, the rate halved every DecayEvery epochs, random shifts; the test set measured after each epoch.
// The display and the history follow Fit's progress reports.
static IReadOnlyList<EpochResult> Train(LeNet5 network, Dataset train, Dataset test, TrainingOptions options)
{
    var trainer = new LeNet5.Trainer(network, new Adam(options.LearningRate), options.Seed);
    int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
    return TrainingDisplay.Run(options.Epochs, batches, display =>
    {
        var history = new List<EpochResult>();
        trainer.Fit(train, new FitOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Seed = options.Seed,
            Validation = test,
            Schedule = LearningRateSchedule.StepDecay(options.LearningRate, TrainingOptions.DecayEvery, 0.5f),
            Augment = options.Shift > 0 ? new RandomShift(options.Shift).Apply : null,
            MeasureTrainingAccuracy = true,
            BatchProgress = new Reports<BatchReport>(r =>
            {
                if (r.Batch == 1) display.BeginEpoch(r.Epoch);
                display.Batch(r.Epoch, r.Batch, r.MeanLoss, r.ImagesPerSecond);
                if (r.Batch == r.Batches) display.Evaluating(r.Epoch);
            }),
            EpochProgress = new Reports<EpochReport>(r =>
            {
                var result = new EpochResult(r.Epoch, r.LearningRate, r.TrainLoss, r.TrainAccuracy, r.ValidationAccuracy,
                    r.Elapsed.TotalSeconds, r.ImagesPerSecond);
                history.Add(result);
                display.EndEpoch(result);
            }),
        });
        return history;
    });
}

// The number of test images on which the two networks predict the same class.
static int AgreeingPredictions(LeNet5 first, LeNet5 second, Dataset data)
{
    Span<float> output = stackalloc float[LeNet5.OutputLength];
    int agree = 0;
    for (int i = 0; i < data.Count; i++)
    {
        if (first.Predict(data.Image(i), output) == second.Predict(data.Image(i), output)) agree++;
    }

    return agree;
}

// Loads the train and test splits, padded to 32×32; on failure explains why and returns false.
static bool TryLoad(string directory, [NotNullWhen(true)] out Dataset? train, [NotNullWhen(true)] out Dataset? test)
{
    train = test = null;
    try
    {
        train = Dataset.LoadDirectory(directory, "train", padTo: LeNet5.InputHeight);
        test = Dataset.LoadDirectory(directory, "test", padTo: LeNet5.InputHeight);
        return true;
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentOutOfRangeException)
    {
        Console.Error.WriteLine($"error: cannot load the digits: {e.Message}");
        return false;
    }
}

/// <summary>Hands each report to a callback on the training thread, as it happens (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class Reports<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
