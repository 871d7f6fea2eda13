using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace CnnGen.IO;

/// <summary>
/// CIFAR-10's binary batches (the "binary version" of the data set): files such as <c>data_batch_1.bin</c> …
/// <c>data_batch_5.bin</c> and <c>test_batch.bin</c>, each a sequence of 3073-byte records — 1 label byte (0 to 9), then
/// the 32 × 32 picture as 1024 red, 1024 green and 1024 blue bytes, rows top to bottom. Loaded into a 3 × 32 × 32
/// <see cref="Dataset"/> with each value <c>(pixel / 255 − mean[c]) / std[c]</c>.
/// </summary>
public static class Cifar10
{
    /// <summary>Bytes of one record: the label and 3 × 32 × 32 pixels.</summary>
    public const int RecordLength = 1 + 3 * 32 * 32;

    /// <summary>The ten classes in label order (as <c>batches.meta.txt</c> lists them).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Loads the records of <paramref name="files"/>, in order, into one data set.</summary>
    /// <param name="files">Binary batch files.</param>
    /// <param name="mean">Per channel (R, G, B), subtracted from <c>pixel / 255</c>; null for 0.</param>
    /// <param name="std">Per channel, divides the result; null for 1.</param>
    /// <exception cref="InvalidDataException">A file's length is not a whole number of records, or a label is above 9; the message names the file.</exception>
    public static Dataset Load(IReadOnlyList<string> files, ReadOnlySpan<float> mean = default, ReadOnlySpan<float> std = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0) throw new ArgumentException("Give at least one batch file.", nameof(files));
        float[] m = PerChannel(mean, 0f, nameof(mean)), s = PerChannel(std, 1f, nameof(std));
        foreach (float v in s)
        {
            if (!(v > 0)) throw new ArgumentException($"std values must be positive; got {v}.", nameof(std));
        }

        var contents = new List<byte[]>();
        long records = 0;
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            if (bytes.Length == 0 || bytes.Length % RecordLength != 0)
            {
                throw new InvalidDataException(
                    $"{file}: {bytes.Length} bytes is not a whole number of CIFAR-10 records ({RecordLength} bytes each: 1 label byte and 3×32×32 pixels).");
            }

            for (int r = 0; r < bytes.Length / RecordLength; r++)
            {
                byte label = bytes[r * RecordLength];
                if (label > 9) throw new InvalidDataException($"{file}: record {r} has label {label}; CIFAR-10's labels are 0 to 9.");
            }

            contents.Add(bytes);
            records += bytes.Length / RecordLength;
        }

        const int plane = 32 * 32;
        if (records * 3 * plane > Array.MaxLength) throw new InvalidDataException($"{records} CIFAR-10 images do not fit in one array.");
        var images = new float[records * 3 * plane];
        var labels = new byte[records];
        int n = 0;
        foreach (byte[] bytes in contents)
        {
            for (int r = 0; r < bytes.Length / RecordLength; r++, n++)
            {
                labels[n] = bytes[r * RecordLength];
                for (int i = 0; i < 3 * plane; i++)
                {
                    int c = i / plane;
                    images[(long)n * 3 * plane + i] = (bytes[r * RecordLength + 1 + i] / 255f - m[c]) / s[c];
                }
            }
        }

        return new Dataset(images, labels, 3, 32, 32);
    }

    /// <summary>
    /// Loads the training split (<c>data_batch_1.bin</c> to <c>data_batch_5.bin</c>, those present, at least one) or the
    /// test split (<c>test_batch.bin</c>) from <paramref name="directory"/> (e.g. the extracted <c>cifar-10-batches-bin</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">No batch file of the split is there; the message names the files looked for.</exception>
    public static Dataset LoadDirectory(string directory, bool train, ReadOnlySpan<float> mean = default, ReadOnlySpan<float> std = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string[] names = train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray() : ["test_batch.bin"];
        string[] present = names.Select(n => Path.Combine(directory, n)).Where(File.Exists).ToArray();
        if (present.Length == 0)
        {
            throw new FileNotFoundException($"No CIFAR-10 {(train ? "training" : "test")} batch in '{directory}': looked for {string.Join(", ", names)}.");
        }

        return Load(present, mean, std);
    }

    private static float[] PerChannel(ReadOnlySpan<float> values, float fallback, string name)
    {
        if (values.IsEmpty) return [fallback, fallback, fallback];
        if (values.Length != 3) throw new ArgumentException($"{name} needs 3 values (red, green, blue); got {values.Length}.", name);
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"{name} values must be finite; got {v}.", name);
        }

        return values.ToArray();
    }
}
