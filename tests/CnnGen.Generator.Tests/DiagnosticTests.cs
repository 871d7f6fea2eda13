using System;
using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// Runs the real generator with <c>CSharpGeneratorDriver</c> and pins every diagnostic's ID and exact
/// span, written in the test source as <c>{|CNN0001:Stride = 2|}</c>. The rule the parser follows: a
/// diagnostic goes on the attribute argument it is about when that argument is written, otherwise on the
/// whole attribute (e.g. <c>MaxPool(2)</c>'s implicit stride goes on the <c>2</c>, the size that sets it).
/// </summary>
public sealed class DiagnosticTests
{
    // ---- CNN0001: stride does not fit ---------------------------------------------------------------

    [Fact]
    public void Cnn0001_LeNet5WithSecondConvAtStride2_OnStrideAndOnTheNextPoolSize()
    {
        // (14 − 5 + 2·0)/2 + 1 = 5.5; floored to 5 to go on, the next MaxPool(2) has (5 − 2)/2 + 1 = 2.5.
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network(ExpectedParameters = 61706)]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5, {|CNN0001:Stride = 2|})] [ReLU] [MaxPool({|CNN0001:2|})]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class LeNet5;
            """);

        Assert.Contains("(14 − 5 + 2·0)/2 + 1 = 5.5", diagnostics[0].GetMessage());
        Assert.StartsWith("Layer 4, Conv2D(16, 5, Stride = 2): stride 2 does not fit the 14×14×6 input", diagnostics[0].GetMessage());
        Assert.Contains("(5 − 2 + 2·0)/2 + 1 = 2.5", diagnostics[1].GetMessage());
    }

    [Fact]
    public void Cnn0001_Seed001_SevenBySevenInput_Stride3()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(7, 7, 1)]
            [Conv2D(1, 3, {|CNN0001:Stride = 3|})]
            public partial class Strided;
            """);

        Assert.Contains("(7 − 3 + 2·0)/3 + 1 = 2.33", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0001_TheAlexNetPaper_224Input_11x11Stride4()
    {
        // The paper's first layer on its stated 224×224 input: (224 − 11)/4 + 1 = 54.25 (issue 4, README).
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(224, 224, 3)]
            [Conv2D(96, 11, {|CNN0001:Stride = 4|})] [ReLU]
            [Dense(1000)] [Softmax]
            public partial class PaperAlexNet;
            """);

        Assert.Contains("(224 − 11 + 2·0)/4 + 1 = 54.25", diagnostics[0].GetMessage());
        Assert.Contains("Rounding.Floor gives 54×54", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0001_ImplicitPoolStride_IsOnTheSize()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(5, 5, 1)]
            [MaxPool({|CNN0001:2|})]
            public partial class OddPool;
            """);
    }

    [Fact]
    public void Cnn0001_ImplicitPoolStride_NamedSize_IsOnTheNamedArgument()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(5, 5, 1)]
            [AvgPool({|CNN0001:size: 2|})]
            public partial class OddPool;
            """);
    }

    [Fact]
    public void Cnn0001_ExplicitPoolStride_IsOnStride()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(6, 6, 1)]
            [MaxPool(3, {|CNN0001:Stride = 2|})]
            public partial class OverlappingPool;
            """);
    }

    [Theory]
    [InlineData("[Network(Rounding = Rounding.Floor)]", "[Conv2D(16, 5, Stride = 2)]")]
    [InlineData("[Network]", "[Conv2D(16, 5, Stride = 2, Rounding = Rounding.Ceil)] [Conv2D(8, 1, Rounding = Rounding.Floor)]")]
    public void Cnn0001_OptingInToRounding_Generates(string network, string layers)
    {
        // 14×14 with a 5×5 kernel at stride 2: floor 5, ceil 6; the following 1×1 convolution always fits.
        GeneratorRun run = GeneratorHarness.Run($$"""
            using CnnGen;

            namespace Demo;

            {{network}}
            [Input(14, 14, 6)]
            {{layers}}
            public partial class Rounded;
            """);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.Result.GeneratedSources);
        AssertCompilesCleanly(run);
    }

    // ---- CNN0002: window larger than its input ----------------------------------------------------------

    [Fact]
    public void Cnn0002_KernelLargerThanInput_IsOnTheKernel()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(4, 4, 1)]
            [Conv2D(6, {|CNN0002:5|})]
            public partial class TooSmall;
            """);

        Assert.Contains("the 5×5 kernel is larger than its padded input: 4 < 5", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0002_PoolWindowLargerThanInput_NamedArgument()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(28, 28, 1)]
            [Conv2D(4, 5)] [MaxPool(2)] [Conv2D(4, 5)] [MaxPool(2)] [Conv2D(4, 3)] [MaxPool({|CNN0002:size: 3|})]
            public partial class Shrinking;
            """);
    }

    // ---- CNN0003: parameter count -------------------------------------------------------------------

    [Fact]
    public void Cnn0003_ExpectedParameters_IsOnTheNamedArgument()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network({|CNN0003:ExpectedParameters = 61705|})]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class LeNet5;
            """);

        Assert.Equal(
            "The declared layers have 61,706 parameters, not the expected 61,705 (+1): "
            + "conv1 156 (5·5·1·6 + 6) + conv2 2,416 (5·5·6·16 + 16) + fc1 48,120 (400·120 + 120) "
            + "+ fc2 10,164 (120·84 + 84) + fc3 850 (84·10 + 10) = 61,706",
            diagnostics[0].GetMessage());
    }

    // ---- CNN0004: not partial -----------------------------------------------------------------------

    [Fact]
    public void Cnn0004_NonPartialClass_IsOnTheIdentifier()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(4, 4, 1)]
            [Dense(2)]
            public sealed class {|CNN0004:Solid|}
            {
            }
            """);
    }

    // ---- CNN0005: no Input --------------------------------------------------------------------------

    [Fact]
    public void Cnn0005_MissingInput_IsOnTheFirstAttribute()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [{|CNN0005:Network(Seed = 3)|}]
            [Conv2D(6, 5)] [ReLU]
            [Dense(10)]
            public partial class NoInput;
            """);
    }

    // ---- CNN0006: misplaced or repeated Input -----------------------------------------------------------

    [Fact]
    public void Cnn0006_SecondInput_IsOnTheSecondInput()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(32, 32, 1)]
            [{|CNN0006:Input(28, 28, 1)|}]
            [Dense(10)]
            public partial class TwoInputs;
            """);

        Assert.Equal("A network has exactly one Input: remove this second [Input]", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0006_InputAfterALayer_IsOnTheInput()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Conv2D(6, 5)]
            [{|CNN0006:Input(32, 32, 1)|}]
            [Dense(10)]
            public partial class LateInput;
            """);

        Assert.Equal("[Input] must come before the first layer, but Conv2D(6, 5) is declared above it: move [Input] to the top", diagnostics[0].GetMessage());
    }

    // ---- CNN0007: invalid values --------------------------------------------------------------------

    [Theory]
    [InlineData("[Input({|CNN0007:0|}, 32, 1)] [Dense(10)]")]
    [InlineData("[Input(32, 32, {|CNN0007:channels: -3|})] [Dense(10)]")]
    [InlineData("[{|CNN0007:Input(50000, 50000, 3)|}] [Dense(10)]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D({|CNN0007:0|}, 5)]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D(6, {|CNN0007:-5|})]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D(6, 5, {|CNN0007:Stride = 0|})]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D(6, 3, {|CNN0007:Padding = 3|})]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D(6, 3, {|CNN0007:Padding = -2|})]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D(6, 4, {|CNN0007:Padding = Padding.Same|})]")]
    [InlineData("[Input(32, 32, 1)] [Conv2D(6, 5, {|CNN0007:Rounding = (Rounding)7|})]")]
    [InlineData("[Input(32, 32, 1)] [MaxPool({|CNN0007:0|})]")]
    [InlineData("[Input(32, 32, 1)] [MaxPool(2, {|CNN0007:Stride = -1|})]")]
    [InlineData("[Input(32, 32, 1)] [AvgPool(2, {|CNN0007:Padding = 2|})]")]
    [InlineData("[Input(32, 32, 1)] [Dense({|CNN0007:0|})]")]
    [InlineData("[Input(1000, 1000, 3)] [Dense({|CNN0007:1000|})]")]
    public void Cnn0007_InvalidValue_IsOnTheArgument(string attributes)
    {
        VerifyDiagnostics($$"""
            using CnnGen;

            namespace Demo;

            [Network]
            {{attributes}}
            public partial class Invalid;
            """);
    }

    [Fact]
    public void Cnn0007_NegativeExpectedParameters()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network({|CNN0007:ExpectedParameters = -1|})]
            [Input(4, 4, 1)]
            [Dense(2)]
            public partial class Negative;
            """);
    }

    [Fact]
    public void Cnn0007_InvalidNetworkRounding()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network({|CNN0007:Rounding = (Rounding)(-1)|})]
            [Input(4, 4, 1)]
            [Dense(2)]
            public partial class BadRounding;
            """);
    }

    // ---- CNN0008: layer cannot follow ---------------------------------------------------------------

    [Fact]
    public void Cnn0008_LayerAfterSoftmax_IsOnTheWholeAttribute()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(4, 4, 1)]
            [Dense(10)] [Softmax] [{|CNN0008:Dense(5)|}]
            public partial class AfterSoftmax;
            """);
    }

    [Fact]
    public void Cnn0008_ConvAfterDense()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 1)]
            [Dense(16)] [ReLU] [{|CNN0008:Conv2D(4, 1)|}]
            public partial class ConvAfterDense;
            """);
    }

    [Fact]
    public void Cnn0008_SoftmaxOnAnImage()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 1)]
            [Conv2D(4, 3)] [{|CNN0008:Softmax|}]
            public partial class SoftmaxImage;
            """);
    }

    // ---- CNN0009: no layers -------------------------------------------------------------------------

    [Fact]
    public void Cnn0009_NoLayers_IsOnTheInput()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [{|CNN0009:Input(32, 32, 1)|}]
            public partial class Empty;
            """);
    }

    // ---- CNN0010: unsupported type --------------------------------------------------------------------

    [Theory]
    [InlineData("public partial class {|CNN0010:Generic|}<T> { }")]
    [InlineData("public static partial class {|CNN0010:Static|} { }")]
    [InlineData("public abstract partial class {|CNN0010:Abstract|} { }")]
    [InlineData("public class Outer { public partial class {|CNN0010:Inner|} { } }", true)]
    [InlineData("public partial class Outer<T> { public partial class {|CNN0010:Inner|} { } }", true)]
    public void Cnn0010_UnsupportedType_IsOnTheIdentifier(string declaration, bool nested = false)
    {
        // The attributes go on the network class itself: on the outer type's member when nested.
        string attributes = "[Network] [Input(4, 4, 1)] [Dense(2)]";
        string source = nested
            ? declaration.Replace("{ public partial class", "{ " + attributes + " public partial class", StringComparison.Ordinal)
            : attributes + "\n" + declaration;
        VerifyDiagnostics("using CnnGen;\n\nnamespace Demo;\n\n" + source + "\n");
    }

    [Fact]
    public void Cnn0010_ABaseClass_IsOnTheBaseType()
    {
        // The generated part derives the class from CnnGen.Runtime.GeneratedNetwork<T>; a base of the user's own cannot coexist.
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            public class Service { }

            [Network]
            [Input(4, 4, 1)]
            [Dense(2)]
            public partial class Derived : {|CNN0010:Service|};
            """);

        Assert.Contains("must not declare a base class, and it derives from 'Service'", diagnostics[0].GetMessage());
    }

    [Fact]
    public void ANetworkClass_MayImplementInterfaces()
    {
        // Generated, and the generated code compiles without a diagnostic.
        Infrastructure.GeneratedCode.AssertGenerated(Infrastructure.GeneratorHarness.Run("""
            using CnnGen;

            namespace Demo;

            public interface IModel { }

            [Network]
            [Input(4, 4, 1)]
            [Dense(2)]
            public partial class Model : IModel, System.IDisposable
            {
                public void Dispose() { }
            }
            """), "a network implementing interfaces");
    }

    // ---- CNN0011–CNN0013: branches and names ----------------------------------------------------------------

    [Fact]
    public void Cnn0011_AddOfDifferentShapes_IsOnTheName()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 3)]
            [Conv2D(4, 3, Padding = 1, Name = "shortcut")]
            [Conv2D(8, 3, Padding = 1)]
            [Add({|CNN0011:"shortcut"|})]
            [Dense(2)]
            public partial class Residual;
            """);

        Assert.Contains("is 8×8×4", diagnostics[0].GetMessage());
        Assert.Contains("is 8×8×8", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0011_ConcatOfDifferentSizes_IsOnTheSecondName()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 3)]
            [Conv2D(4, 1, Name = "a")]
            [Conv2D(4, 3, From = "input", Name = "b")]
            [Concat("a", {|CNN0011:"b"|})]
            [Dense(2)]
            public partial class Branches;
            """);
    }

    [Fact]
    public void Cnn0012_UnknownFrom_IsOnFrom()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 3)]
            [Conv2D(4, 1, Name = "a")]
            [Conv2D(4, 1, {|CNN0012:From = "b"|})]
            [Dense(2)]
            public partial class Unknown;
            """);

        Assert.Contains("no layer named \"b\" is declared before it; names available here: \"a\", \"input\"", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0012_UnknownAddName_IsOnTheName()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 3)]
            [Conv2D(3, 1, Padding = 0, Name = "a")]
            [Add("a", {|CNN0012:"later"|})]
            [Conv2D(3, 1, Name = "later")]
            [Dense(2)]
            public partial class ForwardReference;
            """);
    }

    [Fact]
    public void Cnn0013_DuplicateName_IsOnTheSecondName()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 3)]
            [Conv2D(4, 1, Name = "a")]
            [Conv2D(4, 1, {|CNN0013:Name = "a"|})]
            [Dense(2)]
            public partial class Twice;
            """);
    }

    [Fact]
    public void Cnn0016_InvalidTensorName_IsOnTheArgument()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 4)]
            [Conv2D(4, 1, {|CNN0016:Tensor = ""|})]
            [BasicBlock(4, {|CNN0016:TensorPrefix = "layer1/0"|})]
            [Dense(2, {|CNN0016:Tensor = "fc 1"|})]
            public partial class BadNames;
            """);
    }

    [Fact]
    public void Cnn0017_DuplicateTensorName_IsOnTheBlocksPrefix()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(9, 9, 4)]
            [BatchNorm(Tensor = "layer1.0.downsample.1")]
            [BasicBlock(8, Stride = 2, {|CNN0017:TensorPrefix = "layer1.0"|})]
            [Dense(2)]
            public partial class Clash;
            """);

        Assert.StartsWith("Layer 2, BasicBlock(8, Stride = 2, TensorPrefix = \"layer1.0\") → BatchNorm(): the tensor name \"layer1.0.downsample.1.weight\" is already used by layer 1, BatchNorm(Tensor = \"layer1.0.downsample.1\")", diagnostics[0].GetMessage());
    }

    [Theory]
    [InlineData("[Conv2D(8, 5, Padding = 2, {|CNN0018:Algorithm = ConvAlgorithm.Winograd|})]", "Winograd computes 3×3 kernels only, not 5×5")]
    [InlineData("[Conv2D(8, 3, Stride = 2, {|CNN0018:Algorithm = ConvAlgorithm.Winograd|})]", "Winograd computes stride 1 only, not stride 2")]
    [InlineData("[Conv2D(8, 3, Padding = 2, {|CNN0018:Algorithm = ConvAlgorithm.Winograd|})]", "Winograd needs the same padding, 0 or 1, on both axes, not 2")]
    [InlineData("[Conv2D(8, 3, PaddingHeight = 1, PaddingWidth = 0, {|CNN0018:Algorithm = ConvAlgorithm.Winograd|})]", "Winograd needs the same padding, 0 or 1, on both axes, not 1×0")]
    public void Cnn0018_WinogradOnALayerItCannotCompute_IsOnTheAlgorithmArgument(string layer, string why)
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics($$"""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(9, 9, 4)]
            {{layer}}
            [Dense(2)]
            public partial class NotWinograd;
            """);

        Assert.Contains(": " + why + "; use ConvAlgorithm.Auto or ConvAlgorithm.Direct", diagnostics[0].GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cnn0007_AnAlgorithmOutsideTheEnum()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(9, 9, 4)]
            [Conv2D(8, 3, {|CNN0007:Algorithm = (ConvAlgorithm)7|})]
            [Dense(2)]
            public partial class BadAlgorithm;
            """);

        Assert.Equal("Conv2D: Algorithm must be ConvAlgorithm.Auto, ConvAlgorithm.Direct or ConvAlgorithm.Winograd, not 7", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0013_TheInputNameIsTaken()
    {
        VerifyDiagnostics("""
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(8, 8, 3)]
            [Conv2D(4, 1, {|CNN0013:Name = "input"|})]
            [Dense(2)]
            public partial class InputName;
            """);
    }

    // ---- CNN0101–CNN0103: budget warnings (the network is still generated) --------------------------------

    [Fact]
    public void Cnn0101_ParameterBudget_IsOnMaxParameters()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics(LeNet5With("{|CNN0101:MaxParameters = 60000|}"));

        // 61,706 − 60,000 = 1,706; the largest layers are fc1 (400·120 + 120), fc2 (120·84 + 84), conv2 (5·5·6·16 + 16).
        Assert.Equal(
            "The network has 61,706 parameters, 1,706 over the budget of 60,000; the largest layers: "
            + "fc1 48,120 (layer 7, Dense(120)), fc2 10,164 (layer 9, Dense(84)), conv2 2,416 (layer 4, Conv2D(16, 5))",
            diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0102_MultiplyAddBudget_IsOnMaxMultiplyAdds()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics(LeNet5With("{|CNN0102:MaxMultiplyAdds = 400000|}"));

        // conv1 28·28·6 outputs · 5·5·1 = 117,600; conv2 10·10·16 · 5·5·6 = 240,000; fc 48,000 + 10,080 + 840: 416,520.
        Assert.StartsWith("One forward pass costs 416,520 multiply-adds per image, 16,520 over the budget of 400,000; the costliest layers: "
            + "layer 4, Conv2D(16, 5) 240,000, layer 1, Conv2D(6, 5) 117,600, layer 7, Dense(120) 48,000", diagnostics[0].GetMessage());
    }

    [Fact]
    public void Cnn0103_ReceptiveField_IsOnMinReceptiveField()
    {
        IReadOnlyList<Diagnostic> diagnostics = VerifyDiagnostics(LeNet5With("{|CNN0103:MinReceptiveField = 32|}"));

        // conv 5 → 5; pool 2 (jump 1) → 6; conv 5 (jump 2) → 6 + 4·2 = 14; pool 2 (jump 2) → 16.
        Assert.Contains("sees 16×16 input pixels (1 + (5 − 1)·1 + (2 − 1)·1 + (5 − 1)·2 + (2 − 1)·2 = 16), less than the required 32", diagnostics[0].GetMessage());
    }

    [Fact]
    public void BudgetWarnings_CanBeSuppressedWithPragma()
    {
        string source = LeNet5With("MaxParameters = 60000");
        GeneratorRun warned = GeneratorHarness.Run(source);
        GeneratorRun suppressed = GeneratorHarness.Run("#pragma warning disable CNN0101\n" + source + "#pragma warning restore CNN0101\n");

        Assert.Contains(warned.DriverDiagnostics, d => d.Id == "CNN0101" && !d.IsSuppressed);
        Assert.DoesNotContain(suppressed.DriverDiagnostics, d => d.Id == "CNN0101" && !d.IsSuppressed);
        Assert.Single(suppressed.Result.GeneratedSources);
    }

    private static string LeNet5With(string networkArgument) => Sources.LeNet5.Replace(
        "[Network(ExpectedParameters = 61706)]", "[Network(ExpectedParameters = 61706, " + networkArgument + ")]", StringComparison.Ordinal);

    // ---- Every ID is covered, and each descriptor has its documentation page ------------------------------

    [Fact]
    public void EveryDescriptor_HasItsDocumentationPage()
    {
        var descriptors = CnnGen.Generator.Diagnostics.DiagnosticDescriptors.ById;
        string docs = System.IO.Path.Combine(SourceDirectory.Repository, "docs", "diagnostics");

        Assert.NotEmpty(descriptors);
        foreach ((string id, DiagnosticDescriptor descriptor) in descriptors)
        {
            // CNN00xx are shape errors; CNN01xx are budget warnings the author opts in to.
            Assert.Equal(id.StartsWith("CNN01", StringComparison.Ordinal) ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, descriptor.DefaultSeverity);
            Assert.Equal($"https://github.com/cnngen/cnngen/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(docs, id + ".md")), $"docs/diagnostics/{id}.md is missing");
        }
    }

    // ---- Valid declarations -------------------------------------------------------------------------------

    [Fact]
    public void LeNet5_NoDiagnostics_AndTheGeneratedCodeCompilesCleanly()
    {
        GeneratorRun run = GeneratorHarness.Run(Sources.LeNet5);

        Assert.Empty(run.GeneratorDiagnostics);
        GeneratedSourceResult generated = Assert.Single(run.Result.GeneratedSources);
        Assert.Equal("Demo.LeNet5.g.cs", generated.HintName);
        Assert.StartsWith("// <auto-generated/>", generated.SourceText.ToString(), StringComparison.Ordinal);
        AssertCompilesCleanly(run);
    }

    [Theory]
    [InlineData("GlobalNamespace", """
        using CnnGen;

        [Network]
        [Input(6, 6, 2)]
        [Conv2D(3, 3)] [Sigmoid] [MaxPool(2)]
        [Dense(4)]
        public partial class GlobalNet;
        """)]
    [InlineData("BlockNamespace", """
        using CnnGen;

        namespace Demo.Nets
        {
            [Network(ExpectedParameters = 760)]
            [Input(32, 32, 3)]
            [Conv2D(10, 5, Stride = 1, Padding = 2)]
            internal partial class Quiz
            {
                public int Extra => 1;
            }
        }
        """)]
    [InlineData("NestedInPartialTypes", """
        using CnnGen;

        namespace Demo;

        public static partial class Models
        {
            internal partial struct Holder
            {
                [Network]
                [Input(5, 5, 1)]
                [Conv2D(2, 3, Padding = Padding.Same)] [Tanh] [AvgPool(2, Rounding = Rounding.Ceil)]
                [Flatten] [Dense(3)] [Softmax]
                public partial class Tiny;
            }
        }
        """)]
    [InlineData("SplitAcrossPartialParts", """
        using CnnGen;

        namespace Demo;

        [Network]
        [Input(8, 8, 1)]
        [Conv2D(2, 3)] [ReLU]
        public partial class Split;

        public partial class Split
        {
            public string Describe() => "split";
        }
        """)]
    [InlineData("OneByOneImages", """
        using CnnGen;

        namespace Demo;

        // A 1×1 input is an image for a 1×1 convolution, and so is a convolution's 1×1 output.
        [Network]
        [Input(1, 1, 3)]
        [Conv2D(4, 1)] [ReLU] [BatchNorm] [Conv2D(2, 1)]
        [Dense(2)]
        public partial class Pointwise;
        """)]
    [InlineData("EveryLayerKind", """
        using CnnGen;

        namespace Demo;

        [Network(Rounding = Rounding.Floor)]
        [Input(17, 15, 3)]
        [Conv2D(8, 3, 5, StrideHeight = 2, PaddingWidth = 2, Bias = false)] [BatchNorm] [LeakyReLU(0.1)]
        [MinPool(2, Stride = 1)] [L2Pool(3, Padding = 1)] [ELU] [AvgPool(2, Rounding = Rounding.Ceil)]
        [Conv2D(8, 1, Name = "a")] [Conv2D(8, 3, Padding = Padding.Same, Name = "b")] [Add("a")]
        [Concat("a", "b")] [Dropout(0.25)] [GlobalAvgPool] [Dense(4)] [Sigmoid]
        public partial class Everything;
        """)]
    [InlineData("Blocks", """
        using CnnGen;

        namespace Demo;

        // 17×17 so that the stride-2 block fits exactly: (17 − 3 + 2·1)/2 + 1 = 9 and (17 − 1)/2 + 1 = 9.
        [Network]
        [Input(17, 17, 3)]
        [Conv2D(8, 3, Padding = 1)] [ReLU]
        [BasicBlock(8)] [BasicBlock(16, Stride = 2)]
        [Inception(4, 4, 8, 2, 4, 4)]
        [GlobalAvgPool] [Dense(3)] [Softmax]
        public partial class MiniResInception;
        """)]
    public void ValidDeclarations_GenerateCodeThatCompilesCleanly(string name, string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.True(run.GeneratorDiagnostics.IsEmpty, name + ": " + string.Join("\n", run.GeneratorDiagnostics));
        Assert.Single(run.Result.GeneratedSources);
        AssertCompilesCleanly(run);
    }

    [Fact]
    public void TwoNetworks_EachGetTheirOwnFile()
    {
        GeneratorRun run = GeneratorHarness.Run(Sources.LeNet5, Sources.PadStride);

        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(
            new[] { "Demo.LeNet5.g.cs", "Demo.PadStride.g.cs" },
            run.Result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        AssertCompilesCleanly(run);
    }

    // ---- Malformed declarations: diagnostics, never exceptions --------------------------------------------

    public static TheoryData<string, string> Malformed => new()
    {
        { "missing argument while typing", "[Network] [Input(32, 32, 1)] [Conv2D(6, )] public partial class N;" },
        { "wrong argument type", "[Network] [Input(32, 32, 1)] [Conv2D(\"a\", 5)] public partial class N;" },
        { "too few arguments", "[Network] [Input(32, 32, 1)] [Conv2D(6)] public partial class N;" },
        { "too many arguments", "[Network] [Input(32, 32, 1, 4)] [Dense(2)] public partial class N;" },
        { "empty named argument", "[Network] [Input(32, 32, 1)] [Conv2D(6, 5, Stride = )] public partial class N;" },
        { "misspelt named argument", "[Network] [Input(32, 32, 1)] [Conv2D(6, 5, Strid = 2)] public partial class N;" },
        { "string for an int property", "[Network] [Input(32, 32, 1)] [Conv2D(6, 5, Stride = \"2\")] public partial class N;" },
        { "double for an int", "[Network] [Input(32, 32, 1)] [Dense(84.5)] public partial class N;" },
        { "non-constant argument", "[Network] [Input(32, 32, 1)] [Dense(System.Environment.ProcessorCount)] public partial class N;" },
        { "unclosed attribute", "[Network] [Input(32, 32, 1)] [Conv2D(6, 5 public partial class N;" },
        { "unclosed bracket", "[Network] [Input(32, 32, 1)] [Dense(10) public partial class N;" },
        { "unknown attribute", "[Network] [Input(32, 32, 1)] [Dropout(0.5)] [Dense(10)] public partial class N;" },
        { "missing identifier", "[Network] [Input(32, 32, 1)] [Dense(10)] public partial class { }" },
        { "missing Input", "[Network] [Dense(10)] public partial class N;" },
        { "two Inputs", "[Network] [Input(32, 32, 1)] [Input(32, 32, 1)] [Dense(10)] public partial class N;" },
        { "Input after a layer", "[Network] [Dense(10)] [Input(32, 32, 1)] public partial class N;" },
        { "only Network", "[Network] public partial class N;" },
        { "Network twice", "[Network] [Network] [Input(4, 4, 1)] [Dense(2)] public partial class N;" },
        { "non-partial class", "[Network] [Input(4, 4, 1)] [Dense(2)] public class N { }" },
        { "generic class", "[Network] [Input(4, 4, 1)] [Dense(2)] public partial class N<T>;" },
        { "static class", "[Network] [Input(4, 4, 1)] [Dense(2)] public static partial class N;" },
        { "nested in non-partial", "public class O { [Network] [Input(4, 4, 1)] [Dense(2)] public partial class N; }" },
        { "nested in generic", "public partial class O<T> { [Network] [Input(4, 4, 1)] [Dense(2)] public partial class N; }" },
        { "on a struct", "[Network] [Input(4, 4, 1)] [Dense(2)] public partial struct N;" },
        { "on a record", "[Network] [Input(4, 4, 1)] [Dense(2)] public partial record N;" },
        { "on an interface", "[Network] [Input(4, 4, 1)] [Dense(2)] public partial interface N;" },
        { "huge values", "[Network] [Input(int.MaxValue, int.MaxValue, int.MaxValue)] [Conv2D(int.MaxValue, int.MaxValue, Stride = int.MaxValue, Padding = int.MaxValue)] [Dense(int.MaxValue)] public partial class N;" },
        { "huge kernel and padding", "[Network] [Input(10, 10, 1)] [Conv2D(1, 2000000000, Stride = 3, Padding = 1999999999)] public partial class N;" },
        { "min values", "[Network(ExpectedParameters = long.MinValue, Rounding = (Rounding)int.MinValue)] [Input(int.MinValue, int.MinValue, int.MinValue)] [Conv2D(int.MinValue, int.MinValue, Stride = int.MinValue, Padding = int.MinValue)] [MaxPool(int.MinValue, Stride = int.MinValue, Padding = int.MinValue)] public partial class N;" },
        { "unchecked overflow", "[Network] [Input(32, 32, 1)] [Dense(unchecked((int)4000000000))] public partial class N;" },
        { "same name in another namespace", "[Network] [Input(4, 4, 1)] [Dense(2)] public partial class N; namespace Other { [Network] [Input(4, 4, 1)] [Dense(2)] public partial class N; }" },
        { "all of it at once", "[Network(ExpectedParameters = 3)] [Dense(0)] [Input(0, 0, 0)] [Input(1, 1, 1)] [Softmax] [Conv2D(0, 0)] public class N<T> { }" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedDeclarations_NeverThrow(string name, string declaration)
    {
        GeneratorRun run = GeneratorHarness.Run("using CnnGen;\n\n" + declaration + "\n");

        Assert.True(run.Result.Exception is null, name + ": " + run.Result.Exception);
        Assert.DoesNotContain(run.DriverDiagnostics, d => d.Id == "CS8785");
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id == "CS8785");

        // Whatever was reported is a CnnGen diagnostic with a real location in the user's file.
        Assert.All(run.GeneratorDiagnostics, d =>
        {
            Assert.StartsWith("CNN", d.Id, StringComparison.Ordinal);
            Assert.Equal("Network0.cs", d.Location.GetLineSpan().Path);
        });

        // An invalid network generates nothing; a network CnnGen did generate still compiles on its own part.
        if (!run.GeneratorDiagnostics.IsEmpty)
        {
            Assert.Empty(run.Result.GeneratedSources);
        }

        foreach (GeneratedSourceResult generated in run.Result.GeneratedSources)
        {
            SyntaxTree tree = run.Output.SyntaxTrees.Single(t => System.IO.Path.GetFileName(t.FilePath) == generated.HintName);
            Assert.DoesNotContain(run.Output.GetSemanticModel(tree).GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        }
    }

    [Fact]
    public void MalformedThenFixed_GeneratesOnceTheDeclarationIsValid()
    {
        // While typing "[Conv2D(6, 5)]": no CnnGen diagnostic for the unfinished attribute (the compiler reports it).
        GeneratorRun typing = GeneratorHarness.Run("""
            using CnnGen;
            namespace Demo;
            [Network] [Input(32, 32, 1)] [Conv2D(6, )] [Dense(10)]
            public partial class Typing;
            """);
        Assert.Empty(typing.GeneratorDiagnostics);
        Assert.Empty(typing.Result.GeneratedSources);

        GeneratorRun done = GeneratorHarness.Run("""
            using CnnGen;
            namespace Demo;
            [Network] [Input(32, 32, 1)] [Conv2D(6, 5)] [Dense(10)]
            public partial class Typing;
            """);
        Assert.Empty(done.GeneratorDiagnostics);
        Assert.Single(done.Result.GeneratedSources);
        AssertCompilesCleanly(done);
    }

    [Fact]
    public void Diagnostics_AreInTheDeclaringFile()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.Compilation(
            ("Nets/Good.cs", Sources.LeNet5),
            ("Nets/Bad.cs", "using CnnGen; namespace Demo; [Network] [Input(4, 4, 1)] [Conv2D(1, 5)] public partial class Bad;")));

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("CNN0002", diagnostic.Id);
        Assert.Equal("Nets/Bad.cs", diagnostic.Location.GetLineSpan().Path);
        SyntaxTree bad = run.Input.SyntaxTrees.Single(t => t.FilePath == "Nets/Bad.cs");
        Assert.Equal("5", bad.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Equal(new LinePosition(0, 68), diagnostic.Location.GetLineSpan().StartLinePosition);

        // The valid network in the other file is still generated.
        Assert.Equal("Demo.LeNet5.g.cs", Assert.Single(run.Result.GeneratedSources).HintName);
    }

    /// <summary>Runs the generator on the markup's source and asserts exactly the marked diagnostics (ID and span), no more.</summary>
    private static IReadOnlyList<Diagnostic> VerifyDiagnostics(string markup)
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(markup);
        Assert.NotEmpty(expected);
        GeneratorRun run = GeneratorHarness.Run(source);

        Assert.Null(run.Result.Exception);
        string Describe(string id, TextSpan span) => $"{id} at {span} \"{source.Substring(span.Start, span.Length)}\"";
        Assert.Equal(
            expected.Select(e => Describe(e.Id, e.Span)).ToArray(),
            run.GeneratorDiagnostics.Select(d => Describe(d.Id, d.Location.SourceSpan)).ToArray());
        Assert.All(run.GeneratorDiagnostics, d =>
        {
            Assert.Equal(d.Id.StartsWith("CNN01", StringComparison.Ordinal) ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, d.Severity);
            Assert.Equal("Network0.cs", d.Location.GetLineSpan().Path);
            Assert.True(d.Location.IsInSource, "A diagnostic outside the syntax tree cannot be suppressed with #pragma: " + d);
            Assert.False(string.IsNullOrWhiteSpace(d.GetMessage()));
        });

        // An invalid network generates nothing, so the user sees only CnnGen's errors, not follow-on ones;
        // a network with only budget warnings is still generated.
        if (run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            Assert.Empty(run.Result.GeneratedSources);
        }
        else
        {
            Assert.Single(run.Result.GeneratedSources);
            AssertCompilesCleanly(run);
        }

        return run.GeneratorDiagnostics;
    }

    private static void AssertCompilesCleanly(GeneratorRun run)
    {
        Assert.Null(run.Result.Exception);
        Assert.True(run.OutputProblems.IsEmpty, "The generated code does not compile cleanly:\n" + string.Join("\n", run.OutputProblems));
    }
}
