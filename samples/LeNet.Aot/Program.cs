using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CnnGen.IO;

namespace LeNet.Aot;

/// <summary>
/// Classifies hand-written digits with LeNet-5, whose trained weights are compiled in: PGM or PNG files given on the
/// command line, or images of an IDX file (MNIST's format). Prints <c>file: class K (p = 0.NNNN)</c> per image.
/// Exit code 0 when every image was classified, 1 when some file could not be read, 2 for a usage or weights error.
/// The handful of options is parsed by hand, so the executable depends on nothing but CnnGen and StbImageSharp.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage: LeNet.Aot [--weights PATH] [--invert] IMAGE...
               LeNet.Aot [--weights PATH] --idx FILE [--count N] [--labels FILE]
               LeNet.Aot --cpu

        Classifies hand-written digits with LeNet-5 (32×32 grey-scale input; the trained weights are compiled in).
          IMAGE            a PNG or PGM (P5 or P2) file — or BMP, JPEG, TGA — at most 32×32 pixels;
                           smaller images (MNIST's 28×28) are padded to 32×32, centred, as in training.
                           Digits are expected white on black, like MNIST.
          --weights PATH   use the weights of this safetensors file instead of the compiled-in ones
                           (samples/LeNet writes out/lenet5.safetensors)
          --invert         the images are dark digits on a light background: invert them first
          --idx FILE       classify the images of an IDX image file (raw or .gz), e.g. MNIST's t10k-images-idx3-ubyte
          --count N        only the first N images of the IDX file
          --labels FILE    an IDX label file for --idx: also print the accuracy
          --cpu            print which vector width this executable runs (Vector512 on AVX-512 CPUs, else Vector256)
        """;

    private static int Main(string[] args)
    {
        // The AVX-512 build of this executable, when the CPU has AVX-512 (CpuLevel.cs): nothing has run yet.
        CpuLevel.SwitchToAvx512(args);
        Options? options;
        try
        {
            options = Options.Parse(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (options is null)
        {
            Console.WriteLine(Usage);
            return 0;
        }

        if (options.Cpu)
        {
            Console.WriteLine(CpuLevel.Describe());
            return 0;
        }

        // The trained weights are compiled in (LeNet5.cs): the constructor copies them, no file is read.
        var net = new LeNet5();
        if (options.Weights is { } weights)
        {
            try
            {
                SafeTensors.Load(net, weights);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: cannot read the weights '{weights}': {e.Message}");
                return 2;
            }
        }

        var classifier = new Classifier(net);
        return options.IdxFile is not null ? classifier.ClassifyIdx(options) : classifier.ClassifyFiles(options);
    }
}

/// <summary>The parsed command line.</summary>
internal sealed class Options
{
    public string? Weights { get; private set; }

    public bool Invert { get; private set; }

    public string? IdxFile { get; private set; }

    public int? Count { get; private set; }

    public string? Labels { get; private set; }

    public bool Cpu { get; private set; }

    public List<string> Images { get; } = [];

    /// <returns>The options, or null when help was asked for.</returns>
    /// <exception cref="FormatException">The arguments are invalid.</exception>
    public static Options? Parse(string[] args)
    {
        var o = new Options();
        bool onlyFiles = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (onlyFiles || !a.StartsWith('-') || a == "-")
            {
                o.Images.Add(a);
                continue;
            }

            switch (a)
            {
                case "-h" or "--help" or "-?":
                    return null;
                case "--":
                    onlyFiles = true;
                    break;
                case "--invert":
                    o.Invert = true;
                    break;
                case "--cpu":
                    o.Cpu = true;
                    break;
                case "--weights":
                    o.Weights = Value(args, ref i);
                    break;
                case "--idx":
                    o.IdxFile = Value(args, ref i);
                    break;
                case "--labels":
                    o.Labels = Value(args, ref i);
                    break;
                case "--count":
                    string text = Value(args, ref i);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                        throw new FormatException($"--count: '{text}' is not a positive whole number.");
                    o.Count = n;
                    break;
                default:
                    throw new FormatException($"unknown option '{a}'.");
            }
        }

        if (o.Cpu) return o;
        if (o.IdxFile is null && o.Images.Count == 0) throw new FormatException("no images given.");
        if (o.IdxFile is not null && o.Images.Count > 0) throw new FormatException("give either image files or --idx, not both.");
        if (o.IdxFile is null && (o.Count is not null || o.Labels is not null)) throw new FormatException("--count and --labels go with --idx.");
        return o;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new FormatException($"{args[i]} needs a value.");
        return args[++i];
    }
}

/// <summary>Runs the network on images and prints one line per image.</summary>
internal sealed class Classifier(LeNet5 net)
{
    private readonly float[] _input = new float[LeNet5.InputLength];
    private readonly float[] _probabilities = new float[LeNet5.OutputLength];

    public int ClassifyFiles(Options options)
    {
        int failures = 0;
        foreach (string file in options.Images)
        {
            GreyImage image;
            try
            {
                image = ImageFile.Read(file, LeNet5.InputHeight, options.Invert);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Bad content and unreadable files are reported alike, and the next file is classified.
                Console.Error.WriteLine($"error: {file}: {e.Message}");
                failures++;
                continue;
            }

            image.PadInto(_input, LeNet5.InputHeight);
            Print(file, Classify());
        }

        return failures == 0 ? 0 : 1;
    }

    public int ClassifyIdx(Options options)
    {
        string file = options.IdxFile!;
        byte[] pixels, labels = [];
        int count, rows, columns;
        try
        {
            (pixels, count, rows, columns) = Idx.ReadImages(file);
            if (rows > LeNet5.InputHeight || columns > LeNet5.InputWidth)
                throw new InvalidDataException($"its images are {columns}×{rows} pixels, larger than the network's {LeNet5.InputWidth}×{LeNet5.InputHeight} input");
            if (options.Labels is not null)
            {
                labels = Idx.ReadLabels(options.Labels);
                if (labels.Length != count) throw new InvalidDataException($"{count} images but {labels.Length} labels in {options.Labels}");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {file}: {e.Message}");
            return 1;
        }

        int n = Math.Min(count, options.Count ?? count);
        if (options.Count > count) Console.Error.WriteLine($"note: {file} holds {count} images, not {options.Count}: classifying all {count}.");
        int correct = 0;
        var image = new GreyImage(columns, rows, new float[rows * columns]);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> source = pixels.AsSpan(i * rows * columns, rows * columns);
            for (int p = 0; p < source.Length; p++) image.Pixels[p] = source[p] / 255f;
            image.PadInto(_input, LeNet5.InputHeight);
            (int k, float p0) = Classify();
            if (labels.Length > 0)
            {
                if (k == labels[i]) correct++;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}[{i}]: class {k} (p = {p0:0.0000}), label {labels[i]}"));
            }
            else
            {
                Print($"{file}[{i}]", (k, p0));
            }
        }

        if (labels.Length > 0 && n > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {correct}/{n} = {100.0 * correct / n:0.00}%"));
        return 0;
    }

    private (int Class, float Probability) Classify()
    {
        int k = net.Predict(_input, _probabilities);
        return (k, _probabilities[k]);
    }

    private static void Print(string name, (int Class, float Probability) result) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: class {result.Class} (p = {result.Probability:0.0000})"));
}
