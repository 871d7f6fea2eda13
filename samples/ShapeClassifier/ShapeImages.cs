using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using StbImageWriteSharp;

namespace ShapeClassifier;

/// <summary>
/// Writes the data set: 32×32 RGB PNG pictures of six classes — a checkerboard, a circle, a cross, a square, stripes and
/// a triangle — in <c>train/</c> and <c>test/</c>, one sub-folder per class (the layout <c>ImageFolder</c> reads). Every
/// picture has its own random colours (a dark background with noise, a bright foreground), size and place, so only the
/// shape tells the classes apart. Picture <c>i</c> of class <c>c</c> depends on the seed, the split, <c>c</c> and <c>i</c>
/// alone: the same seed gives the same files, byte for byte, however many threads write them.
/// </summary>
internal static class ShapeImages
{
    public const int Side = 32;

    public static readonly string[] Classes = ["checkerboard", "circle", "cross", "square", "stripes", "triangle"];

    private const string Marker = "complete.txt";

    /// <summary>Whether <paramref name="directory"/> holds a finished data set written with these settings.</summary>
    public static bool Exists(string directory, int perClassTrain, int perClassTest, int seed) =>
        File.Exists(Path.Combine(directory, Marker)) && File.ReadAllText(Path.Combine(directory, Marker)) == Describe(perClassTrain, perClassTest, seed);

    /// <summary>Writes the data set into <paramref name="directory"/> (replacing what a run with other settings left there).</summary>
    public static void Write(string directory, int perClassTrain, int perClassTest, int seed)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        var jobs = new List<(string Path, int Split, int Class, int Index)>();
        foreach ((string split, int count, int splitIndex) in new[] { ("train", perClassTrain, 0), ("test", perClassTest, 1) })
        {
            for (int c = 0; c < Classes.Length; c++)
            {
                string folder = Path.Combine(directory, split, Classes[c]);
                Directory.CreateDirectory(folder);
                for (int i = 0; i < count; i++) jobs.Add((Path.Combine(folder, $"{Classes[c]}-{i:D4}.png"), splitIndex, c, i));
            }
        }

        Parallel.ForEach(jobs, job =>
        {
            byte[] rgb = Draw(job.Class, new Random(HashCode(seed, job.Split, job.Class, job.Index)));
            using FileStream file = File.Create(job.Path);
            new ImageWriter().WritePng(rgb, Side, Side, ColorComponents.RedGreenBlue, file);
        });
        File.WriteAllText(Path.Combine(directory, Marker), Describe(perClassTrain, perClassTest, seed));
    }

    private static string Describe(int perClassTrain, int perClassTest, int seed) =>
        $"shapes v1: {perClassTrain} train and {perClassTest} test pictures per class, seed {seed}";

    // A fixed mix of the four numbers (HashCode is randomised per process).
    private static int HashCode(int seed, int split, int c, int i) =>
        unchecked((int)(((uint)seed * 2654435761u) ^ ((uint)split * 40503u + (uint)c * 2246822519u + (uint)i * 3266489917u)));

    // One picture, row-major, 3 bytes per pixel.
    private static byte[] Draw(int c, Random random)
    {
        var rgb = new byte[Side * Side * 3];
        byte[] background = [(byte)random.Next(0, 90), (byte)random.Next(0, 90), (byte)random.Next(0, 90)];
        byte[] foreground = [(byte)random.Next(150, 256), (byte)random.Next(150, 256), (byte)random.Next(150, 256)];
        int r = random.Next(6, 12); // half the shape's size
        int cx = random.Next(r + 1, Side - r - 1), cy = random.Next(r + 1, Side - r - 1);
        int period = random.Next(4, 9), cell = random.Next(3, 7), orientation = random.Next(3);
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                int dx = x - cx, dy = y - cy;
                bool on = Classes[c] switch
                {
                    "checkerboard" => (x / cell + y / cell) % 2 == 0,
                    "circle" => dx * dx + dy * dy <= r * r,
                    "cross" => (Math.Abs(dx) <= r / 3 && Math.Abs(dy) <= r) || (Math.Abs(dy) <= r / 3 && Math.Abs(dx) <= r),
                    "square" => Math.Abs(dx) <= r && Math.Abs(dy) <= r,
                    "stripes" => (orientation switch { 0 => y, 1 => x, _ => x + y } * 2 / period) % 2 == 0,
                    _ => dy >= -r && dy <= r && Math.Abs(dx) * 2 * r <= (dy + r) * r, // a triangle, apex up
                };
                for (int k = 0; k < 3; k++)
                {
                    int value = (on ? foreground[k] : background[k]) + random.Next(-20, 21);
                    rgb[(y * Side + x) * 3 + k] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        }

        return rgb;
    }
}
