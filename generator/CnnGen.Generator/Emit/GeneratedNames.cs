using System.Collections.Generic;

namespace CnnGen.Generator.Emit;

/// <summary>
/// Every name the emitters declare directly in a network class (members and nested types, public or not), so the
/// parser can report CNN0014 when the class itself, one of its members or an inherited member uses one. Kept in step
/// with the emitters by GeneratorRobustnessTests, which collects the declared names from generated networks of every
/// layer kind and checks each as a class name and as a user member.
/// </summary>
internal static class GeneratedNames
{
    private static readonly HashSet<string> Fixed = new(System.StringComparer.Ordinal)
    {
        // NetworkEmitter: constants, tables, state, constructors' helpers, forward passes.
        "InputChannels", "InputHeight", "InputWidth", "InputLength", "OutputLength", "ParameterCount", "StateCount",
        "MultiplyAddsPerImage", "DefaultSeed", "Summary", "ArenaLength", "ScratchLength", "FoldedLength", "PackedLength",
        "PackedSourceLength", "LayerTable", "TensorTable", "Parameters", "State", "DegreeOfParallelism",
        "InitializeParameters", "Forward", "ForwardBatch", "Predict", "Run", "RunImages", "RunHead", "RunTail",
        "FoldBatchNorms", "PackDirectConvolutions", "Chunk", "HeadLength", "TailWidth", "WorkLength", "BatchForwardWork",
        "s_layers", "s_tensors", "_parameters", "_state", "_arena", "_scratch", "_folded", "_packed", "_packedSource",
        "_degreeOfParallelism", "_batchForward", "_work",

        // GraphEmitter.
        "Graph",

        // WeightsEmitter and the compiled-in weights.
        "WeightsFile", "LoadCompiledWeights", "CompiledParameters", "CompiledState",

        // TrainingEmitter.
        "Trainer", "TapeLength", "SavedLength", "PartialLength", "TrainScratchLength",
    };

    // The shape-specific kernels are named "<Kind>_<shapes>": any name with one of these prefixes may be one.
    private static readonly string[] Prefixes =
    {
        "Conv2D_", "DirectConv2D_", "Dense_", "MaxPool_", "AvgPool_", "MinPool_", "L2Pool_", "GlobalAvgPool_", "s_Conv2D_", "s_DirectConv2D_", "WinogradConv2D_",
    };

    /// <summary>Whether the emitters may declare a member of this name in a network class.</summary>
    public static bool IsReserved(string name)
    {
        if (Fixed.Contains(name))
        {
            return true;
        }

        foreach (string prefix in Prefixes)
        {
            if (name.StartsWith(prefix, System.StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
