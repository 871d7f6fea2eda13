using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using CnnGen.IO;
using Xunit;

namespace CnnGen.Tests.Runtime;

public sealed class IdxTests
{
    /// <summary>Three labels 7, 2, 1.</summary>
    internal static readonly byte[] Labels3 = { 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x03, 7, 2, 1 };

    /// <summary>Two images of 2 rows × 3 columns.</summary>
    internal static readonly byte[] Images2x2x3 =
    {
        0x00, 0x00, 0x08, 0x03,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x03,
        0, 255, 51, 102, 0, 0,
        1, 2, 3, 4, 5, 6,
    };

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }

    private static string Write(TempDirectory dir, string name, byte[] content)
    {
        string path = dir.File(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void Read_RawImageFile()
    {
        using var dir = new TempDirectory();
        IdxArray a = Idx.Read(Write(dir, "images.idx", Images2x2x3));
        Assert.Equal(IdxDataType.UnsignedByte, a.DataType);
        Assert.Equal(new[] { 2, 2, 3 }, a.Dimensions);
        Assert.Equal(12, a.Count);
        Assert.Equal("2×2×3", a.DimensionsText);
        Assert.Equal(new byte[] { 0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 6 }, a.Data);
        Assert.Equal(new float[] { 0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 6 }, a.ToSingleArray());
    }

    [Fact]
    public void Read_GzipIsDetectedByContentNotByName()
    {
        using var dir = new TempDirectory();
        // A gzipped file without .gz, and a raw file with .gz: both read correctly.
        Assert.Equal(new byte[] { 7, 2, 1 }, Idx.ReadLabels(Write(dir, "labels-plain-name", Gzip(Labels3))));
        Assert.Equal(new byte[] { 7, 2, 1 }, Idx.ReadLabels(Write(dir, "labels.gz", Labels3)));
    }

    [Fact]
    public void ReadImages_ReturnsPixelsAndDimensions()
    {
        using var dir = new TempDirectory();
        (byte[] pixels, int count, int rows, int columns) = Idx.ReadImages(Write(dir, "i.gz", Gzip(Images2x2x3)));
        Assert.Equal(2, count);
        Assert.Equal(2, rows);
        Assert.Equal(3, columns);
        Assert.Equal(new byte[] { 0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 6 }, pixels);
    }

    [Fact]
    public void Read_Float32IsBigEndian()
    {
        using var dir = new TempDirectory();
        byte[] file = { 0x00, 0x00, 0x0D, 0x01, 0x00, 0x00, 0x00, 0x02, 0x3F, 0x80, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00 };
        IdxArray a = Idx.Read(Write(dir, "f.idx", file));
        Assert.Equal(IdxDataType.Single, a.DataType);
        Assert.Equal(new[] { 1f, -2f }, a.ToSingleArray());
    }

    [Fact]
    public void Read_OtherIntegerTypesAreBigEndian()
    {
        using var dir = new TempDirectory();
        byte[] int16 = { 0x00, 0x00, 0x0B, 0x01, 0x00, 0x00, 0x00, 0x02, 0xFF, 0xFE, 0x01, 0x00 };
        Assert.Equal(new[] { -2f, 256f }, Idx.Read(Write(dir, "s.idx", int16)).ToSingleArray());
        byte[] int32 = { 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x02 };
        Assert.Equal(new[] { 65538f }, Idx.Read(Write(dir, "i.idx", int32)).ToSingleArray());
        byte[] sbytes = { 0x00, 0x00, 0x09, 0x01, 0x00, 0x00, 0x00, 0x02, 0xFF, 0x05 };
        Assert.Equal(new[] { -1f, 5f }, Idx.Read(Write(dir, "b.idx", sbytes)).ToSingleArray());
        byte[] float64 = { 0x00, 0x00, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x01, 0x3F, 0xE0, 0, 0, 0, 0, 0, 0 };
        Assert.Equal(new[] { 0.5f }, Idx.Read(Write(dir, "d.idx", float64)).ToSingleArray());
    }

    public static TheoryData<string, byte[], string[]> BadFiles()
    {
        byte[] bigImages = new byte[16 + 3 * 28 * 28];
        bigImages[2] = 0x08;
        bigImages[3] = 0x03;
        bigImages[7] = 3;
        bigImages[11] = 28;
        bigImages[15] = 28;
        new Random(5).NextBytes(bigImages.AsSpan(16));
        byte[] bigGzip = Gzip(bigImages);
        return new TheoryData<string, byte[], string[]>
        {
            { "empty file", Array.Empty<byte>(), new[] { "0 bytes", "magic" } },
            { "too short", new byte[] { 0, 0 }, new[] { "2 bytes", "magic" } },
            { "bad magic", new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 1, 9 }, new[] { "bad IDX magic", "found 50 4B 03 04", "expected 00 00" } },
            { "unsupported type", new byte[] { 0, 0, 0x0A, 0x01, 0, 0, 0, 1, 9 }, new[] { "unsupported IDX element type 0x0A", "00 00 0A 01" } },
            { "zero dimensions", new byte[] { 0, 0, 0x08, 0x00, 9 }, new[] { "0 dimensions" } },
            { "truncated header", new byte[] { 0, 0, 0x08, 0x03, 0, 0, 0, 2, 0, 0 }, new[] { "truncated IDX header", "3 dimensions need 16 header bytes", "only 10" } },
            {
                "truncated data", Images2x2x3.AsSpan(0, Images2x2x3.Length - 1).ToArray(),
                new[] { "truncated IDX data", "expected 12 bytes of data for dimensions 2×2×3", "found 11" }
            },
            {
                "trailing garbage", Images2x2x3.Concat(new byte[] { 0xAB }).ToArray(),
                new[] { "trailing garbage", "expected 12 bytes", "found 13 (1 extra)" }
            },
            { "corrupt gzip", new byte[] { 0x1F, 0x8B, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, new[] { "corrupt gzip" } },
            {
                "truncated gzip", bigGzip.AsSpan(0, bigGzip.Length / 2).ToArray(),
                new[] { "truncated IDX data", "expected 2352 bytes of data for dimensions 3×28×28", "gzip" }
            },
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Read_InvalidFile_ThrowsNamingFileAndProblem(string what, byte[] content, string[] expectedInMessage)
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "bad-" + what.Replace(' ', '-'), content);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.Contains(path, e.Message);
        foreach (string s in expectedInMessage) Assert.Contains(s, e.Message);
    }

    [Fact]
    public void ReadLabels_OnAnImageFile_SaysWhatWasExpected()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "images", Images2x2x3);
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("expected a label file: 1 dimension", e.Message);
        Assert.Contains("found 3 dimensions (2×2×3) of unsigned bytes", e.Message);
    }

    [Fact]
    public void ReadImages_OnALabelFile_SaysWhatWasExpected()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "labels", Labels3);
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("expected an image file: 3 dimensions", e.Message);
        Assert.Contains("found 1 dimension (3)", e.Message);
    }

    [Fact]
    public void ReadLabels_OnAFloatFile_NamesTheType()
    {
        using var dir = new TempDirectory();
        string path = Write(dir, "floats", new byte[] { 0x00, 0x00, 0x0D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x3F, 0x80, 0x00, 0x00 });
        var e = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => Idx.Read(dir.File("absent")));
    }
}
