using CnnGen.Generator.Model;

namespace CnnGen.Generator.Lower;

// The output of lowering: every execution decision the emitters need (which kernel runs each layer, what it is fused
// with, where its output lives at inference and in the training tape, which training stage runs it), made once by
// Lowering.Lower from a NetworkPlan. Value-equatable so the incremental pipeline can cache it.

/// <summary>The kernel that runs one layer at inference.</summary>
internal enum LayerKernel
{
    /// <summary>Stride-1 convolution as an implicit GEMM over the padded frame.</summary>
    ConvImplicitGemm,

    /// <summary>Strided convolution through im2col in row chunks.</summary>
    ConvChunkedIm2col,

    /// <summary>Small convolution through the channel-vectorised direct kernel.</summary>
    ConvDirect,

    /// <summary>Direct convolution with the following max pool computed in its epilogue.</summary>
    ConvDirectFusedPool,

    /// <summary>Stride-1 3×3 convolution by Winograd F(4×4, 3×3) or F(2×2, 3×3) at inference (Plan/ConvAlgorithms.cs).</summary>
    ConvWinograd,
    Dense,

    /// <summary>2×2, stride-2 max or min pool (its backward can take the ReLU before it).</summary>
    TwoByTwoPool,
    Pool,

    /// <summary>A pool computed by the direct convolution before it: no code of its own.</summary>
    PoolFusedIntoConv,
    GlobalPool,
    Activation,
    Softmax,
    BatchNorm,

    /// <summary>A BatchNorm folded into the convolution before it: an alias of its output.</summary>
    FoldedBatchNorm,

    /// <summary>Flatten and (at inference) Dropout: an alias of the input.</summary>
    Alias,
    Add,
    Concat,
}

/// <summary>One operation of a training step.</summary>
internal enum StepOpKind
{
    Forward,
    Loss,
    Backward,
}

/// <summary>One operation of a training step (<see cref="Layer"/> is -1 for the loss).</summary>
internal sealed record StepOp(StepOpKind Kind, int Layer);

/// <summary>A run of training operations on the whole batch at once, or image by image in parts.</summary>
internal sealed record StagePlan(bool WholeBatch, EquatableArray<StepOp> Ops);

/// <summary>A range of the parameter buffer a part beyond the first accumulates on its own.</summary>
internal sealed record PartRange(int Offset, int Length);

/// <summary>
/// The decisions for one layer. Indices are layer indices, -1 for "none"; <see cref="Root"/> is the layer whose
/// arena region holds this layer's output (-1: the network input). <see cref="TwoByTwoPool"/>: a 2×2, stride-2 max or min
/// pool (its training backward can take the ReLU before it), whatever its inference kernel. <see cref="TrainPackOffset"/>
/// and <see cref="TrainGradPackOffset"/> (-1: the GEMM path): where in the trainer's transformed weights a Winograd
/// convolution's forward kernels and its input gradient's turned kernels are (the copies they were made from at
/// <see cref="TrainSourceOffset"/> and <see cref="TrainGradSourceOffset"/>). <see cref="TrainWinogradWeights"/>: its weight
/// gradient runs in the Winograd domain over a part's images at once.
/// </summary>
internal sealed record LayerExecution(
    LayerKernel Kernel,
    bool TwoByTwoPool,
    int Root,
    int Offset,
    bool InPlace,
    bool Alias,
    int FoldedInto,
    int FoldOffset,
    bool FusesReLU,
    int FusedPool,
    int FusedInto,
    int PackOffset,
    int SourceOffset,
    int TapeSlot,
    int MaskSlot,
    int SavedOffset,
    bool NeedsGradient,
    int BackwardFusedReLU,
    int ReLUBackwardFusedInto,
    bool ForwardWholeBatch,
    bool BackwardWholeBatch,
    int TrainPackOffset,
    int TrainSourceOffset,
    bool TrainWinogradWeights,
    int TrainGradPackOffset,
    int TrainGradSourceOffset);

/// <summary>The lowered network: per-layer decisions, buffer totals, the training stages and the batch-major tail.</summary>
internal sealed record ExecutionPlan(
    EquatableArray<LayerExecution> Layers,
    int ArenaLength,
    int ScratchLength,
    int FoldedLength,
    int PackedLength,
    int PackedSourceLength,
    int TapeLength,
    int SavedLength,
    int TrainScratchLength,
    int TrainPackedLength,
    int TrainPackedSourceLength,
    int PartialLength,
    EquatableArray<StagePlan> Stages,
    EquatableArray<PartRange> PartRanges,
    int TailStart);
