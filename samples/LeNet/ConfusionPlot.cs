using System.Globalization;
using CnnGen.Training;
using ScottPlot;

namespace LeNet;

/// <summary>Draws a confusion matrix with ScottPlot: one square per (true, predicted) pair, coloured by the share of the true class, labelled with the count.</summary>
internal static class ConfusionPlot
{
    /// <summary>Writes the PNG to <paramref name="path"/>.</summary>
    public static void Save(ConfusionMatrix matrix, string title, string path)
    {
        int n = matrix.Classes;
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("predicted");
        plot.YLabel("true");
        IColormap colors = new ScottPlot.Colormaps.Viridis();
        var positions = new double[n];
        var names = new string[n];
        for (int a = 0; a < n; a++)
        {
            positions[a] = a;
            names[a] = a.ToString(CultureInfo.InvariantCulture);
            long support = matrix.Support(a);
            for (int p = 0; p < n; p++)
            {
                long count = matrix[a, p];
                double share = support == 0 ? 0 : (double)count / support;
                double y = n - 1 - a; // true class 0 at the top
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colors.GetColor(share);
                cell.LineColor = Colors.White;
                if (count == 0) continue;
                var label = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), p, y);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 14;
                label.LabelFontColor = share > 0.5 ? Colors.Black : Colors.White;
            }
        }

        var rows = new double[n];
        var rowNames = new string[n];
        for (int a = 0; a < n; a++) (rows[a], rowNames[a]) = (n - 1 - a, names[a]);
        plot.Axes.Bottom.SetTicks(positions, names);
        plot.Axes.Left.SetTicks(rows, rowNames);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Axes.SquareUnits();
        plot.SavePng(path, 700, 700);
    }
}
