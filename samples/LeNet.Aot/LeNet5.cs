using CnnGen;

namespace LeNet.Aot;

/// <summary>
/// LeNet-5 exactly as samples/LeNet declares and trains it (same layers, same tensor names), so the weights that
/// sample saves load here. Only <c>Forward</c>/<c>Predict</c> are used: the generated <c>Trainer</c> is trimmed away.
/// </summary>
[Network(ExpectedParameters = 61706)]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU]
[Dense(84)] [ReLU]
[Dense(10)] [Softmax]
public partial class LeNet5;
