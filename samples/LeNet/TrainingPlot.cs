using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace LeNet;

/// <summary>Draws the training curves with ScottPlot: loss on the left axis, train and test accuracy on the right.</summary>
internal static class TrainingPlot
{
    /// <summary>Writes the PNG to <paramref name="path"/>.</summary>
    public static void Save(IReadOnlyList<EpochResult> history, string path)
    {
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();
        var plot = new Plot();
        plot.Title("LeNet-5 on MNIST digits (CnnGen)");
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = "training loss (cross-entropy)";
        plot.Axes.Right.Label.Text = "accuracy";

        var loss = plot.Add.Scatter(epochs, history.Select(r => r.TrainLoss).ToArray());
        loss.LegendText = "train loss";
        loss.Color = Colors.Black;
        loss.LinePattern = LinePattern.Dashed;

        var train = plot.Add.Scatter(epochs, history.Select(r => r.TrainAccuracy).ToArray());
        train.LegendText = "train accuracy";
        train.Axes.YAxis = plot.Axes.Right;

        var test = plot.Add.Scatter(epochs, history.Select(r => r.TestAccuracy).ToArray());
        test.LegendText = "test accuracy";
        test.Axes.YAxis = plot.Axes.Right;

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 900, 550);
    }
}
