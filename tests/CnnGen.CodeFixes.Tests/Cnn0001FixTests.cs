using System.Linq;
using System.Threading.Tasks;
using CnnGen.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace CnnGen.CodeFixes.Tests;

/// <summary>
/// CNN0001, a stride that does not fit: a padding that fits, a stride that fits, or the explicit opt-in to
/// floor rounding. Each test shows the declaration before and after the fix; "batch" is what fix all gives.
/// </summary>
public sealed class Cnn0001FixTests
{
    /// <summary>
    /// LeNet-5 with its second convolution at stride 2: (14 − 5 + 2·0)/2 + 1 = 5.5. No padding fits (9 + 2P is
    /// odd), so the fixes are strides 1 and 3 and floor rounding. The 5×5 it floors to makes the next
    /// MaxPool(2) misfit too ((5 − 2)/2 + 1 = 2.5): a second CNN0001, on that pool's implicit stride.
    /// </summary>
    private const string LeNetStride2 = """
        using CnnGen;

        namespace Demo;

        [Network]
        [Input(32, 32, 1)]
        [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
        [Conv2D(16, 5, {|CNN0001:Stride = 2|})] [ReLU] [MaxPool({|CNN0001:2|})]
        [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
        public partial class LeNet5;
        """;

    [Fact]
    public async Task LeNet5_SecondConvAtStride2_OffersStrides1And3AndFloor()
    {
        Offer conv = (await OfferedFixes.ForAsync(Verify.StripMarkup(LeNetStride2)))[0];

        Assert.Equal(
            new[] { "Use Stride = 1 (output 10×10)", "Use Stride = 3 (output 4×4)", "Opt in to Rounding = Rounding.Floor (output 5×5)" },
            conv.Actions.Select(a => a.Title));
        Assert.Equal(
            new[] { "CNN0001:Stride=1", "CNN0001:Stride=3", "CNN0001:Rounding=Floor" },
            conv.Actions.Select(a => a.EquivalenceKey));
    }

    [Fact]
    public async Task LeNet5_SecondConvAtStride2_Stride3()
    {
        // (14 − 5 + 2·0)/3 + 1 = 4, and the pool after it gets an even 4×4.
        await Verify.FixAsync(
            LeNetStride2,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5, Stride = 3)] [ReLU] [MaxPool(2)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """,
            equivalenceKey: "CNN0001:Stride=3",
            title: "Use Stride = 3 (output 4×4)",
            fixedAttribute: "Conv2D(16, 5, Stride = 3)",
            // Fix all also gives the pool, which offered Stride = 3 for its 5×5 input, a stride of 3; on the 4×4
            // input it now has, that no longer fits.
            batchAfter: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5, Stride = 3)] [ReLU] [MaxPool(2, {|CNN0001:Stride = 3|})]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """);
    }

    [Fact]
    public async Task LeNet5_SecondConvAtStride2_Stride1()
    {
        await Verify.FixAsync(
            LeNetStride2,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5, Stride = 1)] [ReLU] [MaxPool(2)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """,
            equivalenceKey: "CNN0001:Stride=1",
            title: "Use Stride = 1 (output 10×10)",
            fixedAttribute: "Conv2D(16, 5, Stride = 1)",
            batchAfter: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5, Stride = 1)] [ReLU] [MaxPool(2, Stride = 1)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """);
    }

    [Fact]
    public async Task LeNet5_SecondConvAtStride2_Floor()
    {
        // The convolution opts in to 5×5; the pool after it still has its own CNN0001 (a 5×5 input) until it
        // opts in too, which is what fix all does.
        await Verify.FixAsync(
            LeNetStride2,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5, Stride = 2, Rounding = Rounding.Floor)] [ReLU] [MaxPool({|CNN0001:2|})]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """,
            equivalenceKey: "CNN0001:Rounding=Floor",
            title: "Opt in to Rounding = Rounding.Floor (output 5×5)",
            fixedAttribute: "Conv2D(16, 5, Stride = 2, Rounding = Rounding.Floor)",
            batchAfter: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5, Stride = 2, Rounding = Rounding.Floor)] [ReLU] [MaxPool(2, Rounding = Rounding.Floor)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """);
    }

    /// <summary>Seed 001's example: (7 − 3 + 2·0)/3 + 1 = 2.33; padding 1 gives (7 − 3 + 2·1)/3 + 1 = 3.</summary>
    private const string Seed001 = """
        using CnnGen;

        namespace Demo;

        [Network]
        [Input(7, 7, 1)]
        [Conv2D(1, 3, {|CNN0001:Stride = 3|})]
        public partial class Strided;
        """;

    [Fact]
    public async Task Seed001_SevenBySevenAtStride3_OffersPaddingStridesAndFloor()
    {
        Offer offer = Assert.Single(await OfferedFixes.ForAsync(Verify.StripMarkup(Seed001)));

        Assert.Equal(
            new[]
            {
                "Use Padding = 1 (output 3×3)",
                "Use Stride = 1 (output 5×5)", "Use Stride = 2 (output 3×3)", "Use Stride = 4 (output 2×2)",
                "Opt in to Rounding = Rounding.Floor (output 2×2)",
            },
            offer.Actions.Select(a => a.Title));
    }

    [Fact]
    public async Task Seed001_SevenBySevenAtStride3_Padding1()
    {
        await Verify.FixAsync(
            Seed001,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(7, 7, 1)]
                [Conv2D(1, 3, Stride = 3, Padding = 1)]
                public partial class Strided;
                """,
            equivalenceKey: "CNN0001:Padding=1",
            title: "Use Padding = 1 (output 3×3)",
            fixedAttribute: "Conv2D(1, 3, Stride = 3, Padding = 1)");
    }

    [Fact]
    public async Task WrittenPadding_IsReplacedInPlace()
    {
        await Verify.FixAsync(
            """
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(7, 7, 1)]
            [Conv2D(1, 3, Padding = Padding.Valid, {|CNN0001:Stride = 3|}, Name = "c1")]
            public partial class Strided;
            """,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(7, 7, 1)]
                [Conv2D(1, 3, Padding = 1, Stride = 3, Name = "c1")]
                public partial class Strided;
                """,
            equivalenceKey: "CNN0001:Padding=1",
            title: "Use Padding = 1 (output 3×3)",
            fixedAttribute: "Conv2D(1, 3, Padding = 1, Stride = 3, Name = \"c1\")");
    }

    /// <summary>
    /// MaxPool(2) on an odd 29×29 input: its stride is implicit (the window, 2), so the diagnostic is on the
    /// size and the stride fix adds <c>Stride = 3</c>: (29 − 2)/3 + 1 = 10.
    /// </summary>
    [Fact]
    public async Task MaxPoolOnOddInput_ImplicitStride_AddsStride()
    {
        const string before = """
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(32, 32, 1)]
            [Conv2D(6, 4)] [ReLU] [MaxPool({|CNN0001:2|})]
            [Flatten] [Dense(10)]
            public partial class OddPool;
            """;

        Offer offer = Assert.Single(await OfferedFixes.ForAsync(Verify.StripMarkup(before)));
        Assert.Equal(
            new[] { "Use Stride = 1 (output 28×28)", "Use Stride = 3 (output 10×10)", "Opt in to Rounding = Rounding.Floor (output 14×14)" },
            offer.Actions.Select(a => a.Title));

        await Verify.FixAsync(
            before,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 4)] [ReLU] [MaxPool(2, Stride = 3)]
                [Flatten] [Dense(10)]
                public partial class OddPool;
                """,
            equivalenceKey: "CNN0001:Stride=3",
            title: "Use Stride = 3 (output 10×10)",
            fixedAttribute: "MaxPool(2, Stride = 3)");
    }

    [Fact]
    public async Task MaxPoolOnOddInput_Floor()
    {
        await Verify.FixAsync(
            """
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(32, 32, 1)]
            [Conv2D(6, 4)] [ReLU] [MaxPool({|CNN0001:2|})]
            [Flatten] [Dense(10)]
            public partial class OddPool;
            """,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(32, 32, 1)]
                [Conv2D(6, 4)] [ReLU] [MaxPool(2, Rounding = Rounding.Floor)]
                [Flatten] [Dense(10)]
                public partial class OddPool;
                """,
            equivalenceKey: "CNN0001:Rounding=Floor",
            title: "Opt in to Rounding = Rounding.Floor (output 14×14)",
            fixedAttribute: "MaxPool(2, Rounding = Rounding.Floor)");
    }

    [Fact]
    public async Task WithoutUsingCnnGen_TheRoundingIsQualified()
    {
        await Verify.FixAsync(
            """
            namespace Demo;

            [CnnGen.Network]
            [CnnGen.Input(5, 5, 1)]
            [CnnGen.MaxPool({|CNN0001:2|})]
            public partial class OddPool;
            """,
            after: """
                namespace Demo;

                [CnnGen.Network]
                [CnnGen.Input(5, 5, 1)]
                [CnnGen.MaxPool(2, Rounding = CnnGen.Rounding.Floor)]
                public partial class OddPool;
                """,
            equivalenceKey: "CNN0001:Rounding=Floor",
            title: "Opt in to Rounding = Rounding.Floor (output 2×2)",
            fixedAttribute: "CnnGen.MaxPool(2, Rounding = CnnGen.Rounding.Floor)");
    }

    [Fact]
    public async Task NonSquareInput_OnlyTheWidthMisfits_FixesGoOnTheWidth()
    {
        // 15×21 at stride 4: the height fits ((15 − 3)/4 + 1 = 4), the width does not ((21 − 3)/4 + 1 = 5.5).
        // "Padding = 1" would break the height, so the padding and stride fixes set PaddingWidth and StrideWidth.
        const string before = """
            using CnnGen;

            [Network]
            [Input(15, 21, 1)]
            [Conv2D(4, 3, {|CNN0001:Stride = 4|})]
            public partial class Wide;
            """;

        Offer offer = Assert.Single(await OfferedFixes.ForAsync(Verify.StripMarkup(before)));
        Assert.Equal(
            new[]
            {
                "Use PaddingWidth = 1 (output 4×6)",
                "Use StrideWidth = 2 (output 4×10)", "Use StrideWidth = 3 (output 4×7)", "Use StrideWidth = 6 (output 4×4)",
                "Opt in to Rounding = Rounding.Floor (output 4×5)",
            },
            offer.Actions.Select(a => a.Title));

        await Verify.FixAsync(
            before,
            after: """
                using CnnGen;

                [Network]
                [Input(15, 21, 1)]
                [Conv2D(4, 3, Stride = 4, PaddingWidth = 1)]
                public partial class Wide;
                """,
            equivalenceKey: "CNN0001:PaddingWidth=1",
            title: "Use PaddingWidth = 1 (output 4×6)",
            fixedAttribute: "Conv2D(4, 3, Stride = 4, PaddingWidth = 1)");
    }

    [Fact]
    public async Task PerAxisStrideWritten_NoStrideFixIsOffered()
    {
        // StrideHeight and StrideWidth override Stride, so "Stride = N" would change nothing: only the padding
        // and the rounding opt-in are offered.
        Offer offer = Assert.Single(await OfferedFixes.ForAsync("""
            using CnnGen;

            [Network]
            [Input(7, 7, 1)]
            [Conv2D(1, 3, StrideHeight = 3, StrideWidth = 3)]
            public partial class PerAxis;
            """));

        Assert.Equal(
            new[] { "CNN0001:Padding=1", "CNN0001:Rounding=Floor" },
            offer.Actions.Select(a => a.EquivalenceKey));
    }
}
