using CnnGen;

namespace CnnGen.Tests.Networks;

// Small networks that together use every layer kind and option of the attribute API. Each mirrors a module
// in tools/fixtures/make_fixtures.py (same state_dict names); the fixtures are described in tests/fixtures/README.md.

/// <summary>
/// Rectangular 2×3 convolution with per-axis padding and a horizontal stride, a bias-free convolution with
/// BatchNorm, LeakyReLU, ceil-mode max pooling, a 1×1 convolution with bias and a BatchNorm with its own ε and
/// momentum, ELU, padded average pooling (count_include_pad), explicit Flatten, Sigmoid and Softmax (fixture "convbn").
/// </summary>
[Network]
[Input(10, 11, 3)]
[Conv2D(4, 2, 3, PaddingHeight = 1, PaddingWidth = 2, StrideWidth = 2, Bias = false)] // (10 − 2 + 2)/1 + 1 = 11, (11 − 3 + 4)/2 + 1 = 7
[BatchNorm] [LeakyReLU(0.1)]
[MaxPool(2, Rounding = Rounding.Ceil)] // ⌈(11 − 2)/2⌉ + 1 = 6, ⌈(7 − 2)/2⌉ + 1 = 4
[Conv2D(6, 1)] [BatchNorm(Epsilon = 1e-3, Momentum = 0.2)] [ELU(0.5)]
[AvgPool(2, Padding = 1)] // (6 − 2 + 2)/2 + 1 = 4, (4 − 2 + 2)/2 + 1 = 3
[Flatten] [Dense(5)] [Sigmoid] [Dense(4)] [Softmax]
public partial class ConvBnNet;

/// <summary>
/// Max pooling that floors a stride that does not fit, BatchNorm after a pooling layer (not foldable), min
/// pooling with padding, L2 pooling, Tanh, Sigmoid, global average pooling; raw outputs (fixture "poolnet").
/// </summary>
[Network]
[Input(12, 12, 2)]
[Conv2D(4, 3, Padding = 1)] [Tanh] // 12×12×4
[MaxPool(3, Stride = 2, Rounding = Rounding.Floor)] // ⌊(12 − 3)/2⌋ + 1 = 5
[BatchNorm]
[Conv2D(5, 3, Padding = 1)] [Sigmoid] // 5×5×5
[L2Pool(2, Stride = 1)] // 4×4×5
[MinPool(2, Padding = 1)] // (4 − 2 + 2)/2 + 1 = 3
[Conv2D(6, 1)] [Tanh]
[GlobalAvgPool] [Dense(3)]
public partial class PoolNet;

/// <summary>
/// Branches: three branches joined by Concat (one convolution path, a 1×1 convolution and an average pool both
/// reading the input via From = "input"), then a residual block whose shortcut is a strided 1×1 projection of the
/// concatenation (Name / From / Add), global average pooling, Dense, Softmax (fixture "branchnet").
/// </summary>
[Network]
[Input(8, 8, 3)]
[Conv2D(4, 3, Padding = 1)] [ReLU(Name = "a")] // 8×8×4
[Conv2D(3, 1, From = "input", Name = "b")] // 8×8×3
[AvgPool(3, Stride = 1, Padding = 1, From = "input", Name = "c")] // 8×8×3
[Concat("a", "b", "c", Name = "cat")] // 8×8×10
[Conv2D(6, 3, Stride = 2, Padding = 1, Rounding = Rounding.Floor)] [ReLU] [Conv2D(6, 3, Padding = 1, Name = "res")] // 4×4×6
[Conv2D(6, 1, Stride = 2, From = "cat", Rounding = Rounding.Floor)] // projection: ⌊(8 − 1)/2⌋ + 1 = 4
[Add("res")] [ReLU]
[GlobalAvgPool] [Dense(4)] [Softmax]
public partial class BranchNet;

/// <summary>
/// ResNet and GoogLeNet blocks: a stem (bias-free conv, BatchNorm, ReLU), a BasicBlock with Stride = 2 (projection
/// shortcut; the network floors as torchvision does on even sizes), a BasicBlock with the identity shortcut, a small
/// Inception module, global average pooling, Dense, Softmax (fixture "blocknet").
/// </summary>
[Network(Rounding = Rounding.Floor)]
[Input(8, 8, 3)]
[Conv2D(4, 3, Padding = 1, Bias = false)] [BatchNorm] [ReLU] // 8×8×4
[BasicBlock(6, Stride = 2)] // 4×4×6
[BasicBlock(6)] // 4×4×6
[Inception(2, 2, 3, 1, 2, 2)] // 4×4×9
[GlobalAvgPool] [Dense(3)] [Softmax]
public partial class BlockNet;

/// <summary>Dropout on an image and on a vector (default rate 0.5); raw outputs (fixture "dropoutnet", inference only).</summary>
[Network]
[Input(6, 6, 2)]
[Conv2D(3, 3)] [ReLU] [Dropout(0.25)] // 4×4×3
[Dense(8)] [Tanh] [Dropout]
[Dense(3)]
public partial class DropoutNet;

/// <summary>One input value → Dense(2000) → Dropout(0.3): the bias gradient shows every value's mask.</summary>
[Network]
[Input(1, 1, 1)]
[Dense(2000)] [Dropout(0.3)]
public partial class DropoutProbe;

/// <summary>
/// Wiring corner cases: BatchNorm reading the network input, a convolution output read both by an element-wise
/// layer and by a later Add (no in-place ReLU, no folding), BatchNorm after Add, Concat with the input itself,
/// ceil-mode padded average pooling (a window cut short by the padding), BatchNorm on a vector (BatchNorm1d), the
/// default ELU (fixture "edgenet").
/// </summary>
[Network]
[Input(6, 6, 2)]
[BatchNorm]
[Conv2D(3, 3, Padding = 1, Name = "x")] [ReLU] [Conv2D(3, 3, Padding = 1)] [Add("x")] [BatchNorm(Name = "sum")]
[Concat("sum", "input")] // 6×6×5
[AvgPool(3, Stride = 2, Padding = 1, Rounding = Rounding.Ceil)] // ⌈(6 − 3 + 2)/2⌉ + 1 = 4
[Flatten] [Dense(6)] [BatchNorm] [ELU] [Dense(3)] [Softmax]
public partial class EdgeNet;

/// <summary>
/// Strides and paddings per axis: a 3×5 convolution with Padding.Same (1 and 2) and StrideHeight = 2 only, padded
/// max pooling of negative values (the padding must never win), an Add of three tensors, max pooling with a stride
/// larger than the window, floored (fixture "stridenet").
/// </summary>
[Network]
[Input(7, 9, 2)]
[Conv2D(3, 3, 5, StrideHeight = 2, Padding = Padding.Same)] // (7 − 3 + 2)/2 + 1 = 4, (9 − 5 + 4)/1 + 1 = 9
[Tanh(Name = "t")]
[MaxPool(3, Stride = 1, Padding = 1)] // 4×9×3
[Conv2D(3, 1, Name = "u")]
[Conv2D(3, 1, From = "t")]
[Add("t", "u")]
[MaxPool(2, Stride = 3, Rounding = Rounding.Floor)] // ⌊(4 − 2)/3⌋ + 1 = 1, ⌊(9 − 2)/3⌋ + 1 = 3
[Dense(4)] [Softmax]
public partial class StrideNet;

/// <summary>Dropout right after the input and as the last layer (raw outputs): masks on the input and on the output.</summary>
[Network]
[Input(4, 4, 2)]
[Dropout(0.4)] [Conv2D(3, 3)] [Tanh] [Dense(5)] [Dropout(0.3)]
public partial class DropoutEnds;

/// <summary>
/// More wiring: a convolution read by its BatchNorm and by an Add (so not folded), the same branch twice in one
/// Concat next to the input, an Add of the input, and Dense straight after it (fixture "wirenet").
/// </summary>
[Network]
[Input(5, 5, 2)]
[Conv2D(3, 3, Padding = 1, Bias = false, Name = "c")] [BatchNorm] [Add("c")] [ReLU(Name = "a")]
[Concat("a", "a", "input")] // 5×5×8
[Conv2D(2, 1)] [Add("input")]
[Dense(3)]
public partial class WireNet;
