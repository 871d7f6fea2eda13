using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using CnnGen.IO;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>A test that runs only with <c>CNNGEN_LONG_TESTS=1</c> (large files, minutes of work): skipped in CI.</summary>
internal sealed class LongModeFactAttribute : FactAttribute
{
    public LongModeFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CNNGEN_LONG_TESTS") != "1") Skip = "long mode: set CNNGEN_LONG_TESTS=1 to run";
    }
}

/// <summary>
/// The gzip framing of IDX files (issue 12, item 5): the member must end exactly with its trailer, the trailer must
/// match, a bomb costs no more memory than its IDX header declares, and a file of any size reads.
/// </summary>
public sealed class IdxGzipTests
{
    private static readonly byte[] Gz = IdxTests.Gzip(IdxTests.Images2x2x3);

    /// <summary>
    /// The images gzipped with a sync flush before the end: the last deflate bytes carry no data (an empty stored block
    /// and the final empty block), so cutting the trailer leaves every data byte readable.
    /// </summary>
    private static readonly byte[] Flushed = FlushedGzip();

    private static byte[] FlushedGzip()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(IdxTests.Images2x2x3);
            gzip.Flush();
        }

        return output.ToArray();
    }

    private static string Write(TempDirectory dir, string name, byte[] content)
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Labels(int count)
    {
        var file = new byte[8 + count];
        file[2] = 0x08;
        file[3] = 0x01;
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), count);
        return file;
    }

    public static TheoryData<string, byte[], string> BadFraming()
    {
        byte[] secondMember = IdxTests.Gzip(new byte[] { 1, 2, 3 });
        return new TheoryData<string, byte[], string>
        {
            { "trailer missing", Gz[..^8], "trailer (CRC-32 and length) is missing" },
            { "trailer missing after complete data", Flushed[..^8], "trailer (CRC-32 and length) is missing" },
            { "half the trailer", Gz[..^4], "truncated" },
            { "half the trailer after complete data", Flushed[..^4], "truncated gzip stream" },
            { "one garbage byte", [.. Gz, 0x00], "trailing garbage after the gzip stream" },
            { "garbage", [.. Gz, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], "trailing garbage after the gzip stream" },
            { "garbage ending in a copy of the trailer", [.. Gz, 0xEE, .. Gz[^8..]], "trailing garbage after the gzip stream" },
            { "second member", [.. Gz, .. secondMember], "concatenated gzip members are not supported" },
            { "wrong CRC", [.. Gz[..^8], (byte)(Gz[^8] ^ 1), .. Gz[^7..]], "CRC-32" },
            { "wrong length", [.. Gz[..^4], (byte)(Gz[^4] ^ 1), .. Gz[^3..]], "length" },
            { "reserved flag", [0x1F, 0x8B, 8, 0x20, .. Gz[4..]], "reserved flag bits" },
            { "header cut in the file name", [0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'b'], "truncated gzip header" },
        };
    }

    [Theory]
    [MemberData(nameof(BadFraming))]
    public void Read_BadGzipFraming_IsRejected(string what, byte[] content, string expected)
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "bad-" + what.Replace(' ', '-'), content);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Read_GzipWithOptionalHeaderFields_Reads()
    {
        // FEXTRA, FNAME, FCOMMENT and FHCRC before the deflate data. The header CRC (low 16 bits of the CRC-32 of the
        // header bytes before it) is 0x78DB here, worked out with python3 -c "import zlib; print(hex(zlib.crc32(bytes(...)) & 0xFFFF))".
        byte[] header = [0x1F, 0x8B, 8, 0x04 | 0x08 | 0x10 | 0x02, 0, 0, 0, 0, 0, 3, 2, 0, 0xAA, 0xBB, (byte)'n', 0, (byte)'c', 0];
        using var dir = new TempDirectory();
        string path = Write(dir, "fields.gz", [.. header, 0xDB, 0x78, .. Gz[10..]]);
        Assert.Equal(IdxTests.Images2x2x3[16..], Idx.Read(path).Data);
        string wrong = Write(dir, "fields-bad-hcrc.gz", [.. header, 0xDC, 0x78, .. Gz[10..]]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(wrong));
        Assert.Contains("header CRC is 78DC", e.Message);
    }

    [Fact]
    public void Read_GzipOfManySizes_RoundTrips()
    {
        // Sizes around the reader's 64-byte one-at-a-time tail and its buffers; stored (NoCompression) and deflated.
        using var dir = new TempDirectory();
        var random = new Random(12);
        foreach (int n in new[] { 0, 1, 55, 56, 57, 63, 64, 65, 100, 1000, 65_536, 300_001 })
        {
            byte[] file = Labels(n);
            random.NextBytes(file.AsSpan(8));
            foreach (CompressionLevel level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
            {
                using var output = new MemoryStream();
                using (var gzip = new GZipStream(output, level, leaveOpen: true)) gzip.Write(file);
                string path = Write(dir, $"l{n}-{level}.gz", output.ToArray());
                Assert.Equal(file[8..], Idx.ReadLabels(path));
            }
        }
    }

    [Fact]
    public void Read_GzipBomb_AllocatesNoMoreThanTheHeaderDeclares()
    {
        // A 3-label file followed by 64 MiB of zeros: about 64 KiB compressed. The old reader inflated it all into a
        // MemoryStream (and copied it) before looking at the header.
        byte[] bomb;
        using (var output = new MemoryStream())
        {
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(IdxTests.Labels3);
                var zeros = new byte[1 << 20];
                for (int i = 0; i < 64; i++) gzip.Write(zeros);
            }

            bomb = output.ToArray();
        }

        using var dir = new TempDirectory();
        string path = Write(dir, "bomb.gz", bomb);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("trailing garbage after the IDX data", e.Message);
        Assert.True(allocated < 2 << 20, $"reading a {bomb.Length}-byte bomb allocated {allocated} bytes");
    }

    [Fact]
    public void Read_GzipDeclaringMoreThanDeflateCanHold_IsRejectedBeforeAllocating()
    {
        // The header declares 2^30 labels; the file is a few dozen bytes. Deflate cannot expand 1032-fold.
        byte[] header = Labels(0);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1 << 30);
        using var dir = new TempDirectory();
        string path = Write(dir, "liar.gz", IdxTests.Gzip(header));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("declares 1073741824 bytes of data", e.Message);
        Assert.Contains("1032", e.Message);
        Assert.True(allocated < 2 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Read_RawFileDeclaringMoreThanItHolds_IsRejectedBeforeAllocating()
    {
        byte[] header = Labels(0);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1 << 30);
        using var dir = new TempDirectory();
        string path = Write(dir, "liar.idx", [.. header, 1, 2, 3]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("expected 1073741824 bytes of data", e.Message);
        Assert.Contains("found 3", e.Message);
        Assert.True(allocated < 2 << 20, $"allocated {allocated} bytes");
    }

    /// <summary>
    /// A gzip file of 520 MiB (stored blocks: the compressed file is as large as the data). The old reader computed a
    /// MemoryStream capacity of <c>raw.Length * 4</c>, which overflows from 512 MiB on. Needs ~1.1 GB of disk and memory.
    /// </summary>
    [LongModeFact]
    public void Read_GzipFileOver512MiB_Reads()
    {
        const int n = 520 << 20;
        using var dir = new TempDirectory();
        string path = dir.File("big-labels.gz");
        var chunk = new byte[1 << 20];
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.NoCompression))
        {
            gzip.Write(Labels(n).AsSpan(0, 8));
            for (int i = 0; i < n / chunk.Length; i++)
            {
                chunk[0] = (byte)i;
                gzip.Write(chunk);
            }
        }

        Assert.True(new FileInfo(path).Length >= 512L << 20);
        byte[] labels = Idx.ReadLabels(path);
        Assert.Equal(n, labels.Length);
        Assert.Equal(7, labels[7 << 20]);
        Assert.Equal(0, labels[(7 << 20) + 1]);
        Assert.Equal(519 & 0xFF, labels[519 << 20]);
    }
}
