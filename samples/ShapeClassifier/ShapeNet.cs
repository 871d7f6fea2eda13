using CnnGen;

namespace ShapeClassifier;

/// <summary>
/// A small RGB classifier for 32×32 pictures of six kinds of shapes and textures: two 3×3 convolutions (16 and 32
/// filters, zero-padded to keep the size), each followed by ReLU and 2×2 max pooling, then a dense layer of 64 and the
/// six class probabilities. CnnGen checks the shapes and the parameter count at build time.
/// </summary>
[Network(ExpectedParameters = 136_614)]
[Input(32, 32, 3)]
[Conv2D(16, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Conv2D(32, 3, Padding = 1)] [ReLU] [MaxPool(2)]
[Dense(64)] [ReLU]
[Dense(6)] [Softmax]
public partial class ShapeNet;
