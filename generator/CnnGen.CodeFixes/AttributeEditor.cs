using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace CnnGen.CodeFixes;

/// <summary>
/// Sets one argument of a layer or network attribute, keeping everything else as written: a constructor
/// argument (<c>kernel</c>, <c>size</c>) is replaced in place; a property (<c>Stride</c>, <c>Padding</c>,
/// <c>Rounding</c>, <c>ExpectedParameters</c>) has its expression replaced when it is written, and is
/// appended as <c>Name = value</c> when it is not.
/// </summary>
internal static class AttributeEditor
{
    /// <summary>
    /// The attribute with <paramref name="argument"/> set to <paramref name="value"/>, or null when that is not
    /// possible or would not change what the generator reads (no such argument, a value of the wrong kind, or a
    /// per-axis argument such as <c>StrideHeight</c> written beside it, which would override it).
    /// </summary>
    public static AttributeSyntax? Set(AttributeSyntax attribute, IMethodSymbol constructor, string argument, string value)
    {
        if (constructor.Parameters.FirstOrDefault(p => p.Name == argument) is { } parameter)
        {
            return Value(parameter.Type, value, Written(attribute, constructor, parameter.Name)?.Expression) is { } expression
                ? SetParameter(attribute, constructor, parameter, expression)
                : null;
        }

        if (BothSides(attribute, constructor, argument, value) is { } both)
        {
            return both;
        }

        if (SplitKernel(attribute, constructor, argument, value) is { } split)
        {
            return split;
        }

        if (Property(constructor.ContainingType, argument) is not { } property
            || Named(attribute, argument + "Height") is not null
            || Named(attribute, argument + "Width") is not null)
        {
            return null;
        }

        AttributeArgumentSyntax? written = Named(attribute, argument);
        if (Value(property.Type, value, written?.Expression) is not { } newValue)
        {
            return null;
        }

        if (written is not null)
        {
            return attribute.ReplaceNode(written, written.WithExpression(newValue.WithTriviaFrom(written.Expression)));
        }

        AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(
                SyntaxFactory.IdentifierName(argument).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space)),
            nameColon: null,
            newValue);
        List<AttributeArgumentSyntax> arguments = Arguments(attribute);
        arguments.Add(added);
        return WithArguments(attribute, arguments);
    }

    /// <summary>Replaces the constructor argument bound to <paramref name="parameter"/>, or adds it by name when it is left out.</summary>
    private static AttributeSyntax SetParameter(AttributeSyntax attribute, IMethodSymbol constructor, IParameterSymbol parameter, ExpressionSyntax value)
    {
        if (Written(attribute, constructor, parameter.Name) is { } written)
        {
            return attribute.ReplaceNode(written, written.WithExpression(value.WithTriviaFrom(written.Expression)));
        }

        // An optional parameter that is left out: add "name: value" after the other constructor arguments.
        List<AttributeArgumentSyntax> arguments = Arguments(attribute);
        int index = arguments.FindLastIndex(a => a.NameEquals is null) + 1;
        arguments.Insert(index, SyntaxFactory.AttributeArgument(
            nameEquals: null,
            SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(parameter.Name)).WithTrailingTrivia(SyntaxFactory.Space),
            value));
        return WithArguments(attribute, arguments);
    }

    /// <summary>"kernel=5" on <c>Conv2D(4, 7, 7)</c>: the rectangular constructor's two sides both become 5.</summary>
    private static AttributeSyntax? BothSides(AttributeSyntax attribute, IMethodSymbol constructor, string argument, string value)
    {
        if (constructor.Parameters.FirstOrDefault(p => p.Name == argument + "Height") is not { } height
            || constructor.Parameters.FirstOrDefault(p => p.Name == argument + "Width") is not { } width
            || Value(height.Type, value, Written(attribute, constructor, height.Name)?.Expression) is not { } heightValue
            || Value(width.Type, value, Written(attribute, constructor, width.Name)?.Expression) is not { } widthValue)
        {
            return null;
        }

        AttributeSyntax changed = SetParameter(attribute, constructor, height, heightValue);
        return SetParameter(changed, constructor, width, widthValue);
    }

    /// <summary>
    /// "kernelHeight=5" or "kernelWidth=5" on <c>Conv2D(16, 7)</c>: the square-kernel constructor has no such
    /// parameter, so its <c>kernel</c> argument becomes the two of the rectangular one, <c>Conv2D(16, 5, 7)</c>.
    /// </summary>
    private static AttributeSyntax? SplitKernel(AttributeSyntax attribute, IMethodSymbol constructor, string argument, string value)
    {
        const string Kernel = "kernel", Height = "kernelHeight", Width = "kernelWidth";
        if (argument is not (Height or Width)
            || constructor.Parameters.FirstOrDefault(p => p.Name == Kernel) is not { } kernel
            || Written(attribute, constructor, Kernel) is not { } written
            || Value(kernel.Type, value, written.Expression) is not { } newValue)
        {
            return null;
        }

        // The rectangular constructor must exist: the same parameters with kernel split in two.
        var wanted = constructor.Parameters.SelectMany(p => p.Name == Kernel ? new[] { Height, Width } : new[] { p.Name }).ToList();
        if (!constructor.ContainingType.InstanceConstructors.Any(c => c.Parameters.Select(p => p.Name).SequenceEqual(wanted)))
        {
            return null;
        }

        ExpressionSyntax kept = written.Expression.WithoutTrivia();
        ExpressionSyntax changed = newValue.WithoutTrivia();
        (ExpressionSyntax heightValue, ExpressionSyntax widthValue) = argument == Height ? (changed, kept) : (kept, changed);
        bool named = written.NameColon is not null;
        AttributeArgumentSyntax heightArgument = Positional(heightValue, named ? Height : null).WithLeadingTrivia(written.GetLeadingTrivia());
        AttributeArgumentSyntax widthArgument = Positional(widthValue, named ? Width : null).WithTrailingTrivia(written.GetTrailingTrivia());
        List<AttributeArgumentSyntax> arguments = Arguments(attribute);
        int index = arguments.IndexOf(written);
        arguments.RemoveAt(index);
        arguments.InsertRange(index, new[] { heightArgument, widthArgument });
        return WithArguments(attribute, arguments);
    }

    private static AttributeArgumentSyntax Positional(ExpressionSyntax value, string? name) =>
        SyntaxFactory.AttributeArgument(
            nameEquals: null,
            name is null ? null : SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(name)).WithTrailingTrivia(SyntaxFactory.Space),
            value);

    /// <summary>The written argument that binds to constructor parameter <paramref name="name"/>: "name: …" or the positional one.</summary>
    private static AttributeArgumentSyntax? Written(AttributeSyntax attribute, IMethodSymbol constructor, string name)
    {
        List<AttributeArgumentSyntax> arguments = Arguments(attribute);
        AttributeArgumentSyntax? byName = arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == name);
        if (byName is not null)
        {
            return byName;
        }

        int ordinal = constructor.Parameters.IndexOf(constructor.Parameters.First(p => p.Name == name));
        return ordinal < arguments.Count && arguments[ordinal] is { NameEquals: null, NameColon: null } positional ? positional : null;
    }

    private static AttributeArgumentSyntax? Named(AttributeSyntax attribute, string property) =>
        Arguments(attribute).FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);

    /// <summary>A settable property of the attribute class or a base class.</summary>
    private static IPropertySymbol? Property(INamedTypeSymbol? type, string name)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetMembers(name).OfType<IPropertySymbol>().FirstOrDefault(p => p.SetMethod is not null && !p.IsStatic) is { } property)
            {
                return property;
            }
        }

        return null;
    }

    /// <summary>
    /// The expression for <paramref name="value"/> as a <paramref name="type"/>: a number literal (with the digit
    /// separators of the one it replaces, "61_706"), or a member of an enum, fully qualified and marked for
    /// simplification ("Rounding.Floor" where <c>using CnnGen;</c> is in scope). Null for anything else.
    /// </summary>
    private static ExpressionSyntax? Value(ITypeSymbol type, string value, ExpressionSyntax? replaced)
    {
        if (type.TypeKind == TypeKind.Enum)
        {
            if (!type.GetMembers(value).OfType<IFieldSymbol>().Any(f => f.HasConstantValue))
            {
                return null;
            }

            return SyntaxFactory.ParseExpression(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + value)
                .WithAdditionalAnnotations(Simplifier.Annotation);
        }

        if (type.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Int64)
            || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number)
            || (type.SpecialType == SpecialType.System_Int32 && number is < int.MinValue or > int.MaxValue))
        {
            return null;
        }

        long magnitude = Math.Abs(number);
        bool grouped = replaced is LiteralExpressionSyntax { Token.Text: { } text } && text.IndexOf('_') >= 0;
        string digits = grouped
            ? magnitude.ToString("N0", CultureInfo.InvariantCulture).Replace(',', '_')
            : magnitude.ToString(CultureInfo.InvariantCulture);
        // The token's value has the type the compiler gives the unsuffixed literal: int, uint, then long.
        SyntaxToken token = magnitude <= int.MaxValue ? SyntaxFactory.Literal(digits, (int)magnitude)
            : magnitude <= uint.MaxValue ? SyntaxFactory.Literal(digits, (uint)magnitude)
            : SyntaxFactory.Literal(digits, magnitude);
        ExpressionSyntax literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, token);
        return number < 0 ? SyntaxFactory.PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, literal) : literal;
    }

    private static List<AttributeArgumentSyntax> Arguments(AttributeSyntax attribute) =>
        attribute.ArgumentList?.Arguments.ToList() ?? new List<AttributeArgumentSyntax>();

    /// <summary>The attribute with these arguments, keeping the written separators and adding ", " where there were none.</summary>
    private static AttributeSyntax WithArguments(AttributeSyntax attribute, List<AttributeArgumentSyntax> arguments)
    {
        SeparatedSyntaxList<AttributeArgumentSyntax> old = attribute.ArgumentList?.Arguments ?? default;
        var separators = Enumerable.Range(0, Math.Max(0, arguments.Count - 1))
            .Select(i => i < old.SeparatorCount ? old.GetSeparator(i) : SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        SeparatedSyntaxList<AttributeArgumentSyntax> list = SyntaxFactory.SeparatedList(arguments, separators);
        return attribute.WithArgumentList(attribute.ArgumentList is { } written
            ? written.WithArguments(list)
            : SyntaxFactory.AttributeArgumentList(list));
    }
}
