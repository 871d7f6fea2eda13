using System.Linq;
using System.Reflection;
using CnnGen.CodeFixes;
using Xunit;

namespace CnnGen.CodeFixes.Tests;

/// <summary>Reading the generator's "Fixes" property (and, for CNN0001 output sizes, its message).</summary>
public sealed class SuggestedFixTests
{
    private const string Cnn0001Message =
        "Layer 4, Conv2D(16, 5, Stride = 2): stride 2 does not fit the 14×14×6 input: (14 − 5 + 2·0)/2 + 1 = 5.5, not a whole number of convolution steps. " +
        "Strides that fit: 1 (→ 10×10), 3 (→ 4×4). Or opt in to rounding: Rounding = Rounding.Floor gives 5×5, Rounding.Ceil gives 6×6.";

    [Fact]
    public void FixesProperty_IsTheGeneratorsName()
    {
        System.Type descriptors = typeof(CnnGen.Generator.NetworkGenerator).Assembly.GetType("CnnGen.Generator.Diagnostics.DiagnosticDescriptors", throwOnError: true)!;
        object? generators = descriptors.GetField("FixesProperty", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue();

        Assert.Equal(generators, SuggestedFix.FixesProperty);
    }

    [Fact]
    public void Pairs_InOrder_WithOutputsFromTheMessage()
    {
        var fixes = SuggestedFix.Parse("Stride=1;Stride=3;Rounding=Floor", "CNN0001", Cnn0001Message);

        Assert.Equal(
            new[] { new SuggestedFix("Stride", "1", "10×10"), new SuggestedFix("Stride", "3", "4×4"), new SuggestedFix("Rounding", "Floor", "5×5") },
            fixes);
    }

    [Fact]
    public void OutputSuffix_TakesPrecedenceOverTheMessage()
    {
        // The proposed richer format: "Argument=value@HxW".
        var fixes = SuggestedFix.Parse("Padding=1@3x3;Stride=3@4×4", "CNN0001", "no outputs in this message");

        Assert.Equal(new[] { new SuggestedFix("Padding", "1", "3×3"), new SuggestedFix("Stride", "3", "4×4") }, fixes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(";;")]
    [InlineData("=1;Padding=;Padding")]
    public void EmptyOrMalformed_GivesNothing(string? property)
    {
        Assert.Empty(SuggestedFix.Parse(property, "CNN0001", Cnn0001Message));
    }

    [Fact]
    public void Duplicates_AreOfferedOnce_AndOtherIdsDoNotReadTheMessage()
    {
        var fixes = SuggestedFix.Parse("kernel=5;kernel=5; size = 3 ", "CNN0002", Cnn0001Message);

        Assert.Equal(new[] { new SuggestedFix("kernel", "5", null), new SuggestedFix("size", "3", null) }, fixes);
    }

    [Theory]
    [InlineData("(21 − 3 + 2·0)/4 + 1 = 5.5 (width)", "PaddingWidth", "StrideWidth")]
    [InlineData("(21 − 3 + 2·0)/4 + 1 = 5.5 (height)", "PaddingHeight", "StrideHeight")]
    [InlineData("(21 − 3 + 2·0)/4 + 1 = 5.5 (height) and (19 − 3 + 2·0)/4 + 1 = 5.5 (width)", "Padding", "Stride")]
    [InlineData("(21 − 3 + 2·0)/4 + 1 = 5.5", "Padding", "Stride")]
    public void Cnn0001_OneMisfitAxis_PutsPaddingAndStrideOnIt(string arithmetic, string padding, string stride)
    {
        var fixes = SuggestedFix.Parse("Padding=1;Stride=3;Rounding=Floor", "CNN0001", "Layer 1, Conv2D(4, 3, Stride = 4): stride 4 does not fit the 15×21×1 input: " + arithmetic + ", not a whole number of convolution steps.");

        Assert.Equal(new[] { padding, stride, "Rounding" }, fixes.Select(f => f.Argument));
    }

    [Theory]
    [InlineData("the 7×7 kernel is larger than its padded input (width): 5 < 7", "kernelWidth")]
    [InlineData("the 7×7 kernel is larger than its padded input (height): 5 < 7", "kernelHeight")]
    public void Cnn0002_TheKernelSideGoesOnTheAxisTheMessageNames(string message, string argument)
    {
        var fix = Assert.Single(SuggestedFix.Parse("kernelHeight=5", "CNN0002", "Layer 1, Conv2D(4, 7): " + message));

        Assert.Equal(argument, fix.Argument);
    }

    [Fact]
    public void Titles_AndEquivalenceKeys()
    {
        Assert.Equal("Use Stride = 3 (output 4×4)", ShapeCodeFixProvider.Title("CNN0001", new SuggestedFix("Stride", "3", "4×4")));
        Assert.Equal("Use Padding = 2", ShapeCodeFixProvider.Title("CNN0001", new SuggestedFix("Padding", "2", null)));
        Assert.Equal("Use a kernel width of 5", ShapeCodeFixProvider.Title("CNN0002", new SuggestedFix("kernelWidth", "5", null)));
        Assert.Equal("CNN0001:Stride=3", ShapeCodeFixProvider.EquivalenceKey("CNN0001", new SuggestedFix("Stride", "3", null)));
        Assert.Equal("CNN0003:ExpectedParameters", ShapeCodeFixProvider.EquivalenceKey("CNN0003", new SuggestedFix("ExpectedParameters", "61706", null)));
    }
}
