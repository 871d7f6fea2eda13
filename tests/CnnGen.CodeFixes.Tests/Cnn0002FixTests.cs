using System.Linq;
using System.Threading.Tasks;
using CnnGen.CodeFixes.Tests.Infrastructure;
using Xunit;

namespace CnnGen.CodeFixes.Tests;

/// <summary>CNN0002, a kernel or pooling window larger than its input: a padding, or a smaller kernel or window.</summary>
public sealed class Cnn0002FixTests
{
    /// <summary>A 7×7 kernel on a 5×5 input: 5 &lt; 7. Padding 1 makes the input 7×7; a 5×5 kernel fits as it is.</summary>
    private const string Kernel7On5 = """
        using CnnGen;

        namespace Demo;

        [Network]
        [Input(5, 5, 1)]
        [Conv2D(4, {|CNN0002:7|})] [ReLU]
        [Flatten] [Dense(10)]
        public partial class Small;
        """;

    [Fact]
    public async Task Kernel7On5x5_OffersPaddingAndSmallerKernel()
    {
        Offer offer = Assert.Single(await OfferedFixes.ForAsync(Verify.StripMarkup(Kernel7On5)));

        Assert.Equal(new[] { "Use Padding = 1 so that the kernel fits", "Use a 5×5 kernel" }, offer.Actions.Select(a => a.Title));
        Assert.Equal(new[] { "CNN0002:Padding=1", "CNN0002:kernel=5" }, offer.Actions.Select(a => a.EquivalenceKey));
    }

    [Fact]
    public async Task Kernel7On5x5_Padding1()
    {
        // (5 − 7 + 2·1)/1 + 1 = 1: a 1×1×4 output.
        await Verify.FixAsync(
            Kernel7On5,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(5, 5, 1)]
                [Conv2D(4, 7, Padding = 1)] [ReLU]
                [Flatten] [Dense(10)]
                public partial class Small;
                """,
            equivalenceKey: "CNN0002:Padding=1",
            title: "Use Padding = 1 so that the kernel fits",
            fixedAttribute: "Conv2D(4, 7, Padding = 1)");
    }

    [Fact]
    public async Task Kernel7On5x5_Kernel5()
    {
        await Verify.FixAsync(
            Kernel7On5,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(5, 5, 1)]
                [Conv2D(4, 5)] [ReLU]
                [Flatten] [Dense(10)]
                public partial class Small;
                """,
            equivalenceKey: "CNN0002:kernel=5",
            title: "Use a 5×5 kernel",
            fixedAttribute: "Conv2D(4, 5)");
    }

    [Fact]
    public async Task NamedKernelArgument_KeepsItsName()
    {
        await Verify.FixAsync(
            """
            using CnnGen;

            [Network]
            [Input(5, 5, 1)]
            [Conv2D(filters: 4, {|CNN0002:kernel: 7|})]
            public partial class Small;
            """,
            after: """
                using CnnGen;

                [Network]
                [Input(5, 5, 1)]
                [Conv2D(filters: 4, kernel: 5)]
                public partial class Small;
                """,
            equivalenceKey: "CNN0002:kernel=5",
            title: "Use a 5×5 kernel",
            fixedAttribute: "Conv2D(filters: 4, kernel: 5)");
    }

    [Fact]
    public async Task RectangularKernelTooTall_ReplacesBoth()
    {
        // Conv2D(4, 7, 7) is "same" on both axes of a 5×5 input: the fix is "kernel=5", applied to both sides.
        await Verify.FixAsync(
            """
            using CnnGen;

            [Network]
            [Input(5, 5, 1)]
            [Conv2D(4, {|CNN0002:7|}, 7)]
            public partial class Small;
            """,
            after: """
                using CnnGen;

                [Network]
                [Input(5, 5, 1)]
                [Conv2D(4, 5, 5)]
                public partial class Small;
                """,
            equivalenceKey: "CNN0002:kernel=5",
            title: "Use a 5×5 kernel",
            fixedAttribute: "Conv2D(4, 5, 5)");
    }

    [Fact]
    public async Task SquareKernelOnTooShortInput_SplitsIntoHeightAndWidth()
    {
        // A 5×9 input: the 7×7 kernel fits the width but not the height. The fix is "kernelHeight=5", which
        // the square-kernel constructor cannot say: Conv2D(4, 7) becomes Conv2D(4, 5, 7), a 1×3 output.
        await Verify.FixAsync(
            """
            using CnnGen;

            [Network]
            [Input(5, 9, 1)]
            [Conv2D(4, {|CNN0002:7|})]
            public partial class Wide;
            """,
            after: """
                using CnnGen;

                [Network]
                [Input(5, 9, 1)]
                [Conv2D(4, 5, 7)]
                public partial class Wide;
                """,
            equivalenceKey: "CNN0002:kernelHeight=5",
            title: "Use a kernel height of 5",
            fixedAttribute: "Conv2D(4, 5, 7)");
    }

    [Fact]
    public async Task PoolingWindowLargerThanInput_SmallerWindow()
    {
        await Verify.FixAsync(
            """
            using CnnGen;

            namespace Demo;

            [Network]
            [Input(3, 3, 8)]
            [MaxPool({|CNN0002:4|})]
            [Flatten] [Dense(2)]
            public partial class TinyPool;
            """,
            after: """
                using CnnGen;

                namespace Demo;

                [Network]
                [Input(3, 3, 8)]
                [MaxPool(3)]
                [Flatten] [Dense(2)]
                public partial class TinyPool;
                """,
            equivalenceKey: "CNN0002:size=3",
            title: "Use a 3×3 pooling window",
            fixedAttribute: "MaxPool(3)");
    }
}
