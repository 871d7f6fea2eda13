using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;

namespace CnnGen.IO;

/// <summary>How <see cref="ImageFolder.Open"/> reads a folder.</summary>
public sealed class ImageFolderOptions
{
    /// <summary>
    /// Whether every picture is decoded once, in parallel, when the folder is opened and kept in memory as floats
    /// (fast epochs; needs <c>Count × C × H × W × 4</c> bytes). False (the default) decodes each picture whenever it is
    /// read — in parallel per batch — so a folder larger than memory trains.
    /// </summary>
    public bool InMemory { get; init; }

    /// <summary>
    /// Whether a picture file that does not decode is left out and listed in <see cref="ImageFolder.Skipped"/> instead of
    /// failing <see cref="ImageFolder.Open"/>. Without <see cref="InMemory"/> only the header is checked when the folder is
    /// opened; a file whose header is sound but whose data is not still fails when it is read, naming the file.
    /// </summary>
    public bool SkipInvalid { get; init; }

    /// <summary>The most threads that decode at once (default: <see cref="Environment.ProcessorCount"/>).</summary>
    public int DecodeThreads { get; init; } = Environment.ProcessorCount;
}

/// <summary>A picture file left out by <see cref="ImageFolderOptions.SkipInvalid"/>, and why.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">The decoder's complaint.</param>
public sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// Labelled pictures in a folder with one sub-folder per class (as torchvision's <c>ImageFolder</c>):
/// <c>root/cat/001.png</c>, <c>root/dog/a/b.jpg</c>, …. The classes are the sub-folders' names in ordinal order, class
/// <c>i</c> being <see cref="ClassNames"/>[i]; every <c>.png</c>, <c>.jpg</c>, <c>.jpeg</c> and <c>.bmp</c> file under a class
/// folder (at any depth, in ordinal order of the path) is one image of that class, and other files are ignored. Each
/// picture is decoded by StbImageSharp and fitted to the network's input by an <see cref="ImageTransform"/>.
/// </summary>
public sealed class ImageFolder : IImageDataset
{
    private readonly string[] files;
    private readonly int[] labels;
    private readonly float[]? images;
    private readonly int decodeThreads;

    private ImageFolder(string directory, ImageTransform transform, string[] classNames, string[] files, int[] labels, float[]? images, SkippedFile[] skipped, int decodeThreads)
    {
        Directory = directory;
        Transform = transform;
        ClassNames = classNames;
        this.files = files;
        this.labels = labels;
        this.images = images;
        Skipped = skipped;
        this.decodeThreads = decodeThreads;
    }

    /// <summary>The folder opened.</summary>
    public string Directory { get; }

    /// <summary>How each picture becomes the network's input.</summary>
    public ImageTransform Transform { get; }

    /// <summary>The class names (the sub-folders), in ordinal order: label <c>i</c> is <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The picture files, image <c>i</c> being <c>Files[i]</c>.</summary>
    public IReadOnlyList<string> Files => files;

    /// <summary>The files left out because they do not decode (with <see cref="ImageFolderOptions.SkipInvalid"/>).</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; }

    /// <summary>Number of images.</summary>
    public int Count => files.Length;

    /// <summary>Floats per image, the <see cref="Transform"/>'s C × H × W.</summary>
    public int ImageSize => Transform.Size;

    /// <summary>Whether the images were decoded when the folder was opened (<see cref="ImageFolderOptions.InMemory"/>).</summary>
    public bool InMemory => images is not null;

    /// <summary>Opens <paramref name="directory"/>: lists the classes and pictures and checks each one (see <see cref="ImageFolderOptions"/>).</summary>
    /// <param name="directory">The folder with one sub-folder per class.</param>
    /// <param name="transform">The network's input size, resizing and normalisation.</param>
    /// <param name="options">Whether to decode everything now, and whether to skip pictures that do not decode.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// There is no class folder or no picture, a picture lies outside every class folder, or (without
    /// <see cref="ImageFolderOptions.SkipInvalid"/>) a picture does not decode; the message names the file.
    /// </exception>
    public static ImageFolder Open(string directory, ImageTransform transform, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(transform);
        options ??= new ImageFolderOptions();
        if (options.DecodeThreads < 1) throw new ArgumentException($"ImageFolderOptions.DecodeThreads must be at least 1; it is {options.DecodeThreads}.", nameof(options));
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"The image folder '{directory}' does not exist.");

        foreach (string stray in System.IO.Directory.EnumerateFiles(directory).Where(IsPicture).Order(StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{stray} lies directly in '{directory}', outside every class folder, so it has no label; move it into the folder of its class.");
        }

        string[] classDirectories = System.IO.Directory.GetDirectories(directory).Order(StringComparer.Ordinal).ToArray();
        if (classDirectories.Length == 0) throw new InvalidDataException($"'{directory}' has no sub-folders: put the pictures of each class in a folder named for the class.");

        var found = new List<(string Path, int Label)>();
        for (int c = 0; c < classDirectories.Length; c++)
        {
            foreach (string file in System.IO.Directory.EnumerateFiles(classDirectories[c], "*", SearchOption.AllDirectories).Where(IsPicture).Order(StringComparer.Ordinal))
            {
                found.Add((file, c));
            }
        }

        if (found.Count == 0) throw new InvalidDataException($"'{directory}' holds no .png, .jpg, .jpeg or .bmp file in its class folders.");
        string[] classNames = classDirectories.Select(d => Path.GetFileName(d)).ToArray();

        // Check (header only) or decode every file in parallel; a failure is kept per file and handled in file order.
        int size = transform.Size;
        float[]? decoded = options.InMemory ? new float[checked(found.Count * size)] : null;
        var failures = new string?[found.Count];
        Parallel.For(0, found.Count, new ParallelOptions { MaxDegreeOfParallelism = options.DecodeThreads }, i =>
        {
            try
            {
                if (decoded is null) ImageTransform.CheckHeader(found[i].Path);
                else transform.Load(found[i].Path, decoded.AsSpan(i * size, size));
            }
            catch (InvalidDataException e)
            {
                failures[i] = e.Message;
            }
        });

        var skipped = new List<SkippedFile>();
        var keep = new List<int>(found.Count);
        for (int i = 0; i < found.Count; i++)
        {
            if (failures[i] is null)
            {
                keep.Add(i);
                continue;
            }

            if (!options.SkipInvalid) throw new InvalidDataException(failures[i] + " (ImageFolderOptions.SkipInvalid leaves such files out.)");
            skipped.Add(new SkippedFile(found[i].Path, failures[i]!));
        }

        if (keep.Count == 0) throw new InvalidDataException($"None of the {found.Count} pictures in '{directory}' decodes; the first: {failures[0]}");
        string[] files = keep.Select(i => found[i].Path).ToArray();
        int[] labels = keep.Select(i => found[i].Label).ToArray();
        float[]? images = decoded;
        if (decoded is not null && keep.Count != found.Count)
        {
            images = new float[keep.Count * size];
            for (int k = 0; k < keep.Count; k++) decoded.AsSpan(keep[k] * size, size).CopyTo(images.AsSpan(k * size, size));
        }

        return new ImageFolder(directory, transform, classNames, files, labels, images, skipped.ToArray(), options.DecodeThreads);
    }

    /// <summary>Writes image <paramref name="index"/> (decoding its file unless the folder is <see cref="InMemory"/>).</summary>
    /// <exception cref="InvalidDataException">The file no longer decodes; the message names it.</exception>
    public void CopyTo(int index, Span<float> image)
    {
        CheckIndex(index);
        if (image.Length != ImageSize) throw new ArgumentException($"Expected {ImageSize} floats for one image, got {image.Length}.", nameof(image));
        if (images is not null) images.AsSpan(index * ImageSize, ImageSize).CopyTo(image);
        else Transform.Load(files[index], image);
    }

    /// <summary>Writes the images <paramref name="indices"/>, back to back, decoding the files in parallel unless the folder is <see cref="InMemory"/>.</summary>
    /// <exception cref="InvalidDataException">A file no longer decodes; the message names it.</exception>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> images)
    {
        int size = ImageSize;
        if (images.Length != indices.Length * size) throw new ArgumentException($"Expected {indices.Length * size} floats for {indices.Length} images, got {images.Length}.", nameof(images));
        foreach (int index in indices) CheckIndex(index);
        if (this.images is not null || indices.Length == 1 || decodeThreads == 1)
        {
            for (int i = 0; i < indices.Length; i++) CopyTo(indices[i], images.Slice(i * size, size));
            return;
        }

        int[] chosen = indices.ToArray();
        float[] buffer = ArrayPool<float>.Shared.Rent(chosen.Length * size);
        try
        {
            Parallel.For(0, chosen.Length, new ParallelOptions { MaxDegreeOfParallelism = decodeThreads },
                i => Transform.Load(files[chosen[i]], buffer.AsSpan(i * size, size)));
            buffer.AsSpan(0, chosen.Length * size).CopyTo(images);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first file's own exception (it names the file), not the aggregate.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>The class of image <paramref name="index"/>: the index of its folder in <see cref="ClassNames"/>.</summary>
    public int Label(int index)
    {
        CheckIndex(index);
        return labels[index];
    }

    /// <summary>Images per class, in the order of <see cref="ClassNames"/>.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassNames.Count];
        foreach (int label in labels) counts[label]++;
        return counts;
    }

    private static bool IsPicture(string path)
    {
        string extension = Path.GetExtension(path);
        foreach (string known in ImageTransform.Extensions)
        {
            if (string.Equals(extension, known, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)files.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"The folder has {files.Length} images.");
    }
}
