using CnnGen;

namespace CnnGen.Tests.Networks;

// The networks the runtime tests exercise; each mirrors a module in tools/fixtures/make_fixtures.py.

/// <summary>LeNet-5 on 32×32 MNIST, as seed 000 gives it.</summary>
[Network(ExpectedParameters = 61706)]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
public partial class LeNet5;

/// <summary>Padding and stride 2, Same padding, Tanh and average pooling; raw outputs (fixture "padstride").</summary>
[Network]
[Input(15, 15, 3)]
[Conv2D(8, 3, Stride = 2, Padding = 1)] [ReLU]
[Conv2D(4, 3, Padding = Padding.Same)] [Tanh] [AvgPool(2)]
[Dense(5)]
public partial class PadStride;

/// <summary>Sigmoid and max pooling, raw outputs, for the MSE and L1 losses (fixture "sigmoidnet").</summary>
[Network]
[Input(6, 6, 2)]
[Conv2D(3, 3)] [Sigmoid] [MaxPool(2)]
[Dense(4)]
public partial class SigmoidNet;
