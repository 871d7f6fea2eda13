using CnnGen;

namespace CnnGen.Zoo;

// The architecture zoo of the seeds, declared with attributes. Every ExpectedParameters is the published
// count (torchvision's for AlexNet, VGG-16, GoogLeNet and ResNet-18) or, for the seed networks, the sum
// of F·F·C·K + K and in·out + out worked by hand in the comments: the build fails if the layers disagree.

/// <summary>LeNet-5 on 32×32 MNIST (seed 000): 61,706 parameters.</summary>
[Network(ExpectedParameters = 61_706)]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
public partial class LeNet5;

/// <summary>
/// Seed 004's worked stack: 39×39×3 → 37×37×10 → 17×17×20 → 7×7×40 → 1,960 → 10 classes.
/// 3·3·3·10 + 10 = 280; 5·5·10·20 + 20 = 5,020; 5·5·20·40 + 40 = 20,040; 1,960·10 + 10 = 19,610; total 44,950.
/// </summary>
[Network(ExpectedParameters = 44_950)]
[Input(39, 39, 3)]
[Conv2D(10, 3)] [ReLU]
[Conv2D(20, 5, Stride = 2)] [ReLU]
[Conv2D(40, 5, Stride = 2)] [ReLU]
[Flatten] [Dense(10)] [Softmax]
public partial class Seed004Net;

/// <summary>
/// Seed 002's pattern INPUT → [[CONV → RELU]*2 → POOL]*3 → [FC → RELU]*2 → FC on CIFAR-10's 32×32×3.
/// Convs 896 + 9,248 + 18,496 + 36,928 + 73,856 + 147,584; FCs 1,049,088 + 131,328 + 2,570; total 1,469,994.
/// </summary>
[Network(ExpectedParameters = 1_469_994)]
[Input(32, 32, 3)]
[Conv2D(32, 3, Padding = Padding.Same)] [ReLU] [Conv2D(32, 3, Padding = Padding.Same)] [ReLU] [MaxPool(2)]
[Conv2D(64, 3, Padding = Padding.Same)] [ReLU] [Conv2D(64, 3, Padding = Padding.Same)] [ReLU] [MaxPool(2)]
[Conv2D(128, 3, Padding = Padding.Same)] [ReLU] [Conv2D(128, 3, Padding = Padding.Same)] [ReLU] [MaxPool(2)]
[Dense(512)] [ReLU] [Dense(256)] [ReLU] [Dense(10)] [Softmax]
public partial class CifarNet;

/// <summary>
/// AlexNet as torchvision builds it (61,100,840 parameters). Its first layer, 11×11 stride 4 with padding 2
/// on 224×224, does not fit: (224 − 11 + 2·2)/4 + 1 = 55.25. PyTorch floors silently; here the floor is
/// written down. Tensors carry torchvision's state_dict keys (features.0 … classifier.6), so its weights load unchanged.
/// </summary>
[Network(ExpectedParameters = 61_100_840)]
[Input(224, 224, 3)]
[Conv2D(64, 11, Stride = 4, Padding = 2, Rounding = Rounding.Floor, Tensor = "features.0")] [ReLU] [MaxPool(3, Stride = 2)]
[Conv2D(192, 5, Padding = 2, Tensor = "features.3")] [ReLU] [MaxPool(3, Stride = 2)]
[Conv2D(384, 3, Padding = 1, Tensor = "features.6")] [ReLU]
[Conv2D(256, 3, Padding = 1, Tensor = "features.8")] [ReLU]
[Conv2D(256, 3, Padding = 1, Tensor = "features.10")] [ReLU] [MaxPool(3, Stride = 2)]
[Dropout(0.5)] [Dense(4096, Tensor = "classifier.1")] [ReLU]
[Dropout(0.5)] [Dense(4096, Tensor = "classifier.4")] [ReLU]
[Dense(1000, Tensor = "classifier.6")] [Softmax]
public partial class AlexNet;

/// <summary>
/// ZFNet (Zeiler and Fergus, 2013): 7×7 stride-2 first layer, 3×3 stride-2 pools that round up (Caffe),
/// 110 → 55 → 26 → 13 → 13 → 13 → 6 on a 224×224 input. By hand: 14,208 + 614,656 + 885,120 + 1,327,488
/// + 884,992 + 37,752,832 + 16,781,312 + 4,097,000 = 62,357,608.
/// </summary>
[Network(ExpectedParameters = 62_357_608)]
[Input(224, 224, 3)]
[Conv2D(96, 7, Stride = 2, Padding = 1, Rounding = Rounding.Floor)] [ReLU] [MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(256, 5, Stride = 2)] [ReLU] [MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(384, 3, Padding = 1)] [ReLU]
[Conv2D(384, 3, Padding = 1)] [ReLU]
[Conv2D(256, 3, Padding = 1)] [ReLU] [MaxPool(3, Stride = 2)]
[Dropout(0.5)] [Dense(4096)] [ReLU]
[Dropout(0.5)] [Dense(4096)] [ReLU]
[Dense(1000)] [Softmax]
public partial class ZFNet;

/// <summary>VGG-16 (configuration D) as torchvision builds it: 138,357,544 parameters, with torchvision's keys.</summary>
[Network(ExpectedParameters = 138_357_544)]
[Input(224, 224, 3)]
[Conv2D(64, 3, Padding = 1, Tensor = "features.0")] [ReLU] [Conv2D(64, 3, Padding = 1, Tensor = "features.2")] [ReLU] [MaxPool(2)]
[Conv2D(128, 3, Padding = 1, Tensor = "features.5")] [ReLU] [Conv2D(128, 3, Padding = 1, Tensor = "features.7")] [ReLU] [MaxPool(2)]
[Conv2D(256, 3, Padding = 1, Tensor = "features.10")] [ReLU] [Conv2D(256, 3, Padding = 1, Tensor = "features.12")] [ReLU] [Conv2D(256, 3, Padding = 1, Tensor = "features.14")] [ReLU] [MaxPool(2)]
[Conv2D(512, 3, Padding = 1, Tensor = "features.17")] [ReLU] [Conv2D(512, 3, Padding = 1, Tensor = "features.19")] [ReLU] [Conv2D(512, 3, Padding = 1, Tensor = "features.21")] [ReLU] [MaxPool(2)]
[Conv2D(512, 3, Padding = 1, Tensor = "features.24")] [ReLU] [Conv2D(512, 3, Padding = 1, Tensor = "features.26")] [ReLU] [Conv2D(512, 3, Padding = 1, Tensor = "features.28")] [ReLU] [MaxPool(2)]
[Dense(4096, Tensor = "classifier.0")] [ReLU] [Dropout(0.5)]
[Dense(4096, Tensor = "classifier.3")] [ReLU] [Dropout(0.5)]
[Dense(1000, Tensor = "classifier.6")] [Softmax]
public partial class Vgg16;

/// <summary>
/// GoogLeNet without the auxiliary heads, as torchvision builds it (6,624,904 parameters): every convolution
/// is bias-free and followed by BatchNorm(ε = 0.001) and ReLU; pools round up (ceil_mode) and the stride-2
/// stem rounds down, as PyTorch does. Tensors carry torchvision's keys (conv1.conv, conv1.bn, inception3a.branch1.conv …, fc).
/// </summary>
[Network(ExpectedParameters = 6_624_904, Rounding = Rounding.Floor)]
[Input(224, 224, 3)]
[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false, Tensor = "conv1.conv")] [BatchNorm(Epsilon = 0.001, Tensor = "conv1.bn")] [ReLU]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(64, 1, Bias = false, Tensor = "conv2.conv")] [BatchNorm(Epsilon = 0.001, Tensor = "conv2.bn")] [ReLU]
[Conv2D(192, 3, Padding = 1, Bias = false, Tensor = "conv3.conv")] [BatchNorm(Epsilon = 0.001, Tensor = "conv3.bn")] [ReLU]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Inception(64, 96, 128, 16, 32, 32, TensorPrefix = "inception3a")] [Inception(128, 128, 192, 32, 96, 64, TensorPrefix = "inception3b")]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Inception(192, 96, 208, 16, 48, 64, TensorPrefix = "inception4a")] [Inception(160, 112, 224, 24, 64, 64, TensorPrefix = "inception4b")]
[Inception(128, 128, 256, 24, 64, 64, TensorPrefix = "inception4c")]
[Inception(112, 144, 288, 32, 64, 64, TensorPrefix = "inception4d")] [Inception(256, 160, 320, 32, 128, 128, TensorPrefix = "inception4e")]
[MaxPool(2, Stride = 2, Rounding = Rounding.Ceil)]
[Inception(256, 160, 320, 32, 128, 128, TensorPrefix = "inception5a")] [Inception(384, 192, 384, 48, 128, 128, TensorPrefix = "inception5b")]
[GlobalAvgPool] [Dropout(0.2)] [Dense(1000, Tensor = "fc")] [Softmax]
public partial class GoogLeNet;

/// <summary>
/// ResNet-18 as torchvision builds it (11,689,512 parameters). Its stride-2 layers meet even sizes
/// ((56 − 3 + 2·1)/2 + 1 = 28.5), which PyTorch floors: the network opts in with Rounding.Floor. Tensors carry
/// torchvision's keys (conv1, bn1, layer1.0.conv1 … layer2.0.downsample.0 …, fc).
/// </summary>
[Network(ExpectedParameters = 11_689_512, Rounding = Rounding.Floor)]
[Input(224, 224, 3)]
[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false, Tensor = "conv1")] [BatchNorm(Tensor = "bn1")] [ReLU] [MaxPool(3, Stride = 2, Padding = 1)]
[BasicBlock(64, TensorPrefix = "layer1.0")] [BasicBlock(64, TensorPrefix = "layer1.1")]
[BasicBlock(128, Stride = 2, TensorPrefix = "layer2.0")] [BasicBlock(128, TensorPrefix = "layer2.1")]
[BasicBlock(256, Stride = 2, TensorPrefix = "layer3.0")] [BasicBlock(256, TensorPrefix = "layer3.1")]
[BasicBlock(512, Stride = 2, TensorPrefix = "layer4.0")] [BasicBlock(512, TensorPrefix = "layer4.1")]
[GlobalAvgPool] [Dense(1000, Tensor = "fc")] [Softmax]
public partial class ResNet18;
