using CnnGen;

namespace LeNet.Aot;

/// <summary>
/// LeNet-5 exactly as samples/LeNet declares and trains it (same layers, same tensor names), with the weights that
/// sample saved compiled in: <c>Weights</c> names the <c>AdditionalFiles</c> item lenet5.safetensors, which the
/// generator checks against these layers at build time and emits as static data; <c>new LeNet5()</c> copies it into
/// <c>Parameters</c>. Only <c>Predict</c> is used: the generated <c>Trainer</c> is trimmed away.
/// lenet5.safetensors is the output of `dotnet run -c Release --project samples/LeNet -- --out DIR` (15 epochs,
/// seed 1, test accuracy 0.9805 on the 2,000 held-out digits).
/// </summary>
[Network(ExpectedParameters = 61706, Weights = "lenet5.safetensors")]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU]
[Dense(84)] [ReLU]
[Dense(10)] [Softmax]
public partial class LeNet5;
