using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace CnnGen.IO;

/// <summary>Element types of the IDX format (the third byte of the magic number).</summary>
public enum IdxDataType : byte
{
    /// <summary>Unsigned byte (0x08), as in MNIST.</summary>
    UnsignedByte = 0x08,

    /// <summary>Signed byte (0x09).</summary>
    SignedByte = 0x09,

    /// <summary>Big-endian 16-bit signed integer (0x0B).</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit signed integer (0x0C).</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single (0x0D).</summary>
    Single = 0x0D,

    /// <summary>Big-endian IEEE 754 double (0x0E).</summary>
    Double = 0x0E,
}

/// <summary>The content of an IDX file: element type, dimensions and the data as stored.</summary>
public sealed class IdxArray
{
    internal IdxArray(IdxDataType dataType, IReadOnlyList<int> dimensions, int count, byte[] data)
    {
        DataType = dataType;
        Dimensions = dimensions;
        Count = count;
        Data = data;
    }

    /// <summary>The element type.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The dimensions, outermost first (for MNIST images: count, rows, columns).</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Number of elements (the product of <see cref="Dimensions"/>).</summary>
    public int Count { get; }

    /// <summary>
    /// The data section exactly as stored: for <see cref="IdxDataType.UnsignedByte"/> these are the values
    /// themselves; multi-byte types are big-endian (use <see cref="ToSingleArray"/> to convert).
    /// </summary>
    public byte[] Data { get; }

    /// <summary>The dimensions written as <c>a×b×c</c>.</summary>
    public string DimensionsText => Idx.DimensionsText(Dimensions);

    /// <summary>Every element converted to <see cref="float"/> (values unscaled: a byte 255 gives 255).</summary>
    public float[] ToSingleArray()
    {
        var result = new float[Count];
        ReadOnlySpan<byte> d = Data;
        switch (DataType)
        {
            case IdxDataType.UnsignedByte:
                for (int i = 0; i < result.Length; i++) result[i] = d[i];
                break;
            case IdxDataType.SignedByte:
                for (int i = 0; i < result.Length; i++) result[i] = (sbyte)d[i];
                break;
            case IdxDataType.Int16:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt16BigEndian(d.Slice(2 * i));
                break;
            case IdxDataType.Int32:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadInt32BigEndian(d.Slice(4 * i));
                break;
            case IdxDataType.Single:
                for (int i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleBigEndian(d.Slice(4 * i));
                break;
            case IdxDataType.Double:
                for (int i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(d.Slice(8 * i));
                break;
        }

        return result;
    }
}

/// <summary>
/// Reads IDX files, the format of the MNIST distribution: the magic bytes <c>00 00 type ndims</c>, one big-endian
/// 32-bit size per dimension, then the data in row-major order. Gzip-compressed files are recognised by their
/// content (the bytes <c>1F 8B</c>), whatever their name. Every problem raises an <see cref="InvalidDataException"/>
/// whose message names the file and says what was expected and what was found.
/// </summary>
public static class Idx
{
    /// <summary>Reads an IDX file of any supported element type.</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] raw = File.ReadAllBytes(path);
        bool gzipped = raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B;
        byte[] bytes = gzipped ? Gunzip(path, raw) : raw;
        string what = gzipped ? "the decompressed content" : "the file";

        if (bytes.Length < 4)
        {
            throw new InvalidDataException(
                $"{path}: {what} is {bytes.Length} bytes long, too short for the 4-byte IDX magic number (00 00 type ndims).");
        }

        byte code = bytes[2];
        int ndims = bytes[3];
        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new InvalidDataException(
                $"{path}: bad IDX magic number: found {Hex(bytes.AsSpan(0, 4))}, expected 00 00 followed by a type byte and the number " +
                "of dimensions (e.g. 00 00 08 03 for MNIST images, 00 00 08 01 for labels).");
        }

        int elementSize = ElementSize(code);
        if (elementSize == 0)
        {
            throw new InvalidDataException(
                $"{path}: unsupported IDX element type 0x{code:X2} (magic {Hex(bytes.AsSpan(0, 4))}); supported: 0x08 unsigned byte, " +
                "0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.");
        }

        if (ndims == 0)
        {
            throw new InvalidDataException($"{path}: the IDX magic {Hex(bytes.AsSpan(0, 4))} declares 0 dimensions; at least 1 is needed.");
        }

        int headerLength = 4 + 4 * ndims;
        if (bytes.Length < headerLength)
        {
            throw new InvalidDataException(
                $"{path}: truncated IDX header: {ndims} dimensions need {headerLength} header bytes, {what} has only {bytes.Length}.");
        }

        var dims = new int[ndims];
        long count = 1;
        for (int i = 0; i < ndims; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (d > int.MaxValue) throw new InvalidDataException($"{path}: IDX dimension {i} is {d}, which is too large.");
            dims[i] = (int)d;
            count *= d;
            if (count > Array.MaxLength) throw new InvalidDataException($"{path}: IDX dimensions {DimensionsText(dims.AsSpan(0, i + 1).ToArray())} hold too many elements.");
        }

        long expected = count * elementSize;
        long found = bytes.LongLength - headerLength;
        if (found < expected)
        {
            string hint = gzipped ? " (the gzip stream may be truncated)" : "";
            throw new InvalidDataException(
                $"{path}: truncated IDX data: expected {expected} bytes of data for dimensions {DimensionsText(dims)} of {TypeName(code)}, found {found}{hint}.");
        }

        if (found > expected)
        {
            throw new InvalidDataException(
                $"{path}: trailing garbage after the IDX data: expected {expected} bytes of data for dimensions {DimensionsText(dims)} of {TypeName(code)}, " +
                $"found {found} ({found - expected} extra).");
        }

        byte[] data = bytes.AsSpan(headerLength).ToArray();
        return new IdxArray((IdxDataType)code, Array.AsReadOnly(dims), (int)count, data);
    }

    /// <summary>Reads an IDX label file: one dimension of unsigned bytes (MNIST's <c>*-labels-idx1-ubyte</c>).</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <returns>The labels.</returns>
    /// <exception cref="InvalidDataException">The file is invalid or not a label file.</exception>
    public static byte[] ReadLabels(string path)
    {
        IdxArray array = Read(path);
        Require(path, array, 1, "a label file: 1 dimension (count) of unsigned bytes (magic 00 00 08 01)");
        return array.Data;
    }

    /// <summary>Reads an IDX image file: three dimensions (count, rows, columns) of unsigned bytes (MNIST's <c>*-images-idx3-ubyte</c>).</summary>
    /// <param name="path">The file, raw or gzip-compressed.</param>
    /// <returns>The pixels, image after image, each row-major; the number of images; their rows and columns.</returns>
    /// <exception cref="InvalidDataException">The file is invalid or not an image file.</exception>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        IdxArray array = Read(path);
        Require(path, array, 3, "an image file: 3 dimensions (count×rows×columns) of unsigned bytes (magic 00 00 08 03)");
        return (array.Data, array.Dimensions[0], array.Dimensions[1], array.Dimensions[2]);
    }

    private static void Require(string path, IdxArray array, int dims, string expected)
    {
        if (array.Dimensions.Count != dims || array.DataType != IdxDataType.UnsignedByte)
        {
            throw new InvalidDataException(
                $"{path}: expected {expected}, found {array.Dimensions.Count} dimension{(array.Dimensions.Count == 1 ? "" : "s")} " +
                $"({array.DimensionsText}) of {TypeName((byte)array.DataType)}.");
        }
    }

    private static byte[] Gunzip(string path, byte[] raw)
    {
        try
        {
            using var input = new MemoryStream(raw, writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream(capacity: raw.Length * 4);
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data (the file starts with the gzip magic 1F 8B): {e.Message}", e);
        }
    }

    private static int ElementSize(byte code) => code switch
    {
        0x08 or 0x09 => 1,
        0x0B => 2,
        0x0C or 0x0D => 4,
        0x0E => 8,
        _ => 0,
    };

    private static string TypeName(byte code) => code switch
    {
        0x08 => "unsigned bytes (0x08)",
        0x09 => "signed bytes (0x09)",
        0x0B => "int16 (0x0B)",
        0x0C => "int32 (0x0C)",
        0x0D => "float32 (0x0D)",
        0x0E => "float64 (0x0E)",
        _ => $"type 0x{code:X2}",
    };

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    internal static string DimensionsText(IReadOnlyList<int> dims)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < dims.Count; i++)
        {
            if (i > 0) sb.Append('×');
            sb.Append(dims[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
