using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.Training;
using CnnGen.Visualization;
using StbImageSharp;
using Xunit;

namespace CnnGen.Tests.Training;

/// <summary>An RGB probe: a convolution, ReLU, pooling and a dense layer without Softmax or Dropout, so training and inference agree.</summary>
[Network]
[Input(6, 6, 3)]
[Conv2D(2, 3)] [ReLU] [MaxPool(2)]
[Dense(4)]
public partial class ProbeNet;

/// <summary>A Flatten straight after the input: its output is the input itself, which the tape does not keep.</summary>
[Network]
[Input(2, 2, 1)]
[Flatten] [Dense(3)]
public partial class FlatProbeNet;

/// <summary>
/// The trainer's layer outputs (CopyLayerOutputs), the per-batch accuracy Fit reports from them, and the filter and
/// feature-map pictures. Expected values come from loops written here over the parameters, or from the inference path.
/// </summary>
public class LayerOutputTests
{
    private static float[] RandomImages(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * ProbeNet.InputLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    // The convolution, ReLU and pooling by hand: PyTorch's layout, weight [K, C, F, F] at offset 0, bias [K] after it.
    private static (float[] Conv, float[] Relu, float[] Pool) ByHand(ProbeNet net, ReadOnlySpan<float> image)
    {
        ReadOnlySpan<float> p = net.Parameters;
        var conv = new float[2 * 4 * 4];
        for (int k = 0; k < 2; k++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 4; x++)
                {
                    double sum = p[2 * 27 + k];
                    for (int c = 0; c < 3; c++)
                    {
                        for (int i = 0; i < 3; i++)
                        {
                            for (int j = 0; j < 3; j++) sum += p[k * 27 + c * 9 + i * 3 + j] * image[c * 36 + (y + i) * 6 + x + j];
                        }
                    }

                    conv[k * 16 + y * 4 + x] = (float)sum;
                }
            }
        }

        float[] relu = conv.Select(v => Math.Max(v, 0)).ToArray();
        var pool = new float[2 * 2 * 2];
        for (int k = 0; k < 2; k++)
        {
            for (int y = 0; y < 2; y++)
            {
                for (int x = 0; x < 2; x++)
                {
                    pool[k * 4 + y * 2 + x] = new[] { relu[k * 16 + 2 * y * 4 + 2 * x], relu[k * 16 + 2 * y * 4 + 2 * x + 1], relu[k * 16 + (2 * y + 1) * 4 + 2 * x], relu[k * 16 + (2 * y + 1) * 4 + 2 * x + 1] }.Max();
                }
            }
        }

        return (conv, relu, pool);
    }

    [Fact]
    public void Every_layers_output_for_every_image_of_the_last_batch_comes_off_the_tape()
    {
        var net = new ProbeNet(seed: 4) { DegreeOfParallelism = 1 };
        ITrainer trainer = new ProbeNet.Trainer(net, new Sgd(0.1f));
        Assert.Equal(0, ((INetwork)net).Tensors[0].Offset); // the layout ByHand assumes
        Assert.Equal(new[] { 2, 3, 3, 3 }, ((INetwork)net).Tensors[0].Shape);
        const int batch = 3;
        float[] images = RandomImages(batch, seed: 8);
        float[] before = net.Parameters.ToArray();
        trainer.ComputeGradients(images, [0, 3, 1]);
        Assert.Equal(before, net.Parameters.ToArray()); // no step

        var conv = new float[batch * 32];
        var relu = new float[batch * 32];
        var pool = new float[batch * 8];
        var dense = new float[batch * 4];
        trainer.CopyLayerOutputs(0, conv);
        trainer.CopyLayerOutputs(1, relu);
        trainer.CopyLayerOutputs(2, pool);
        trainer.CopyLayerOutputs(3, dense);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> image = images.AsSpan(b * ProbeNet.InputLength, ProbeNet.InputLength);
            (float[] c, float[] r, float[] p) = ByHand(net, image);
            for (int i = 0; i < 32; i++)
            {
                Assert.Equal(c[i], conv[b * 32 + i], 4);
                Assert.Equal(r[i], relu[b * 32 + i], 4);
            }

            for (int i = 0; i < 8; i++) Assert.Equal(p[i], pool[b * 8 + i], 4);
            var output = new float[4];
            net.Forward(image, output); // the inference path
            for (int i = 0; i < 4; i++) Assert.Equal(output[i], dense[b * 4 + i], 4);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.CopyLayerOutputs(4, dense));
        Assert.Throws<ArgumentException>(() => trainer.CopyLayerOutputs(3, new float[5]));
        Assert.Throws<ArgumentException>(() => trainer.CopyLayerOutputs(3, new float[4 * 100]));
    }

    [Fact]
    public void Fit_reports_each_batchs_accuracy_and_the_epochs_running_accuracy()
    {
        // With a learning rate of 0 the weights stay put, so each batch's accuracy is what the inference path predicts.
        var net = new ProbeNet(seed: 2) { DegreeOfParallelism = 1 };
        var trainer = new ProbeNet.Trainer(net, new Sgd(0f));
        const int count = 40;
        float[] images = RandomImages(count, seed: 3);
        var labels = new byte[count];
        var output = new float[4];
        int[] predicted = new int[count];
        for (int n = 0; n < count; n++)
        {
            predicted[n] = net.Predict(images.AsSpan(n * ProbeNet.InputLength, ProbeNet.InputLength), output);
            labels[n] = (byte)(n % 3 == 0 ? predicted[n] : (predicted[n] + 1 + n % 2) % 4); // a third right
        }

        var reports = new List<BatchReport>();
        trainer.Fit(new IO.Dataset(images, labels, 3, 6, 6), new FitOptions { Epochs = 1, BatchSize = 16, Shuffle = false, BatchProgress = new Into<BatchReport>(reports) });

        Assert.Equal(3, reports.Count); // 16, 16, 8
        int seen = 0, correctSoFar = 0;
        foreach (BatchReport r in reports)
        {
            int size = Math.Min(16, count - seen);
            int correct = Enumerable.Range(seen, size).Count(n => predicted[n] == labels[n]);
            seen += size;
            correctSoFar += correct;
            Assert.Equal((double)correct / size, r.Accuracy, 12);
            Assert.Equal((double)correctSoFar / seen, r.MeanAccuracy, 12);
        }

        Assert.Equal(14.0 / 40, reports[^1].MeanAccuracy, 12); // n % 3 == 0 for n in 0..39: 14 images
    }

    [Fact]
    public void Feature_maps_of_any_layer_for_one_image_match_the_layer_by_hand_and_leave_the_weights_alone()
    {
        var net = new ProbeNet(seed: 6);
        var trainer = new ProbeNet.Trainer(net, new Adam(0.1f));
        float[] image = RandomImages(1, seed: 11);
        float[] before = net.Parameters.ToArray();
        (float[] conv, _, float[] pool) = ByHand(net, image);
        float[] maps0 = Pictures.FeatureMaps(trainer, image, 0);
        float[] maps2 = Pictures.FeatureMaps(trainer, image, 2);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(conv.Length, maps0.Length);
        for (int i = 0; i < conv.Length; i++) Assert.Equal(conv[i], maps0[i], 4);
        for (int i = 0; i < pool.Length; i++) Assert.Equal(pool[i], maps2[i], 4);
    }

    [Fact]
    public void The_filter_picture_shows_each_rgb_filter_stretched_to_its_own_range()
    {
        var net = new ProbeNet();
        Span<float> p = net.Parameters;
        for (int i = 0; i < 27; i++) p[i] = i; // filter 0: 0 … 26
        for (int i = 27; i < 54; i++) p[i] = -5; // filter 1: flat
        const int scale = 3;
        string path = Path.Combine(Path.GetTempPath(), $"cnngen-filters-{Guid.NewGuid():N}.png");
        try
        {
            Pictures.SaveFilters(net, path, scale);
            ImageResult png = ImageResult.FromMemory(File.ReadAllBytes(path), ColorComponents.RedGreenBlue);
            // Two 3×3 filters of 3 scale-pixels each side by side, a 1-pixel gap around and between them.
            Assert.Equal((2 * 3 * scale + 3, 3 * scale + 2), (png.Width, png.Height));
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 3; x++)
                {
                    int pixel = ((1 + y * scale + 1) * png.Width + 1 + x * scale + 1) * 3; // inside cell (y, x) of filter 0
                    for (int c = 0; c < 3; c++) Assert.Equal((byte)Math.Round((c * 9 + y * 3 + x) / 26.0 * 255), png.Data[pixel + c]);
                    int flat = ((1 + y * scale) * png.Width + 1 + 3 * scale + 1 + x * scale) * 3; // filter 1
                    Assert.Equal(0, png.Data[flat]);
                }
            }

            Assert.Equal(128, png.Data[0]); // the gap
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_feature_map_grid_has_one_tile_per_channel()
    {
        var net = new ProbeNet(seed: 1);
        var trainer = new ProbeNet.Trainer(net, new Sgd(0.1f));
        Picture grid = Pictures.FeatureMapGrid(trainer, RandomImages(1, 2), layer: 0, scale: 2);
        // 2 channels of 4×4 → 2 columns (⌈√2⌉), 1 row, tiles of 8 pixels.
        Assert.Equal((2 * 8 + 3, 8 + 2), (grid.Width, grid.Height));
        Assert.Throws<ArgumentOutOfRangeException>(() => Pictures.FeatureMaps(trainer, RandomImages(1, 2), 4));
        Assert.Throws<ArgumentException>(() => Pictures.FeatureMaps(trainer, new float[3], 0));
    }

    [Fact]
    public void The_confusion_picture_shades_each_cell_by_its_share_of_the_true_class()
    {
        var matrix = new ConfusionMatrix(2);
        for (int i = 0; i < 3; i++) matrix.Add(0, 0);
        matrix.Add(0, 1); // class 0: 3 of 4 right
        Picture picture = Pictures.Confusion(matrix, cell: 5);
        Assert.Equal((2 * 5 + 3, 2 * 5 + 3), (picture.Width, picture.Height));
        byte[] Pixel(int x, int y) => picture.Rgb.AsSpan((y * picture.Width + x) * 3, 3).ToArray();
        Assert.Equal(new byte[] { 64, 64, 255 }, Pixel(3, 3));    // (0, 0): 3/4 → 255 · 1/4 = 63.75
        Assert.Equal(new byte[] { 191, 191, 255 }, Pixel(9, 3));  // (0, 1): 1/4 → 191.25
        Assert.Equal(new byte[] { 255, 255, 255 }, Pixel(3, 9));  // class 1 has no images
        Assert.Equal(new byte[] { 128, 128, 128 }, Pixel(6, 3));  // the grid line
    }

    [Fact]
    public void A_flatten_of_the_input_is_refused_by_name_and_the_layers_after_it_are_copied()
    {
        var net = new FlatProbeNet(seed: 1);
        var trainer = new FlatProbeNet.Trainer(net, new Sgd(0.1f));
        float[] image = [0.5f, -1f, 2f, 0.25f];
        trainer.ComputeGradients(image, [2]);
        ArgumentException error = Assert.Throws<ArgumentException>(() => trainer.CopyLayerOutputs(0, new float[4]));
        Assert.Contains("Layer 0 is the input flattened", error.Message);
        var dense = new float[3];
        trainer.CopyLayerOutputs(1, dense);
        var expected = new float[3];
        net.Forward(image, expected);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], dense[i], 5);
    }

    private sealed class Into<T>(List<T> list) : IProgress<T>
    {
        public void Report(T value) => list.Add(value);
    }
}
