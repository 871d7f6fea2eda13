using CnnGen;

namespace CnnGen.Benchmarks;

/// <summary>LeNet-5 on 32×32 MNIST, declared exactly as tests/CnnGen.Tests/Networks/TestNetworks.cs does.</summary>
[Network(ExpectedParameters = 61706)]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
public partial class LeNet5;
