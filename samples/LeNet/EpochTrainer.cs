using System;
using System.Diagnostics;
using CnnGen.IO;

namespace LeNet;

/// <summary>
/// Runs epochs of mini-batch training: shuffles the image order with a seeded <see cref="Random"/>, copies each
/// batch (every image moved by a small random shift) into one preallocated buffer and hands it to the generated
/// <see cref="LeNet5.Trainer"/>. Nothing is allocated per batch.
/// </summary>
internal sealed class EpochTrainer
{
    private const int Side = LeNet5.InputWidth;

    private readonly LeNet5.Trainer trainer;
    private readonly Dataset data;
    private readonly int batchSize;
    private readonly int maxShift;
    private readonly Random random;
    private readonly int[] order;
    private readonly float[] batchImages;
    private readonly int[] batchLabels;

    /// <param name="trainer">The generated trainer (network and optimizer).</param>
    /// <param name="data">The training images, 32×32.</param>
    /// <param name="batchSize">Images per step; the last batch of an epoch may be smaller.</param>
    /// <param name="maxShift">Each image is moved by a random number of pixels in [−maxShift, maxShift] along x and y (0: as it is).</param>
    /// <param name="seed">Seeds the shuffling and the shifts.</param>
    public EpochTrainer(LeNet5.Trainer trainer, Dataset data, int batchSize, int maxShift, int seed)
    {
        if (data.Height != LeNet5.InputHeight || data.Width != LeNet5.InputWidth)
        {
            throw new ArgumentException($"LeNet-5 takes {LeNet5.InputHeight}×{LeNet5.InputWidth} images; the data has {data.Height}×{data.Width}.", nameof(data));
        }

        this.trainer = trainer;
        this.data = data;
        this.batchSize = Math.Min(batchSize, data.Count);
        this.maxShift = maxShift;
        random = new Random(seed);
        order = new int[data.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        batchImages = new float[this.batchSize * LeNet5.InputLength];
        batchLabels = new int[this.batchSize];
    }

    /// <summary>Batches per epoch (the last one may be smaller).</summary>
    public int BatchesPerEpoch => (data.Count + batchSize - 1) / batchSize;

    /// <summary>
    /// One pass over the data in a new random order. After each batch, <paramref name="onBatch"/> gets the batch
    /// number (1-based), the mean loss so far in this epoch and the images per second so far.
    /// </summary>
    /// <returns>The epoch's mean training loss (each batch's loss taken before its update).</returns>
    public double RunEpoch(Action<int, double, double> onBatch)
    {
        random.Shuffle(order);
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        int seen = 0;
        for (int batch = 0; batch < BatchesPerEpoch; batch++)
        {
            int count = Math.Min(batchSize, order.Length - batch * batchSize);
            for (int i = 0; i < count; i++)
            {
                int index = order[batch * batchSize + i];
                int dx = random.Next(-maxShift, maxShift + 1), dy = random.Next(-maxShift, maxShift + 1);
                CopyShifted(data.Image(index), batchImages.AsSpan(i * LeNet5.InputLength, LeNet5.InputLength), dx, dy);
                batchLabels[i] = data.Label(index);
            }

            float loss = trainer.TrainBatch(batchImages.AsSpan(0, count * LeNet5.InputLength), batchLabels.AsSpan(0, count));
            lossSum += (double)loss * count;
            seen += count;
            onBatch(batch + 1, lossSum / seen, seen / clock.Elapsed.TotalSeconds);
        }

        return lossSum / seen;
    }

    // target(y, x) = source(y − dy, x − dx), zero where that falls outside the image.
    private static void CopyShifted(ReadOnlySpan<float> source, Span<float> target, int dx, int dy)
    {
        target.Clear();
        int x0 = Math.Max(0, dx), width = Side - Math.Abs(dx);
        for (int y = Math.Max(0, dy); y < Math.Min(Side, Side + dy); y++)
        {
            source.Slice((y - dy) * Side + x0 - dx, width).CopyTo(target.Slice(y * Side + x0, width));
        }
    }
}
