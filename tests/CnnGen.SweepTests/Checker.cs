using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace CnnGen.SweepTests;

/// <summary>
/// Runs one generated network against <see cref="Reference"/>: its layer shapes, <c>Forward</c> and <c>ForwardBatch</c>
/// at inference (BatchNorm on random running averages), and the trainer's parameter gradients (mean squared error, and
/// softmax cross-entropy where the network ends in Softmax) with every parameter random.
/// </summary>
public static class Checker
{
    /// <summary>Largest difference of an output allowed, relative to the largest magnitude of the tensor compared (float32 against double).</summary>
    public const double Tolerance = 2e-4;

    /// <summary>
    /// The same for a gradient: sums over the batch and every position, some of whose terms cancel (BatchNorm's gradient sums
    /// to zero over a channel, so a weight that sees a constant input gets float32 noise of ~3e-4 of the tensor where the
    /// exact value is 0). A wrong index or formula gives errors of the order of the values themselves.
    /// </summary>
    public const double GradientTolerance = 1e-3;

    /// <summary>README promises that <c>ForwardBatch</c> gives each image exactly the bits <c>Forward</c> gives it.</summary>
    private static void SameBits(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, List<string> problems)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                problems.Add($"{what}: output {i} is {actual[i]:R}, Forward gave {expected[i]:R} (not bit-identical)");
                return;
            }
        }
    }

    /// <summary>Every problem found, each with the worst element; empty when the network matches.</summary>
    public static List<string> Check(Net net, IDriver driver, int seed, int degreeOfParallelism = 1, int batch = 2, double gradientFloor = 1e-2, double gradientTolerance = GradientTolerance)
    {
        var problems = new List<string>();
        var random = new Random(seed);
        INetwork network = driver.Create(1);
        network.DegreeOfParallelism = 1;
        Randomise(network, random);
        float[] Tensor(string name)
        {
            TensorInfo t = network.Tensors.FirstOrDefault(x => x.Name == name)
                ?? throw new InvalidOperationException($"{net}: no tensor {name}");
            return (t.IsState ? network.State : network.Parameters).Slice(t.Offset, t.Length).ToArray();
        }

        // Inference: three images (or the training batch's) through Forward one at a time and through ForwardBatch together.
        int Images = Math.Max(3, batch);
        float[][] images = Enumerable.Range(0, Images).Select(_ => Values(random, network.InputSize, 1f)).ToArray();
        var tape = new Tape();
        (_, Activation[] outputs, List<(int C, int H, int W)> shapes) = Reference.Run(tape, net, Tensor, images, training: false);
        CheckShapes(net, network, shapes, problems);
        if (problems.Count > 0)
        {
            return problems;
        }

        var batchOutput = new float[Images * network.OutputSize];
        driver.ForwardBatch(network, images.SelectMany(i => i).ToArray(), batchOutput);
        var single = new float[network.OutputSize];
        for (int b = 0; b < Images; b++)
        {
            double[] expected = outputs[b].Nodes.Select(tape.Value).ToArray();
            network.Forward(images[b], single);
            Compare($"Forward, image {b}", expected, single, problems);
            Compare($"ForwardBatch, image {b}", expected, batchOutput.AsSpan(b * network.OutputSize, network.OutputSize).ToArray(), problems);
            SameBits($"ForwardBatch against Forward, image {b}", single, batchOutput.AsSpan(b * network.OutputSize, network.OutputSize), problems);
        }

        // Training: the gradients of the mean squared error against random targets, with the batch's BatchNorm statistics.
        int Batch = batch;
        float[][] inputs = images.Take(Batch).ToArray();
        float[] targets = Values(random, Batch * network.OutputSize, 1f);
        tape = new Tape();
        (Reference reference, Activation[] trained, _) = Reference.Run(tape, net, Tensor, inputs, training: true);
        int n = network.OutputSize;
        var nodes = new List<int>();
        var seeds = new List<double>();
        double loss = 0;
        for (int b = 0; b < Batch; b++)
        {
            for (int i = 0; i < n; i++)
            {
                double d = tape.Value(trained[b].Nodes[i]) - targets[(b * n) + i];
                loss += d * d / (Batch * n);
                nodes.Add(trained[b].Nodes[i]);
                seeds.Add(2 * d / (Batch * n));
            }
        }

        var gradients = new float[network.ParameterSize];
        float actualLoss = driver.Gradients(network, inputs.SelectMany(i => i).ToArray(), targets, gradients, degreeOfParallelism);
        Compare("mean squared error loss", new[] { loss }, new[] { actualLoss }, problems);
        CompareGradients("gradient (MSE)", network, reference, tape.Backward(nodes.ToArray(), seeds.ToArray()), gradients, problems, gradientFloor, gradientTolerance);

        if (net.Layers[^1] is Act { Kind: ActKind.Softmax })
        {
            int[] labels = Enumerable.Range(0, Batch).Select(_ => random.Next(n)).ToArray();
            var labelNodes = new int[Batch];
            var labelSeeds = new double[Batch];
            double crossEntropy = 0;
            for (int b = 0; b < Batch; b++)
            {
                int p = trained[b].Nodes[labels[b]];
                crossEntropy -= Math.Log(tape.Value(p)) / Batch;
                labelNodes[b] = p;
                labelSeeds[b] = -1 / (tape.Value(p) * Batch);
            }

            float actualCrossEntropy = driver.GradientsForLabels(network, inputs.SelectMany(i => i).ToArray(), labels, gradients);
            Compare("cross-entropy loss", new[] { crossEntropy }, new[] { actualCrossEntropy }, problems);
            CompareGradients("gradient (cross-entropy)", network, reference, tape.Backward(labelNodes, labelSeeds), gradients, problems, gradientFloor, gradientTolerance);
        }

        return problems;
    }

    /// <summary>Random parameters scaled by fan-in (so activations stay near 1), BatchNorm's γ near 1 and its running averages.</summary>
    public static void Randomise(INetwork network, Random random)
    {
        foreach (TensorInfo t in network.Tensors)
        {
            Span<float> target = (t.IsState ? network.State : network.Parameters).Slice(t.Offset, t.Length);
            bool bn = t.Name.StartsWith("bn", StringComparison.Ordinal);
            for (int i = 0; i < t.Length; i++)
            {
                double u = (random.NextDouble() * 2) - 1;
                target[i] = (float)(t.Name.EndsWith(".running_var", StringComparison.Ordinal) ? 1 + (0.5 * u)
                    : bn && t.Name.EndsWith(".weight", StringComparison.Ordinal) ? 1 + (0.5 * u)
                    : t.Shape.Count > 1 ? u * 1.5 / Math.Sqrt(t.Length / t.Shape[0])
                    : 0.5 * u);
            }
        }
    }

    public static float[] Values(Random random, int count, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }

    private static void CheckShapes(Net net, INetwork network, List<(int C, int H, int W)> shapes, List<string> problems)
    {
        var table = network.Layers.Skip(network.Layers.Count - shapes.Count).ToList();
        if (table.Count != shapes.Count)
        {
            problems.Add($"{shapes.Count} layers declared, the layer table has {network.Layers.Count}");
            return;
        }

        for (int i = 0; i < shapes.Count; i++)
        {
            if ((table[i].Channels, table[i].Height, table[i].Width) != shapes[i])
            {
                problems.Add($"layer {i + 1} ({net.Layers[i].Attribute()}): the reference gives {shapes[i]}, the network {(table[i].Channels, table[i].Height, table[i].Width)}");
            }
        }
    }

    private static void CompareGradients(string what, INetwork network, Reference reference, double[] grad, float[] actual, List<string> problems, double gradientFloor, double gradientTolerance)
    {
        var tensors = network.Tensors.Where(t => !t.IsState).Select(t => (Tensor: t, Expected: reference.Leaves.TryGetValue(t.Name, out int[]? leaves)
            ? leaves.Select(l => grad[l]).ToArray()
            : new double[t.Length])).ToList();

        // A tensor whose true gradient is (near) zero, such as a convolution's bias before BatchNorm, is compared on the scale of
        // the largest gradient of the network: float32 rounding leaves ~1e-7 there, not an error.
        double largest = tensors.SelectMany(t => t.Expected).Select(Math.Abs).DefaultIfEmpty(0).Max();
        foreach ((TensorInfo t, double[] expected) in tensors)
        {
            Compare($"{what} of {t.Name}", expected, actual.AsSpan(t.Offset, t.Length).ToArray(), problems, floor: largest * gradientFloor, tolerance: gradientTolerance);
        }
    }

    private static void Compare(string what, double[] expected, float[] actual, List<string> problems, double floor = 0, double tolerance = Tolerance)
    {
        if (expected.Length != actual.Length)
        {
            problems.Add($"{what}: {actual.Length} values, expected {expected.Length}");
            return;
        }

        double scale = Math.Max(Math.Max(expected.Select(Math.Abs).DefaultIfEmpty(0).Max(), floor), 1e-3);
        int worst = -1;
        double worstError = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = double.IsFinite(actual[i]) ? Math.Abs(actual[i] - expected[i]) : double.PositiveInfinity;
            if (error > worstError)
            {
                worstError = error;
                worst = i;
            }
        }

        if (worstError > tolerance * scale)
        {
            problems.Add(new StringBuilder().Append(what).Append(": [").Append(worst).Append("] expected ")
                .Append(expected[worst].ToString("G9", System.Globalization.CultureInfo.InvariantCulture)).Append(", got ")
                .Append(actual[worst].ToString("G9", System.Globalization.CultureInfo.InvariantCulture))
                .Append(" (error ").Append((worstError / scale).ToString("G3", System.Globalization.CultureInfo.InvariantCulture))
                .Append(" of the largest magnitude)").ToString());
        }
    }
}
