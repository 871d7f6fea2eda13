using System;

namespace CnnGen.IO;

/// <summary>
/// Labelled images as <see cref="Training.Fitting.Fit"/> and <see cref="Training.Fitting.Evaluate"/> read them: a count,
/// the floats of one image (channel-first, C × H × W, as the network takes them) and a class label per image. Images may
/// live in memory (<see cref="Dataset"/>) or be decoded on demand.
/// </summary>
public interface IImageDataset
{
    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>Floats per image (channels × height × width).</summary>
    int ImageSize { get; }

    /// <summary>Writes image <paramref name="index"/> into <paramref name="image"/> (exactly <see cref="ImageSize"/> floats).</summary>
    /// <param name="index">0 to <see cref="Count"/> − 1.</param>
    /// <param name="image">The destination.</param>
    void CopyTo(int index, Span<float> image);

    /// <summary>The class of image <paramref name="index"/>, 0 or more.</summary>
    /// <param name="index">0 to <see cref="Count"/> − 1.</param>
    int Label(int index);

    /// <summary>
    /// Writes the images <paramref name="indices"/> into <paramref name="images"/>, back to back (<see cref="ImageSize"/>
    /// floats each). <see cref="Training.Fitting.Fit"/> reads every batch through it; a data set that decodes files
    /// overrides it to decode them in parallel. The default calls <see cref="CopyTo"/> per image.
    /// </summary>
    /// <param name="indices">The images, each 0 to <see cref="Count"/> − 1.</param>
    /// <param name="images">The destination, <c>indices.Length × ImageSize</c> floats.</param>
    /// <exception cref="ArgumentException"><paramref name="images"/> does not hold one image per index.</exception>
    void CopyBatch(ReadOnlySpan<int> indices, Span<float> images)
    {
        int size = ImageSize;
        if (images.Length != (long)indices.Length * size)
        {
            throw new ArgumentException($"Expected {(long)indices.Length * size} floats for {indices.Length} images, got {images.Length}.", nameof(images));
        }

        for (int i = 0; i < indices.Length; i++) CopyTo(indices[i], images.Slice(i * size, size));
    }
}
