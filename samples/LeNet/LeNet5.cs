using CnnGen;

namespace LeNet;

/// <summary>
/// LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, for 32×32 grey-scale digits. The CnnGen source
/// generator checks every shape and the parameter count at build time and emits the forward pass, the
/// backward pass and the nested <c>Trainer</c>.
/// </summary>
[Network(ExpectedParameters = 61706)]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU]
[Dense(84)] [ReLU]
[Dense(10)] [Softmax]
public partial class LeNet5;
