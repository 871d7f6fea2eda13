using System;
using System.Diagnostics;
using CnnGen;
using CnnGen.Training;

// LeNet-5 as samples/Zoo declares it; random inputs and labels (seed 5), Sgd(0.01), one core. 300 steps of warm-up, then 400
// timed ones: the minimum, the 10th percentile and the median, and images/s at the 10th percentile.
// Arguments: [name printed first] [DegreeOfParallelism, default 1].
int degree = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
var network = new LeNet5 { DegreeOfParallelism = degree };
var trainer = new LeNet5.Trainer(network, new Sgd(0.01f));
const int Batch = 32;
var random = new Random(5);
var inputs = new float[Batch * LeNet5.InputLength];
for (int i = 0; i < inputs.Length; i++)
{
    inputs[i] = random.NextSingle();
}

var labels = new int[Batch];
for (int i = 0; i < Batch; i++)
{
    labels[i] = random.Next(10);
}

for (int i = 0; i < 300; i++)
{
    trainer.TrainBatch(inputs, labels);
}

var times = new double[400];
for (int r = 0; r < times.Length; r++)
{
    long start = Stopwatch.GetTimestamp();
    trainer.TrainBatch(inputs, labels);
    times[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
}

Array.Sort(times);
string name = args.Length > 0 ? args[0] : "step";
Console.WriteLine($"{name}: LeNet-5 b32 training step, DegreeOfParallelism {degree}: min {times[0]:F0} µs, p10 {times[40]:F0} µs, median {times[200]:F0} µs, {Batch / times[40] * 1e6:F0} images/s at p10");

/// <summary>LeNet-5 on 32×32 MNIST: 61,706 parameters.</summary>
[Network(ExpectedParameters = 61_706)]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
public partial class LeNet5;
