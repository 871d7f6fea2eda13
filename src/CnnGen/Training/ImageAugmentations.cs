using System;

namespace CnnGen.Training;

/// <summary>
/// Ready-made <see cref="ImageAugmentation"/>s for <see cref="FitOptions.Augment"/>. <see cref="Fitting.Fit"/> hands them a
/// random sequence seeded by <see cref="FitOptions.Seed"/> and the epoch, so every epoch sees new variants and the same seed
/// repeats them exactly. Each keeps one buffer, allocated once: nothing is allocated per image (and an augmentation is
/// not thread-safe; Fit calls it from one thread).
/// </summary>
public static class ImageAugmentations
{
    /// <summary>
    /// Moves the image (<paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>, channel-first) by
    /// whole pixels drawn uniformly from [−<paramref name="maxShift"/>, <paramref name="maxShift"/>] along x and along y
    /// (the same for every channel), filling what comes in with 0 — the same as torchvision's
    /// <c>RandomCrop(size, padding: maxShift)</c> with zero padding (0 is the channel's mean after normalisation).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or <paramref name="maxShift"/> is negative.</exception>
    public static ImageAugmentation RandomShift(int channels, int height, int width, int maxShift)
    {
        CheckShape(channels, height, width);
        ArgumentOutOfRangeException.ThrowIfNegative(maxShift);
        var copy = new float[channels * height * width];
        return (image, random) =>
        {
            CheckImage(image, copy.Length);
            int dx = random.Next(-maxShift, maxShift + 1), dy = random.Next(-maxShift, maxShift + 1);
            if (dx == 0 && dy == 0) return;
            image.CopyTo(copy);
            image.Clear();
            int x0 = Math.Max(0, dx), columns = width - Math.Abs(dx);
            if (columns <= 0) return;
            for (int c = 0; c < channels; c++)
            {
                int plane = c * height * width;
                for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
                {
                    // target(y, x) = source(y − dy, x − dx)
                    copy.AsSpan(plane + (y - dy) * width + x0 - dx, columns).CopyTo(image.Slice(plane + y * width + x0, columns));
                }
            }
        };
    }

    /// <summary>Mirrors the image left to right with probability <paramref name="probability"/> (default ½), every channel alike.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or <paramref name="probability"/> is not in [0, 1].</exception>
    public static ImageAugmentation HorizontalFlip(int channels, int height, int width, double probability = 0.5)
    {
        CheckShape(channels, height, width);
        if (!(probability >= 0 && probability <= 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability is in [0, 1].");
        int size = channels * height * width;
        return (image, random) =>
        {
            CheckImage(image, size);
            if (random.NextDouble() >= probability) return;
            for (int row = 0; row < channels * height; row++) image.Slice(row * width, width).Reverse();
        };
    }

    /// <summary>Applies <paramref name="augmentations"/> in order (each draws from the same random sequence).</summary>
    public static ImageAugmentation Compose(params ImageAugmentation[] augmentations)
    {
        ArgumentNullException.ThrowIfNull(augmentations);
        ImageAugmentation[] all = (ImageAugmentation[])augmentations.Clone();
        foreach (ImageAugmentation a in all) ArgumentNullException.ThrowIfNull(a, nameof(augmentations));
        return (image, random) =>
        {
            foreach (ImageAugmentation a in all) a(image, random);
        };
    }

    private static void CheckShape(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
    }

    private static void CheckImage(Span<float> image, int size)
    {
        if (image.Length != size) throw new ArgumentException($"The augmentation was made for images of {size} floats; got {image.Length}.", nameof(image));
    }
}
