using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using CnnGen.IO;
using CnnGen.Tests.Runtime;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training;

public class FitTests
{
    private static readonly Dataset Train = Shapes.Make(90, seed: 11);

    private static (FitNet Net, FitNet.Trainer Trainer) Fresh(Optimizer? optimizer = null)
    {
        var net = new FitNet(seed: 3) { DegreeOfParallelism = 1 };
        return (net, new FitNet.Trainer(net, optimizer ?? new Adam(0.01f)));
    }

    private static FitOptions Options(string? checkpoint = null, IProgress<BatchReport>? batches = null) => new()
    {
        Epochs = 4,
        BatchSize = 16, // 72 training images after the split: 4 full batches and one of 8
        Seed = 5,
        ValidationSplit = 0.2,
        Schedule = LearningRateSchedule.Cosine(0.01f),
        Augment = (image, random) => image[random.Next(image.Length)] += 0.05f,
        CheckpointPath = checkpoint,
        BatchProgress = batches,
    };

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < bits.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights_and_a_different_seed_does_not()
    {
        (FitNet a, FitNet.Trainer ta) = Fresh();
        (FitNet b, FitNet.Trainer tb) = Fresh();
        (FitNet c, FitNet.Trainer tc) = Fresh();
        FitResult ra = ta.Fit(Train, Options());
        FitResult rb = tb.Fit(Train, Options());
        tc.Fit(Train, new FitOptions { Epochs = 4, BatchSize = 16, Seed = 6, ValidationSplit = 0.2, Schedule = LearningRateSchedule.Cosine(0.01f) });

        Assert.Equal(Bits(a.Parameters), Bits(b.Parameters));
        Assert.NotEqual(Bits(a.Parameters), Bits(c.Parameters));
        Assert.Equal(4, ra.History.Count);
        for (int e = 0; e < 4; e++)
        {
            Assert.Equal(ra.History[e].TrainLoss, rb.History[e].TrainLoss);
            Assert.Equal(ra.History[e].ValidationLoss, rb.History[e].ValidationLoss);
        }

        // It learns: the shapes are easy.
        Assert.True(ra.History[^1].TrainLoss < ra.History[0].TrainLoss, $"loss {ra.History[0].TrainLoss} → {ra.History[^1].TrainLoss}");
    }

    [Fact]
    public void Batches_cover_the_data_with_a_last_partial_batch_and_the_schedule_sets_the_rate_per_step()
    {
        (_, FitNet.Trainer trainer) = Fresh(new Sgd(1f));
        var reports = new List<BatchReport>();
        trainer.Fit(Shapes.Make(50, 1), new FitOptions
        {
            Epochs = 3,
            BatchSize = 20, // 20, 20, 10
            Schedule = LearningRateSchedule.StepDecay(0.1f, everyEpochs: 2, factor: 0.5f),
            BatchProgress = new Collect<BatchReport>(reports),
        });

        Assert.Equal(9, reports.Count);
        Assert.Equal(new[] { 1, 2, 3, 1, 2, 3, 1, 2, 3 }, reports.ConvertAll(r => r.Batch));
        Assert.All(reports, r => Assert.Equal(3, r.Batches));
        // Epochs 1 and 2 at 0.1, epoch 3 at 0.05.
        Assert.Equal(new[] { 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.05f }, reports.ConvertAll(r => r.LearningRate));
        Assert.Equal(0.05f, trainer.Optimizer.LearningRate);
        // The epoch's mean loss weights the last batch by its 10 images.
        BatchReport last = reports[2];
        double expected = (reports[0].Loss * 20.0 + reports[1].Loss * 20.0 + reports[2].Loss * 10.0) / 50;
        Assert.Equal(expected, last.MeanLoss, 12);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement()
    {
        // A learning rate of 0 never changes the weights, so the validation loss never improves after epoch 1.
        (_, FitNet.Trainer trainer) = Fresh(new Sgd(0f));
        FitResult result = trainer.Fit(Train, new FitOptions
        {
            Epochs = 10,
            ValidationSplit = 0.25,
            EarlyStopping = new EarlyStopping(StoppingMetric.ValidationLoss, Patience: 2),
        });

        Assert.True(result.StoppedEarly);
        Assert.Equal(3, result.History.Count);
        Assert.Equal(1, result.BestEpoch);
        Assert.All(result.History, r => Assert.Equal(result.History[0].ValidationLoss, r.ValidationLoss));
    }

    [Fact]
    public void Early_stopping_keeps_going_while_the_metric_improves()
    {
        (_, FitNet.Trainer trainer) = Fresh();
        FitResult result = trainer.Fit(Train, new FitOptions
        {
            Epochs = 3,
            Seed = 2,
            ValidationSplit = 0.25,
            EarlyStopping = new EarlyStopping(StoppingMetric.ValidationLoss, Patience: 5),
        });

        Assert.False(result.StoppedEarly);
        Assert.Equal(3, result.History.Count);
    }

    [Fact]
    public void Resuming_from_the_checkpoint_after_a_cancellation_gives_the_uninterrupted_result()
    {
        using var dir = new TempDirectory();
        (FitNet whole, FitNet.Trainer wholeTrainer) = Fresh();
        FitResult expected = wholeTrainer.Fit(Train, Options(dir.File("whole.ckpt")));

        // Cancel in the middle of epoch 3, after its second step.
        using var cancel = new CancellationTokenSource();
        (FitNet first, FitNet.Trainer firstTrainer) = Fresh();
        var stopper = new Callback<BatchReport>(r =>
        {
            if (r.Epoch == 3 && r.Batch == 2) cancel.Cancel();
        });
        string path = dir.File("run.ckpt");
        Assert.ThrowsAny<OperationCanceledException>(() => firstTrainer.Fit(Train, Options(path, stopper), cancel.Token));

        // A consistent state: the checkpoint holds two whole epochs, no temporary file is left, and the network
        // holds the weights after a completed step (it has moved past the checkpoint).
        Assert.Equal(new[] { "run.ckpt", "whole.ckpt" }, dir.FileNames());
        SafeTensorsFile saved = SafeTensorsFile.Read(path);
        Assert.Equal("2", saved.Metadata["epoch"]);
        TensorInfo fc2 = ((INetwork)first).Tensors.Single(t => t.Name == "fc2.weight");
        Assert.NotEqual(Bits(saved["fc2.weight"].ToArray()), Bits(first.Parameters.Slice(fc2.Offset, fc2.Length)));

        // A new process: fresh network, trainer and optimizer, same options.
        (FitNet resumed, FitNet.Trainer resumedTrainer) = Fresh();
        FitResult result = resumedTrainer.Fit(Train, Options(path));

        Assert.Equal(2, result.ResumedFromEpoch);
        Assert.Equal(4, result.History.Count);
        Assert.Equal(Bits(whole.Parameters), Bits(resumed.Parameters));
        for (int e = 0; e < 4; e++) Assert.Equal(expected.History[e].ValidationLoss, result.History[e].ValidationLoss);

        // Fitting again with the finished checkpoint trains nothing more.
        FitResult again = resumedTrainer.Fit(Train, Options(path));
        Assert.Equal(4, again.ResumedFromEpoch);
        Assert.Equal(Bits(whole.Parameters), Bits(resumed.Parameters));
    }

    [Fact]
    public void Sgd_with_momentum_resumes_exactly()
    {
        using var dir = new TempDirectory();
        (FitNet whole, FitNet.Trainer wholeTrainer) = Fresh(new Sgd(0.05f, momentum: 0.9f));
        var twoEpochs = new FitOptions { Epochs = 2, BatchSize = 16, Seed = 1, CheckpointPath = dir.File("a.ckpt") };
        wholeTrainer.Fit(Train, twoEpochs);

        (FitNet part, FitNet.Trainer partTrainer) = Fresh(new Sgd(0.05f, momentum: 0.9f));
        partTrainer.Fit(Train, new FitOptions { Epochs = 1, BatchSize = 16, Seed = 1, CheckpointPath = dir.File("b.ckpt") });
        (FitNet resumed, FitNet.Trainer resumedTrainer) = Fresh(new Sgd(0.05f, momentum: 0.9f));
        resumedTrainer.Fit(Train, new FitOptions { Epochs = 2, BatchSize = 16, Seed = 1, CheckpointPath = dir.File("b.ckpt") });

        Assert.Equal(Bits(whole.Parameters), Bits(resumed.Parameters));
        Assert.NotEqual(Bits(part.Parameters), Bits(resumed.Parameters));
    }

    [Fact]
    public void A_checkpoint_of_another_run_is_refused_naming_the_difference()
    {
        using var dir = new TempDirectory();
        (_, FitNet.Trainer trainer) = Fresh();
        trainer.Fit(Train, new FitOptions { Epochs = 1, Seed = 1, CheckpointPath = dir.File("c.ckpt") });
        (_, FitNet.Trainer other) = Fresh();
        var e = Assert.Throws<ArgumentException>(() => other.Fit(Train, new FitOptions { Epochs = 2, Seed = 2, CheckpointPath = dir.File("c.ckpt") }));
        Assert.Contains("seed 1", e.Message);
        Assert.Contains("this run has 2", e.Message);
        (_, FitNet.Trainer sgd) = Fresh(new Sgd(0.1f));
        e = Assert.Throws<ArgumentException>(() => sgd.Fit(Train, new FitOptions { Epochs = 2, Seed = 1, CheckpointPath = dir.File("c.ckpt") }));
        Assert.Contains("Adam", e.Message);
    }

    [Fact]
    public void Nothing_is_allocated_per_batch()
    {
        (_, FitNet.Trainer trainer) = Fresh();
        var allocated = new long[40];
        var recorder = new Callback<BatchReport>(r => allocated[r.Batch] = GC.GetAllocatedBytesForCurrentThread());
        trainer.Fit(Shapes.Make(8 * 30, 2), new FitOptions { Epochs = 1, BatchSize = 8, Augment = (image, random) => image[0] = (float)random.NextDouble(), BatchProgress = recorder });

        // The first steps size the trainer's buffers; from then on the allocation counter stands still: in one window of
        // seven batches at least (a one-off allocation by the runtime on this thread can land in any one; see
        // Allocations), where an allocation per batch would move it in every window.
        long[] windows = [allocated[9] - allocated[2], allocated[16] - allocated[9], allocated[23] - allocated[16], allocated[30] - allocated[23]];
        Assert.True(Array.IndexOf(windows, 0L) >= 0, "every window of 7 batches allocated: " + string.Join(", ", windows) + " bytes");
    }

    [Fact]
    public void Bad_options_throw_argument_exceptions_that_say_what_was_expected()
    {
        (_, FitNet.Trainer trainer) = Fresh();
        void Check(FitOptions options, string expected, IImageDataset? data = null)
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => trainer.Fit(data ?? Train, options));
            Assert.Contains(expected, e.Message);
        }

        Check(new FitOptions(), "Epochs must be at least 1; it is 0");
        Check(new FitOptions { Epochs = 1, BatchSize = 0 }, "BatchSize must be at least 1; it is 0");
        Check(new FitOptions { Epochs = 1, ValidationSplit = 1.5 }, "ValidationSplit must be in [0, 1)");
        Check(new FitOptions { Epochs = 1, ValidationSplit = 0.001 }, "holds out 0");
        Check(new FitOptions { Epochs = 1, ValidationSplit = 0.2, Validation = Train }, "either FitOptions.Validation or FitOptions.ValidationSplit");
        Check(new FitOptions { Epochs = 1, EarlyStopping = new EarlyStopping() }, "give Validation or a ValidationSplit");
        Check(new FitOptions { Epochs = 1, ValidationSplit = 0.2, EarlyStopping = new EarlyStopping(Patience: 0) }, "Patience must be at least 1");
        Check(new FitOptions { Epochs = 1, CheckpointPath = "" }, "CheckpointPath is empty");
        Check(new FitOptions { Epochs = 1 }, "takes images of 64 floats but the data set's images have 9", new Dataset(new float[18], new byte[2], 3, 3));
        Check(new FitOptions { Epochs = 1 }, "at least 1 image", new Dataset(Array.Empty<float>(), Array.Empty<byte>(), 8, 8));
        Assert.Throws<ArgumentNullException>(() => trainer.Fit(null!, new FitOptions { Epochs = 1 }));
    }

    private sealed class Collect<T>(List<T> into) : IProgress<T>
    {
        public void Report(T value) => into.Add(value);
    }

    private sealed class Callback<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
