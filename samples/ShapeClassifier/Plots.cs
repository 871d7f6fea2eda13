using System.Collections.Generic;
using System.Linq;
using CnnGen.Training;
using ScottPlot;

namespace ShapeClassifier;

/// <summary>One epoch as the curves show it.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="TrainLoss">Mean training loss.</param>
/// <param name="TrainAccuracy">The epoch's running accuracy over its batches (Fit's per-batch reports).</param>
/// <param name="TestLoss">Loss on the test pictures after the epoch.</param>
/// <param name="TestAccuracy">Accuracy on the test pictures after the epoch.</param>
internal sealed record EpochPoint(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy);

/// <summary>The ScottPlot pictures: training curves and the confusion matrix.</summary>
internal static class Plots
{
    /// <summary>Loss on the left axis, accuracy on the right, per epoch.</summary>
    public static void Curves(IReadOnlyList<EpochPoint> history, string path)
    {
        double[] epochs = history.Select(p => (double)p.Epoch).ToArray();
        var plot = new Plot();
        plot.Title("ShapeNet on generated shapes (CnnGen)");
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = "loss (cross-entropy)";
        plot.Axes.Right.Label.Text = "accuracy";
        foreach ((string name, double[] values, bool accuracy, LinePattern pattern) in new[]
        {
            ("train loss", history.Select(p => p.TrainLoss).ToArray(), false, LinePattern.Dashed),
            ("test loss", history.Select(p => p.TestLoss).ToArray(), false, LinePattern.Dotted),
            ("train accuracy (running)", history.Select(p => p.TrainAccuracy).ToArray(), true, LinePattern.Solid),
            ("test accuracy", history.Select(p => p.TestAccuracy).ToArray(), true, LinePattern.Solid),
        })
        {
            var line = plot.Add.Scatter(epochs, values);
            line.LegendText = name;
            line.LinePattern = pattern;
            if (accuracy) line.Axes.YAxis = plot.Axes.Right;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 900, 550);
    }

    /// <summary>One square per (true, predicted) pair, coloured by the share of the true class, labelled with the count.</summary>
    public static void Confusion(ConfusionMatrix matrix, IReadOnlyList<string> names, string title, string path)
    {
        int n = matrix.Classes;
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        IColormap colors = new ScottPlot.Colormaps.Viridis();
        for (int a = 0; a < n; a++)
        {
            long support = matrix.Support(a);
            for (int p = 0; p < n; p++)
            {
                long count = matrix[a, p];
                double share = support == 0 ? 0 : (double)count / support;
                double y = n - 1 - a; // the first class at the top
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colors.GetColor(share);
                cell.LineColor = Colors.White;
                if (count == 0) continue;
                var label = plot.Add.Text(count.ToString(System.Globalization.CultureInfo.InvariantCulture), p, y);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 14;
                label.LabelFontColor = share > 0.5 ? Colors.Black : Colors.White;
            }
        }

        double[] columns = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        double[] rows = Enumerable.Range(0, n).Select(i => (double)(n - 1 - i)).ToArray();
        plot.Axes.Bottom.SetTicks(columns, names.ToArray());
        plot.Axes.Left.SetTicks(rows, names.ToArray());
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Axes.SquareUnits();
        plot.SavePng(path, 800, 800);
    }
}
