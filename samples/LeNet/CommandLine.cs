using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;

namespace LeNet;

/// <summary>What one training run uses; filled from the command line.</summary>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="BatchSize">Images per optimizer step.</param>
/// <param name="LearningRate">Adam's initial step size; halved every <see cref="TrainingOptions.DecayEvery"/> epochs.</param>
/// <param name="Shift">Each training image is moved by a random whole number of pixels in [−Shift, Shift] along each axis (0: no augmentation).</param>
/// <param name="Seed">Seeds the weight initialisation, the per-epoch shuffling and the shifts.</param>
/// <param name="DataDirectory">A directory of MNIST-style IDX files (optionally gzipped).</param>
/// <param name="OutputDirectory">Where the weights and the plot are written.</param>
internal sealed record TrainingOptions(int Epochs, int BatchSize, float LearningRate, int Shift, int Seed, string DataDirectory, string OutputDirectory)
{
    /// <summary>The learning rate is halved after every this many epochs (step decay).</summary>
    public const int DecayEvery = 5;
}

/// <summary>The command line: options, their defaults and checks. Bad options exit with code 2.</summary>
internal static class CommandLine
{
    /// <summary>Exit code for a bad command line or unusable data.</summary>
    public const int UsageError = 2;

    // The bundled digits are 28×28, padded by 2 on every side to LeNet-5's 32×32.
    private const int MaxLosslessShift = (LeNet5.InputWidth - 28) / 2;
    private const int MaxShift = 8;

    /// <summary>Parses <paramref name="args"/> and runs <paramref name="run"/> with the options, or reports what is wrong.</summary>
    public static int Invoke(string[] args, Func<TrainingOptions, int> run)
    {
        Option<int> epochs = WholeNumber("--epochs", "Passes over the training set.", 15, 1, int.MaxValue);
        Option<int> batch = WholeNumber("--batch", "Images per optimizer step (mini-batch size).", 32, 1, int.MaxValue);
        Option<float> learningRate = PositiveNumber("--lr",
            $"Initial learning rate of the Adam optimizer; halved every {TrainingOptions.DecayEvery} epochs.", 1e-3f);
        Option<int> shift = WholeNumber("--shift",
            "Data augmentation: moves each training image by up to this many pixels along x and y, a new random shift "
            + $"each time (0 turns it off). With 28×28 digits padded to 32×32, shifts up to {MaxLosslessShift} cut nothing off.", 2, 0, MaxShift);
        shift.HelpName = "PIXELS";
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the weight initialisation, the shuffling and the shifts; the same seed gives the same run.",
            DefaultValueFactory = _ => 1,
        };
        var data = new Option<string>("--data")
        {
            Description = "Directory of MNIST IDX files: train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                + "test- or t10k-images/labels, each optionally .gz. Default: the bundled 8,000 + 2,000 digits.",
            HelpName = "DIR",
            DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "data"),
        };
        data.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || !Directory.Exists(value)) result.AddError($"--data: the directory '{value}' does not exist.");
        });
        var output = new Option<string>("--out")
        {
            Description = "Directory for lenet5.safetensors and lenet5-training.png (created if missing).",
            HelpName = "DIR",
            DefaultValueFactory = _ => "out",
        };
        output.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || File.Exists(value)) result.AddError($"--out: '{value}' is not a usable directory name.");
        });

        var root = new RootCommand("Trains LeNet-5, compiled from attributes by CnnGen, on MNIST digits with Adam and reports the accuracy.")
        {
            epochs, batch, learningRate, shift, seed, data, output,
        };
        root.SetAction(parsed => run(new TrainingOptions(
            parsed.GetValue(epochs),
            parsed.GetValue(batch),
            parsed.GetValue(learningRate),
            parsed.GetValue(shift),
            parsed.GetValue(seed),
            Path.GetFullPath(parsed.GetRequiredValue(data)),
            Path.GetFullPath(parsed.GetRequiredValue(output)))));

        ParseResult parseResult = root.Parse(args);
        if (parseResult.Errors.Count == 0) return parseResult.Invoke();

        foreach (ParseError error in parseResult.Errors) Console.Error.WriteLine($"error: {error.Message}");
        Console.Error.WriteLine("Run with --help to see the options.");
        return UsageError;
    }

    // An integer option in [min, max]; parsing and the range check in one place, so a bad value is one clear error.
    private static Option<int> WholeNumber(string name, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(" ", result.Tokens);
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max) return value;
            result.AddError(max == int.MaxValue
                ? $"{name} must be a whole number ≥ {min}, got '{text}'."
                : $"{name} must be a whole number from {min} to {max}, got '{text}'.");
            return defaultValue;
        },
    };

    // A finite positive float option.
    private static Option<float> PositiveNumber(string name, string description, float defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(" ", result.Tokens);
            if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) && value > 0) return value;
            result.AddError($"{name} must be a positive number, got '{text}'.");
            return defaultValue;
        },
    };
}
