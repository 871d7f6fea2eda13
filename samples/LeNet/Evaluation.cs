using System;
using CnnGen.IO;

namespace LeNet;

/// <summary>Accuracy and predictions of a network over a whole data set, one image at a time through <see cref="LeNet5.Predict"/>.</summary>
internal static class Evaluation
{
    /// <summary>The fraction of images of <paramref name="data"/> whose predicted class is the label.</summary>
    public static double Accuracy(LeNet5 network, Dataset data)
    {
        Span<float> output = stackalloc float[LeNet5.OutputLength];
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (network.Predict(data.Image(i), output) == data.Label(i)) correct++;
        }

        return (double)correct / data.Count;
    }

    /// <summary>The number of images of <paramref name="data"/> on which the two networks predict the same class.</summary>
    public static int AgreeingPredictions(LeNet5 first, LeNet5 second, Dataset data)
    {
        Span<float> output = stackalloc float[LeNet5.OutputLength];
        int agree = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (first.Predict(data.Image(i), output) == second.Predict(data.Image(i), output)) agree++;
        }

        return agree;
    }
}
