using System;
using System.Collections.Generic;
using System.IO;

namespace CnnGen.IO;

/// <summary>
/// A labelled set of images held in memory as floats: all images contiguous, each <see cref="Channels"/> ×
/// <see cref="Height"/> × <see cref="Width"/> (channel-first, rows row-major), and one byte label per image. Loads
/// MNIST-style IDX files (<see cref="LoadMnist"/>) and CIFAR-10's binary batches (<see cref="Cifar10"/>).
/// </summary>
public sealed class Dataset : IImageDataset
{
    private readonly float[] images;
    private readonly byte[] labels;

    /// <summary>Wraps images and labels already in memory. The arrays are used as they are, not copied.</summary>
    /// <param name="images">All images, one after the other, each <paramref name="height"/> × <paramref name="width"/> floats.</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="height">Rows of one image.</param>
    /// <param name="width">Columns of one image.</param>
    /// <exception cref="ArgumentException">The lengths do not agree.</exception>
    public Dataset(float[] images, byte[] labels, int height, int width)
        : this(images, labels, 1, height, width)
    {
    }

    /// <summary>Wraps multi-channel images and labels already in memory. The arrays are used as they are, not copied.</summary>
    /// <param name="images">All images, one after the other, each <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/> floats, channel-first.</param>
    /// <param name="labels">One label per image.</param>
    /// <param name="channels">Channels of one image.</param>
    /// <param name="height">Rows of one image.</param>
    /// <param name="width">Columns of one image.</param>
    /// <exception cref="ArgumentException">The lengths do not agree.</exception>
    public Dataset(float[] images, byte[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)labels.Length * channels * height * width != images.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} labels of {channels}×{height}×{width} images need {(long)labels.Length * channels * height * width} floats; {images.Length} were given.", nameof(images));
        }

        this.images = images;
        this.labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Number of images.</summary>
    public int Count => labels.Length;

    /// <summary>Floats per image, <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Channels of one image (1 for IDX files).</summary>
    public int Channels { get; }

    /// <summary>Rows of one image (after padding).</summary>
    public int Height { get; }

    /// <summary>Columns of one image (after padding).</summary>
    public int Width { get; }

    /// <summary>All images, contiguous, image <c>i</c> at <c>i × ImageSize</c>.</summary>
    public ReadOnlySpan<float> Images => images;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<byte> Labels => labels;

    /// <summary>Image <paramref name="index"/>, channel-first, rows row-major.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    public ReadOnlySpan<float> Image(int index)
    {
        CheckIndex(index);
        return images.AsSpan(index * ImageSize, ImageSize);
    }

    /// <summary>Copies image <paramref name="index"/> into <paramref name="image"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> does not hold exactly <see cref="ImageSize"/> floats.</exception>
    public void CopyTo(int index, Span<float> image)
    {
        if (image.Length != ImageSize)
        {
            throw new ArgumentException($"Expected a span of {ImageSize} floats ({Channels}×{Height}×{Width}) for one image, got {image.Length}.", nameof(image));
        }

        Image(index).CopyTo(image);
    }

    /// <summary>The label of image <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, <see cref="Count"/>).</exception>
    public int Label(int index)
    {
        CheckIndex(index);
        return labels[index];
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)labels.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {labels.Length} images.");
        }
    }

    /// <summary>
    /// Loads an IDX image file and an IDX label file (raw or gzipped). Pixels become floats in [0, 1]
    /// (<c>pixel / 255</c>, as torchvision's <c>ToTensor</c>). With <paramref name="padTo"/> &gt; 0 each image is
    /// zero-padded to <paramref name="padTo"/> × <paramref name="padTo"/>, centred (for an odd difference the extra row
    /// or column goes at the bottom or right); LeNet-5 wants MNIST's 28 × 28 images padded to 32.
    /// </summary>
    /// <param name="imagesPath">The images: 3 dimensions (count, rows, columns) of unsigned bytes.</param>
    /// <param name="labelsPath">The labels: 1 dimension of unsigned bytes.</param>
    /// <param name="padTo">0 for no padding, else the padded side length (at least the image's rows and columns).</param>
    /// <exception cref="InvalidDataException">A file is invalid, or the two files hold different numbers of items.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="padTo"/> is negative or smaller than the images.</exception>
    public static Dataset LoadMnist(string imagesPath, string labelsPath, int padTo = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        ArgumentOutOfRangeException.ThrowIfNegative(padTo);

        (byte[] pixels, int count, int rows, int columns) = Idx.ReadImages(imagesPath);
        if (rows == 0 || columns == 0)
        {
            throw new InvalidDataException(
                $"{imagesPath}: the images are {rows}×{columns} (dimensions {count}×{rows}×{columns}); expected at least 1 row and 1 column per image.");
        }

        byte[] labels = Idx.ReadLabels(labelsPath);
        if (labels.Length != count)
        {
            throw new InvalidDataException(
                $"The image and label files disagree: {imagesPath} holds {count} images but {labelsPath} holds {labels.Length} labels.");
        }

        int height = rows, width = columns;
        if (padTo > 0)
        {
            if (padTo < rows || padTo < columns)
            {
                throw new ArgumentOutOfRangeException(nameof(padTo), padTo,
                    $"Cannot pad the {rows}×{columns} images of {imagesPath} to {padTo}×{padTo}: padding cannot shrink an image.");
            }

            height = width = padTo;
        }

        if ((long)count * height * width > Array.MaxLength)
        {
            throw new InvalidDataException($"{imagesPath}: {count} images of {height}×{width} floats do not fit in one array.");
        }

        var images = new float[count * height * width];
        int top = (height - rows) / 2, left = (width - columns) / 2;
        int source = 0;
        for (int n = 0; n < count; n++)
        {
            int imageStart = n * height * width;
            for (int r = 0; r < rows; r++)
            {
                int row = imageStart + (top + r) * width + left;
                for (int c = 0; c < columns; c++) images[row + c] = pixels[source++] / 255f;
            }
        }

        return new Dataset(images, labels, height, width);
    }

    /// <summary>
    /// Loads split <paramref name="split"/> (e.g. <c>train</c>, <c>test</c>) from <paramref name="directory"/>: the files
    /// <c>{split}-images-idx3-ubyte</c> and <c>{split}-labels-idx1-ubyte</c>, each optionally ending in <c>.gz</c>
    /// (also <c>{split}-images.idx3-ubyte</c> and <c>{split}-labels.idx1-ubyte</c>); for <c>test</c> MNIST's original
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c> are accepted too. See <see cref="LoadMnist"/>.
    /// </summary>
    /// <param name="directory">The folder holding the files.</param>
    /// <param name="split">The split's file-name prefix.</param>
    /// <param name="padTo">0 for no padding, else the padded side length.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists every name looked for.</exception>
    /// <exception cref="InvalidDataException">A file is invalid.</exception>
    public static Dataset LoadDirectory(string directory, string split, int padTo = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(split);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot load the '{split}' split: the directory '{directory}' does not exist.");
        }

        string images = Find(directory, split, "images", "idx3");
        string labels = Find(directory, split, "labels", "idx1");
        return LoadMnist(images, labels, padTo);
    }

    private static string Find(string directory, string split, string kind, string idx)
    {
        var prefixes = new List<string> { split };
        if (split == "test") prefixes.Add("t10k");
        var candidates = new List<string>();
        foreach (string prefix in prefixes)
        {
            foreach (string name in new[] { $"{prefix}-{kind}-{idx}-ubyte", $"{prefix}-{kind}.{idx}-ubyte" })
            {
                candidates.Add(name);
                candidates.Add(name + ".gz");
            }
        }

        foreach (string name in candidates)
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }

        throw new FileNotFoundException(
            $"No {kind} file for the '{split}' split in '{directory}': looked for {string.Join(", ", candidates)}.");
    }
}
