using System;
using System.IO;
using System.Linq;
using CnnGen.IO;
using FromPyTorch;

// FromPyTorch WEIGHTS IMAGE...: loads the weights the importer wrote into the imported ResNet-18 and prints each picture's
// five highest-scoring ImageNet class indices with their softmax probabilities.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: FromPyTorch resnet18.safetensors IMAGE... (PNG, JPEG or BMP)");
    return 2;
}

var network = new Resnet18();
try
{
    SafeTensors.Load(network, args[0]);
}
catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {args[0]}: {e.Message}");
    return 1;
}

// torchvision's ImageNet preprocessing: resize the short side and cut the centre, then normalise per channel.
var transform = new ImageTransform(Resnet18.InputChannels, Resnet18.InputHeight, Resnet18.InputWidth)
{
    Resize = ResizeMode.CenterCrop,
    Mean = [0.485f, 0.456f, 0.406f],
    Std = [0.229f, 0.224f, 0.225f],
};
float[] image = new float[Resnet18.InputLength];
float[] scores = new float[Resnet18.OutputLength];
int failed = 0;
foreach (string path in args.Skip(1))
{
    try
    {
        transform.Load(path, image);
    }
    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"error: {path}: {e.Message}");
        failed++;
        continue;
    }

    network.Forward(image, scores);
    float max = scores.Max();
    double total = scores.Sum(s => Math.Exp(s - max));
    var top = scores.Select((s, k) => (Class: k, P: Math.Exp(s - max) / total)).OrderByDescending(c => c.P).Take(5);
    Console.WriteLine($"{path}: " + string.Join(", ", top.Select(c => $"class {c.Class} (p = {c.P:0.0000})")));
}

return failed == 0 ? 0 : 1;
