using System;

namespace LeNet;

/// <summary>
/// The augmentation handed to <c>Fit</c>: moves an image by a random whole number of pixels in [−max, max] along x and y,
/// filling with zeros. Its one buffer is allocated once, so nothing is allocated per image.
/// </summary>
internal sealed class RandomShift(int maxShift)
{
    private const int Side = LeNet5.InputWidth;
    private readonly float[] copy = new float[LeNet5.InputLength];

    /// <summary>Shifts <paramref name="image"/> in place by offsets drawn from <paramref name="random"/>.</summary>
    public void Apply(Span<float> image, Random random)
    {
        int dx = random.Next(-maxShift, maxShift + 1), dy = random.Next(-maxShift, maxShift + 1);
        image.CopyTo(copy);
        CopyShifted(copy, image, dx, dy);
    }

    // target(y, x) = source(y − dy, x − dx), zero where that falls outside the image.
    private static void CopyShifted(ReadOnlySpan<float> source, Span<float> target, int dx, int dy)
    {
        target.Clear();
        int x0 = Math.Max(0, dx), width = Side - Math.Abs(dx);
        for (int y = Math.Max(0, dy); y < Math.Min(Side, Side + dy); y++)
        {
            source.Slice((y - dy) * Side + x0 - dx, width).CopyTo(target.Slice(y * Side + x0, width));
        }
    }
}
