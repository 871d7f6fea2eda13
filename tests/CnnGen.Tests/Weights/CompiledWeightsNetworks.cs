using CnnGen;

namespace CnnGen.Tests.Weights;

// Networks whose parameters are compiled in from safetensors files given to the build as AdditionalFiles
// (see CnnGen.Tests.csproj): the real build step (build/CnnGen.targets), the real compiler, the real generator.

/// <summary>LeNet-5 with PyTorch's weights from tests/fixtures/lenet5_state_dict.safetensors.</summary>
[Network(ExpectedParameters = 61706, Weights = "lenet5_state_dict.safetensors")]
[Input(32, 32, 1)]
[Conv2D(6, 5)] [ReLU] [MaxPool(2)]
[Conv2D(16, 5)] [ReLU] [MaxPool(2)]
[Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
public partial class CompiledLeNet5;

/// <summary>
/// The "convbn" network (tests/CnnGen.Tests/Networks/LayerNetworks.cs) with its PyTorch state dict: BatchNorm
/// running averages go to State, and the file's int64 num_batches_tracked counters are ignored.
/// </summary>
[Network(Weights = "convbn_state_dict.safetensors")]
[Input(10, 11, 3)]
[Conv2D(4, 2, 3, PaddingHeight = 1, PaddingWidth = 2, StrideWidth = 2, Bias = false)]
[BatchNorm] [LeakyReLU(0.1)]
[MaxPool(2, Rounding = Rounding.Ceil)]
[Conv2D(6, 1)] [BatchNorm(Epsilon = 1e-3, Momentum = 0.2)] [ELU(0.5)]
[AvgPool(2, Padding = 1)]
[Flatten] [Dense(5)] [Sigmoid] [Dense(4)] [Softmax]
public partial class CompiledConvBn;

/// <summary>
/// 64 parameters whose 256 data bytes are 0, 1, …, 255 in order (Weights/all_bytes.safetensors): every byte
/// value must reach the compiled-in data unchanged, NaN payloads and denormals included.
/// </summary>
/// <remarks>
/// The file is the reference layout written by hand (Python): header
/// <c>{"__metadata__":{"format":"pt"},"fc1.bias":{"dtype":"F32","shape":[32],"data_offsets":[128,256]},"fc1.weight":{"dtype":"F32","shape":[32,1],"data_offsets":[0,128]}}</c>
/// padded with spaces to 168 bytes, then <c>bytes(range(256))</c>; the test checks the data section is exactly that.
/// </remarks>
[Network(Weights = "all_bytes.safetensors")]
[Input(1, 1, 1)]
[Dense(32)]
public partial class AllBytes;
