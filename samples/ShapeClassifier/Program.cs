// Trains ShapeNet (ShapeNet.cs, compiled by the CnnGen source generator) on a folder of generated 32×32 RGB pictures of
// shapes and textures, with Fit: progress, curves, the confusion matrix, per-class precision and recall, a checkpoint to
// resume from, the first layer's filters and feature maps as pictures, and a few files classified at the end.
//
//   dotnet run -c Release --project samples/ShapeClassifier -- [--epochs N] [--seed N] [--out DIR] [--fresh]
//
// The first run writes the pictures to DIR/images (train/<class>/*.png, test/<class>/*.png). The checkpoint
// DIR/shapenet.checkpoint.safetensors is written after every epoch: stop the run (Ctrl+C) and start it again, or rerun
// with more --epochs, and training continues where it was; --fresh starts over.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using CnnGen.IO;
using CnnGen.Training;
using CnnGen.Visualization;
using ShapeClassifier;

const int PerClassTrain = 500, PerClassTest = 100, BatchSize = 32;
const float LearningRate = 2e-3f;

int epochs = 8, seed = 1;
string output = Path.Combine("out", "shapes");
bool fresh = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--epochs" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out epochs) && epochs > 0: i++; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out seed): i++; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--fresh": fresh = true; break;
        default:
            Console.Error.WriteLine($"error: unknown or incomplete option '{args[i]}'. Usage: ShapeClassifier [--epochs N ≥ 1] [--seed N] [--out DIR] [--fresh]");
            return 2;
    }
}

var total = Stopwatch.StartNew();
Directory.CreateDirectory(output);
string images = Path.Combine(output, "images");
if (!ShapeImages.Exists(images, PerClassTrain, PerClassTest, seed))
{
    var writing = Stopwatch.StartNew();
    ShapeImages.Write(images, PerClassTrain, PerClassTest, seed);
    Console.WriteLine($"wrote {ShapeImages.Classes.Length * (PerClassTrain + PerClassTest):N0} pictures to {images} in {writing.Elapsed.TotalSeconds:F1} s");
}

// The per-channel mean and standard deviation of the training pictures, then the folders normalised with them: the
// training set decoded once into memory, the test set decoded per batch, in parallel, as a folder too large for memory is.
var plain = new ImageTransform(ShapeNet.InputChannels, ShapeNet.InputHeight, ShapeNet.InputWidth);
(float[] mean, float[] std) = ChannelStatistics(ImageFolder.Open(Path.Combine(images, "train"), plain, new ImageFolderOptions { InMemory = true }));
ImageTransform transform = plain with { Mean = mean, Std = std };
ImageFolder train = ImageFolder.Open(Path.Combine(images, "train"), transform, new ImageFolderOptions { InMemory = true, SkipInvalid = true });
ImageFolder test = ImageFolder.Open(Path.Combine(images, "test"), transform, new ImageFolderOptions { SkipInvalid = true });
IReadOnlyList<string> classes = train.ClassNames;
Console.Write(ShapeNet.Summary);
Console.WriteLine($"classes: {string.Join(", ", classes.Select((name, i) => $"{i} {name} ({train.CountPerClass()[i]})"))}");
Console.WriteLine($"data: {train.Count:N0} training pictures (in memory), {test.Count:N0} test pictures (decoded per batch); {train.Skipped.Count + test.Skipped.Count} skipped");
Console.WriteLine($"normalisation: mean {Format(mean)}, std {Format(std)}");

string checkpoint = Path.Combine(output, "shapenet.checkpoint.safetensors");
if (fresh) File.Delete(checkpoint);
else if (File.Exists(checkpoint)) Console.WriteLine($"checkpoint: {checkpoint} exists, so Fit resumes after its last epoch (--fresh starts over)");
var network = new ShapeNet(seed);
var trainer = new ShapeNet.Trainer(network, new Adam(LearningRate), seed);
var history = new List<EpochPoint>();
double runningAccuracy = double.NaN;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // stop between two steps; the checkpoint keeps the last finished epoch
    cancel.Cancel();
};

FitResult result;
try
{
    result = trainer.Fit(train, new FitOptions
    {
        Epochs = epochs,
        BatchSize = BatchSize,
        Seed = seed,
        Validation = test,
        TopK = 2,
        Schedule = LearningRateSchedule.Cosine(LearningRate),
        Augment = ImageAugmentations.Compose(
            ImageAugmentations.RandomShift(ShapeNet.InputChannels, ShapeNet.InputHeight, ShapeNet.InputWidth, maxShift: 2),
            ImageAugmentations.HorizontalFlip(ShapeNet.InputChannels, ShapeNet.InputHeight, ShapeNet.InputWidth)),
        CheckpointPath = checkpoint,
        BatchProgress = new Reports<BatchReport>(r =>
        {
            runningAccuracy = r.MeanAccuracy;
            if (!Console.IsOutputRedirected && (r.Batch % 10 == 0 || r.Batch == r.Batches))
            {
                Console.Write($"\repoch {r.Epoch}/{r.Epochs}  batch {r.Batch,3}/{r.Batches}  loss {r.MeanLoss:F4}  accuracy {r.MeanAccuracy:F3}  {r.ImagesPerSecond,6:N0} pictures/s ");
            }
        }),
        EpochProgress = new Reports<EpochReport>(r =>
        {
            history.Add(new EpochPoint(r.Epoch, r.TrainLoss, runningAccuracy, r.ValidationLoss, r.ValidationAccuracy));
            if (!Console.IsOutputRedirected) Console.Write('\r');
            Console.WriteLine($"epoch {r.Epoch}/{r.Epochs}  lr {r.LearningRate:G3}  train loss {r.TrainLoss:F4}  train accuracy {runningAccuracy:F4}  "
                + $"test loss {r.ValidationLoss:F4}  test accuracy {r.ValidationAccuracy:F4}  top-2 {r.ValidationTopKAccuracy:F4}  {r.Elapsed.TotalSeconds:F1} s");
        }),
    }, cancel.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine();
    Console.WriteLine($"stopped: {checkpoint} holds the last finished epoch; run again to continue from it.");
    return 130;
}

if (result.ResumedFromEpoch > 0)
{
    Console.WriteLine($"resumed from the checkpoint after epoch {result.ResumedFromEpoch} ({checkpoint})");
    for (int e = 0; e < result.ResumedFromEpoch && e < result.History.Count; e++)
    {
        EpochReport r = result.History[e];
        history.Insert(e, new EpochPoint(r.Epoch, r.TrainLoss, double.NaN, r.ValidationLoss, r.ValidationAccuracy));
    }
}

string weights = Path.Combine(output, "shapenet.safetensors");
SafeTensors.Save(network, weights);
string curves = Path.Combine(output, "shapenet-training.png");
Plots.Curves(history, curves);

Evaluation evaluation = network.Evaluate(test, topK: 2);
Console.WriteLine($"test: accuracy {evaluation.Accuracy:F4}, top-2 {evaluation.TopKAccuracy:F4}, loss {evaluation.Loss:F4}; per class (rows: true, columns: predicted):");
Console.Write(evaluation.Confusion.ToTable(classes));
string confusion = Path.Combine(output, "shapenet-confusion.png");
Plots.Confusion(evaluation.Confusion, classes, $"ShapeNet on the {test.Count:N0} test pictures", confusion);

// What the network learnt to look for: the first convolution's 16 filters, and the feature maps of both convolutions
// (after ReLU) for the first test picture.
string filters = Path.Combine(output, "shapenet-filters.png");
Pictures.SaveFilters(network, filters, scale: 12);
var first = new float[ShapeNet.InputLength];
test.CopyTo(0, first);
string maps1 = Path.Combine(output, "shapenet-maps-layer2.png"), maps2 = Path.Combine(output, "shapenet-maps-layer5.png");
Pictures.SaveFeatureMaps(trainer, first, layer: 1, maps1, scale: 4);
Pictures.SaveFeatureMaps(trainer, first, layer: 4, maps2, scale: 6);
Console.WriteLine($"pictures: {curves}, {confusion}, {filters}, {maps1} and {maps2} (the feature maps of {test.Files[0]})");
Console.WriteLine($"weights: {weights}; checkpoint: {checkpoint}");

// A few files classified afterwards, each read and fitted to the input the way the training pictures were.
Console.WriteLine("classifying one test file per class:");
var probabilities = new float[ShapeNet.OutputLength];
var picture = new float[ShapeNet.InputLength];
for (int c = 0; c < classes.Count; c++)
{
    string file = Directory.EnumerateFiles(Path.Combine(images, "test", classes[c]), "*.png").Order(StringComparer.Ordinal).Last();
    transform.Load(file, picture);
    int predicted = network.Predict(picture, probabilities);
    Console.WriteLine($"  {Path.GetRelativePath(images, file),-36} → {classes[predicted],-12} ({probabilities[predicted]:P1})");
}

Console.WriteLine($"total time: {total.Elapsed.TotalSeconds:F1} s");
return 0;

// The mean and standard deviation per channel over every value of every picture.
static (float[] Mean, float[] Std) ChannelStatistics(ImageFolder folder)
{
    int plane = folder.Transform.Height * folder.Transform.Width, channels = folder.Transform.Channels;
    var sum = new double[channels];
    var squares = new double[channels];
    var image = new float[folder.ImageSize];
    for (int n = 0; n < folder.Count; n++)
    {
        folder.CopyTo(n, image);
        for (int i = 0; i < image.Length; i++)
        {
            sum[i / plane] += image[i];
            squares[i / plane] += (double)image[i] * image[i];
        }
    }

    double count = (double)folder.Count * plane;
    float[] mean = sum.Select(s => (float)(s / count)).ToArray();
    float[] std = squares.Select((q, c) => (float)Math.Sqrt(Math.Max(q / count - (sum[c] / count) * (sum[c] / count), 1e-12))).ToArray();
    return (mean, std);
}

static string Format(float[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("F3", CultureInfo.InvariantCulture))) + "]";

/// <summary>Hands each report to a callback on the training thread, as it happens.</summary>
internal sealed class Reports<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
