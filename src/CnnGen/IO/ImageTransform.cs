using System;
using System.Collections.Generic;
using System.IO;
using StbImageSharp;

namespace CnnGen.IO;

/// <summary>How a decoded picture is fitted to the network's input.</summary>
public enum ResizeMode
{
    /// <summary>Scales width and height independently to the input's (bilinear, pixel centres aligned as PyTorch's <c>align_corners=False</c>).</summary>
    Stretch,

    /// <summary>Scales both sides by one factor so the picture just covers the input (bilinear), then cuts the centre out (torchvision's <c>Resize</c> then <c>CenterCrop</c>).</summary>
    CenterCrop,
}

/// <summary>
/// Turns a picture file (PNG, JPEG, BMP; decoded by StbImageSharp) into the floats a network takes: 1 channel (grey)
/// or 3 (red, green, blue), resized to <see cref="Height"/> × <see cref="Width"/>, each value <c>(pixel / 255 − mean[c]) / std[c]</c>,
/// channel-first (C × H × W).
/// </summary>
public sealed record ImageTransform
{
    private readonly float[] mean = [];
    private readonly float[] std = [];

    /// <summary>A transform to <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/> floats, with mean 0 and standard deviation 1 (values in [0, 1]).</summary>
    /// <param name="channels">1 (grey) or 3 (RGB).</param>
    /// <param name="height">Rows of the network's input.</param>
    /// <param name="width">Columns of the network's input.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    public ImageTransform(int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Pictures decode to 1 channel (grey) or 3 (red, green, blue).");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)channels * height * width > 1 << 26) throw new ArgumentOutOfRangeException(nameof(height), $"{channels}×{height}×{width} floats per image is too large.");
        Channels = channels;
        Height = height;
        Width = width;
        mean = new float[channels];
        std = new float[channels];
        std.AsSpan().Fill(1f);
    }

    /// <summary>1 (grey) or 3 (red, green, blue).</summary>
    public int Channels { get; }

    /// <summary>Rows of the result.</summary>
    public int Height { get; }

    /// <summary>Columns of the result.</summary>
    public int Width { get; }

    /// <summary>Floats per image, <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>How the picture is fitted to <see cref="Height"/> × <see cref="Width"/> (default <see cref="ResizeMode.Stretch"/>).</summary>
    public ResizeMode Resize { get; init; }

    /// <summary>Per channel, subtracted from <c>pixel / 255</c> (default 0). One value per channel.</summary>
    /// <exception cref="ArgumentException">Not one finite value per channel.</exception>
    public float[] Mean
    {
        get => (float[])mean.Clone();
        init => mean = CheckPerChannel(value, nameof(Mean), positive: false);
    }

    /// <summary>Per channel, what <c>pixel / 255 − mean</c> is divided by (default 1). One positive value per channel.</summary>
    /// <exception cref="ArgumentException">Not one finite positive value per channel.</exception>
    public float[] Std
    {
        get => (float[])std.Clone();
        init => std = CheckPerChannel(value, nameof(Std), positive: true);
    }

    /// <summary>
    /// Decodes the picture file at <paramref name="path"/> and writes its <see cref="Size"/> floats into <paramref name="image"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a picture StbImageSharp decodes; the message names the file.</exception>
    /// <exception cref="ArgumentException"><paramref name="image"/> does not hold <see cref="Size"/> floats.</exception>
    public void Load(string path, Span<float> image)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckDestination(image);
        byte[] bytes = File.ReadAllBytes(path);
        Apply(Decode(bytes, path), image);
    }

    /// <summary>Decodes a picture held in memory (see <see cref="Load(string, Span{float})"/>); <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a picture StbImageSharp decodes.</exception>
    public void Load(byte[] bytes, Span<float> image, string name = "the image")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        CheckDestination(image);
        Apply(Decode(bytes, name), image);
    }

    /// <summary>Fits pixels already decoded (<see cref="Channels"/> bytes per pixel, row-major) into <paramref name="image"/>.</summary>
    /// <param name="pixels"><paramref name="pixelWidth"/> × <paramref name="pixelHeight"/> × <see cref="Channels"/> bytes, interleaved.</param>
    /// <param name="pixelWidth">Columns of the picture.</param>
    /// <param name="pixelHeight">Rows of the picture.</param>
    /// <param name="image">The destination, <see cref="Size"/> floats, channel-first.</param>
    /// <exception cref="ArgumentException">The sizes do not agree.</exception>
    public void Apply(ReadOnlySpan<byte> pixels, int pixelWidth, int pixelHeight, Span<float> image)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pixelWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pixelHeight);
        if ((long)pixelWidth * pixelHeight * Channels != pixels.Length)
        {
            throw new ArgumentException($"A {pixelWidth}×{pixelHeight} picture of {Channels} channels has {(long)pixelWidth * pixelHeight * Channels} bytes; {pixels.Length} were given.", nameof(pixels));
        }

        CheckDestination(image);

        // The region of the source that maps onto the output: all of it (Stretch), or the centre (CenterCrop) with the
        // aspect ratio of the output, scaled by one factor.
        double scaleX = (double)pixelWidth / Width, scaleY = (double)pixelHeight / Height;
        double offsetX = 0, offsetY = 0;
        if (Resize == ResizeMode.CenterCrop)
        {
            double scale = Math.Min(scaleX, scaleY);
            offsetX = (pixelWidth - Width * scale) / 2;
            offsetY = (pixelHeight - Height * scale) / 2;
            scaleX = scaleY = scale;
        }

        int plane = Height * Width;
        for (int y = 0; y < Height; y++)
        {
            // Bilinear sampling at the output pixel's centre, clamped to the picture (PyTorch's align_corners=False).
            double sy = Math.Clamp(offsetY + (y + 0.5) * scaleY - 0.5, 0, pixelHeight - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, pixelHeight - 1);
            double fy = sy - y0;
            for (int x = 0; x < Width; x++)
            {
                double sx = Math.Clamp(offsetX + (x + 0.5) * scaleX - 0.5, 0, pixelWidth - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, pixelWidth - 1);
                double fx = sx - x0;
                for (int c = 0; c < Channels; c++)
                {
                    double top = pixels[(y0 * pixelWidth + x0) * Channels + c] * (1 - fx) + pixels[(y0 * pixelWidth + x1) * Channels + c] * fx;
                    double bottom = pixels[(y1 * pixelWidth + x0) * Channels + c] * (1 - fx) + pixels[(y1 * pixelWidth + x1) * Channels + c] * fx;
                    double value = (top * (1 - fy) + bottom * fy) / 255.0;
                    image[c * plane + y * Width + x] = (float)((value - mean[c]) / std[c]);
                }
            }
        }
    }

    /// <summary>Reads only the header of a picture: whether StbImageSharp knows its format, and its size.</summary>
    /// <exception cref="InvalidDataException">The file is not a picture StbImageSharp decodes; the message names the file.</exception>
    internal static void CheckHeader(string path)
    {
        using FileStream stream = File.OpenRead(path);
        ImageInfo? info;
        try
        {
            info = ImageInfo.FromStream(stream);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or IOException or UnauthorizedAccessException))
        {
            throw new InvalidDataException($"{path}: not a picture this library decodes ({e.Message}).", e);
        }

        if (info is not { Width: > 0, Height: > 0 })
        {
            throw new InvalidDataException($"{path}: not a PNG, JPEG or BMP picture (its header is not one StbImageSharp recognises).");
        }
    }

    private void Apply(ImageResult decoded, Span<float> image) => Apply(decoded.Data, decoded.Width, decoded.Height, image);

    private ImageResult Decode(byte[] bytes, string name)
    {
        ImageResult? result;
        try
        {
            result = ImageResult.FromMemory(bytes, Channels == 1 ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb_image reports every failure as an exception whose message names the reason ("unknown image type").
            throw new InvalidDataException($"{name}: not a picture this library decodes ({e.Message}).", e);
        }

        if (result is null || result.Width < 1 || result.Height < 1 || result.Data is null || result.Data.Length != (long)result.Width * result.Height * Channels)
        {
            throw new InvalidDataException($"{name}: the picture did not decode to whole pixels.");
        }

        return result;
    }

    private void CheckDestination(Span<float> image)
    {
        if (image.Length != Size)
        {
            throw new ArgumentException($"Expected {Size} floats ({Channels}×{Height}×{Width}) for one image, got {image.Length}.", nameof(image));
        }
    }

    private float[] CheckPerChannel(float[] values, string name, bool positive)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Length != Channels) throw new ArgumentException($"{name} needs one value per channel ({Channels}); got {values.Length}.", name);
        foreach (float v in values)
        {
            if (!float.IsFinite(v) || (positive && v <= 0)) throw new ArgumentException($"{name} values must be finite{(positive ? " and positive" : string.Empty)}; got {v}.", name);
        }

        return (float[])values.Clone();
    }

    /// <inheritdoc/>
    public bool Equals(ImageTransform? other) =>
        other is not null && Channels == other.Channels && Height == other.Height && Width == other.Width && Resize == other.Resize
        && mean.AsSpan().SequenceEqual(other.mean) && std.AsSpan().SequenceEqual(other.std);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Channels, Height, Width, Resize);

    internal static IEnumerable<string> Extensions => [".png", ".jpg", ".jpeg", ".bmp"];
}
