using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace LeNet;

/// <summary>The results of one epoch.</summary>
internal sealed record EpochResult(int Epoch, float LearningRate, double TrainLoss, double TrainAccuracy, double TestAccuracy, double Seconds, double ImagesPerSecond);

/// <summary>Shows training as it goes: a live progress bar on a terminal, plain per-epoch lines otherwise.</summary>
internal abstract class TrainingDisplay
{
    /// <summary>
    /// Runs <paramref name="train"/> with a display suited to the console: Spectre.Console's live progress on an
    /// interactive terminal, plain lines when output is redirected (a file, a pipe, CI).
    /// </summary>
    public static T Run<T>(int epochs, int batchesPerEpoch, Func<TrainingDisplay, T> train)
    {
        bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        if (!interactive) return train(new PlainDisplay(epochs));

        return AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context => train(new LiveDisplay(context, epochs, batchesPerEpoch)));
    }

    /// <summary>An epoch starts.</summary>
    public abstract void BeginEpoch(int epoch);

    /// <summary>A batch is done: its number (1-based), the epoch's running mean loss and throughput.</summary>
    public abstract void Batch(int epoch, int batch, double runningLoss, double imagesPerSecond);

    /// <summary>Training of the epoch is done; the accuracies are being measured.</summary>
    public abstract void Evaluating(int epoch);

    /// <summary>The epoch is finished.</summary>
    public abstract void EndEpoch(EpochResult result);

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One line per epoch under a header; nothing per batch.</summary>
    private sealed class PlainDisplay(int epochs) : TrainingDisplay
    {
        public override void BeginEpoch(int epoch)
        {
            if (epoch == 1) Console.WriteLine("epoch  lr        train loss  train acc  test acc  seconds  images/s");
        }

        public override void Batch(int epoch, int batch, double runningLoss, double imagesPerSecond)
        {
        }

        public override void Evaluating(int epoch)
        {
        }

        public override void EndEpoch(EpochResult r) => Console.WriteLine(Format(
            $"{r.Epoch,2}/{epochs,-2}  {r.LearningRate,-8:0.######}  {r.TrainLoss,10:F4}  {r.TrainAccuracy,9:F4}  {r.TestAccuracy,8:F4}  {r.Seconds,7:F1}  {r.ImagesPerSecond,8:N0}"));
    }

    /// <summary>One progress bar per epoch; its description shows the batch, running loss and speed, then the epoch's results.</summary>
    private sealed class LiveDisplay : TrainingDisplay
    {
        private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);
        private readonly List<ProgressTask> tasks = new();
        private readonly int epochs;
        private readonly int batches;
        private readonly Stopwatch sinceUpdate = new();

        public LiveDisplay(ProgressContext context, int epochs, int batchesPerEpoch)
        {
            this.epochs = epochs;
            batches = batchesPerEpoch;
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                tasks.Add(context.AddTask(Format($"epoch {epoch}/{epochs}"), autoStart: false, maxValue: batchesPerEpoch));
            }
        }

        public override void BeginEpoch(int epoch)
        {
            tasks[epoch - 1].StartTask();
            sinceUpdate.Restart();
        }

        public override void Batch(int epoch, int batch, double runningLoss, double imagesPerSecond)
        {
            ProgressTask task = tasks[epoch - 1];
            task.Value = batch;

            // Formatting the text allocates, so refresh it at most ten times a second (and on the last batch).
            if (batch != batches && sinceUpdate.Elapsed < RefreshInterval) return;
            sinceUpdate.Restart();
            task.Description = Format($"epoch {epoch}/{epochs}  batch {batch}/{batches}  loss {runningLoss:F4}  {imagesPerSecond:N0} images/s");
        }

        public override void Evaluating(int epoch)
        {
            ProgressTask task = tasks[epoch - 1];
            task.Description += "  [grey]evaluating…[/]";
        }

        public override void EndEpoch(EpochResult r)
        {
            ProgressTask task = tasks[r.Epoch - 1];
            task.Description = Format(
                $"epoch {r.Epoch}/{epochs}  loss {r.TrainLoss:F4}  train acc {r.TrainAccuracy:F4}  [green]test acc {r.TestAccuracy:F4}[/]  {r.ImagesPerSecond:N0} images/s");
            task.StopTask();
        }
    }
}
