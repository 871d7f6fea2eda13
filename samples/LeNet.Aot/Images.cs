using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Compression;

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

/// <summary>Reads PGM (P5 binary, P2 text) and PNG files; the format is recognised by content, not by name.</summary>
internal static class ImageFile
{
    /// <summary>Reads <paramref name="path"/> as a grey-scale image of at most <paramref name="maxSide"/> pixels per side.</summary>
    /// <exception cref="InvalidDataException">The file is not a supported image, is damaged, or is too large; the message says which.</exception>
    public static GreyImage Read(string path, int maxSide, bool invert)
    {
        byte[] bytes = File.ReadAllBytes(path);
        GreyImage image;
        if (bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is (byte)'2' or (byte)'5') image = Pgm.Decode(bytes);
        else if (bytes.AsSpan().StartsWith(Png.Signature)) image = Png.Decode(bytes);
        else if (bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is >= (byte)'1' and <= (byte)'7')
            throw new InvalidDataException($"a Netpbm 'P{(char)bytes[1]}' file; only grey-scale PGM (P5 binary or P2 text) is read: convert it first, e.g. `convert IN -colorspace Gray OUT.pgm`");
        else throw new InvalidDataException($"not a PGM (P5/P2) or PNG file: it starts with {Describe(bytes)}");

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

/// <summary>
/// A small PNG decoder with no native dependency: 8-bit grey, grey + alpha, RGB, RGBA and palette images, not
/// interlaced (what image editors and Python's PIL write by default). Chunk CRCs are checked; colour is turned into
/// grey with ITU-R BT.601 weights (as PIL's "L" mode) and transparency is composited onto black, MNIST's background.
/// </summary>
internal static class Png
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static GreyImage Decode(byte[] bytes)
    {
        int pos = Signature.Length;
        int width = 0, height = 0, colorType = -1;
        byte[]? palette = null, paletteAlpha = null;
        using var idat = new MemoryStream();
        bool seenHeader = false, seenEnd = false;
        while (!seenEnd)
        {
            if (bytes.Length - pos < 12) throw Bad("truncated: the file ends inside a chunk (no IEND)");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos));
            if (length > int.MaxValue || bytes.Length - pos - 12 < length) throw Bad($"truncated: a chunk of {length} bytes does not fit in the file");
            ReadOnlySpan<byte> typeAndData = bytes.AsSpan(pos + 4, 4 + (int)length);
            string type = System.Text.Encoding.ASCII.GetString(typeAndData[..4]);
            ReadOnlySpan<byte> data = typeAndData[4..];
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos + 8 + (int)length));
            if (Crc32(typeAndData) != crc) throw Bad($"chunk '{type}' at byte {pos} has a wrong CRC (the file is damaged)");
            pos += 12 + (int)length;

            if (!seenHeader && type != "IHDR") throw Bad($"the first chunk is '{type}', not IHDR");
            switch (type)
            {
                case "IHDR":
                    if (seenHeader || data.Length != 13) throw Bad("invalid IHDR chunk");
                    seenHeader = true;
                    width = CheckedSize(BinaryPrimitives.ReadUInt32BigEndian(data), "width");
                    height = CheckedSize(BinaryPrimitives.ReadUInt32BigEndian(data[4..]), "height");
                    int bitDepth = data[8];
                    colorType = data[9];
                    if (data[10] != 0 || data[11] != 0) throw Bad("unknown compression or filter method");
                    if (data[12] != 0) throw Unsupported("interlaced (Adam7) images are not supported: save it without interlacing");
                    if (colorType is not (0 or 2 or 3 or 4 or 6)) throw Bad($"unknown colour type {colorType}");
                    if (bitDepth != 8) throw Unsupported($"bit depth {bitDepth} is not supported, only 8 bits per channel");
                    if ((long)width * height > 1 << 24) throw Bad($"the size {width}×{height} is unreasonably large");
                    break;
                case "PLTE":
                    if (data.Length % 3 != 0 || data.Length == 0) throw Bad("invalid PLTE chunk");
                    palette = data.ToArray();
                    break;
                case "tRNS":
                    if (colorType == 3) paletteAlpha = data.ToArray();
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
                default:
                    // An unknown critical chunk (upper-case first letter) changes how the image must be read.
                    if (char.IsAsciiLetterUpper(type[0])) throw Unsupported($"critical chunk '{type}' is not supported");
                    break;
            }
        }

        if (idat.Length == 0) throw Bad("no image data (IDAT)");
        if (colorType == 3 && palette is null) throw Bad("a palette image without a PLTE chunk");

        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int stride = width * channels;
        byte[] raw = new byte[(long)height * (stride + 1) <= int.MaxValue ? height * (stride + 1) : throw Bad("too large")];
        idat.Position = 0;
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
            int total = 0;
            while (total < raw.Length)
            {
                int n = zlib.Read(raw, total, raw.Length - total);
                if (n == 0) throw Bad($"truncated image data: {total} of {raw.Length} bytes");
                total += n;
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("invalid PNG", StringComparison.Ordinal))
        {
            throw Bad("the compressed image data is damaged: " + e.Message);
        }

        Unfilter(raw, height, stride, channels);

        var pixels = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = raw.AsSpan(y * (stride + 1) + 1, stride);
            for (int x = 0; x < width; x++)
            {
                float grey, alpha = 1f;
                switch (colorType)
                {
                    case 0: grey = row[x]; break;
                    case 4: grey = row[2 * x]; alpha = row[2 * x + 1] / 255f; break;
                    case 2: grey = Luma(row[3 * x], row[3 * x + 1], row[3 * x + 2]); break;
                    case 6: grey = Luma(row[4 * x], row[4 * x + 1], row[4 * x + 2]); alpha = row[4 * x + 3] / 255f; break;
                    default:
                        int index = row[x];
                        if (3 * index + 2 >= palette!.Length) throw Bad($"pixel {x},{y} uses palette entry {index}, the palette has {palette.Length / 3}");
                        grey = Luma(palette[3 * index], palette[3 * index + 1], palette[3 * index + 2]);
                        if (paletteAlpha is not null && index < paletteAlpha.Length) alpha = paletteAlpha[index] / 255f;
                        break;
                }

                pixels[y * width + x] = grey / 255f * alpha;
            }
        }

        return new GreyImage(width, height, pixels);
    }

    private static float Luma(byte r, byte g, byte b) => 0.299f * r + 0.587f * g + 0.114f * b;

    /// <summary>Undoes the per-row filters (None, Sub, Up, Average, Paeth) in place; each row keeps its filter byte.</summary>
    private static void Unfilter(byte[] raw, int height, int stride, int bpp)
    {
        for (int y = 0; y < height; y++)
        {
            int rowStart = y * (stride + 1);
            byte filter = raw[rowStart];
            Span<byte> row = raw.AsSpan(rowStart + 1, stride);
            ReadOnlySpan<byte> up = y == 0 ? ReadOnlySpan<byte>.Empty : raw.AsSpan(rowStart - stride, stride);
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0;
                int b = y > 0 ? up[i] : 0;
                int c = i >= bpp && y > 0 ? up[i - bpp] : 0;
                row[i] = filter switch
                {
                    0 => row[i],
                    1 => (byte)(row[i] + a),
                    2 => (byte)(row[i] + b),
                    3 => (byte)(row[i] + ((a + b) >> 1)),
                    4 => (byte)(row[i] + Paeth(a, b, c)),
                    _ => throw Bad($"row {y} has unknown filter type {filter}"),
                };
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static int CheckedSize(uint value, string what) =>
        value is >= 1 and <= int.MaxValue ? (int)value : throw Bad($"the {what} is {value.ToString(CultureInfo.InvariantCulture)}");

    private static uint[]? s_crcTable;

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint[] table = s_crcTable ??= MakeCrcTable();
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }

        return table;
    }

    private static InvalidDataException Bad(string message) => new("invalid PNG: " + message);

    private static InvalidDataException Unsupported(string message) => new("unsupported PNG: " + message);
}
