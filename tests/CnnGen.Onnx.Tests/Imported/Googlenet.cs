// Written by CnnGen.Onnx's import from googlenet.onnx (pytorch 1.13.0, opset 13): 197 nodes → 196 layers.
// Each attribute is one ONNX node (the node's name after //). The weights load with SafeTensors.Load(network, "googlenet.safetensors").
using CnnGen;

namespace CnnGen.Onnx.Tests.Imported;

/// <summary>Googlenet: 64×64×3 → 1000, 6,624,904 parameters, imported from googlenet.onnx.</summary>
[Network(ExpectedParameters = 6_624_904)]
[Input(64, 64, 3)]
[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false, Rounding = Rounding.Floor, Tensor = "conv1.conv")] // /conv1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "conv1.bn")] // /conv1/bn/BatchNormalization
[ReLU] // /conv1/Relu
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)] // /maxpool1/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "conv2.conv")] // /conv2/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "conv2.bn")] // /conv2/bn/BatchNormalization
[ReLU] // /conv2/Relu
[Conv2D(192, 3, Padding = 1, Bias = false, Tensor = "conv3.conv")] // /conv3/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "conv3.bn")] // /conv3/bn/BatchNormalization
[ReLU] // /conv3/Relu
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil, Name = "maxpool2")] // /maxpool2/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "inception3a.branch1.conv")] // /inception3a/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3a.branch1.bn")] // /inception3a/branch1/bn/BatchNormalization
[ReLU(Name = "inception3a.branch1")] // /inception3a/branch1/Relu
[Conv2D(96, 1, Bias = false, Tensor = "inception3a.branch2.0.conv", From = "maxpool2")] // /inception3a/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3a.branch2.0.bn")] // /inception3a/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception3a/branch2/branch2.0/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "inception3a.branch2.1.conv")] // /inception3a/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3a.branch2.1.bn")] // /inception3a/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1")] // /inception3a/branch2/branch2.1/Relu
[Conv2D(16, 1, Bias = false, Tensor = "inception3a.branch3.0.conv", From = "maxpool2")] // /inception3a/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3a.branch3.0.bn")] // /inception3a/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception3a/branch3/branch3.0/Relu
[Conv2D(32, 3, Padding = 1, Bias = false, Tensor = "inception3a.branch3.1.conv")] // /inception3a/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3a.branch3.1.bn")] // /inception3a/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1")] // /inception3a/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "maxpool2")] // /inception3a/branch4/branch4.0/MaxPool
[Conv2D(32, 1, Bias = false, Tensor = "inception3a.branch4.1.conv")] // /inception3a/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3a.branch4.1.bn")] // /inception3a/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1")] // /inception3a/branch4/branch4.1/Relu
[Concat("inception3a.branch1", "branch2.1", "branch3.1", "branch4.1", Name = "inception3a")] // /inception3a/Concat
[Conv2D(128, 1, Bias = false, Tensor = "inception3b.branch1.conv")] // /inception3b/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3b.branch1.bn")] // /inception3b/branch1/bn/BatchNormalization
[ReLU(Name = "inception3b.branch1")] // /inception3b/branch1/Relu
[Conv2D(128, 1, Bias = false, Tensor = "inception3b.branch2.0.conv", From = "inception3a")] // /inception3b/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3b.branch2.0.bn")] // /inception3b/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception3b/branch2/branch2.0/Relu
[Conv2D(192, 3, Padding = 1, Bias = false, Tensor = "inception3b.branch2.1.conv")] // /inception3b/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3b.branch2.1.bn")] // /inception3b/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_2")] // /inception3b/branch2/branch2.1/Relu
[Conv2D(32, 1, Bias = false, Tensor = "inception3b.branch3.0.conv", From = "inception3a")] // /inception3b/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3b.branch3.0.bn")] // /inception3b/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception3b/branch3/branch3.0/Relu
[Conv2D(96, 3, Padding = 1, Bias = false, Tensor = "inception3b.branch3.1.conv")] // /inception3b/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3b.branch3.1.bn")] // /inception3b/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_2")] // /inception3b/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "inception3a")] // /inception3b/branch4/branch4.0/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "inception3b.branch4.1.conv")] // /inception3b/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception3b.branch4.1.bn")] // /inception3b/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_2")] // /inception3b/branch4/branch4.1/Relu
[Concat("inception3b.branch1", "branch2.1_2", "branch3.1_2", "branch4.1_2")] // /inception3b/Concat
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil, Name = "maxpool3")] // /maxpool3/MaxPool
[Conv2D(192, 1, Bias = false, Tensor = "inception4a.branch1.conv")] // /inception4a/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4a.branch1.bn")] // /inception4a/branch1/bn/BatchNormalization
[ReLU(Name = "inception4a.branch1")] // /inception4a/branch1/Relu
[Conv2D(96, 1, Bias = false, Tensor = "inception4a.branch2.0.conv", From = "maxpool3")] // /inception4a/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4a.branch2.0.bn")] // /inception4a/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception4a/branch2/branch2.0/Relu
[Conv2D(208, 3, Padding = 1, Bias = false, Tensor = "inception4a.branch2.1.conv")] // /inception4a/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4a.branch2.1.bn")] // /inception4a/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_3")] // /inception4a/branch2/branch2.1/Relu
[Conv2D(16, 1, Bias = false, Tensor = "inception4a.branch3.0.conv", From = "maxpool3")] // /inception4a/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4a.branch3.0.bn")] // /inception4a/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception4a/branch3/branch3.0/Relu
[Conv2D(48, 3, Padding = 1, Bias = false, Tensor = "inception4a.branch3.1.conv")] // /inception4a/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4a.branch3.1.bn")] // /inception4a/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_3")] // /inception4a/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "maxpool3")] // /inception4a/branch4/branch4.0/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "inception4a.branch4.1.conv")] // /inception4a/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4a.branch4.1.bn")] // /inception4a/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_3")] // /inception4a/branch4/branch4.1/Relu
[Concat("inception4a.branch1", "branch2.1_3", "branch3.1_3", "branch4.1_3", Name = "inception4a")] // /inception4a/Concat
[Conv2D(160, 1, Bias = false, Tensor = "inception4b.branch1.conv")] // /inception4b/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4b.branch1.bn")] // /inception4b/branch1/bn/BatchNormalization
[ReLU(Name = "inception4b.branch1")] // /inception4b/branch1/Relu
[Conv2D(112, 1, Bias = false, Tensor = "inception4b.branch2.0.conv", From = "inception4a")] // /inception4b/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4b.branch2.0.bn")] // /inception4b/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception4b/branch2/branch2.0/Relu
[Conv2D(224, 3, Padding = 1, Bias = false, Tensor = "inception4b.branch2.1.conv")] // /inception4b/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4b.branch2.1.bn")] // /inception4b/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_4")] // /inception4b/branch2/branch2.1/Relu
[Conv2D(24, 1, Bias = false, Tensor = "inception4b.branch3.0.conv", From = "inception4a")] // /inception4b/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4b.branch3.0.bn")] // /inception4b/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception4b/branch3/branch3.0/Relu
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "inception4b.branch3.1.conv")] // /inception4b/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4b.branch3.1.bn")] // /inception4b/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_4")] // /inception4b/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "inception4a")] // /inception4b/branch4/branch4.0/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "inception4b.branch4.1.conv")] // /inception4b/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4b.branch4.1.bn")] // /inception4b/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_4")] // /inception4b/branch4/branch4.1/Relu
[Concat("inception4b.branch1", "branch2.1_4", "branch3.1_4", "branch4.1_4", Name = "inception4b")] // /inception4b/Concat
[Conv2D(128, 1, Bias = false, Tensor = "inception4c.branch1.conv")] // /inception4c/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4c.branch1.bn")] // /inception4c/branch1/bn/BatchNormalization
[ReLU(Name = "inception4c.branch1")] // /inception4c/branch1/Relu
[Conv2D(128, 1, Bias = false, Tensor = "inception4c.branch2.0.conv", From = "inception4b")] // /inception4c/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4c.branch2.0.bn")] // /inception4c/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception4c/branch2/branch2.0/Relu
[Conv2D(256, 3, Padding = 1, Bias = false, Tensor = "inception4c.branch2.1.conv")] // /inception4c/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4c.branch2.1.bn")] // /inception4c/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_5")] // /inception4c/branch2/branch2.1/Relu
[Conv2D(24, 1, Bias = false, Tensor = "inception4c.branch3.0.conv", From = "inception4b")] // /inception4c/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4c.branch3.0.bn")] // /inception4c/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception4c/branch3/branch3.0/Relu
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "inception4c.branch3.1.conv")] // /inception4c/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4c.branch3.1.bn")] // /inception4c/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_5")] // /inception4c/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "inception4b")] // /inception4c/branch4/branch4.0/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "inception4c.branch4.1.conv")] // /inception4c/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4c.branch4.1.bn")] // /inception4c/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_5")] // /inception4c/branch4/branch4.1/Relu
[Concat("inception4c.branch1", "branch2.1_5", "branch3.1_5", "branch4.1_5", Name = "inception4c")] // /inception4c/Concat
[Conv2D(112, 1, Bias = false, Tensor = "inception4d.branch1.conv")] // /inception4d/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4d.branch1.bn")] // /inception4d/branch1/bn/BatchNormalization
[ReLU(Name = "inception4d.branch1")] // /inception4d/branch1/Relu
[Conv2D(144, 1, Bias = false, Tensor = "inception4d.branch2.0.conv", From = "inception4c")] // /inception4d/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4d.branch2.0.bn")] // /inception4d/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception4d/branch2/branch2.0/Relu
[Conv2D(288, 3, Padding = 1, Bias = false, Tensor = "inception4d.branch2.1.conv")] // /inception4d/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4d.branch2.1.bn")] // /inception4d/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_6")] // /inception4d/branch2/branch2.1/Relu
[Conv2D(32, 1, Bias = false, Tensor = "inception4d.branch3.0.conv", From = "inception4c")] // /inception4d/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4d.branch3.0.bn")] // /inception4d/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception4d/branch3/branch3.0/Relu
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "inception4d.branch3.1.conv")] // /inception4d/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4d.branch3.1.bn")] // /inception4d/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_6")] // /inception4d/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "inception4c")] // /inception4d/branch4/branch4.0/MaxPool
[Conv2D(64, 1, Bias = false, Tensor = "inception4d.branch4.1.conv")] // /inception4d/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4d.branch4.1.bn")] // /inception4d/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_6")] // /inception4d/branch4/branch4.1/Relu
[Concat("inception4d.branch1", "branch2.1_6", "branch3.1_6", "branch4.1_6", Name = "inception4d")] // /inception4d/Concat
[Conv2D(256, 1, Bias = false, Tensor = "inception4e.branch1.conv")] // /inception4e/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4e.branch1.bn")] // /inception4e/branch1/bn/BatchNormalization
[ReLU(Name = "inception4e.branch1")] // /inception4e/branch1/Relu
[Conv2D(160, 1, Bias = false, Tensor = "inception4e.branch2.0.conv", From = "inception4d")] // /inception4e/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4e.branch2.0.bn")] // /inception4e/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception4e/branch2/branch2.0/Relu
[Conv2D(320, 3, Padding = 1, Bias = false, Tensor = "inception4e.branch2.1.conv")] // /inception4e/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4e.branch2.1.bn")] // /inception4e/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_7")] // /inception4e/branch2/branch2.1/Relu
[Conv2D(32, 1, Bias = false, Tensor = "inception4e.branch3.0.conv", From = "inception4d")] // /inception4e/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4e.branch3.0.bn")] // /inception4e/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception4e/branch3/branch3.0/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "inception4e.branch3.1.conv")] // /inception4e/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4e.branch3.1.bn")] // /inception4e/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_7")] // /inception4e/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "inception4d")] // /inception4e/branch4/branch4.0/MaxPool
[Conv2D(128, 1, Bias = false, Tensor = "inception4e.branch4.1.conv")] // /inception4e/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception4e.branch4.1.bn")] // /inception4e/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_7")] // /inception4e/branch4/branch4.1/Relu
[Concat("inception4e.branch1", "branch2.1_7", "branch3.1_7", "branch4.1_7")] // /inception4e/Concat
[MaxPool(2, Name = "maxpool4")] // /maxpool4/MaxPool
[Conv2D(256, 1, Bias = false, Tensor = "inception5a.branch1.conv")] // /inception5a/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5a.branch1.bn")] // /inception5a/branch1/bn/BatchNormalization
[ReLU(Name = "inception5a.branch1")] // /inception5a/branch1/Relu
[Conv2D(160, 1, Bias = false, Tensor = "inception5a.branch2.0.conv", From = "maxpool4")] // /inception5a/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5a.branch2.0.bn")] // /inception5a/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception5a/branch2/branch2.0/Relu
[Conv2D(320, 3, Padding = 1, Bias = false, Tensor = "inception5a.branch2.1.conv")] // /inception5a/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5a.branch2.1.bn")] // /inception5a/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_8")] // /inception5a/branch2/branch2.1/Relu
[Conv2D(32, 1, Bias = false, Tensor = "inception5a.branch3.0.conv", From = "maxpool4")] // /inception5a/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5a.branch3.0.bn")] // /inception5a/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception5a/branch3/branch3.0/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "inception5a.branch3.1.conv")] // /inception5a/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5a.branch3.1.bn")] // /inception5a/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_8")] // /inception5a/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "maxpool4")] // /inception5a/branch4/branch4.0/MaxPool
[Conv2D(128, 1, Bias = false, Tensor = "inception5a.branch4.1.conv")] // /inception5a/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5a.branch4.1.bn")] // /inception5a/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_8")] // /inception5a/branch4/branch4.1/Relu
[Concat("inception5a.branch1", "branch2.1_8", "branch3.1_8", "branch4.1_8", Name = "inception5a")] // /inception5a/Concat
[Conv2D(384, 1, Bias = false, Tensor = "inception5b.branch1.conv")] // /inception5b/branch1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5b.branch1.bn")] // /inception5b/branch1/bn/BatchNormalization
[ReLU(Name = "inception5b.branch1")] // /inception5b/branch1/Relu
[Conv2D(192, 1, Bias = false, Tensor = "inception5b.branch2.0.conv", From = "inception5a")] // /inception5b/branch2/branch2.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5b.branch2.0.bn")] // /inception5b/branch2/branch2.0/bn/BatchNormalization
[ReLU] // /inception5b/branch2/branch2.0/Relu
[Conv2D(384, 3, Padding = 1, Bias = false, Tensor = "inception5b.branch2.1.conv")] // /inception5b/branch2/branch2.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5b.branch2.1.bn")] // /inception5b/branch2/branch2.1/bn/BatchNormalization
[ReLU(Name = "branch2.1_9")] // /inception5b/branch2/branch2.1/Relu
[Conv2D(48, 1, Bias = false, Tensor = "inception5b.branch3.0.conv", From = "inception5a")] // /inception5b/branch3/branch3.0/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5b.branch3.0.bn")] // /inception5b/branch3/branch3.0/bn/BatchNormalization
[ReLU] // /inception5b/branch3/branch3.0/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "inception5b.branch3.1.conv")] // /inception5b/branch3/branch3.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5b.branch3.1.bn")] // /inception5b/branch3/branch3.1/bn/BatchNormalization
[ReLU(Name = "branch3.1_9")] // /inception5b/branch3/branch3.1/Relu
[MaxPool(3, Stride = 1, Padding = 1, From = "inception5a")] // /inception5b/branch4/branch4.0/MaxPool
[Conv2D(128, 1, Bias = false, Tensor = "inception5b.branch4.1.conv")] // /inception5b/branch4/branch4.1/conv/Conv
[BatchNorm(Epsilon = 0.001, Tensor = "inception5b.branch4.1.bn")] // /inception5b/branch4/branch4.1/bn/BatchNormalization
[ReLU(Name = "branch4.1_9")] // /inception5b/branch4/branch4.1/Relu
[Concat("inception5b.branch1", "branch2.1_9", "branch3.1_9", "branch4.1_9")] // /inception5b/Concat
[GlobalAvgPool] // /avgpool/GlobalAveragePool
[Flatten] // /Flatten
[Dense(1000, Tensor = "fc")] // /fc/Gemm
public partial class Googlenet;
