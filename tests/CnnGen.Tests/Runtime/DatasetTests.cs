using System;
using System.IO;
using CnnGen.IO;
using Xunit;

namespace CnnGen.Tests.Runtime;

public sealed class DatasetTests
{
    private static (string Images, string Labels) WriteMnist(TempDirectory dir, byte[] images, byte[] labels, string imagesName = "images", string labelsName = "labels")
    {
        string i = dir.File(imagesName), l = dir.File(labelsName);
        File.WriteAllBytes(i, images);
        File.WriteAllBytes(l, labels);
        return (i, l);
    }

    /// <summary>Two labels 7, 2.</summary>
    private static readonly byte[] Labels2 = { 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 7, 2 };

    [Fact]
    public void LoadMnist_ScalesPixelsToUnitInterval()
    {
        using var dir = new TempDirectory();
        var (images, labels) = WriteMnist(dir, IdxTests.Images2x2x3, Labels2);
        Dataset d = Dataset.LoadMnist(images, labels);

        Assert.Equal(2, d.Count);
        Assert.Equal(2, d.Height);
        Assert.Equal(3, d.Width);
        Assert.Equal(6, d.ImageSize);
        // 0/255, 255/255, 51/255 = 0.2, 102/255 = 0.4.
        Assert.Equal(new[] { 0f, 1f, 0.2f, 0.4f, 0f, 0f }, d.Image(0).ToArray());
        Assert.Equal(new[] { 1f / 255f, 2f / 255f, 3f / 255f, 4f / 255f, 5f / 255f, 6f / 255f }, d.Image(1).ToArray());
        Assert.Equal(7, d.Label(0));
        Assert.Equal(2, d.Label(1));
        Assert.Equal(new byte[] { 7, 2 }, d.Labels.ToArray());
        Assert.Equal(12, d.Images.Length);
        Assert.Equal(d.Image(1).ToArray(), d.Images.Slice(6, 6).ToArray());
    }

    [Fact]
    public void LoadMnist_PadsCentredWithTheOddRowOrColumnAtBottomRight()
    {
        using var dir = new TempDirectory();
        var (images, labels) = WriteMnist(dir, IdxTests.Gzip(IdxTests.Images2x2x3), Labels2);
        Dataset d = Dataset.LoadMnist(images, labels, padTo: 4);

        Assert.Equal(4, d.Height);
        Assert.Equal(4, d.Width);
        Assert.Equal(16, d.ImageSize);
        // 2 rows into 4: one above, one below. 3 columns into 4: none left, one right.
        Assert.Equal(new[]
        {
            0f, 0f, 0f, 0f,
            0f, 1f, 0.2f, 0f,
            0.4f, 0f, 0f, 0f,
            0f, 0f, 0f, 0f,
        }, d.Image(0).ToArray());
        Assert.Equal(new[]
        {
            0f, 0f, 0f, 0f,
            1f / 255f, 2f / 255f, 3f / 255f, 0f,
            4f / 255f, 5f / 255f, 6f / 255f, 0f,
            0f, 0f, 0f, 0f,
        }, d.Image(1).ToArray());
    }

    [Fact]
    public void LoadMnist_Pads28To32WithTwoPixelsEachSide()
    {
        using var dir = new TempDirectory();
        byte[] file = new byte[16 + 28 * 28];
        file[2] = 0x08;
        file[3] = 0x03;
        file[7] = 1;
        file[11] = 28;
        file[15] = 28;
        file[16] = 255;                 // (0, 0)
        file[16 + 27 * 28 + 27] = 255;  // (27, 27)
        file[16 + 1 * 28 + 5] = 51;     // (1, 5)
        var (images, labels) = WriteMnist(dir, file, new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 9 });

        Dataset d = Dataset.LoadMnist(images, labels, padTo: 32);
        ReadOnlySpan<float> image = d.Image(0);
        Assert.Equal(1024, image.Length);
        Assert.Equal(1f, image[2 * 32 + 2]);
        Assert.Equal(1f, image[29 * 32 + 29]);
        Assert.Equal(0.2f, image[3 * 32 + 7]);
        float sum = 0;
        foreach (float v in image) sum += v;
        Assert.Equal(2.2f, sum, 5);
        Assert.Equal(9, d.Label(0));
    }

    [Fact]
    public void LoadMnist_PadToEqualToTheSize_ChangesNothing()
    {
        using var dir = new TempDirectory();
        byte[] square = { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 255, 0, 0, 255 };
        var (images, labels) = WriteMnist(dir, square, new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 4 });
        Dataset d = Dataset.LoadMnist(images, labels, padTo: 2);
        Assert.Equal(new[] { 1f, 0f, 0f, 1f }, d.Image(0).ToArray());
    }

    [Fact]
    public void LoadMnist_PadToSmallerThanTheImages_Throws()
    {
        using var dir = new TempDirectory();
        var (images, labels) = WriteMnist(dir, IdxTests.Images2x2x3, Labels2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.LoadMnist(images, labels, padTo: 2));
        Assert.Contains("2×3", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dataset.LoadMnist(images, labels, padTo: -1));
    }

    [Fact]
    public void LoadMnist_CountMismatch_NamesBothFilesAndCounts()
    {
        using var dir = new TempDirectory();
        var (images, labels) = WriteMnist(dir, IdxTests.Images2x2x3, IdxTests.Labels3);
        var e = Assert.Throws<InvalidDataException>(() => Dataset.LoadMnist(images, labels));
        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
        Assert.Contains("2 images", e.Message);
        Assert.Contains("3 labels", e.Message);
    }

    [Fact]
    public void LoadMnist_SwappedFiles_SaysWhichIsWrong()
    {
        using var dir = new TempDirectory();
        var (images, labels) = WriteMnist(dir, IdxTests.Images2x2x3, Labels2);
        var e = Assert.Throws<InvalidDataException>(() => Dataset.LoadMnist(labels, images));
        Assert.Contains(labels, e.Message);
        Assert.Contains("expected an image file", e.Message);
    }

    [Fact]
    public void Image_And_Label_RejectIndicesOutOfRange()
    {
        var d = new Dataset(new float[8], new byte[] { 1, 2 }, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Image(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Image(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Label(2));
        Assert.Equal(2, d.Label(1));
    }

    [Fact]
    public void Constructor_RejectsInconsistentLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => new Dataset(new float[7], new byte[2], 2, 2));
        Assert.Contains("8 floats", e.Message);
        Assert.Contains("7", e.Message);
    }

    [Fact]
    public void LoadDirectory_FindsSplitNamesWithOrWithoutGz()
    {
        using var dir = new TempDirectory();
        WriteMnist(dir, IdxTests.Gzip(IdxTests.Images2x2x3), IdxTests.Gzip(Labels2), "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
        WriteMnist(dir, IdxTests.Images2x2x3, Labels2, "valid-images-idx3-ubyte", "valid-labels-idx1-ubyte");

        Dataset train = Dataset.LoadDirectory(dir.Path, "train", padTo: 4);
        Assert.Equal(2, train.Count);
        Assert.Equal(16, train.ImageSize);
        Assert.Equal(1f, train.Image(0)[5]);

        Dataset valid = Dataset.LoadDirectory(dir.Path, "valid");
        Assert.Equal(6, valid.ImageSize);
        Assert.Equal(2, valid.Label(1));
    }

    [Fact]
    public void LoadDirectory_TestSplitAcceptsMnistT10kNames()
    {
        using var dir = new TempDirectory();
        WriteMnist(dir, IdxTests.Images2x2x3, IdxTests.Gzip(Labels2), "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz");
        Dataset test = Dataset.LoadDirectory(dir.Path, "test", 0);
        Assert.Equal(2, test.Count);
        Assert.Equal(7, test.Label(0));
    }

    [Fact]
    public void LoadDirectory_MissingFile_ListsEveryNameTried()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("test-images-idx3-ubyte"), IdxTests.Images2x2x3);
        var e = Assert.Throws<FileNotFoundException>(() => Dataset.LoadDirectory(dir.Path, "test", 0));
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("labels", e.Message);
        Assert.Contains("test-labels-idx1-ubyte, test-labels-idx1-ubyte.gz", e.Message);
        Assert.Contains("t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz", e.Message);
    }

    [Fact]
    public void LoadDirectory_MissingDirectory_Throws()
    {
        using var dir = new TempDirectory();
        string missing = dir.File("nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => Dataset.LoadDirectory(missing, "train", 0));
        Assert.Contains(missing, e.Message);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 0)]
    [InlineData(0, 0)]
    public void LoadMnist_ImagesWithNoRowsOrColumns_ThrowsInvalidData(int rows, int columns)
    {
        // Two images of rows × columns: no pixels at all, a valid IDX file but no images to train on.
        byte[] file = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, (byte)rows, 0, 0, 0, (byte)columns };
        using var dir = new TempDirectory();
        var (images, labels) = WriteMnist(dir, file, Labels2);
        foreach (int padTo in new[] { 0, 4 })
        {
            var e = Assert.Throws<InvalidDataException>(() => Dataset.LoadMnist(images, labels, padTo));
            Assert.Contains(images, e.Message);
            Assert.Contains($"the images are {rows}×{columns}", e.Message);
            Assert.Contains("expected at least 1 row and 1 column per image", e.Message);
        }
    }
}
