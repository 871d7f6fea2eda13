using System.Linq;
using System.Threading.Tasks;
using CnnGen.CodeFixes.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CnnGen.CodeFixes.Tests;

/// <summary>CNN0003, a parameter count that differs from ExpectedParameters: the computed count replaces it.</summary>
public sealed class Cnn0003FixTests
{
    [Fact]
    public async Task LeNet5_61705_Becomes61706()
    {
        await Verify.FixAsync(
            """
            using CnnGen;

            namespace Demo;

            [Network({|CNN0003:ExpectedParameters = 61705|})]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU]
            [Dense(84)] [ReLU]
            [Dense(10)] [Softmax]
            public partial class LeNet5;
            """,
            after: """
                using CnnGen;

                namespace Demo;

                [Network(ExpectedParameters = 61706)]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
                [Dense(120)] [ReLU]
                [Dense(84)] [ReLU]
                [Dense(10)] [Softmax]
                public partial class LeNet5;
                """,
            equivalenceKey: "CNN0003:ExpectedParameters",
            title: "Set ExpectedParameters = 61706 (the computed count)",
            fixedAttribute: "Network(ExpectedParameters = 61706)");
    }

    [Fact]
    public async Task DigitSeparators_AreKept()
    {
        await Verify.FixAsync(
            """
            using CnnGen;

            [Network(Seed = 7, {|CNN0003:ExpectedParameters = 61_705|})]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class LeNet5;
            """,
            after: """
                using CnnGen;

                [Network(Seed = 7, ExpectedParameters = 61_706)]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;
                """,
            equivalenceKey: "CNN0003:ExpectedParameters",
            title: "Set ExpectedParameters = 61706 (the computed count)",
            fixedAttribute: "Network(Seed = 7, ExpectedParameters = 61_706)");
    }

    [Fact]
    public async Task FixAll_GivesEachNetworkItsOwnCount()
    {
        // One equivalence key for every CNN0003, so fix all sets each network's own computed count:
        // LeNet-5 61,706 and 4·4·1·2 + 2 = 34.
        await Verify.FixAsync(
            """
            using CnnGen;

            [Network({|CNN0003:ExpectedParameters = 60000|})]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class LeNet5;

            [Network({|CNN0003:ExpectedParameters = 30|})]
            [Input(4, 4, 1)]
            [Flatten] [Dense(2)]
            public partial class Tiny;
            """,
            after: """
                using CnnGen;

                [Network(ExpectedParameters = 61706)]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;

                [Network({|CNN0003:ExpectedParameters = 30|})]
                [Input(4, 4, 1)]
                [Flatten] [Dense(2)]
                public partial class Tiny;
                """,
            equivalenceKey: "CNN0003:ExpectedParameters",
            title: "Set ExpectedParameters = 61706 (the computed count)",
            fixedAttribute: "Network(ExpectedParameters = 61706)",
            batchAfter: """
                using CnnGen;

                [Network(ExpectedParameters = 61706)]
                [Input(32, 32, 1)]
                [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
                [Conv2D(16, 5)] [ReLU] [MaxPool(2)]
                [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
                public partial class LeNet5;

                [Network(ExpectedParameters = 34)]
                [Input(4, 4, 1)]
                [Flatten] [Dense(2)]
                public partial class Tiny;
                """);
    }

    [Fact]
    public async Task AfterACnn0001Fix_TheCountFixFollows()
    {
        // Fixes chain: with LeNet-5's count declared, Stride = 3 on the second convolution fixes the shapes,
        // and the count check that then runs (16·2·2 inputs to fc1 instead of 16·5·5) offers its own fix.
        Document document = OfferedFixes.Document("""
            using CnnGen;

            [Network(ExpectedParameters = 61706)]
            [Input(32, 32, 1)]
            [Conv2D(6, 5)] [ReLU] [MaxPool(2)]
            [Conv2D(16, 5, Stride = 2)] [ReLU] [MaxPool(2)]
            [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]
            public partial class LeNet5;
            """);
        Offer stride = (await OfferedFixes.ForAsync(document))[0];
        string strided = await OfferedFixes.ApplyAsync(document, stride.Actions.Single(a => a.EquivalenceKey == "CNN0001:Stride=3"));

        Offer count = Assert.Single(await OfferedFixes.ForAsync(strided));
        Assert.Equal("CNN0003", count.Diagnostic.Id);

        // 6·1·5·5 + 6 + 16·6·5·5 + 16 + 64·120 + 120 + 120·84 + 84 + 84·10 + 10 = 21,386.
        Assert.Equal("Set ExpectedParameters = 21386 (the computed count)", Assert.Single(count.Actions).Title);
        Document stridedDocument = OfferedFixes.Document(strided);
        string counted = await OfferedFixes.ApplyAsync(stridedDocument, Assert.Single((await OfferedFixes.ForAsync(stridedDocument))[0].Actions));
        Assert.Contains("[Network(ExpectedParameters = 21386)]", counted);
        Assert.Empty(Verify.Generate(counted));
    }
}
