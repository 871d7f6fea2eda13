// Trains LeNet-5 (declared with attributes in LeNet5.cs, compiled by the CnnGen source generator) on MNIST
// digits, saves the weights as safetensors, checks that they load back, and plots the training curves.
//
//   dotnet run -c Release --project samples/LeNet -- --help
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using CnnGen.IO;
using CnnGen.Training;
using LeNet;

return CommandLine.Invoke(args, Run);

static int Run(TrainingOptions options)
{
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
    int agree = Evaluation.AgreeingPredictions(network, reloaded, test);
    Console.WriteLine($"weights: {weightsPath}");
    Console.WriteLine($"reloaded weights: {agree}/{test.Count} predictions agree");

    string plotPath = Path.Combine(options.OutputDirectory, "lenet5-training.png");
    TrainingPlot.Save(history, plotPath);
    Console.WriteLine($"plot: {plotPath}");

    Console.WriteLine($"test accuracy: {history[^1].TestAccuracy:F4}");
    return agree == test.Count ? 0 : 1;
}

// Trains for options.Epochs epochs with Adam and a step-decayed learning rate; measures both accuracies after each.
static IReadOnlyList<EpochResult> Train(LeNet5 network, Dataset train, Dataset test, TrainingOptions options)
{
    var optimizer = new Adam(options.LearningRate);
    var epochs = new EpochTrainer(new LeNet5.Trainer(network, optimizer, options.Seed), train, options.BatchSize, options.Shift, options.Seed);
    return TrainingDisplay.Run(options.Epochs, epochs.BatchesPerEpoch, display =>
    {
        var history = new List<EpochResult>();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            optimizer.LearningRate = options.LearningRateAt(epoch);
            display.BeginEpoch(epoch);
            var clock = Stopwatch.StartNew();
            double loss = epochs.RunEpoch((batch, runningLoss, speed) => display.Batch(epoch, batch, runningLoss, speed));
            double seconds = clock.Elapsed.TotalSeconds;
            display.Evaluating(epoch);
            var result = new EpochResult(epoch, optimizer.LearningRate, loss,
                Evaluation.Accuracy(network, train), Evaluation.Accuracy(network, test), seconds, train.Count / seconds);
            history.Add(result);
            display.EndEpoch(result);
        }

        return history;
    });
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
