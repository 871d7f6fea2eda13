using CnnGen.IO;

namespace CnnGen.Tests.Training;

/// <summary>A small classifier for the Fit tests: convolution, pooling, dropout, three classes.</summary>
[Network]
[Input(8, 8, 1)]
[Conv2D(4, 3)] [ReLU] [MaxPool(2)]
[Dense(16)] [ReLU] [Dropout(0.25)]
[Dense(3)] [Softmax]
public partial class FitNet;

/// <summary>Synthetic 8×8 images of three classes: a bright top row band, a bright left column band, or a bright diagonal, plus noise.</summary>
internal static class Shapes
{
    public static Dataset Make(int count, int seed)
    {
        var random = new System.Random(seed);
        var images = new float[count * 64];
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % 3;
            labels[n] = (byte)label;
            for (int y = 0; y < 8; y++)
            {
                for (int x = 0; x < 8; x++)
                {
                    bool on = label switch { 0 => y < 2, 1 => x < 2, _ => x == y || x == y + 1 };
                    images[n * 64 + y * 8 + x] = (on ? 0.8f : 0.1f) + 0.2f * (float)random.NextDouble();
                }
            }
        }

        return new Dataset(images, labels, 8, 8);
    }
}
