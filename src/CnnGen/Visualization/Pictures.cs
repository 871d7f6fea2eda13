using System;
using System.Collections.Generic;
using System.IO;
using CnnGen.IO;
using CnnGen.Training;
using StbImageWriteSharp;

namespace CnnGen.Visualization;

/// <summary>
/// The pictures people learn CNNs from, as PNG grids: the first convolution's filters (what each one looks for) and a
/// layer's feature maps for one input (where it found it). Each tile is stretched to its own range (its smallest value
/// black, its largest white), enlarged by whole pixels, with a one-pixel grey gap between tiles.
/// </summary>
public static class Pictures
{
    private const byte Gap = 128;

    /// <summary>
    /// The filters of the network's first convolution, from its weights [K, C, FH, FW] (<see cref="INetwork.Graph"/> names the
    /// tensor, <see cref="INetwork.Tensors"/> places it): with 3 input channels one colour tile per filter (red, green, blue
    /// = channels 0, 1, 2), otherwise one grey tile per filter and channel, a row per filter.
    /// </summary>
    /// <param name="network">Any generated network with a convolution.</param>
    /// <param name="scale">Screen pixels per weight, ≥ 1.</param>
    /// <exception cref="ArgumentException">The network has no convolution.</exception>
    public static Picture Filters(INetwork network, int scale = 8)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        GraphNode? conv = null;
        foreach (GraphNode node in network.Graph.Nodes)
        {
            if (node.Op == GraphOp.Conv)
            {
                conv = node;
                break;
            }
        }

        if (conv?.Weight is not { } weightName) throw new ArgumentException("The network has no convolution, so no filters to draw.", nameof(network));
        TensorInfo weight = Find(network, weightName);
        int k = weight.Shape[0], c = weight.Shape[1], fh = weight.Shape[2], fw = weight.Shape[3];
        ReadOnlySpan<float> weights = network.Parameters.Slice(weight.Offset, weight.Length);
        return c == 3
            ? Grid(weights, k, 3, fh, fw, columns: Math.Min(k, 8), scale, colour: true)
            : Grid(weights, k * c, 1, fh, fw, columns: c == 1 ? Math.Min(k, 8) : c, scale, colour: false);
    }

    /// <summary>Saves <see cref="Filters"/> as a PNG file (written to a temporary file and renamed over <paramref name="path"/>).</summary>
    public static void SaveFilters(INetwork network, string path, int scale = 8) => Filters(network, scale).SavePng(path);

    /// <summary>
    /// Runs <paramref name="image"/> through the trainer's network as a batch of one, as training does, and returns layer
    /// <paramref name="layer"/>'s output (C × H × W floats). The forward pass is the training one, which keeps every layer's
    /// output: for networks without BatchNorm and Dropout it equals inference. BatchNorm normalises with the image's own
    /// statistics (its running statistics are put back afterwards) and Dropout applies a mask (the dropout random sequence
    /// moves on). The parameters and the optimizer are untouched; the trainer's gradients are overwritten.
    /// </summary>
    /// <param name="trainer">A generated network's <c>Trainer</c>.</param>
    /// <param name="image">One image, <see cref="INetwork.InputSize"/> floats.</param>
    /// <param name="layer">0-based, as <see cref="INetwork.Layers"/>.</param>
    /// <exception cref="ArgumentException">The image or layer does not fit the network.</exception>
    public static float[] FeatureMaps(ITrainer trainer, ReadOnlySpan<float> image, int layer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        INetwork network = trainer.Network;
        IReadOnlyList<LayerInfo> layers = network.Layers;
        if ((uint)layer >= (uint)layers.Count) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The network's layers are 0 to {layers.Count - 1}.");
        if (image.Length != network.InputSize) throw new ArgumentException($"Expected one image of {network.InputSize} floats; got {image.Length}.", nameof(image));
        float[] state = network.State.ToArray();
        try
        {
            trainer.ComputeGradients(image, [0]);
        }
        finally
        {
            state.CopyTo(network.State);
        }

        LayerInfo info = layers[layer];
        var maps = new float[info.Channels * info.Height * info.Width];
        trainer.CopyLayerOutputs(layer, maps);
        return maps;
    }

    /// <summary>
    /// Layer <paramref name="layer"/>'s feature maps for <paramref name="image"/> (see <see cref="FeatureMaps(ITrainer, ReadOnlySpan{float}, int)"/>)
    /// as a grid of grey tiles, one per channel, about square; a vector layer (H = W = 1) is one row of cells.
    /// </summary>
    public static Picture FeatureMapGrid(ITrainer trainer, ReadOnlySpan<float> image, int layer, int scale = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        float[] maps = FeatureMaps(trainer, image, layer);
        LayerInfo info = trainer.Network.Layers[layer];
        if (info.Height == 1 && info.Width == 1) return Grid(maps, 1, 1, 1, info.Channels, columns: 1, Math.Max(scale, 8), colour: false);
        int columns = (int)Math.Ceiling(Math.Sqrt(info.Channels));
        return Grid(maps, info.Channels, 1, info.Height, info.Width, columns, scale, colour: false);
    }

    /// <summary>Saves <see cref="FeatureMapGrid"/> as a PNG file.</summary>
    public static void SaveFeatureMaps(ITrainer trainer, ReadOnlySpan<float> image, int layer, string path, int scale = 4) =>
        FeatureMapGrid(trainer, image, layer, scale).SavePng(path);

    /// <summary>
    /// The confusion matrix as a heat map: row <c>a</c> (true class, top to bottom) and column <c>p</c> (prediction, left to
    /// right) is a square of <paramref name="cell"/> pixels, white for none of class <c>a</c>'s images and full blue
    /// (0, 0, 255) for all of them, in proportion to <c>matrix[a, p] / Support(a)</c>; a one-pixel grey grid between
    /// cells. For a labelled chart with counts see samples/ShapeClassifier (ScottPlot).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cell"/> is below 1.</exception>
    public static Picture Confusion(ConfusionMatrix matrix, int cell = 24)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cell);
        int n = matrix.Classes, side = n * cell + n + 1;
        var rgb = new byte[side * side * 3];
        rgb.AsSpan().Fill(Gap);
        for (int a = 0; a < n; a++)
        {
            long support = matrix.Support(a);
            for (int p = 0; p < n; p++)
            {
                double share = support == 0 ? 0 : (double)matrix[a, p] / support;
                byte fade = (byte)Math.Round(255 * (1 - share));
                for (int y = 0; y < cell; y++)
                {
                    for (int x = 0; x < cell; x++)
                    {
                        int pixel = ((1 + a * (cell + 1) + y) * side + 1 + p * (cell + 1) + x) * 3;
                        (rgb[pixel], rgb[pixel + 1], rgb[pixel + 2]) = (fade, fade, 255);
                    }
                }
            }
        }

        return new Picture(side, side, rgb);
    }

    /// <summary>Saves <see cref="Confusion"/> as a PNG file.</summary>
    public static void SaveConfusion(ConfusionMatrix matrix, string path, int cell = 24) => Confusion(matrix, cell).SavePng(path);

    /// <summary>
    /// Lays out <paramref name="tiles"/> tiles of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>
    /// values (back to back) in rows of <paramref name="columns"/>, each stretched to its own [min, max] → [0, 255].
    /// </summary>
    internal static Picture Grid(ReadOnlySpan<float> values, int tiles, int channels, int height, int width, int columns, int scale, bool colour)
    {
        int rows = (tiles + columns - 1) / columns;
        int tileW = width * scale, tileH = height * scale;
        int pictureW = columns * tileW + (columns + 1), pictureH = rows * tileH + (rows + 1);
        var rgb = new byte[pictureW * pictureH * 3];
        rgb.AsSpan().Fill(Gap);
        int size = channels * height * width;
        for (int t = 0; t < tiles; t++)
        {
            ReadOnlySpan<float> tile = values.Slice(t * size, size);
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            foreach (float v in tile)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            float range = max - min;
            int left = 1 + (t % columns) * (tileW + 1), top = 1 + (t / columns) * (tileH + 1);
            for (int y = 0; y < tileH; y++)
            {
                for (int x = 0; x < tileW; x++)
                {
                    int cell = (y / scale) * width + x / scale;
                    int pixel = ((top + y) * pictureW + left + x) * 3;
                    for (int rgbChannel = 0; rgbChannel < 3; rgbChannel++)
                    {
                        float v = tile[(colour ? rgbChannel * height * width : 0) + cell];
                        rgb[pixel + rgbChannel] = range > 0 ? (byte)Math.Round((v - min) / range * 255) : (byte)0;
                    }
                }
            }
        }

        return new Picture(pictureW, pictureH, rgb);
    }

    private static TensorInfo Find(INetwork network, string name)
    {
        foreach (TensorInfo t in network.Tensors)
        {
            if (t.Name == name) return t;
        }

        throw new ArgumentException($"The network's graph names the tensor '{name}', which its tensors do not list.", nameof(network));
    }
}

/// <summary>An RGB picture: <see cref="Width"/> × <see cref="Height"/> pixels, row-major, 3 bytes (red, green, blue) each.</summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
/// <param name="Rgb">The pixels, top row first.</param>
public sealed record Picture(int Width, int Height, byte[] Rgb)
{
    /// <summary>Writes the picture as a PNG file, atomically (a temporary file renamed over <paramref name="path"/>).</summary>
    public void SavePng(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(Path.GetFullPath(path), stream => new ImageWriter().WritePng(Rgb, Width, Height, ColorComponents.RedGreenBlue, stream));
    }
}
