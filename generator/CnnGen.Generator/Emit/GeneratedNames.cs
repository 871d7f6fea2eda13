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
        // NetworkEmitter: constants, tables, constructors' helpers; the members inherited from GeneratedNetwork<T>.
        "InputChannels", "InputHeight", "InputWidth", "InputLength", "OutputLength", "ParameterCount", "StateCount",
        "MultiplyAddsPerImage", "DefaultSeed", "Summary", "LayerTable", "TensorTable", "Parameters", "State",
        "DegreeOfParallelism", "InitializeParameters", "Forward", "ForwardBatch", "Predict", "FoldBatchNorms",
        "PackDirectConvolutions", "s_layers", "s_tensors", "s_sizes",

        // GraphEmitter.
        "Graph",

        // WeightsEmitter and the compiled-in weights.
        "WeightsFile", "LoadCompiledWeights", "CompiledParameters", "CompiledState",

        // TrainingEmitter.
        "Trainer", "s_training",
    };

    // The layer shapes are structs named "<Kind>_<shapes>": any name with one of these prefixes may be one.
    private static readonly string[] Prefixes =
    {
        "Conv2D_", "Dense_", "MaxPool_", "AvgPool_", "MinPool_", "L2Pool_", "GlobalAvgPool_",
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
