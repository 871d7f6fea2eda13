using CnnGen;

namespace CnnGen.Onnx.Tests;

// Small networks that together use every layer kind, window option and rounding the exporter translates.

/// <summary>
/// Convolutions: padding, stride, Padding.Same, rectangular kernels and strides, no bias, floor and ceil rounding:
/// 14×11 → 14×11 → 8×6 (ceil: ⌈13/2⌉ + 1 = 8) → 3×4 (floor: ⌊8/3⌋ + 1 = 3) → 3×4 → 2×2 (ceil on the height).
/// </summary>
[Network]
[Input(14, 11, 2)]
[Conv2D(4, 3, Padding = 1)] [ReLU]
[Conv2D(5, 3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil)] [ReLU]
[Conv2D(6, 2, 3, StrideHeight = 3, StrideWidth = 1, PaddingHeight = 1, PaddingWidth = 0, Bias = false, Rounding = Rounding.Floor)]
[Conv2D(3, 3, Padding = Padding.Same)]
[Conv2D(4, 2, Stride = 2, Rounding = Rounding.Ceil)]
public partial class ConvNet;

/// <summary>Max pooling: padded and rounded up (14 → 8), the 2×2 fast path (→ 4), ceil (→ 2), floor (→ 1).</summary>
[Network]
[Input(14, 14, 3)]
[MaxPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil)]
[MaxPool(2)]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(2, 1)] [MaxPool(2, Rounding = Rounding.Floor)]
public partial class MaxPoolNet;

/// <summary>Average pooling: padded cells in the divisor, ceil windows clipped to the padded input.</summary>
[Network]
[Input(17, 17, 3)]
[AvgPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil)]
[AvgPool(2, Rounding = Rounding.Ceil)]
[AvgPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Floor)]
[AvgPool(2, Stride = 1)]
public partial class AvgPoolNet;

/// <summary>Min pooling (−max(−x)), padded and rounded up.</summary>
[Network]
[Input(16, 15, 2)]
[MinPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil)]
[MinPool(2, Rounding = Rounding.Floor)]
public partial class MinPoolNet;

/// <summary>L2 pooling (LpPool p = 2), padded and rounded up.</summary>
[Network]
[Input(16, 15, 2)]
[L2Pool(3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil)]
[L2Pool(2, Rounding = Rounding.Ceil)]
[L2Pool(2, Stride = 1)]
public partial class L2PoolNet;

/// <summary>Every activation, BatchNorm on feature maps and on vectors, Dropout, Flatten, Dense, GlobalAvgPool, Softmax.</summary>
[Network]
[Input(10, 10, 3)]
[Conv2D(8, 3, Bias = false)] [BatchNorm] [LeakyReLU(0.1)]
[Conv2D(8, 3)] [BatchNorm(Epsilon = 0.001)] [ELU(0.7)] [Dropout(0.3)]
[Conv2D(6, 1)] [Sigmoid]
[Conv2D(6, 1)] [Tanh] [Flatten]
[Dense(20)] [BatchNorm] [ReLU] [Dropout(0.5)]
[Dense(7)] [Softmax]
public partial class ActivationNet;

/// <summary>GlobalAvgPool into Dense, with a default LeakyReLU and ELU.</summary>
[Network]
[Input(9, 7, 4)]
[Conv2D(6, 3, Padding = 1)] [LeakyReLU] [ELU] [GlobalAvgPool] [Dense(5)]
public partial class GlobalPoolNet;

/// <summary>Branches: Add of three outputs, Concat of four, From the input.</summary>
[Network]
[Input(12, 12, 3)]
[Conv2D(4, 3, Padding = 1, Name = "a")] [ReLU]
[Conv2D(4, 3, Padding = 1, Name = "b")]
[Conv2D(4, 1, From = "input", Name = "c")]
[Add("a", "c")] [ReLU(Name = "sum")]
[Conv2D(2, 1, From = "a", Name = "d")]
[MaxPool(3, Stride = 1, Padding = 1, From = "sum", Name = "e")]
[Concat("d", "sum", "e", "b")] [AvgPool(2)]
[Dense(6)]
public partial class BranchNet;

/// <summary>Add and Concat on vectors, and a vector from GlobalAvgPool added to one from Dense.</summary>
[Network]
[Input(8, 8, 3)]
[Conv2D(5, 3, Name = "features")] [GlobalAvgPool(Name = "pooled")]
[Dense(5, From = "features", Name = "dense")]
[Add("pooled")] [Tanh(Name = "mixed")]
[Concat("mixed", "dense", "pooled")]
[Dense(4)] [Softmax]
public partial class VectorBranchNet;

/// <summary>ResNet's BasicBlock (identity and projection shortcuts) and GoogLeNet's Inception module.</summary>
[Network(Rounding = Rounding.Floor)]
[Input(15, 15, 8)]
[BasicBlock(8)] [BasicBlock(12, Stride = 2)]
[Inception(4, 3, 6, 2, 3, 2)]
[GlobalAvgPool] [Dense(3)] [Softmax]
public partial class BlockNet;

// The 224×224 zoo networks of samples/Zoo, layer for layer, at small inputs (their parameter counts differ only
// where the first Dense reads a smaller map).

/// <summary>samples/Zoo's AlexNet at 63×63: 15 → 7 → 7 → 3 → 3 → 1.</summary>
[Network]
[Input(63, 63, 3)]
[Conv2D(64, 11, Stride = 4, Padding = 2, Rounding = Rounding.Floor)] [ReLU] [MaxPool(3, Stride = 2)]
[Conv2D(192, 5, Padding = 2)] [ReLU] [MaxPool(3, Stride = 2)]
[Conv2D(384, 3, Padding = 1)] [ReLU]
[Conv2D(256, 3, Padding = 1)] [ReLU]
[Conv2D(256, 3, Padding = 1)] [ReLU] [MaxPool(3, Stride = 2)]
[Dropout(0.5)] [Dense(4096)] [ReLU]
[Dropout(0.5)] [Dense(4096)] [ReLU]
[Dense(1000)] [Softmax]
public partial class SmallAlexNet;

/// <summary>samples/Zoo's ZFNet at 63×63: 30 → 15 (ceil) → 6 → 3 (ceil) → 1.</summary>
[Network]
[Input(63, 63, 3)]
[Conv2D(96, 7, Stride = 2, Padding = 1, Rounding = Rounding.Floor)] [ReLU] [MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(256, 5, Stride = 2)] [ReLU] [MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(384, 3, Padding = 1)] [ReLU]
[Conv2D(384, 3, Padding = 1)] [ReLU]
[Conv2D(256, 3, Padding = 1)] [ReLU] [MaxPool(3, Stride = 2)]
[Dropout(0.5)] [Dense(4096)] [ReLU]
[Dropout(0.5)] [Dense(4096)] [ReLU]
[Dense(1000)] [Softmax]
public partial class SmallZFNet;

/// <summary>samples/Zoo's VGG-16 at 32×32: five pools to 1×1.</summary>
[Network]
[Input(32, 32, 3)]
[Conv2D(64, 3, Padding = 1)] [ReLU] [Conv2D(64, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Conv2D(128, 3, Padding = 1)] [ReLU] [Conv2D(128, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Conv2D(256, 3, Padding = 1)] [ReLU] [Conv2D(256, 3, Padding = 1)] [ReLU] [Conv2D(256, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Conv2D(512, 3, Padding = 1)] [ReLU] [Conv2D(512, 3, Padding = 1)] [ReLU] [Conv2D(512, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Conv2D(512, 3, Padding = 1)] [ReLU] [Conv2D(512, 3, Padding = 1)] [ReLU] [Conv2D(512, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Dense(4096)] [ReLU] [Dropout(0.5)]
[Dense(4096)] [ReLU] [Dropout(0.5)]
[Dense(1000)] [Softmax]
public partial class SmallVgg16;

/// <summary>samples/Zoo's GoogLeNet at 48×48 (same 6,624,904 parameters: GlobalAvgPool before the Dense).</summary>
[Network(ExpectedParameters = 6_624_904, Rounding = Rounding.Floor)]
[Input(48, 48, 3)]
[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false)] [BatchNorm(Epsilon = 0.001)] [ReLU]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Conv2D(64, 1, Bias = false)] [BatchNorm(Epsilon = 0.001)] [ReLU]
[Conv2D(192, 3, Padding = 1, Bias = false)] [BatchNorm(Epsilon = 0.001)] [ReLU]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Inception(64, 96, 128, 16, 32, 32)] [Inception(128, 128, 192, 32, 96, 64)]
[MaxPool(3, Stride = 2, Rounding = Rounding.Ceil)]
[Inception(192, 96, 208, 16, 48, 64)] [Inception(160, 112, 224, 24, 64, 64)] [Inception(128, 128, 256, 24, 64, 64)]
[Inception(112, 144, 288, 32, 64, 64)] [Inception(256, 160, 320, 32, 128, 128)]
[MaxPool(2, Stride = 2, Rounding = Rounding.Ceil)]
[Inception(256, 160, 320, 32, 128, 128)] [Inception(384, 192, 384, 48, 128, 128)]
[GlobalAvgPool] [Dropout(0.2)] [Dense(1000)] [Softmax]
public partial class SmallGoogLeNet;

/// <summary>samples/Zoo's ResNet-18 at 40×40 (same 11,689,512 parameters): 20 → 10 → 10, 5, 3, 2.</summary>
[Network(ExpectedParameters = 11_689_512, Rounding = Rounding.Floor)]
[Input(40, 40, 3)]
[Conv2D(64, 7, Stride = 2, Padding = 3, Bias = false)] [BatchNorm] [ReLU] [MaxPool(3, Stride = 2, Padding = 1)]
[BasicBlock(64)] [BasicBlock(64)]
[BasicBlock(128, Stride = 2)] [BasicBlock(128)]
[BasicBlock(256, Stride = 2)] [BasicBlock(256)]
[BasicBlock(512, Stride = 2)] [BasicBlock(512)]
[GlobalAvgPool] [Dense(1000)] [Softmax]
public partial class SmallResNet18;

/// <summary>A network whose last layer is GlobalAvgPool then Dropout: the output is flattened to [N, C].</summary>
[Network]
[Input(6, 6, 3)]
[Conv2D(4, 3)] [GlobalAvgPool] [Dropout(0.5)]
public partial class PooledOutputNet;

/// <summary>Only Dropout: the model's output is its input (an Identity node), [N, 2, 4, 4].</summary>
[Network]
[Input(4, 4, 2)]
[Dropout(0.5)]
public partial class DropoutOnlyNet;
