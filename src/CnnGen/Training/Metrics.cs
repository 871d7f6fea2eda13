using System;
using System.Globalization;
using System.Text;

namespace CnnGen.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs over a data set, with the metrics derived from them. Rows are the
/// true classes, columns the predictions.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] counts;

    /// <summary>Creates an empty matrix for <paramref name="classes"/> classes.</summary>
    /// <param name="classes">Number of classes, ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classes"/> is below 1.</exception>
    public ConfusionMatrix(int classes)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A confusion matrix needs at least 1 class.");
        if ((long)classes * classes > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(classes), classes, "Too many classes for one matrix.");
        Classes = classes;
        counts = new long[classes * classes];
    }

    /// <summary>Number of classes (rows and columns).</summary>
    public int Classes { get; }

    /// <summary>Number of images counted.</summary>
    public long Total { get; private set; }

    /// <summary>How many images of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted]
    {
        get
        {
            Check(actual, nameof(actual));
            Check(predicted, nameof(predicted));
            return counts[actual * Classes + predicted];
        }
    }

    /// <summary>Counts one image of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is not in [0, <see cref="Classes"/>).</exception>
    public void Add(int actual, int predicted)
    {
        Check(actual, nameof(actual));
        Check(predicted, nameof(predicted));
        counts[actual * Classes + predicted]++;
        Total++;
    }

    /// <summary>The share of images predicted correctly (the diagonal over the total); NaN when empty.</summary>
    public double Accuracy
    {
        get
        {
            long correct = 0;
            for (int c = 0; c < Classes; c++) correct += counts[c * Classes + c];
            return Total == 0 ? double.NaN : (double)correct / Total;
        }
    }

    /// <summary>Images of class <paramref name="c"/> (the row's sum).</summary>
    public long Support(int c)
    {
        Check(c, nameof(c));
        long sum = 0;
        for (int p = 0; p < Classes; p++) sum += counts[c * Classes + p];
        return sum;
    }

    /// <summary>Images predicted as class <paramref name="c"/> (the column's sum).</summary>
    public long Predicted(int c)
    {
        Check(c, nameof(c));
        long sum = 0;
        for (int a = 0; a < Classes; a++) sum += counts[a * Classes + c];
        return sum;
    }

    /// <summary>Of the images predicted as <paramref name="c"/>, the share that are <paramref name="c"/>; NaN when none was predicted as <paramref name="c"/>.</summary>
    public double Precision(int c)
    {
        long predicted = Predicted(c);
        return predicted == 0 ? double.NaN : (double)counts[c * Classes + c] / predicted;
    }

    /// <summary>Of the images of class <paramref name="c"/>, the share predicted as <paramref name="c"/>; NaN when there is none.</summary>
    public double Recall(int c)
    {
        long support = Support(c);
        return support == 0 ? double.NaN : (double)counts[c * Classes + c] / support;
    }

    /// <summary>The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>; NaN when either is, 0 when both are 0.</summary>
    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        if (double.IsNaN(p) || double.IsNaN(r)) return double.NaN;
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>
    /// The matrix as a text table: one row per true class with its counts per predicted class, then its precision,
    /// recall and number of images. <paramref name="classNames"/> labels the rows and columns (default: the indices).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="classNames"/> does not hold one name per class.</exception>
    public string ToTable(System.Collections.Generic.IReadOnlyList<string>? classNames = null)
    {
        if (classNames is not null && classNames.Count != Classes)
        {
            throw new ArgumentException($"Expected {Classes} class names, one per class; got {classNames.Count}.", nameof(classNames));
        }

        string Name(int c) => classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
        int nameWidth = "true \\ predicted".Length;
        int cell = 1;
        for (int c = 0; c < Classes; c++)
        {
            nameWidth = Math.Max(nameWidth, Name(c).Length);
            cell = Math.Max(cell, Name(c).Length);
        }

        foreach (long n in counts) cell = Math.Max(cell, n.ToString(CultureInfo.InvariantCulture).Length);
        var text = new StringBuilder();
        text.Append("true \\ predicted".PadRight(nameWidth));
        for (int c = 0; c < Classes; c++) text.Append("  ").Append(Name(c).PadLeft(cell));
        text.Append("  precision  recall  images").Append('\n');
        for (int a = 0; a < Classes; a++)
        {
            text.Append(Name(a).PadRight(nameWidth));
            for (int p = 0; p < Classes; p++) text.Append("  ").Append(counts[a * Classes + p].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            text.Append("  ").Append(Format(Precision(a)).PadLeft(9)).Append("  ").Append(Format(Recall(a)).PadLeft(6))
                .Append("  ").Append(Support(a).ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\n');
        }

        text.Append("accuracy ").Append(Format(Accuracy)).Append(" of ").Append(Total.ToString(CultureInfo.InvariantCulture)).Append(" images\n");
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToTable();

    private static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("F4", CultureInfo.InvariantCulture);

    private void Check(int c, string name)
    {
        if ((uint)c >= (uint)Classes) throw new ArgumentOutOfRangeException(name, c, $"Classes are 0 to {Classes - 1}.");
    }
}

/// <summary>The result of <see cref="Fitting.Evaluate"/>.</summary>
/// <param name="Loss">Mean cross-entropy over the images (of the softmax of the outputs, or of the outputs when the network ends in Softmax).</param>
/// <param name="Accuracy">The share of images whose largest output is the label.</param>
/// <param name="TopK">The k of <paramref name="TopKAccuracy"/>.</param>
/// <param name="TopKAccuracy">The share of images whose label is among the k largest outputs.</param>
/// <param name="Confusion">Counts of (true, predicted) classes, with per-class precision and recall.</param>
public sealed record Evaluation(double Loss, double Accuracy, int TopK, double TopKAccuracy, ConfusionMatrix Confusion);
