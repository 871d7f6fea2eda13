using System.IO;
using System.Runtime.CompilerServices;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>Declarations shared by the Roslyn-level tests; LeNet5 and PadStride mirror tests/CnnGen.Tests/Networks/TestNetworks.cs.</summary>
internal static class Sources
{
    /// <summary>LeNet-5 on 32×32 MNIST, as seed 000 gives it.</summary>
    public const string LeNet5 = """
        using CnnGen;

        namespace Demo;

        /// <summary>LeNet-5 on 32×32 MNIST, as seed 000 gives it.</summary>
        [Network(ExpectedParameters = 61706)]
        [Input(32, 32, 1)]
        [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
        [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
        [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
        public partial class LeNet5;
        """;

    /// <summary>Padding and stride 2, Same padding, Tanh and average pooling; raw outputs (fixture "padstride").</summary>
    public const string PadStride = """
        using CnnGen;

        namespace Demo;

        /// <summary>Padding and stride 2, Same padding, Tanh and average pooling; raw outputs (fixture "padstride").</summary>
        [Network]
        [Input(15, 15, 3)]
        [Conv2D(8, 3, Stride = 2, Padding = 1)] [ReLU]
        [Conv2D(4, 3, Padding = Padding.Same)] [Tanh] [AvgPool(2)]
        [Dense(5)]
        public partial class PadStride;
        """;

    /// <summary>A small network nested in a partial class, in a block namespace.</summary>
    public const string Nested = """
        using CnnGen;

        namespace Demo.Models
        {
            public partial class Zoo
            {
                /// <summary>Sigmoid and max pooling on a 6×6×2 input (fixture "sigmoidnet"), nested in Zoo.</summary>
                [Network(Seed = 7)]
                [Input(6, 6, 2)]
                [Conv2D(3, 3)] [Sigmoid] [MaxPool(2)]
                [Dense(4)]
                internal partial class SigmoidNet;
            }
        }
        """;
}

/// <summary>Locates this test project's source directory (for snapshots) and the repository root (for docs).</summary>
internal static class SourceDirectory
{
    /// <summary>
    /// tests/CnnGen.Generator.Tests: the parent of this file's Infrastructure folder as the compiler saw it, or,
    /// when a path map hides that (ContinuousIntegrationBuild maps sources to /_/), found above the test binaries.
    /// </summary>
    public static string Project { get; } = FindProject();

    private static string FindProject()
    {
        string compiled = Path.GetDirectoryName(Path.GetDirectoryName(ThisFile()))!;
        if (File.Exists(Path.Combine(compiled, "CnnGen.Generator.Tests.csproj")))
        {
            return compiled;
        }

        for (DirectoryInfo? dir = new(System.AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CnnGen.Generator.Tests.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Cannot find tests/CnnGen.Generator.Tests from " + compiled + " or " + System.AppContext.BaseDirectory);
    }

    public static string Repository => Path.GetFullPath(Path.Combine(Project, "..", ".."));

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
