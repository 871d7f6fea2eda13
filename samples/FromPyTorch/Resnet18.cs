// Written by CnnGen.Onnx's import from resnet18.onnx (pytorch 1.13.0, opset 13): 141 nodes → 69 layers.
// Each attribute is one ONNX node (the node's name after //). The weights load with SafeTensors.Load(network, "resnet18.safetensors").
using CnnGen;

namespace FromPyTorch;

/// <summary>Resnet18: 224×224×3 → 1000, 11,689,512 parameters, imported from resnet18.onnx.</summary>
[Network(ExpectedParameters = 11_689_512)]
[Input(224, 224, 3)]
[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false, Rounding = Rounding.Floor, Tensor = "conv1")] // /conv1/Conv
[BatchNorm(Tensor = "bn1")] // /bn1/BatchNormalization
[ReLU] // /relu/Relu
[MaxPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Floor, Name = "maxpool")] // /maxpool/MaxPool
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "layer1.0.conv1")] // /layer1/layer1.0/conv1/Conv
[BatchNorm(Tensor = "layer1.0.bn1")] // /layer1/layer1.0/bn1/BatchNormalization
[ReLU] // /layer1/layer1.0/relu/Relu
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "layer1.0.conv2")] // /layer1/layer1.0/conv2/Conv
[BatchNorm(Tensor = "layer1.0.bn2")] // /layer1/layer1.0/bn2/BatchNormalization
[Add("maxpool")] // /layer1/layer1.0/Add
[ReLU(Name = "layer1.0.relu_1")] // /layer1/layer1.0/relu_1/Relu
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "layer1.1.conv1")] // /layer1/layer1.1/conv1/Conv
[BatchNorm(Tensor = "layer1.1.bn1")] // /layer1/layer1.1/bn1/BatchNormalization
[ReLU] // /layer1/layer1.1/relu/Relu
[Conv2D(64, 3, Padding = 1, Bias = false, Tensor = "layer1.1.conv2")] // /layer1/layer1.1/conv2/Conv
[BatchNorm(Tensor = "layer1.1.bn2")] // /layer1/layer1.1/bn2/BatchNormalization
[Add("layer1.0.relu_1")] // /layer1/layer1.1/Add
[ReLU(Name = "layer1.1.relu_1")] // /layer1/layer1.1/relu_1/Relu
[Conv2D(128, 3, Stride = 2, Padding = 1, Bias = false, Rounding = Rounding.Floor, Tensor = "layer2.0.conv1")] // /layer2/layer2.0/conv1/Conv
[BatchNorm(Tensor = "layer2.0.bn1")] // /layer2/layer2.0/bn1/BatchNormalization
[ReLU] // /layer2/layer2.0/relu/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "layer2.0.conv2")] // /layer2/layer2.0/conv2/Conv
[BatchNorm(Tensor = "layer2.0.bn2", Name = "layer2.0.bn2")] // /layer2/layer2.0/bn2/BatchNormalization
[Conv2D(128, 1, Stride = 2, Bias = false, Rounding = Rounding.Floor, Tensor = "layer2.0.downsample.0", From = "layer1.1.relu_1")] // /layer2/layer2.0/downsample/downsample.0/Conv
[BatchNorm(Tensor = "layer2.0.downsample.1")] // /layer2/layer2.0/downsample/downsample.1/BatchNormalization
[Add("layer2.0.bn2")] // /layer2/layer2.0/Add
[ReLU(Name = "layer2.0.relu_1")] // /layer2/layer2.0/relu_1/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "layer2.1.conv1")] // /layer2/layer2.1/conv1/Conv
[BatchNorm(Tensor = "layer2.1.bn1")] // /layer2/layer2.1/bn1/BatchNormalization
[ReLU] // /layer2/layer2.1/relu/Relu
[Conv2D(128, 3, Padding = 1, Bias = false, Tensor = "layer2.1.conv2")] // /layer2/layer2.1/conv2/Conv
[BatchNorm(Tensor = "layer2.1.bn2")] // /layer2/layer2.1/bn2/BatchNormalization
[Add("layer2.0.relu_1")] // /layer2/layer2.1/Add
[ReLU(Name = "layer2.1.relu_1")] // /layer2/layer2.1/relu_1/Relu
[Conv2D(256, 3, Stride = 2, Padding = 1, Bias = false, Rounding = Rounding.Floor, Tensor = "layer3.0.conv1")] // /layer3/layer3.0/conv1/Conv
[BatchNorm(Tensor = "layer3.0.bn1")] // /layer3/layer3.0/bn1/BatchNormalization
[ReLU] // /layer3/layer3.0/relu/Relu
[Conv2D(256, 3, Padding = 1, Bias = false, Tensor = "layer3.0.conv2")] // /layer3/layer3.0/conv2/Conv
[BatchNorm(Tensor = "layer3.0.bn2", Name = "layer3.0.bn2")] // /layer3/layer3.0/bn2/BatchNormalization
[Conv2D(256, 1, Stride = 2, Bias = false, Rounding = Rounding.Floor, Tensor = "layer3.0.downsample.0", From = "layer2.1.relu_1")] // /layer3/layer3.0/downsample/downsample.0/Conv
[BatchNorm(Tensor = "layer3.0.downsample.1")] // /layer3/layer3.0/downsample/downsample.1/BatchNormalization
[Add("layer3.0.bn2")] // /layer3/layer3.0/Add
[ReLU(Name = "layer3.0.relu_1")] // /layer3/layer3.0/relu_1/Relu
[Conv2D(256, 3, Padding = 1, Bias = false, Tensor = "layer3.1.conv1")] // /layer3/layer3.1/conv1/Conv
[BatchNorm(Tensor = "layer3.1.bn1")] // /layer3/layer3.1/bn1/BatchNormalization
[ReLU] // /layer3/layer3.1/relu/Relu
[Conv2D(256, 3, Padding = 1, Bias = false, Tensor = "layer3.1.conv2")] // /layer3/layer3.1/conv2/Conv
[BatchNorm(Tensor = "layer3.1.bn2")] // /layer3/layer3.1/bn2/BatchNormalization
[Add("layer3.0.relu_1")] // /layer3/layer3.1/Add
[ReLU(Name = "layer3.1.relu_1")] // /layer3/layer3.1/relu_1/Relu
[Conv2D(512, 3, Stride = 2, Padding = 1, Bias = false, Rounding = Rounding.Floor, Tensor = "layer4.0.conv1")] // /layer4/layer4.0/conv1/Conv
[BatchNorm(Tensor = "layer4.0.bn1")] // /layer4/layer4.0/bn1/BatchNormalization
[ReLU] // /layer4/layer4.0/relu/Relu
[Conv2D(512, 3, Padding = 1, Bias = false, Tensor = "layer4.0.conv2")] // /layer4/layer4.0/conv2/Conv
[BatchNorm(Tensor = "layer4.0.bn2", Name = "layer4.0.bn2")] // /layer4/layer4.0/bn2/BatchNormalization
[Conv2D(512, 1, Stride = 2, Bias = false, Rounding = Rounding.Floor, Tensor = "layer4.0.downsample.0", From = "layer3.1.relu_1")] // /layer4/layer4.0/downsample/downsample.0/Conv
[BatchNorm(Tensor = "layer4.0.downsample.1")] // /layer4/layer4.0/downsample/downsample.1/BatchNormalization
[Add("layer4.0.bn2")] // /layer4/layer4.0/Add
[ReLU(Name = "layer4.0.relu_1")] // /layer4/layer4.0/relu_1/Relu
[Conv2D(512, 3, Padding = 1, Bias = false, Tensor = "layer4.1.conv1")] // /layer4/layer4.1/conv1/Conv
[BatchNorm(Tensor = "layer4.1.bn1")] // /layer4/layer4.1/bn1/BatchNormalization
[ReLU] // /layer4/layer4.1/relu/Relu
[Conv2D(512, 3, Padding = 1, Bias = false, Tensor = "layer4.1.conv2")] // /layer4/layer4.1/conv2/Conv
[BatchNorm(Tensor = "layer4.1.bn2")] // /layer4/layer4.1/bn2/BatchNormalization
[Add("layer4.0.relu_1")] // /layer4/layer4.1/Add
[ReLU] // /layer4/layer4.1/relu_1/Relu
[GlobalAvgPool] // /avgpool/GlobalAveragePool
[Flatten] // /Flatten
[Dense(1000, Tensor = "fc")] // /fc/Gemm
public partial class Resnet18;
