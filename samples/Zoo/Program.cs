using System;
using System.Diagnostics;
using CnnGen;
using CnnGen.Zoo;

// Builds every zoo network, prints its layer count and parameters, and runs one forward pass on a
// random image (full-size networks included). `dotnet run -c Release --project samples/Zoo [name…]`.
var all = new (string Name, Func<INetwork> Create)[]
{
    ("LeNet5", () => new LeNet5()),
    ("Seed004Net", () => new Seed004Net()),
    ("CifarNet", () => new CifarNet()),
    ("AlexNet", () => new AlexNet()),
    ("ZFNet", () => new ZFNet()),
    ("Vgg16", () => new Vgg16()),
    ("GoogLeNet", () => new GoogLeNet()),
    ("ResNet18", () => new ResNet18()),
};

Console.WriteLine($"{"network",-12} {"layers",7} {"parameters",13} {"MMAC/image",11} {"forward ms",11}  top class (p)");
foreach ((string name, Func<INetwork> create) in all)
{
    if (args.Length > 0 && Array.IndexOf(args, name) < 0)
    {
        continue;
    }

    INetwork net = create();
    var random = new Random(1);
    var input = new float[net.InputSize];
    for (int i = 0; i < input.Length; i++)
    {
        input[i] = random.NextSingle();
    }

    var output = new float[net.OutputSize];
    net.Forward(input, output);
    var clock = Stopwatch.StartNew();
    net.Forward(input, output);
    double ms = clock.Elapsed.TotalMilliseconds;
    long macs = 0;
    foreach (LayerInfo layer in net.Layers)
    {
        macs += layer.MultiplyAdds;
    }

    int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output);
    Console.WriteLine($"{name,-12} {net.Layers.Count,7} {net.ParameterSize,13:N0} {macs / 1e6,11:F1} {ms,11:F1}  {best} ({output[best]:F4})");
}
