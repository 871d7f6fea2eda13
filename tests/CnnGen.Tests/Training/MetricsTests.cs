using System;
using System.Collections.Generic;
using CnnGen.IO;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training;

public class MetricsTests
{
    [Fact]
    public void Confusion_matrix_counts_and_per_class_precision_and_recall()
    {
        var m = new ConfusionMatrix(3);
        foreach ((int actual, int predicted) in new[] { (0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (1, 1), (2, 0), (2, 2) }) m.Add(actual, predicted);

        Assert.Equal(8, m.Total);
        Assert.Equal(2, m[0, 0]);
        Assert.Equal(1, m[2, 0]);
        Assert.Equal(0, m[1, 0]);
        Assert.Equal(0.75, m.Accuracy, 12);
        Assert.Equal(2.0 / 3, m.Precision(0), 12); // column 0: 2 + 0 + 1
        Assert.Equal(2.0 / 3, m.Recall(0), 12); // row 0: 2 + 1 + 0
        Assert.Equal(0.75, m.Precision(1), 12); // column 1: 1 + 3
        Assert.Equal(1.0, m.Recall(1), 12);
        Assert.Equal(1.0, m.Precision(2), 12);
        Assert.Equal(0.5, m.Recall(2), 12);
        Assert.Equal(2 * 1.0 * 0.5 / 1.5, m.F1(2), 12);
    }

    [Fact]
    public void An_empty_class_has_no_precision_or_recall()
    {
        var m = new ConfusionMatrix(2);
        m.Add(0, 0);
        Assert.True(double.IsNaN(m.Precision(1)));
        Assert.True(double.IsNaN(m.Recall(1)));
        Assert.True(double.IsNaN(new ConfusionMatrix(2).Accuracy));
    }

    [Fact]
    public void The_table_shows_counts_precision_recall_and_images()
    {
        var m = new ConfusionMatrix(2);
        foreach ((int actual, int predicted) in new[] { (0, 0), (0, 0), (0, 0), (0, 1), (1, 1), (1, 1) }) m.Add(actual, predicted);
        string expected =
            "true \\ predicted  0  1  precision  recall  images\n" +
            "0                 3  1     1.0000  0.7500       4\n" +
            "1                 0  2     0.6667  1.0000       2\n" +
            "accuracy 0.8333 of 6 images\n";
        Assert.Equal(expected, m.ToTable());
        Assert.StartsWith("true \\ predicted  cat  dog", m.ToTable(new[] { "cat", "dog" }));
    }

    [Fact]
    public void Bad_arguments_say_what_is_expected()
    {
        Assert.Contains("at least 1 class", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(0)).Message);
        Assert.Contains("Classes are 0 to 2", Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(3).Add(3, 0)).Message);
        Assert.Contains("Expected 3 class names", Assert.Throws<ArgumentException>(() => new ConfusionMatrix(3).ToTable(new[] { "a" })).Message);
        var net = new ScoresNetwork(softmax: false);
        var data = new Dataset(new float[3], new byte[1], 1, 3);
        Assert.Contains("topK must be between 1 and the network's 3 outputs", Assert.Throws<ArgumentOutOfRangeException>(() => net.Evaluate(data, topK: 4)).Message);
        Assert.Contains("label 7", Assert.Throws<ArgumentException>(() => net.Evaluate(new Dataset(new float[3], new byte[] { 7 }, 1, 3), topK: 1)).Message);
        Assert.Contains("takes images of 3 floats", Assert.Throws<ArgumentException>(() => net.Evaluate(new Dataset(new float[4], new byte[1], 2, 2), topK: 1)).Message);
    }

    [Fact]
    public void Evaluate_measures_loss_accuracy_top_k_and_the_confusion_matrix()
    {
        // The "network" passes its 3 inputs through as class scores, so each image is its own scores.
        float[][] scores =
        {
            new float[] { 2, 1, 0 }, // label 0, predicted 0
            new float[] { 0, 3, 1 }, // label 0, predicted 1; two scores above the label's: not in the top 2
            new float[] { 1, 2, 0 }, // label 1, predicted 1
            new float[] { 0, 0, 5 }, // label 1, predicted 2; one score above (the equal one does not count): in the top 2
            new float[] { 1, 0, 4 }, // label 2, predicted 2
            new float[] { 3, 0, 1 }, // label 2, predicted 0; in the top 2
            new float[] { 0, 5, 0 }, // label 1, predicted 1
        };
        byte[] labels = { 0, 0, 1, 1, 2, 2, 1 };
        var images = new List<float>();
        foreach (float[] s in scores) images.AddRange(s);
        var data = new Dataset(images.ToArray(), labels, 1, 3);

        Evaluation e = new ScoresNetwork(softmax: false).Evaluate(data, topK: 2, batchSize: 3);

        Assert.Equal(4.0 / 7, e.Accuracy, 12);
        Assert.Equal(2, e.TopK);
        Assert.Equal(6.0 / 7, e.TopKAccuracy, 12);
        long[,] expected = { { 1, 1, 0 }, { 0, 2, 1 }, { 1, 0, 1 } };
        for (int a = 0; a < 3; a++)
        {
            for (int p = 0; p < 3; p++) Assert.Equal(expected[a, p], e.Confusion[a, p]);
        }

        Assert.Equal(2.0 / 3, e.Confusion.Precision(1), 12);
        Assert.Equal(2.0 / 3, e.Confusion.Recall(1), 12);
        double loss = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double sum = Math.Exp(scores[i][0]) + Math.Exp(scores[i][1]) + Math.Exp(scores[i][2]);
            loss -= Math.Log(Math.Exp(scores[i][labels[i]]) / sum);
        }

        Assert.Equal(loss / scores.Length, e.Loss, 10);
    }

    [Fact]
    public void Evaluate_takes_the_outputs_of_a_softmax_network_as_probabilities()
    {
        var data = new Dataset(new[] { 0.5f, 0.25f, 0.25f, 0.25f, 0.5f, 0.25f }, new byte[] { 0, 2 }, 1, 3);
        Evaluation e = new ScoresNetwork(softmax: true).Evaluate(data, topK: 1);
        Assert.Equal((Math.Log(2) + Math.Log(4)) / 2, e.Loss, 6);
        Assert.Equal(0.5, e.Accuracy, 12);
    }

    /// <summary>Three inputs passed through as three outputs; optionally claims to end in Softmax.</summary>
    private sealed class ScoresNetwork(bool softmax) : INetwork
    {
        private readonly float[] none = Array.Empty<float>();

        public int InputSize => 3;

        public int OutputSize => 3;

        public int ParameterSize => 0;

        public Span<float> Parameters => none;

        public Span<float> State => none;

        public IReadOnlyList<TensorInfo> Tensors => Array.Empty<TensorInfo>();

        public IReadOnlyList<LayerInfo> Layers => softmax ? new[] { new LayerInfo(1, "Softmax", 3, 1, 1, 0, 0) } : Array.Empty<LayerInfo>();

        public int DegreeOfParallelism { get; set; } = 1;

        public void Forward(ReadOnlySpan<float> input, Span<float> output) => input.CopyTo(output);
    }
}
