using System;
using System.Globalization;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// LeNet-5 on ONNX Runtime, the comparison for samples/LeNet.Aot: classifies binary PGM (P5, 8-bit) digits given on the
// command line and prints "file: class K (p = 0.NNNN)", as LeNet.Aot does. One intra-op thread, like CnnGen's Forward.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
using var options = new SessionOptions { IntraOpNumThreads = 1 };
using var session = new InferenceSession(Path.Combine(AppContext.BaseDirectory, "lenet5.onnx"), options);
var input = new DenseTensor<float>([1, 1, 32, 32]);
foreach (string file in args)
{
    byte[] bytes = File.ReadAllBytes(file);
    // "P5 W H 255" then one white-space byte, then W·H samples; MNIST's 28×28 centred in 32×32.
    string[] header = System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).Split((char[])[' ', '\n', '\r', '\t'], 5, StringSplitOptions.RemoveEmptyEntries);
    if (header.Length < 4 || header[0] != "P5") throw new InvalidDataException($"{file}: not a binary PGM");
    int width = int.Parse(header[1]), height = int.Parse(header[2]);
    int data = bytes.Length - width * height;
    input.Buffer.Span.Clear();
    int top = (32 - height) / 2, left = (32 - width) / 2;
    for (int r = 0; r < height; r++)
        for (int c = 0; c < width; c++)
            input[0, 0, top + r, left + c] = bytes[data + r * width + c] / 255f;

    using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
    Tensor<float> p = results[0].AsTensor<float>();
    int k = 0;
    for (int i = 1; i < 10; i++) if (p[0, i] > p[0, k]) k = i;
    Console.WriteLine($"{file}: class {k} (p = {p[0, k]:0.0000})");
}
