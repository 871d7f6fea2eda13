using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CnnGen.CodeFixes.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace CnnGen.CodeFixes.Tests;

/// <summary>
/// Drives the provider by hand (as the IDE does) over a set of wrong declarations and applies every fix it
/// offers: each must leave the attribute it changed with no diagnostic, change nothing outside it, and have
/// an equivalence key no other fix of the same diagnostic has.
/// </summary>
public sealed class EveryFixTests
{
    public static TheoryData<string> Declarations => new()
    {
        // CNN0001 on a convolution: paddings, strides, floor.
        "[Network] [Input(7, 7, 1)] [Conv2D(1, 3, Stride = 3)]",
        "[Network] [Input(32, 32, 1)] [Conv2D(6, 5)] [ReLU] [MaxPool(2)] [Conv2D(16, 5, Stride = 2)] [ReLU] [MaxPool(2)] [Dense(120)] [Dense(10)]",
        "[Network] [Input(14, 14, 6)] [Conv2D(16, 4, Stride = 3, Padding = 2)]",
        "[Network] [Input(28, 28, 3)] [Conv2D(8, 3, Stride = 2, Padding = Padding.Same)] [Conv2D(8, 5, Stride = 4)]",
        // CNN0001 on pooling: implicit and explicit strides, padding.
        "[Network] [Input(32, 32, 1)] [Conv2D(6, 4)] [MaxPool(2)] [Flatten] [Dense(10)]",
        "[Network] [Input(6, 6, 1)] [MaxPool(3, Stride = 2)]",
        "[Network] [Input(10, 10, 2)] [AvgPool(size: 3)]",
        "[Network] [Input(9, 9, 1)] [MaxPool(4, Stride = 2, Padding = 1)]",
        // CNN0001 on a non-square input: one axis misfits (the fix goes on that axis), or both do.
        "[Network] [Input(15, 21, 1)] [Conv2D(4, 3, Stride = 4)]",
        "[Network] [Input(21, 15, 1)] [Conv2D(4, 3, Stride = 4, Padding = 0)]",
        "[Network] [Input(15, 21, 1)] [Conv2D(4, 3, Stride = 5)]",
        "[Network] [Input(15, 21, 1)] [MaxPool(3, Stride = 4)]",
        // CNN0002: kernels and windows larger than their input.
        "[Network] [Input(5, 5, 1)] [Conv2D(4, 7)] [Flatten] [Dense(10)]",
        "[Network] [Input(5, 5, 1)] [Conv2D(4, 7, 7)]",
        "[Network] [Input(5, 9, 1)] [Conv2D(4, 7)]",
        "[Network] [Input(9, 5, 1)] [Conv2D(4, 7)]",
        "[Network] [Input(9, 5, 1)] [Conv2D(4, kernelHeight: 3, kernelWidth: 7)]",
        "[Network] [Input(4, 4, 1)] [Conv2D(4, 9, Padding = 1)]",
        "[Network] [Input(3, 3, 8)] [MaxPool(4)] [Flatten] [Dense(2)]",
        // CNN0003.
        "[Network(ExpectedParameters = 61705)] [Input(32, 32, 1)] [Conv2D(6, 5)] [ReLU] [MaxPool(2)] [Conv2D(16, 5)] [ReLU] [MaxPool(2)] [Dense(120)] [ReLU] [Dense(84)] [ReLU] [Dense(10)] [Softmax]",
        "[Network(ExpectedParameters = 1)] [Input(4, 4, 1)] [Flatten] [Dense(2)]",
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public async Task EveryOfferedFix_ClearsItsAttribute(string attributes)
    {
        string source = "using CnnGen;\n\n" + attributes.Replace("] [", "]\n[") + "\npublic partial class Net;\n";
        Document document = OfferedFixes.Document(source);
        IReadOnlyList<Offer> offers = await OfferedFixes.ForAsync(document);
        Assert.NotEmpty(offers);
        Assert.All(offers, offer => Assert.NotEmpty(offer.Actions));

        foreach (Offer offer in offers)
        {
            Assert.Equal(offer.Actions.Length, offer.Actions.Select(a => a.EquivalenceKey).Distinct().Count());
            SyntaxNode root = (await document.GetSyntaxRootAsync())!;
            var attribute = root.FindNode(offer.Diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>()!;

            foreach (CodeAction action in offer.Actions)
            {
                string fixedSource = await OfferedFixes.ApplyAsync(document, action);

                // Only the attribute changed: the text before and after it is the same.
                int tail = source.Length - attribute.Span.End;
                Assert.Equal(source.Substring(0, attribute.SpanStart), fixedSource.Substring(0, attribute.SpanStart));
                Assert.Equal(source.Substring(attribute.Span.End), fixedSource.Substring(fixedSource.Length - tail));

                var changedSpan = new Microsoft.CodeAnalysis.Text.TextSpan(attribute.SpanStart, fixedSource.Length - tail - attribute.SpanStart);
                var left = Verify.Generate(fixedSource).Where(d => d.Location.SourceSpan.IntersectsWith(changedSpan)).ToList();
                Assert.True(left.Count == 0, $"'{action.Title}' on [{attribute}] gave [{fixedSource.Substring(changedSpan.Start, changedSpan.Length)}], which still has {string.Join("; ", left.Select(d => d.Id + ": " + d.GetMessage()))}");
            }
        }
    }
}
