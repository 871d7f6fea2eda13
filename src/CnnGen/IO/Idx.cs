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
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        long fileLength = file.Length;
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (got == 2 && magic[0] == 0x1F && magic[1] == 0x8B) return ReadGzip(path, file, fileLength);

        byte[] header = ReadHeader(path, file, "the file", gzipped: false);
        (IdxDataType type, int[] dims, long count, long expected) = ParseHeader(path, header);
        long found = fileLength - header.Length;
        if (found != expected) throw SizeMismatch(path, header, dims, expected, found, gzipped: false);
        byte[] data = new byte[expected];
        file.ReadExactly(data);
        return new IdxArray(type, Array.AsReadOnly(dims), (int)count, data);
    }

    /// <summary>
    /// Reads a single-member gzip file (RFC 1952) holding an IDX file. The IDX header is decompressed and checked first;
    /// then exactly the data it declares is decompressed into an array of that size, so a small file that expands to
    /// gigabytes costs no more memory than its header admits. The deflate stream must end exactly where the 8-byte
    /// trailer begins, the trailer must end the file, and its CRC-32 and length must match the data.
    /// </summary>
    private static IdxArray ReadGzip(string path, FileStream file, long fileLength)
    {
        long deflateStart = GzipHeaderLength(path, file, fileLength);
        long deflateEnd = fileLength - 8;
        if (deflateEnd < deflateStart)
        {
            throw new InvalidDataException(
                $"{path}: truncated gzip stream: after its {deflateStart}-byte header the file has {fileLength - deflateStart} bytes, " +
                "fewer than the 8-byte trailer (CRC-32 and length) alone.");
        }

        file.Position = deflateStart;
        var body = new DeflateBody(file, deflateEnd);
        var crc = new Crc32();
        long total = 0;
        IdxArray result;
        try
        {
            using var inflate = new DeflateStream(body, CompressionMode.Decompress, leaveOpen: true);
            byte[] header = ReadHeader(path, inflate, "the decompressed content", gzipped: true);
            crc.Append(header);
            (IdxDataType type, int[] dims, long count, long expected) = ParseHeader(path, header);

            // Deflate expands at most 1032:1; a header declaring more than the file can hold is rejected before allocating.
            if (expected > 1032 * (deflateEnd - deflateStart) + 1024)
            {
                throw new InvalidDataException(
                    $"{path}: the IDX header declares {expected} bytes of data for dimensions {DimensionsText(dims)} of {TypeName((byte)type)}, " +
                    $"more than the {deflateEnd - deflateStart} bytes of deflate data in the file can expand to (at most 1032 times as many).");
            }

            byte[] data = new byte[expected];
            int read = inflate.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (read < data.Length) throw SizeMismatch(path, header, dims, expected, read, gzipped: true);
            Span<byte> extra = stackalloc byte[1];
            if (inflate.Read(extra) != 0)
            {
                throw new InvalidDataException(
                    $"{path}: trailing garbage after the IDX data: expected {expected} bytes of data for dimensions {DimensionsText(dims)} " +
                    $"of {TypeName((byte)type)}, but the decompressed content goes on past them.");
            }

            crc.Append(data);
            total = header.Length + expected;
            result = new IdxArray(type, Array.AsReadOnly(dims), (int)count, data);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: corrupt gzip data (the file starts with the gzip magic 1F 8B): {e.Message}", e);
        }

        if (body.RanDry)
        {
            throw new InvalidDataException(
                $"{path}: truncated gzip stream: the deflate data does not end before the file's last 8 bytes, so the gzip trailer " +
                "(CRC-32 and length) is missing or the stream is cut short.");
        }

        if (!body.Exhausted)
        {
            throw new InvalidDataException(
                $"{path}: trailing garbage after the gzip stream: the deflate data ends before byte {deflateEnd}, but the 8-byte trailer " +
                "must end the file (concatenated gzip members are not supported).");
        }

        Span<byte> trailer = stackalloc byte[8];
        file.Position = deflateEnd;
        file.ReadExactly(trailer);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer.Slice(4));
        if (storedCrc != crc.Value || storedLength != (uint)total)
        {
            throw new InvalidDataException(
                $"{path}: corrupt gzip stream: its trailer gives CRC-32 {storedCrc:X8} and length {storedLength} (mod 2^32), but the " +
                $"decompressed content has CRC-32 {crc.Value:X8} and length {(uint)total}.");
        }

        return result;
    }

    /// <summary>Parses the gzip member header (RFC 1952 section 2.3) and returns its length.</summary>
    private static long GzipHeaderLength(string path, FileStream file, long fileLength)
    {
        Span<byte> fixedPart = stackalloc byte[10];
        if (file.ReadAtLeast(fixedPart, 10, throwOnEndOfStream: false) < 10)
        {
            throw new InvalidDataException($"{path}: truncated gzip header: the file has {fileLength} bytes, fewer than the 10 a gzip header needs.");
        }

        if (fixedPart[2] != 8)
        {
            throw new InvalidDataException($"{path}: corrupt gzip header: compression method {fixedPart[2]}, expected 8 (deflate, the only one gzip defines).");
        }

        byte flags = fixedPart[3];
        if ((flags & 0xE0) != 0)
        {
            throw new InvalidDataException($"{path}: corrupt gzip header: reserved flag bits are set (flags 0x{flags:X2}).");
        }

        if ((flags & 0x04) != 0)
        {
            int lo = file.ReadByte(), hi = file.ReadByte();
            if (hi < 0) throw TruncatedGzipHeader(path, "the extra field's length");
            file.Position += lo | (hi << 8);
        }

        if ((flags & 0x08) != 0) SkipZeroTerminated(path, file, "the file name");
        if ((flags & 0x10) != 0) SkipZeroTerminated(path, file, "the comment");
        if (file.Position > fileLength) throw TruncatedGzipHeader(path, "the header's optional fields");
        if ((flags & 0x02) != 0)
        {
            // FHCRC: the low 16 bits of the CRC-32 of every header byte before it.
            long crcAt = file.Position;
            int lo = file.ReadByte(), hi = file.ReadByte();
            if (hi < 0) throw TruncatedGzipHeader(path, "the header CRC");
            var crc = new Crc32();
            var buffer = new byte[4096];
            file.Position = 0;
            for (long left = crcAt; left > 0;)
            {
                int n = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                crc.Append(buffer.AsSpan(0, n));
                left -= n;
            }

            file.Position = crcAt + 2;
            uint stored = (uint)(lo | (hi << 8));
            if (stored != (crc.Value & 0xFFFF))
            {
                throw new InvalidDataException(
                    $"{path}: corrupt gzip header: its header CRC is {stored:X4}, but the header's bytes give {crc.Value & 0xFFFF:X4}.");
            }
        }

        return file.Position;
    }

    private static void SkipZeroTerminated(string path, FileStream file, string what)
    {
        int b;
        while ((b = file.ReadByte()) > 0)
        {
        }

        if (b < 0) throw TruncatedGzipHeader(path, what);
    }

    private static InvalidDataException TruncatedGzipHeader(string path, string what) =>
        new($"{path}: truncated gzip header: the file ends inside {what}.");

    private static byte[] ReadHeader(string path, Stream source, string what, bool gzipped)
    {
        var magic = new byte[4];
        int got = source.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
        {
            throw new InvalidDataException(
                $"{path}: {what} is {got} bytes long, too short for the 4-byte IDX magic number (00 00 type ndims).");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new InvalidDataException(
                $"{path}: bad IDX magic number: found {Hex(magic)}, expected 00 00 followed by a type byte and the number " +
                "of dimensions (e.g. 00 00 08 03 for MNIST images, 00 00 08 01 for labels).");
        }

        if (ElementSize(magic[2]) == 0)
        {
            throw new InvalidDataException(
                $"{path}: unsupported IDX element type 0x{magic[2]:X2} (magic {Hex(magic)}); supported: 0x08 unsigned byte, " +
                "0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.");
        }

        int ndims = magic[3];
        if (ndims == 0)
        {
            throw new InvalidDataException($"{path}: the IDX magic {Hex(magic)} declares 0 dimensions; at least 1 is needed.");
        }

        int headerLength = 4 + 4 * ndims;
        var header = new byte[headerLength];
        magic.CopyTo(header, 0);
        got = 4 + source.ReadAtLeast(header.AsSpan(4), headerLength - 4, throwOnEndOfStream: false);
        if (got < headerLength)
        {
            string hint = gzipped ? " (the gzip stream may be truncated)" : "";
            throw new InvalidDataException(
                $"{path}: truncated IDX header: {ndims} dimensions need {headerLength} header bytes, {what} has only {got}{hint}.");
        }

        return header;
    }

    private static (IdxDataType Type, int[] Dims, long Count, long Expected) ParseHeader(string path, byte[] header)
    {
        byte code = header[2];
        int ndims = header[3];
        var dims = new int[ndims];
        long count = 1;
        for (int i = 0; i < ndims; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 + 4 * i));
            if (d > int.MaxValue) throw new InvalidDataException($"{path}: IDX dimension {i} is {d}, which is too large.");
            dims[i] = (int)d;
            count *= d;
            if (count > Array.MaxLength) throw new InvalidDataException($"{path}: IDX dimensions {DimensionsText(dims.AsSpan(0, i + 1).ToArray())} hold too many elements.");
        }

        long expected = count * ElementSize(code);
        if (expected > Array.MaxLength)
        {
            throw new InvalidDataException(
                $"{path}: IDX dimensions {DimensionsText(dims)} of {TypeName(code)} need {expected} bytes of data, more than one array holds ({Array.MaxLength}).");
        }

        return ((IdxDataType)code, dims, count, expected);
    }

    private static InvalidDataException SizeMismatch(string path, byte[] header, int[] dims, long expected, long found, bool gzipped)
    {
        byte code = header[2];
        if (found < expected)
        {
            string hint = gzipped ? " (the gzip stream is truncated, or its trailer (CRC-32 and length) is missing)" : "";
            return new InvalidDataException(
                $"{path}: truncated IDX data: expected {expected} bytes of data for dimensions {DimensionsText(dims)} of {TypeName(code)}, found {found}{hint}.");
        }

        return new InvalidDataException(
            $"{path}: trailing garbage after the IDX data: expected {expected} bytes of data for dimensions {DimensionsText(dims)} of {TypeName(code)}, " +
            $"found {found} ({found - expected} extra).");
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

    /// <summary>
    /// The deflate data of a gzip member, <c>[start, end)</c> of the file: the bulk in large reads, the last 64 bytes one at a
    /// time, so that afterwards it is known whether the inflater stopped exactly at <c>end</c> (it asked for the last byte and
    /// never for more), stopped early (<see cref="Exhausted"/> false: bytes follow the stream) or wanted more than there
    /// is (<see cref="RanDry"/>: the trailer is missing or the stream is cut).
    /// </summary>
    private sealed class DeflateBody(FileStream file, long end) : Stream
    {
        private const int Tail = 64;

        public bool Exhausted => file.Position >= end;

        public bool RanDry { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            long left = end - file.Position;
            if (left <= 0)
            {
                if (!buffer.IsEmpty) RanDry = true;
                return 0;
            }

            long allowed = left > Tail ? left - Tail : 1;
            int n = (int)Math.Min(buffer.Length, allowed);
            return file.Read(buffer.Slice(0, n));
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>CRC-32 as gzip uses it (polynomial 0xEDB88320, reflected), slicing by 8.</summary>
    private struct Crc32
    {
        private static readonly uint[] Table = BuildTable();
        private uint crc;

        public readonly uint Value => ~crc;

        public Crc32() => crc = ~0u;

        public void Append(ReadOnlySpan<byte> data)
        {
            uint c = crc;
            uint[] t = Table;
            int i = 0;
            for (; i + 8 <= data.Length; i += 8)
            {
                uint a = c ^ BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i));
                uint b = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i + 4));
                c = t[7 * 256 + (a & 0xFF)] ^ t[6 * 256 + ((a >> 8) & 0xFF)] ^ t[5 * 256 + ((a >> 16) & 0xFF)] ^ t[4 * 256 + (a >> 24)]
                    ^ t[3 * 256 + (b & 0xFF)] ^ t[2 * 256 + ((b >> 8) & 0xFF)] ^ t[256 + ((b >> 16) & 0xFF)] ^ t[b >> 24];
            }

            for (; i < data.Length; i++) c = t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
            crc = c;
        }

        private static uint[] BuildTable()
        {
            var t = new uint[8 * 256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[n] = c;
            }

            for (int s = 1; s < 8; s++)
            {
                for (int n = 0; n < 256; n++) t[s * 256 + n] = t[(s - 1) * 256 + n] >> 8 ^ t[t[(s - 1) * 256 + n] & 0xFF];
            }

            return t;
        }
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
