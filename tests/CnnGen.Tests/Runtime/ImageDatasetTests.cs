using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CnnGen.IO;
using CnnGen.Tests.Training;
using CnnGen.Training;
using StbImageWriteSharp;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// Image folders, picture decoding and resizing, CIFAR-10 batches, augmentations. Every picture is written here (BMP by
/// hand, PNG and JPEG with StbImageWriteSharp, a different library from the decoder); every expected value is worked out
/// here from the pixel bytes written.
/// </summary>
public sealed class ImageDatasetTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "cnngen-images-" + Guid.NewGuid().ToString("N"));

    public ImageDatasetTests() => Directory.CreateDirectory(root);

    public void Dispose() => Directory.Delete(root, recursive: true);

    // A 24-bit uncompressed BMP: rows bottom-up, each pixel B, G, R, rows padded to 4 bytes. rgb is row-major top-down.
    internal static byte[] Bmp(int width, int height, byte[] rgb)
    {
        int rowBytes = (width * 3 + 3) / 4 * 4;
        int dataLength = rowBytes * height;
        var file = new byte[54 + dataLength];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BitConverter.TryWriteBytes(file.AsSpan(2), file.Length);
        BitConverter.TryWriteBytes(file.AsSpan(10), 54);
        BitConverter.TryWriteBytes(file.AsSpan(14), 40);
        BitConverter.TryWriteBytes(file.AsSpan(18), width);
        BitConverter.TryWriteBytes(file.AsSpan(22), height);
        BitConverter.TryWriteBytes(file.AsSpan(26), (short)1);
        BitConverter.TryWriteBytes(file.AsSpan(28), (short)24);
        BitConverter.TryWriteBytes(file.AsSpan(34), dataLength);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * rowBytes;
            for (int x = 0; x < width; x++)
            {
                int source = (y * width + x) * 3;
                file[row + x * 3] = rgb[source + 2];
                file[row + x * 3 + 1] = rgb[source + 1];
                file[row + x * 3 + 2] = rgb[source];
            }
        }

        return file;
    }

    private static byte[] Png(int width, int height, byte[] pixels, ColorComponents components)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, components, stream);
        return stream.ToArray();
    }

    private string Write(string relative, byte[] bytes)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Pattern(int width, int height, int channels, int seed)
    {
        var bytes = new byte[width * height * channels];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static float[] Read(IImageDataset data, int index)
    {
        var image = new float[data.ImageSize];
        data.CopyTo(index, image);
        return image;
    }

    [Fact]
    public void Classes_are_the_sub_folders_in_ordinal_order_and_each_file_gets_its_folders_label()
    {
        byte[] pixel = [10, 20, 30];
        Write("zebra/one.bmp", Bmp(1, 1, pixel));
        Write("Apple/deep/two.PNG", Png(1, 1, pixel, ColorComponents.RedGreenBlue));
        Write("Apple/three.bmp", Bmp(1, 1, pixel));
        Write("mango/four.bmp", Bmp(1, 1, pixel));
        Write("mango/notes.txt", "not a picture"u8.ToArray());
        Directory.CreateDirectory(Path.Combine(root, "empty"));

        ImageFolder folder = ImageFolder.Open(root, new ImageTransform(3, 1, 1));

        Assert.Equal(new[] { "Apple", "empty", "mango", "zebra" }, folder.ClassNames); // ordinal: capitals first
        Assert.Equal(4, folder.Count);
        var byName = Enumerable.Range(0, folder.Count).ToDictionary(i => Path.GetFileName(folder.Files[i]), folder.Label);
        Assert.Equal(0, byName["two.PNG"]);
        Assert.Equal(0, byName["three.bmp"]);
        Assert.Equal(2, byName["four.bmp"]);
        Assert.Equal(3, byName["one.bmp"]);
        Assert.Equal(new[] { 2, 0, 1, 1 }, folder.CountPerClass());
        Assert.Empty(folder.Skipped);
    }

    [Fact]
    public void Pixels_become_channel_first_floats_normalised_per_channel()
    {
        const int w = 3, h = 2;
        byte[] rgb = Pattern(w, h, 3, seed: 1);
        Write("a/x.bmp", Bmp(w, h, rgb));
        Write("b/y.png", Png(w, h, rgb, ColorComponents.RedGreenBlue));
        float[] mean = [0.5f, 0.25f, 0.1f], std = [0.2f, 0.5f, 2f];
        var transform = new ImageTransform(3, h, w) { Mean = mean, Std = std };

        foreach (bool inMemory in new[] { false, true })
        {
            ImageFolder folder = ImageFolder.Open(root, transform, new ImageFolderOptions { InMemory = inMemory });
            for (int n = 0; n < 2; n++)
            {
                float[] image = Read(folder, n);
                for (int c = 0; c < 3; c++)
                {
                    for (int y = 0; y < h; y++)
                    {
                        for (int x = 0; x < w; x++)
                        {
                            float expected = (rgb[(y * w + x) * 3 + c] / 255f - mean[c]) / std[c];
                            Assert.Equal(expected, image[c * h * w + y * w + x], 5);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Stretch_halving_averages_each_two_by_two_block()
    {
        // With pixel centres aligned, halving samples at source coordinate 2x + 0.5: the mean of pixels 2x and 2x + 1.
        byte[] grey = Pattern(4, 4, 1, seed: 2);
        Write("a/g.png", Png(4, 4, grey, ColorComponents.Grey));
        float[] image = Read(ImageFolder.Open(root, new ImageTransform(1, 2, 2)), 0);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 2; x++)
            {
                double sum = grey[2 * y * 4 + 2 * x] + grey[2 * y * 4 + 2 * x + 1] + grey[(2 * y + 1) * 4 + 2 * x] + grey[(2 * y + 1) * 4 + 2 * x + 1];
                Assert.Equal(sum / 4 / 255, image[y * 2 + x], 5);
            }
        }
    }

    [Fact]
    public void Center_crop_keeps_the_middle_of_the_longer_side_at_full_scale()
    {
        // 6 wide, 4 high into 4 × 4: the scale is 1 (the height fits) and columns 1 to 4 are kept.
        byte[] grey = Pattern(6, 4, 1, seed: 3);
        Write("a/g.png", Png(6, 4, grey, ColorComponents.Grey));
        var transform = new ImageTransform(1, 4, 4) { Resize = ResizeMode.CenterCrop };
        float[] image = Read(ImageFolder.Open(root, transform), 0);
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++) Assert.Equal(grey[y * 6 + x + 1] / 255f, image[y * 4 + x], 6);
        }
    }

    [Fact]
    public void A_flat_colour_jpeg_decodes_to_nearly_that_colour()
    {
        var rgb = new byte[8 * 8 * 3];
        for (int i = 0; i < rgb.Length; i += 3) (rgb[i], rgb[i + 1], rgb[i + 2]) = (200, 40, 90);
        using (var stream = new MemoryStream())
        {
            new ImageWriter().WriteJpg(rgb, 8, 8, ColorComponents.RedGreenBlue, stream, 95);
            Write("a/photo.jpg", stream.ToArray());
        }

        float[] image = Read(ImageFolder.Open(root, new ImageTransform(3, 8, 8)), 0);
        float[] expected = [200 / 255f, 40 / 255f, 90 / 255f];
        for (int i = 0; i < image.Length; i++) Assert.InRange(image[i], expected[i / 64] - 4 / 255f, expected[i / 64] + 4 / 255f);
    }

    [Fact]
    public void A_file_that_does_not_decode_is_an_error_naming_it_or_is_skipped_and_listed_when_asked()
    {
        byte[] pixel = [1, 2, 3];
        Write("a/good.bmp", Bmp(1, 1, pixel));
        string bad = Write("a/broken.png", "this is no png"u8.ToArray());
        Write("b/good.bmp", Bmp(1, 1, [4, 5, 6]));
        var transform = new ImageTransform(3, 1, 1);

        foreach (bool inMemory in new[] { false, true })
        {
            InvalidDataException error = Assert.Throws<InvalidDataException>(() => ImageFolder.Open(root, transform, new ImageFolderOptions { InMemory = inMemory }));
            Assert.Contains(bad, error.Message);

            ImageFolder folder = ImageFolder.Open(root, transform, new ImageFolderOptions { InMemory = inMemory, SkipInvalid = true });
            Assert.Equal(2, folder.Count);
            SkippedFile skipped = Assert.Single(folder.Skipped);
            Assert.Equal(bad, skipped.Path);
            // The labels of the others are untouched: a/good is class 0, b/good class 1, and their pixels are their own.
            Assert.Equal(new[] { 0, 1 }, new[] { folder.Label(0), folder.Label(1) });
            Assert.Equal(4 / 255f, Read(folder, 1)[0], 6);
        }
    }

    [Fact]
    public void A_file_whose_data_breaks_after_opening_is_an_error_naming_it_when_read()
    {
        string path = Write("a/x.png", Png(4, 4, Pattern(4, 4, 3, 4), ColorComponents.RedGreenBlue));
        Write("a/y.png", Png(4, 4, Pattern(4, 4, 3, 5), ColorComponents.RedGreenBlue));
        ImageFolder folder = ImageFolder.Open(root, new ImageTransform(3, 4, 4));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..40]); // the header survives, the data does not

        InvalidDataException single = Assert.Throws<InvalidDataException>(() => Read(folder, 0));
        Assert.Contains(path, single.Message);
        var batch = new float[2 * folder.ImageSize];
        InvalidDataException both = Assert.Throws<InvalidDataException>(() => ((IImageDataset)folder).CopyBatch([1, 0], batch));
        Assert.Contains(path, both.Message);
    }

    [Fact]
    public void Pictures_outside_every_class_folder_and_empty_folders_are_errors()
    {
        Assert.Throws<InvalidDataException>(() => ImageFolder.Open(root, new ImageTransform(1, 2, 2)));
        Directory.CreateDirectory(Path.Combine(root, "a"));
        Assert.Throws<InvalidDataException>(() => ImageFolder.Open(root, new ImageTransform(1, 2, 2)));
        Write("a/x.bmp", Bmp(1, 1, [1, 2, 3]));
        string stray = Write("stray.bmp", Bmp(1, 1, [1, 2, 3]));
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => ImageFolder.Open(root, new ImageTransform(1, 2, 2)));
        Assert.Contains(stray, error.Message);
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.Open(Path.Combine(root, "missing"), new ImageTransform(1, 2, 2)));
    }

    [Fact]
    public void Parallel_batches_match_image_by_image_reads_and_in_memory_reads()
    {
        for (int n = 0; n < 12; n++) Write($"{(char)('a' + n % 3)}/{n:D2}.png", Png(5, 7, Pattern(5, 7, 3, 100 + n), ColorComponents.RedGreenBlue));
        var transform = new ImageTransform(3, 4, 4) { Resize = ResizeMode.CenterCrop, Mean = [0.4f, 0.5f, 0.6f], Std = [0.3f, 0.3f, 0.3f] };
        ImageFolder lazy = ImageFolder.Open(root, transform, new ImageFolderOptions { DecodeThreads = 4 });
        ImageFolder memory = ImageFolder.Open(root, transform, new ImageFolderOptions { InMemory = true });
        int[] indices = [11, 0, 5, 5, 3, 7, 2];
        var batch = new float[indices.Length * lazy.ImageSize];
        ((IImageDataset)lazy).CopyBatch(indices, batch);
        for (int i = 0; i < indices.Length; i++)
        {
            Assert.Equal(Read(lazy, indices[i]), batch.AsSpan(i * lazy.ImageSize, lazy.ImageSize).ToArray());
            Assert.Equal(Read(memory, indices[i]), batch.AsSpan(i * lazy.ImageSize, lazy.ImageSize).ToArray());
        }
    }

    [Fact]
    public void Transform_checks_its_settings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageTransform(2, 4, 4));
        Assert.Throws<ArgumentException>(() => new ImageTransform(3, 4, 4) { Mean = [0.5f] });
        Assert.Throws<ArgumentException>(() => new ImageTransform(1, 4, 4) { Std = [0f] });
        Assert.Throws<ArgumentException>(() => new ImageTransform(1, 2, 2).Load(new byte[] { 1, 2, 3 }, new float[3]));
    }

    // CIFAR-10: one label byte, then 1024 red, 1024 green, 1024 blue bytes.
    private static byte[] CifarRecord(byte label, int seed)
    {
        var record = new byte[Cifar10.RecordLength];
        record[0] = label;
        new Random(seed).NextBytes(record.AsSpan(1));
        return record;
    }

    [Fact]
    public void Cifar10_batches_load_in_file_order_with_the_red_plane_first()
    {
        byte[] r0 = CifarRecord(7, 1), r1 = CifarRecord(0, 2), r2 = CifarRecord(9, 3);
        string first = Write("data_batch_1.bin", [.. r0, .. r1]);
        Write("data_batch_2.bin", r2);
        Write("test_batch.bin", r1);
        float[] mean = [0.1f, 0.2f, 0.3f], std = [0.5f, 0.25f, 2f];

        Dataset train = Cifar10.LoadDirectory(root, train: true, mean, std);
        Assert.Equal(3, train.Count);
        Assert.Equal((3, 32, 32), (train.Channels, train.Height, train.Width));
        Assert.Equal(new byte[] { 7, 0, 9 }, train.Labels.ToArray());
        byte[][] records = [r0, r1, r2];
        for (int n = 0; n < 3; n++)
        {
            ReadOnlySpan<float> image = train.Image(n);
            foreach ((int c, int y, int x) in new[] { (0, 0, 0), (0, 31, 31), (1, 5, 17), (2, 0, 1), (2, 31, 30) })
            {
                byte pixel = records[n][1 + c * 1024 + y * 32 + x];
                Assert.Equal((pixel / 255f - mean[c]) / std[c], image[c * 1024 + y * 32 + x], 5);
            }
        }

        Assert.Equal(1, Cifar10.LoadDirectory(root, train: false).Count);
        Assert.Equal("truck", Cifar10.ClassNames[9]);

        File.WriteAllBytes(first, r0[..^1]);
        InvalidDataException length = Assert.Throws<InvalidDataException>(() => Cifar10.LoadDirectory(root, train: true));
        Assert.Contains(first, length.Message);
        File.WriteAllBytes(first, CifarRecord(10, 4));
        InvalidDataException label = Assert.Throws<InvalidDataException>(() => Cifar10.LoadDirectory(root, train: true));
        Assert.Contains(first, label.Message);
        Assert.Throws<FileNotFoundException>(() => Cifar10.LoadDirectory(Path.Combine(root, "data_batch_2.bin"), train: true));
    }

    [Fact]
    public void Random_shift_moves_every_channel_by_the_drawn_offsets_and_fills_with_zero()
    {
        const int c = 2, h = 5, w = 6, max = 2;
        var source = new float[c * h * w];
        for (int i = 0; i < source.Length; i++) source[i] = i + 1;
        ImageAugmentation shift = ImageAugmentations.RandomShift(c, h, w, max);
        var draws = new Random(42);
        var random = new Random(42);
        for (int trial = 0; trial < 20; trial++)
        {
            int dx = draws.Next(-max, max + 1), dy = draws.Next(-max, max + 1);
            float[] image = (float[])source.Clone();
            shift(image, random);
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < h; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        int sy = y - dy, sx = x - dx;
                        float expected = sy is >= 0 and < h && sx is >= 0 and < w ? source[ch * h * w + sy * w + sx] : 0;
                        Assert.Equal(expected, image[ch * h * w + y * w + x]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Horizontal_flip_mirrors_each_row_of_each_channel()
    {
        const int c = 3, h = 2, w = 3;
        float[] image = Enumerable.Range(0, c * h * w).Select(i => (float)i).ToArray();
        ImageAugmentations.HorizontalFlip(c, h, w, probability: 1)(image, new Random(1));
        for (int row = 0; row < c * h; row++)
        {
            for (int x = 0; x < w; x++) Assert.Equal(row * w + (w - 1 - x), image[row * w + x]);
        }

        float[] kept = Enumerable.Range(0, c * h * w).Select(i => (float)i).ToArray();
        ImageAugmentations.HorizontalFlip(c, h, w, probability: 0)(kept, new Random(1));
        Assert.Equal(Enumerable.Range(0, c * h * w).Select(i => (float)i), kept);
    }

    [Fact]
    public void Fit_on_a_folder_decoded_lazily_in_parallel_gives_the_weights_of_the_same_folder_in_memory()
    {
        // FitNet takes 1 × 8 × 8: the Shapes images written as grey PNGs, one folder per class.
        Dataset shapes = Shapes.Make(45, seed: 9);
        for (int n = 0; n < shapes.Count; n++)
        {
            byte[] grey = shapes.Image(n).ToArray().Select(v => (byte)Math.Clamp(MathF.Round(v * 255), 0, 255)).ToArray();
            Write($"class{shapes.Labels[n]}/{n:D3}.png", Png(8, 8, grey, ColorComponents.Grey));
        }

        var transform = new ImageTransform(FitNet.InputChannels, FitNet.InputHeight, FitNet.InputWidth);
        var weights = new List<float[]>();
        foreach (ImageFolderOptions options in new[] { new ImageFolderOptions { DecodeThreads = 3 }, new ImageFolderOptions { InMemory = true } })
        {
            ImageFolder folder = ImageFolder.Open(root, transform, options);
            Assert.Equal(new[] { "class0", "class1", "class2" }, folder.ClassNames);
            var net = new FitNet(seed: 3) { DegreeOfParallelism = 1 };
            var trainer = new FitNet.Trainer(net, new Adam(0.01f));
            trainer.Fit(folder, new FitOptions
            {
                Epochs = 2,
                BatchSize = 8,
                Seed = 1,
                ValidationSplit = 0.2,
                Augment = ImageAugmentations.Compose(ImageAugmentations.RandomShift(1, 8, 8, 1), ImageAugmentations.HorizontalFlip(1, 8, 8)),
            });
            weights.Add(net.Parameters.ToArray());
        }

        Assert.Equal(weights[0], weights[1]);
    }

    // Image i is filled with the value i; every index asked of CopyBatch is logged.
    private sealed class Numbered(int count) : IImageDataset
    {
        public List<int> Requested { get; } = [];

        public int Count => count;

        public int ImageSize => FitNet.InputLength;

        public void CopyTo(int index, Span<float> image) => image.Fill(index);

        public int Label(int index) => index % 3;

        public void CopyBatch(ReadOnlySpan<int> indices, Span<float> images)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                Requested.Add(indices[i]);
                CopyTo(indices[i], images.Slice(i * ImageSize, ImageSize));
            }
        }
    }

    [Fact]
    public void Fit_with_a_validation_split_reads_each_training_image_once_per_epoch_through_the_sources_batch_copy()
    {
        var data = new Numbered(50);
        var trained = new List<int>();
        var net = new FitNet(seed: 1) { DegreeOfParallelism = 1 };
        new FitNet.Trainer(net, new Sgd(0.01f)).Fit(data, new FitOptions
        {
            Epochs = 1,
            BatchSize = 8,
            Seed = 4,
            ValidationSplit = 0.2,
            Augment = (image, _) => trained.Add((int)image[0]),
        });

        // 40 images trained, each once, each read from the source as itself; then the 10 held out, measured.
        Assert.Equal(40, trained.Count);
        Assert.Equal(40, trained.Distinct().Count());
        Assert.Equal(50, data.Requested.Count);
        Assert.Equal(trained, data.Requested.Take(40));
        int[] validation = data.Requested.Skip(40).ToArray();
        Assert.Empty(validation.Intersect(trained));
        Assert.Equal(Enumerable.Range(0, 50), trained.Concat(validation).Order());
    }
}
