using System;
using System.Buffers.Binary;
using System.IO;
using StbImageSharp;

namespace LeNet.Aot;

/// <summary>A grey-scale image, row-major, each pixel in [0, 1] (0 black, 1 white).</summary>
internal sealed record GreyImage(int Width, int Height, float[] Pixels)
{
    /// <summary>
    /// The image as the network's input: zero-padded to <paramref name="side"/> × <paramref name="side"/> and centred,
    /// the extra row or column of an odd difference at the bottom or right — as the training sample pads MNIST's
    /// 28×28 digits to 32×32 (<c>Dataset.LoadMnist(..., padTo: 32)</c>).
    /// </summary>
    public void PadInto(Span<float> input, int side)
    {
        input.Clear();
        int top = (side - Height) / 2, left = (side - Width) / 2;
        for (int r = 0; r < Height; r++) Pixels.AsSpan(r * Width, Width).CopyTo(input.Slice((top + r) * side + left, Width));
    }
}

/// <summary>
/// Reads PGM (P5 binary, P2 text) with the small decoder below, and PNG — or whatever else stb_image reads (BMP, JPEG,
/// TGA, GIF) — through StbImageSharp, a C# port of stb_image with no reflection, so it stays trim- and AOT-safe.
/// Colour is turned into grey (ITU-R BT.601 weights). The format is recognised by content, not by name.
/// </summary>
internal static class ImageFile
{
    /// <summary>Reads <paramref name="path"/> as a grey-scale image of at most <paramref name="maxSide"/> pixels per side.</summary>
    /// <exception cref="InvalidDataException">The file is not a readable image, or is too large; the message says which.</exception>
    public static GreyImage Read(string path, int maxSide, bool invert)
    {
        byte[] bytes = File.ReadAllBytes(path);
        GreyImage image;
        if (bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is (byte)'2' or (byte)'5') image = Pgm.Decode(bytes);
        else if (bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is >= (byte)'1' and <= (byte)'7')
            throw new InvalidDataException($"a Netpbm 'P{(char)bytes[1]}' file; only grey-scale PGM (P5 binary or P2 text) is read: convert it first, e.g. `convert IN -colorspace Gray OUT.pgm`");
        else image = Decode(bytes);

        if (image.Width > maxSide || image.Height > maxSide)
        {
            throw new InvalidDataException(
                $"the image is {image.Width}×{image.Height} pixels, larger than the network's {maxSide}×{maxSide} input; scale it down to at most {maxSide}×{maxSide} (MNIST digits are 28×28)");
        }

        if (invert)
        {
            float[] p = image.Pixels;
            for (int i = 0; i < p.Length; i++) p[i] = 1f - p[i];
        }

        return image;
    }

    private static GreyImage Decode(byte[] bytes)
    {
        ImageResult result;
        try
        {
            result = ImageResult.FromMemory(bytes, ColorComponents.Grey);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // stb_image reports every failure as an exception whose message names the reason ("unknown image type").
            throw new InvalidDataException($"not a PNG or PGM image ({e.Message}): it starts with {Describe(bytes)}", e);
        }

        var pixels = new float[result.Width * result.Height];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = result.Data[i] / 255f;
        return new GreyImage(result.Width, result.Height, pixels);
    }

    private static string Describe(byte[] bytes)
    {
        if (bytes.Length == 0) return "nothing (the file is empty)";
        int n = Math.Min(bytes.Length, 8);
        return "the bytes " + Convert.ToHexString(bytes, 0, n).ToLowerInvariant() + (bytes.Length > n ? "…" : "");
    }
}


/// <summary>
/// Netpbm grey maps: "P5" or "P2", white-space separated width, height and maximum value (with '#' comments), then
/// the samples — for P5 one white-space byte and then binary samples (one byte each up to 255, two big-endian bytes
/// up to 65535), for P2 decimal numbers.
/// </summary>
internal static class Pgm
{
    public static GreyImage Decode(byte[] bytes)
    {
        bool binary = bytes[1] == (byte)'5';
        int pos = 2;
        int width = ReadHeaderNumber(bytes, ref pos, "width");
        int height = ReadHeaderNumber(bytes, ref pos, "height");
        int maxValue = ReadHeaderNumber(bytes, ref pos, "maximum value");
        if (width < 1 || height < 1) throw Bad($"the size {width}×{height} is empty");
        if (maxValue is < 1 or > 65535) throw Bad($"the maximum value is {maxValue}, not between 1 and 65535");
        if ((long)width * height > 1 << 24) throw Bad($"the size {width}×{height} is unreasonably large");

        var pixels = new float[width * height];
        float scale = 1f / maxValue;
        if (binary)
        {
            // Exactly one white-space character separates the header from the raster.
            if (pos >= bytes.Length || !IsSpace(bytes[pos])) throw Bad("no white space after the maximum value, or no pixel data");
            pos++;
            int sampleBytes = maxValue < 256 ? 1 : 2;
            long expected = (long)pixels.Length * sampleBytes;
            long found = bytes.Length - pos;
            if (found < expected) throw Bad($"truncated: {width}×{height} pixels need {expected} bytes of data, the file has {found}");
            for (int i = 0; i < pixels.Length; i++)
            {
                int v = sampleBytes == 1 ? bytes[pos + i] : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(pos + 2 * i));
                if (v > maxValue) throw Bad($"pixel {i % width},{i / width} is {v}, above the maximum value {maxValue}");
                pixels[i] = v * scale;
            }
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++)
            {
                int v = ReadNumber(bytes, ref pos, $"pixel {i % width},{i / width}", $"truncated: {width}×{height} = {pixels.Length} pixels expected, found {i}");
                if (v > maxValue) throw Bad($"pixel {i % width},{i / width} is {v}, above the maximum value {maxValue}");
                pixels[i] = v * scale;
            }
        }

        return new GreyImage(width, height, pixels);
    }

    private static int ReadHeaderNumber(byte[] bytes, ref int pos, string what) =>
        ReadNumber(bytes, ref pos, what, $"the header ends before the {what}");

    /// <summary>Skips white space and comments, then reads a decimal number.</summary>
    private static int ReadNumber(byte[] bytes, ref int pos, string what, string atEnd)
    {
        while (pos < bytes.Length)
        {
            if (IsSpace(bytes[pos])) pos++;
            else if (bytes[pos] == (byte)'#')
            {
                while (pos < bytes.Length && bytes[pos] != (byte)'\n' && bytes[pos] != (byte)'\r') pos++;
            }
            else break;
        }

        if (pos >= bytes.Length) throw Bad(atEnd);
        int start = pos;
        long value = 0;
        while (pos < bytes.Length && bytes[pos] is >= (byte)'0' and <= (byte)'9')
        {
            value = value * 10 + (bytes[pos] - '0');
            if (value > int.MaxValue) throw Bad($"the {what} is too large");
            pos++;
        }

        if (pos == start) throw Bad($"expected a number for the {what}, found '{(char)bytes[pos]}'");
        if (pos < bytes.Length && !IsSpace(bytes[pos]) && bytes[pos] != (byte)'#') throw Bad($"expected white space after the {what}, found '{(char)bytes[pos]}'");
        return (int)value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static InvalidDataException Bad(string message) => new("invalid PGM: " + message);
}
