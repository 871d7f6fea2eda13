using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using CnnGen.Runtime;
using CnnGen.Training;
using CnnGen.Zoo;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>
/// Batches split across cores (DegreeOfParallelism): ForwardBatch gives every image the same bits as Forward for
/// any degree; a training step gives the same loss, BatchNorm statistics and Dropout masks for any degree, and
/// parameter gradients equal within float rounding (their summation order is the only thing the parts change).
/// Every batch here is large enough that the split really happens (checked against BatchWork.PartsFor).
/// </summary>
public class ParallelTests
{
    public static TheoryData<string> Networks => new() { "lenet5", "cifarnet", "convbn", "poolnet", "branchnet", "blocknet", "dropoutnet", "edgenet", "stridenet", "wirenet" };

    public static TheoryData<string> TrainNetworks => new() { "lenet5", "convbn", "poolnet", "branchnet", "blocknet", "dropoutnet", "edgenet", "stridenet", "wirenet" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void ForwardBatch_on_several_cores_equals_one_core_and_image_by_image_Forward(string name)
    {
        Trained a = Trained.Create(name, seed: 3);
        INetwork net = a.Net;
        int batch = BatchFor(net, perImageFactor: 1, parts: 3);
        float[] inputs = ForwardTests.Random(batch * net.InputSize, 31);
        float[] Batch(int degree)
        {
            net.DegreeOfParallelism = degree;
            var outputs = new float[batch * net.OutputSize];
            a.ForwardBatch(inputs, outputs);
            return outputs;
        }

        float[] one = Batch(1);
        Assert.Equal(one, Batch(2));
        Assert.Equal(one, Batch(3));
        var output = new float[net.OutputSize];
        for (int i = 0; i < batch; i++)
        {
            net.Forward(inputs.AsSpan(i * net.InputSize, net.InputSize), output);
            Assert.Equal(output, one.AsSpan(i * net.OutputSize, net.OutputSize).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(TrainNetworks))]
    public void Training_steps_on_several_cores_equal_one_core(string name)
    {
        Trained single = Trained.Create(name, seed: 5);
        int batch = BatchFor(single.Net, perImageFactor: 3, parts: 4);
        float[] inputs = ForwardTests.Random(batch * single.Net.InputSize, 41);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7) % single.Net.OutputSize).ToArray();
        float[] targets = ForwardTests.Random(batch * single.Net.OutputSize, 43);
        single.Net.DegreeOfParallelism = 1;
        foreach (int degree in new[] { 2, 4 })
        {
            Trained multi = Trained.Create(name, seed: 5);
            multi.Net.DegreeOfParallelism = degree;
            Trained reference = Trained.Create(name, seed: 5);
            reference.Net.DegreeOfParallelism = 1;
            for (int step = 0; step < 2; step++)
            {
                float expected = reference.Train(inputs, labels);
                float actual = multi.Train(inputs, labels);
                string what = $"{name}, degree {degree}, step {step + 1}";

                // From the same parameters, the loss (summed image by image in image order), BatchNorm's statistics
                // and Dropout's masks (drawn over the whole batch on the calling thread) are the same bits for any
                // number of parts; after a step the parameters differ by rounding, and so does what follows.
                if (step == 0)
                {
                    Assert.Equal(expected, actual);
                    Assert.Equal(reference.Net.State.ToArray(), multi.Net.State.ToArray());
                }
                else
                {
                    AssertRelative(new[] { expected }, new[] { actual }, what + " loss");
                    AssertRelative(reference.Net.State.ToArray(), multi.Net.State.ToArray(), what + " state", allowZero: true);
                }

                AssertRelative(reference.Gradients(), multi.Gradients(), what + " gradients");
                AssertRelative(reference.Net.Parameters.ToArray(), multi.Net.Parameters.ToArray(), what + " parameters");
            }

            float expectedMse = reference.Regression(inputs, targets);
            AssertRelative(new[] { expectedMse }, new[] { multi.Regression(inputs, targets) }, $"{name}, degree {degree}, MSE loss");
            AssertRelative(reference.Gradients(), multi.Gradients(), $"{name}, degree {degree}, MSE gradients");
        }
    }

    [Theory]
    [InlineData("lenet5")]
    [InlineData("blocknet")]
    [InlineData("dropoutnet")]
    public void A_given_degree_repeats_bit_for_bit(string name)
    {
        float[] Run()
        {
            Trained t = Trained.Create(name, seed: 6);
            t.Net.DegreeOfParallelism = 2;
            int batch = BatchFor(t.Net, perImageFactor: 3, parts: 2);
            float[] inputs = ForwardTests.Random(batch * t.Net.InputSize, 51);
            int[] labels = Enumerable.Range(0, batch).Select(i => i % t.Net.OutputSize).ToArray();
            t.Train(inputs, labels);
            t.Train(inputs, labels);
            return t.Gradients().Concat(t.Net.Parameters.ToArray()).ToArray();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Dropout_masks_do_not_depend_on_the_degree()
    {
        // DropoutProbe: one input of 1 → Dense(2000) → Dropout(0.3), outputs pulled towards 3 by MSE: a weight's
        // gradient is zero exactly where every image of the batch dropped that unit, so the zero pattern is the masks'.
        float[] Gradients(int degree, int batch)
        {
            var net = new DropoutProbe(seed: 2) { DegreeOfParallelism = degree };
            var trainer = new DropoutProbe.Trainer(net, new Sgd(0.1f), seed: 9);
            float[] inputs = Enumerable.Repeat(1f, batch).ToArray();
            float[] targets = new float[batch * DropoutProbe.OutputLength];
            for (int i = 0; i < targets.Length; i++)
            {
                targets[i] = 3f; // every output below its target: the gradient of each kept value is non-zero
            }

            trainer.ComputeGradients(inputs, targets, Loss.MeanSquaredError);
            return trainer.Gradients.ToArray();
        }

        int batch = (int)(4 * BatchWork.MinMultiplyAddsPerPart / (3 * DropoutProbe.MultiplyAddsPerImage)) + 4;
        Assert.Equal(4, BatchWork.PartsFor(batch, 3 * DropoutProbe.MultiplyAddsPerImage, 4));
        float[] one = Gradients(1, batch);
        float[] four = Gradients(4, batch);
        Assert.Equal(one.Select(g => g != 0), four.Select(g => g != 0));
        AssertRelative(one, four, "DropoutProbe gradients", relative: 1e-4); // sums of 1,337 images in another order
    }

    /// <summary>An optimizer that only steps whole buffers (the default of <see cref="Optimizer"/>): plain SGD by hand.</summary>
    private sealed class WholeSgd : Optimizer
    {
        public WholeSgd(float learningRate)
            : base(learningRate, 0f)
        {
        }

        public int Steps { get; private set; }

        public override void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            Steps++;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= LearningRate * gradients[i];
            }
        }

        public override void Reset()
        {
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void The_optimizer_step_run_in_the_parts_equals_a_whole_step_after_the_gradients(int degree)
    {
        // TrainBatch on several parts runs the optimizer in the step's last stage, each part over its range of the
        // parameters; ComputeGradients then Step on the same number of parts must give the same bits. An optimizer
        // that cannot step in ranges is stepped once, whole, after the stages.
        var staged = new LeNet5(seed: 3) { DegreeOfParallelism = degree };
        var manual = new LeNet5(seed: 3) { DegreeOfParallelism = degree };
        var whole = new LeNet5(seed: 3) { DegreeOfParallelism = degree };
        int batch = BatchFor(staged, perImageFactor: 3, parts: degree);
        float[] inputs = ForwardTests.Random(batch * LeNet5.InputLength, 71);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 3) % 10).ToArray();
        var stagedTrainer = new LeNet5.Trainer(staged, new Adam(1e-2f, weightDecay: 1e-3f));
        var manualOptimizer = new Adam(1e-2f, weightDecay: 1e-3f);
        var manualTrainer = new LeNet5.Trainer(manual, manualOptimizer);
        var wholeOptimizer = new WholeSgd(0.05f);
        var wholeTrainer = new LeNet5.Trainer(whole, wholeOptimizer);
        float[] before = whole.Parameters.ToArray();
        for (int step = 0; step < 3; step++)
        {
            float expected = manualTrainer.ComputeGradients(inputs, labels);
            manualOptimizer.Step(manual.Parameters, manualTrainer.Gradients);
            Assert.Equal(expected, stagedTrainer.TrainBatch(inputs, labels));
            Assert.Equal(manualTrainer.Gradients.ToArray(), stagedTrainer.Gradients.ToArray());
            Assert.Equal(manual.Parameters.ToArray(), staged.Parameters.ToArray());
        }

        Assert.Equal(3, manualOptimizer.StepCount);
        Assert.Equal(manualOptimizer.StepCount, ((Adam)stagedTrainer.Optimizer).StepCount);
        wholeTrainer.TrainBatch(inputs, labels);
        Assert.Equal(1, wholeOptimizer.Steps);
        float[] gradients = wholeTrainer.Gradients.ToArray();
        float[] after = whole.Parameters.ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            Assert.Equal(before[i] - (0.05f * gradients[i]), after[i]);
        }
    }

    [Fact]
    public void Dense_parameter_gradients_are_taken_over_the_whole_batch_and_do_not_depend_on_the_parts()
    {
        // The dense layers' weight and bias gradients are one product over the whole batch in the step's last stage
        // (split by output rows, never by images), so they are the same bits for any number of parts; the convolutions'
        // are summed over the parts and differ by rounding only.
        var one = new LeNet5(seed: 4) { DegreeOfParallelism = 1 };
        var three = new LeNet5(seed: 4) { DegreeOfParallelism = 3 };
        int batch = BatchFor(three, perImageFactor: 3, parts: 3);
        float[] inputs = ForwardTests.Random(batch * LeNet5.InputLength, 81);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7) % 10).ToArray();
        var oneTrainer = new LeNet5.Trainer(one, new Sgd(0.1f));
        var threeTrainer = new LeNet5.Trainer(three, new Sgd(0.1f));
        Assert.Equal(oneTrainer.ComputeGradients(inputs, labels), threeTrainer.ComputeGradients(inputs, labels));
        TensorInfo fc1 = ((INetwork)one).Tensors.Single(t => t.Name == "fc1.weight");
        float[] expected = oneTrainer.Gradients.ToArray(), actual = threeTrainer.Gradients.ToArray();
        Assert.Equal(expected[fc1.Offset..], actual[fc1.Offset..]);
        AssertRelative(expected[..fc1.Offset], actual[..fc1.Offset], "convolution gradients");
        Assert.Contains(expected[fc1.Offset..], value => value != 0);
    }

    [Fact]
    public void DegreeOfParallelism_defaults_to_the_processor_count_is_shared_with_the_trainer_and_rejects_zero()
    {
        var net = new LeNet5(seed: 1);
        Assert.Equal(Environment.ProcessorCount, net.DegreeOfParallelism);
        var trainer = new LeNet5.Trainer(net, new Sgd(0.1f));
        trainer.DegreeOfParallelism = 1;
        Assert.Equal(1, net.DegreeOfParallelism);
        Assert.Equal(1, ((INetwork)net).DegreeOfParallelism);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => net.DegreeOfParallelism = 0);
        Assert.Contains("calling thread", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, net.DegreeOfParallelism);
    }

    [Fact]
    public void Small_batches_are_not_split()
    {
        // 2 million multiply-adds per part at least: LeNet-5 (416,520 per image) needs 10 images for 2 parts.
        Assert.Equal(1, BatchWork.PartsFor(9, LeNet5.MultiplyAddsPerImage, 2));
        Assert.Equal(2, BatchWork.PartsFor(10, LeNet5.MultiplyAddsPerImage, 2));
        Assert.Equal(2, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 2));
        Assert.Equal(1, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 1));
        Assert.Equal(13, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 32)); // 64 · 416,520 / 2,000,000 = 13.3
        Assert.Equal(3, BatchWork.PartsFor(3, CifarNet.MultiplyAddsPerImage, 8)); // never more parts than images
        Assert.Equal(1, BatchWork.PartsFor(1, CifarNet.MultiplyAddsPerImage, 8));

        // ForwardBatch's finer parts: up to 4 per thread, in multiples of the thread count (a training step takes one
        // part per thread, the overload above).
        Assert.Equal(8, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 2, 4));
        Assert.Equal(4, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 2, 2));
        Assert.Equal(2, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 2, 1));
        Assert.Equal(4, BatchWork.PartsFor(24, LeNet5.MultiplyAddsPerImage, 2, 4)); // 5 by work, rounded down to a multiple of 2
        Assert.Equal(1, BatchWork.PartsFor(64, LeNet5.MultiplyAddsPerImage, 1, 4)); // 1 thread: never split
        Assert.Equal(2, BatchWork.PartsFor(10, LeNet5.MultiplyAddsPerImage, 2, 4)); // no finer parts than the work allows
    }

    /// <summary>The smallest batch that the network's work splits into <paramref name="parts"/> parts (at least 2 images per part).</summary>
    internal static int BatchFor(INetwork net, int perImageFactor, int parts)
    {
        long work = perImageFactor * net.Layers.Sum(l => l.MultiplyAdds);
        int batch = Math.Max(2 * parts, (int)(parts * BatchWork.MinMultiplyAddsPerPart / work) + 1);
        Assert.Equal(parts, BatchWork.PartsFor(batch, work, parts));
        return batch;
    }

    /// <summary>|a − b| ≤ r·|a| + r/10·max|a| (r = 1e-5 unless given): relative, with a floor for values that cancel to near zero.</summary>
    internal static void AssertRelative(float[] expected, float[] actual, string what, double relative = 1e-5, bool allowZero = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Length == 0 ? 0 : expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = (relative * Math.Abs(expected[i])) + (relative / 10 * scale);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tolerance:G3})");
        }

        Assert.True(allowZero || !expected.SequenceEqual(new float[expected.Length]), what + " are all zero");
    }
}

/// <summary>
/// Runs that measure the whole process (allocations on every thread) or need the worker threads to themselves:
/// not run in parallel with other tests.
/// </summary>
[CollectionDefinition(nameof(WorkersCollection), DisableParallelization = true)]
public sealed class WorkersCollection
{
}

[Collection(nameof(WorkersCollection))]
public class ParallelRuntimeTests
{
    [Fact]
    public void Multi_core_forward_and_training_allocate_nothing_on_any_thread_after_warm_up()
    {
        var net = new LeNet5(seed: 1) { DegreeOfParallelism = 2 };
        var trainer = new LeNet5.Trainer(net, new Adam(1e-3f));
        var blocks = Trained.Create("blocknet", seed: 1);
        blocks.Net.DegreeOfParallelism = 2;
        int batch = ParallelTests.BatchFor(net, 3, 2);
        int blockBatch = ParallelTests.BatchFor(blocks.Net, 3, 2);
        float[] inputs = ForwardTests.Random(batch * LeNet5.InputLength, 61);
        float[] blockInputs = ForwardTests.Random(blockBatch * blocks.Net.InputSize, 62);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        int[] blockLabels = Enumerable.Range(0, blockBatch).Select(i => i % blocks.Net.OutputSize).ToArray();
        var outputs = new float[batch * LeNet5.OutputLength];
        void Step()
        {
            trainer.TrainBatch(inputs, labels);
            net.ForwardBatch(inputs, outputs);
            blocks.Train(blockInputs, blockLabels);
        }

        for (int i = 0; i < 20; i++)
        {
            Step();
        }

        // Per thread, on the calling thread and on every worker (GC.GetTotalAllocatedBytes would also count the
        // test runner's own threads): a probe split whose parts meet on all threads at once reads each thread's
        // counter before and after. One window of 10 steps out of 5 must allocate nothing on any of them (the first
        // may still see the JIT's tier-up); an allocation per step fails every window.
        var probe = new ThreadCounters(Environment.ProcessorCount);
        var windows = new long[5];
        var before = new long[probe.Bytes.Length];
        var threads = new int[probe.Threads.Length];
        for (int w = 0; w < windows.Length; w++)
        {
            probe.Read();
            Array.Copy(probe.Bytes, before, before.Length);
            Array.Copy(probe.Threads, threads, threads.Length);
            for (int i = 0; i < 10; i++)
            {
                Step();
            }

            probe.Read();
            Assert.Equal(threads.Length, threads.Distinct().Count()); // one part on each thread
            Assert.Equal(threads.Order(), probe.Threads.Order()); // every thread seen both times
            windows[w] = Enumerable.Range(0, threads.Length).Sum(k => probe.Bytes[Array.IndexOf(probe.Threads, threads[k])] - before[k]);
            if (windows[w] == 0)
            {
                return;
            }
        }

        Assert.Fail("every window of 10 steps allocated: " + string.Join(", ", windows) + " bytes");
    }

    [Fact]
    public void An_exception_in_a_part_surfaces_on_the_caller_and_the_workers_keep_working()
    {
        var work = new ProbeWork(throwFrom: 1);
        var error = Assert.Throws<InvalidOperationException>(() => work.Go(parts: 4));
        Assert.Equal("part 1 failed", error.Message); // the lowest failing part
        Assert.Equal(4, work.Ran); // every part ran to its end

        var fine = new ProbeWork(throwFrom: int.MaxValue);
        fine.Go(parts: 4);
        Assert.Equal(4, fine.Ran);
    }

    [Fact]
    public void Parts_run_at_the_same_time_on_different_threads()
    {
        if (Environment.ProcessorCount < 2)
        {
            return; // one processor: no worker threads, every part runs on the calling thread
        }

        var work = new ProbeWork(throwFrom: int.MaxValue) { Rendezvous = true };
        work.Go(parts: 2);
        Assert.Equal(2, work.Threads.Distinct().Count());
        Assert.True(work.Met, "part 0 and part 1 never ran at the same time");
    }

    // One part per thread, all running at once (each waits for the others), each reading its thread's allocation counter.
    private sealed class ThreadCounters(int parts) : BatchWork
    {
        private int _started;

        public long[] Bytes { get; } = new long[parts];

        public int[] Threads { get; } = new int[parts];

        public void Read()
        {
            _started = 0;
            Pin(default, default, default, default);
        }

        protected override void Stages() => Split(0, parts);

        protected override void RunPart(int stage, int part, int count)
        {
            Interlocked.Increment(ref _started);
            long deadline = Environment.TickCount64 + 10_000;
            while (Volatile.Read(ref _started) < count && Environment.TickCount64 < deadline)
            {
                Thread.SpinWait(20);
            }

            Threads[part] = Environment.CurrentManagedThreadId;
            Bytes[part] = GC.GetAllocatedBytesForCurrentThread();
        }
    }

    private sealed class ProbeWork(int throwFrom) : BatchWork
    {
        private int _parts;
        private int _started;
        private int _ran;

        public ConcurrentBag<int> Threads { get; } = new();

        public bool Rendezvous { get; init; }

        public bool Met { get; private set; }

        public int Ran => _ran;

        public void Go(int parts)
        {
            _parts = parts;
            Pin(default, default, default, default);
        }

        protected override void Stages() => Split(0, _parts);

        protected override void RunPart(int stage, int part, int parts)
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            if (Rendezvous)
            {
                // Each part waits (up to 10 s) for the other to start: only possible on two threads at once.
                Interlocked.Increment(ref _started);
                if (SpinWait.SpinUntil(() => Volatile.Read(ref _started) == parts, TimeSpan.FromSeconds(10)))
                {
                    Met = true;
                }
            }

            Interlocked.Increment(ref _ran);
            if (part >= throwFrom)
            {
                throw new InvalidOperationException($"part {part} failed");
            }
        }
    }
}

/// <summary>A network of the tests or the zoo with its trainer behind delegates (each network has its own Trainer type).</summary>
internal sealed class Trained
{
    private Trained(INetwork net, Func<float[], int[], float> train, Func<float[], float[], float> regression, Func<float[]> gradients, Action<float[], float[]> forwardBatch)
    {
        Net = net;
        Train = train;
        Regression = regression;
        Gradients = gradients;
        ForwardBatch = forwardBatch;
    }

    public INetwork Net { get; }

    /// <summary>One SGD-with-momentum step on cross-entropy; returns the loss.</summary>
    public Func<float[], int[], float> Train { get; }

    /// <summary>MSE gradients only (no step); returns the loss.</summary>
    public Func<float[], float[], float> Regression { get; }

    public Func<float[]> Gradients { get; }

    public Action<float[], float[]> ForwardBatch { get; }

    public static Trained Create(string name, int seed)
    {
        var optimizer = new Sgd(0.05f, momentum: 0.9f);
        switch (name)
        {
            case "lenet5":
                var lenet = new LeNet5(seed);
                var lenetTrainer = new LeNet5.Trainer(lenet, optimizer, seed);
                return new(lenet, (x, l) => lenetTrainer.TrainBatch(x, l), (x, t) => lenetTrainer.ComputeGradients(x, t, Loss.MeanSquaredError), () => lenetTrainer.Gradients.ToArray(), (x, y) => lenet.ForwardBatch(x, y));
            case "cifarnet":
                var cifar = new CifarNet(seed);
                var cifarTrainer = new CifarNet.Trainer(cifar, optimizer, seed);
                return new(cifar, (x, l) => cifarTrainer.TrainBatch(x, l), (x, t) => cifarTrainer.ComputeGradients(x, t, Loss.MeanSquaredError), () => cifarTrainer.Gradients.ToArray(), (x, y) => cifar.ForwardBatch(x, y));
            default:
                LayerNet layer = LayerNet.Wrap(LayerNet.New(name, seed), optimizer, seed);
                return new(layer.Net, layer.TrainCrossEntropy, (x, t) => layer.ComputeRegression(x, t, Loss.MeanSquaredError), layer.Gradients, layer.ForwardBatch);
        }
    }
}
