using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using CnnGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CnnGen.Generator.Parse;

/// <summary>
/// Turns the attributes on a <c>[Network]</c> class into a <see cref="NetworkModel"/>: the Roslyn-free
/// <see cref="NetworkSpec"/>, the location of every attribute argument (so shape errors land on the
/// exact <c>Stride = 3</c>), and the diagnostics that need no shape inference.
/// </summary>
internal static class NetworkParser
{
    private const string AttributeNamespace = "CnnGen";

    public static NetworkModel Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        TargetTypeInfo type = TypeInfoOf(symbol);
        var diagnostics = new List<DiagnosticInfo>();
        var locations = new List<ArgumentLocation>();

        // While the user is typing "class" the name is missing; the compiler reports that itself.
        if (declaration.Identifier.IsMissing || symbol.Name.Length == 0)
        {
            return new NetworkModel(type, null, EquatableArray<ArgumentLocation>.Empty, EquatableArray<DiagnosticInfo>.Empty);
        }

        LocationInfo? identifier = LocationInfo.From(declaration.Identifier.GetLocation());
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticIds.ClassNotPartial,
                identifier,
                $"Network class '{symbol.Name}' must be declared partial so that CnnGen can add the generated members: write 'partial class {symbol.Name}'"));
        }

        // Arity, not IsGenericType: IsGenericType is also true for a class nested in a generic type, which the
        // containing-type check below reports on its own.
        if (declaration is not ClassDeclarationSyntax || symbol.IsRecord || symbol.Arity > 0 || symbol.IsStatic || symbol.IsAbstract)
        {
            string what = declaration is not ClassDeclarationSyntax || symbol.IsRecord
                ? "a " + (symbol.IsRecord ? "record" : symbol.TypeKind.ToString().ToLowerInvariant())
                : symbol.Arity > 0 ? "generic" : symbol.IsStatic ? "static" : "abstract";
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticIds.UnsupportedType,
                identifier,
                $"Network class '{symbol.Name}' must be a non-generic, non-static, non-abstract class; it is {what}"));
        }

        // The generated part derives the class from the runtime's GeneratedNetwork<T> (the members every network shares).
        if (declaration is ClassDeclarationSyntax && symbol.BaseType is { SpecialType: not SpecialType.System_Object } baseType && baseType.TypeKind == TypeKind.Class)
        {
            SyntaxNode? baseSyntax = symbol.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<ClassDeclarationSyntax>()
                .Select(c => c.BaseList?.Types.FirstOrDefault())
                .FirstOrDefault(t => t is not null);
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticIds.UnsupportedType,
                LocationInfo.From(baseSyntax) ?? identifier,
                $"Network class '{symbol.Name}' must not declare a base class, and it derives from '{baseType.Name}': CnnGen derives it from CnnGen.Runtime.GeneratedNetwork<{symbol.Name}>, which holds Forward, Parameters and the other members every network shares; hold the other object in a field instead"));
        }

        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            bool outerPartial = outer.DeclaringSyntaxReferences.All(r =>
                r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!outerPartial || outer.IsGenericType)
            {
                diagnostics.Add(new DiagnosticInfo(
                    DiagnosticIds.UnsupportedType,
                    identifier,
                    $"Network class '{symbol.Name}' is nested in '{outer.Name}', which must be a non-generic partial type too"));
            }
        }

        // Attributes in source order (GetAttributes keeps declaration order within one declaration;
        // sorting by position makes it explicit and deterministic across partial parts). Only CnnGen's own
        // attribute types count: a user type named like one (in namespace CnnGen or elsewhere) is ignored.
        var attributes = symbol.GetAttributes()
            .Where(a => IsCnnGenAttribute(a.AttributeClass, context.SemanticModel.Compilation))
            .Select(a => (Data: a, Syntax: a.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax))
            .Where(a => a.Syntax is not null)
            .OrderBy(a => a.Syntax!.SyntaxTree.FilePath, StringComparer.Ordinal)
            .ThenBy(a => a.Syntax!.SpanStart)
            .ToList();

        // [Network] on two partial parts (the compiler reports CS0579 too): one network per type. The part whose
        // [Network] comes first reports it, the other parts emit nothing, so the generated file is never added twice.
        var networks = attributes.Where(a => a.Data.AttributeClass!.Name == "NetworkAttribute").ToList();
        if (networks.Count > 1)
        {
            bool first = context.Attributes.Any(a => a.ApplicationSyntaxReference?.GetSyntax(cancellationToken) == networks[0].Syntax);
            if (first)
            {
                diagnostics.Add(new DiagnosticInfo(
                    DiagnosticIds.UnsupportedType,
                    LocationInfo.From(networks[1].Syntax),
                    $"[Network] is declared {Text.Int(networks.Count)} times on the partial class '{symbol.Name}': keep it on one part (the layers may stay on any part)"));
            }

            return new NetworkModel(type, null, EquatableArray<ArgumentLocation>.Empty, first ? diagnostics.ToEquatableArray() : EquatableArray<DiagnosticInfo>.Empty);
        }

        if (networks.Count == 0)
        {
            // The [Network] that matched by name is not CnnGen's: a type of the user's own named CnnGen.NetworkAttribute.
            AttributeData? matched = context.Attributes.FirstOrDefault();
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticIds.UnsupportedType,
                LocationInfo.From(matched?.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) ?? identifier,
                $"[Network] on '{symbol.Name}' is {(matched?.AttributeClass is { } c && c.ContainingAssembly is { } a ? "the type declared in " + a.Name : "a type")}, not CnnGen's CnnGen.NetworkAttribute: remove or rename that declaration"));
            return new NetworkModel(type, null, EquatableArray<ArgumentLocation>.Empty, diagnostics.ToEquatableArray());
        }

        diagnostics.AddRange(Collisions(symbol, declaration, identifier, cancellationToken));

        // The generated code declares its locals with 'var': a type named var in scope there (this class, a containing
        // type, or one beside it) would turn every such declaration into that type.
        if (context.SemanticModel.LookupNamespacesAndTypes(declaration.Identifier.SpanStart, name: "var").Any(s => s is ITypeSymbol))
        {
            diagnostics.Add(new DiagnosticInfo(
                DiagnosticIds.NameCollision,
                identifier,
                $"A type named 'var' is in scope in network class '{symbol.Name}' (it may be the class itself); the generated code declares its locals with 'var': rename that type"));
        }

        // While the user is typing, an attribute may not bind yet, or an argument may not be a constant of
        // the right type (its value is then missing); the compiler reports that itself.
        if (attributes.Any(a => a.Data.AttributeConstructor is null || a.Data.AttributeClass is IErrorTypeSymbol
            || a.Data.ConstructorArguments.Any(c => c.Kind == TypedConstantKind.Error)
            || a.Data.NamedArguments.Any(n => n.Value.Kind == TypedConstantKind.Error)))
        {
            return new NetworkModel(type, null, EquatableArray<ArgumentLocation>.Empty, diagnostics.ToEquatableArray());
        }

        long expectedParameters = 0;
        long maxParameters = 0;
        long maxMultiplyAdds = 0;
        int minReceptiveField = 0;
        var rounding = RoundingMode.Unspecified;
        int seed = 0;
        string? weights = null;
        InputSpec? input = null;
        var layers = new List<LayerSpec>();
        bool anyLayerBeforeInput = false;

        foreach ((AttributeData data, AttributeSyntax? syntax) in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = data.AttributeClass!.Name;
            int position = name switch
            {
                "NetworkAttribute" => SourceRef.NetworkAttribute,
                "InputAttribute" => SourceRef.InputAttribute,
                _ => layers.Count + 1,
            };
            var arguments = new Arguments(data, syntax!);

            switch (name)
            {
                case "NetworkAttribute":
                    expectedParameters = arguments.Long("ExpectedParameters", 0);
                    maxParameters = arguments.Long("MaxParameters", 0);
                    maxMultiplyAdds = arguments.Long("MaxMultiplyAdds", 0);
                    minReceptiveField = arguments.Int("MinReceptiveField", 0);
                    seed = arguments.Int("Seed", 0);
                    weights = arguments.String("Weights");
                    rounding = ReadRounding(arguments, diagnostics, "Network");
                    break;
                case "InputAttribute":
                    if (input is not null || anyLayerBeforeInput)
                    {
                        diagnostics.Add(new DiagnosticInfo(
                            DiagnosticIds.MisplacedInput,
                            LocationInfo.From(syntax),
                            input is not null
                                ? "A network has exactly one Input: remove this second [Input]"
                                : $"[Input] must come before the first layer, but {layers[0].Display} is declared above it: move [Input] to the top"));
                        continue;
                    }

                    input = new InputSpec(arguments.Int("height", 0), arguments.Int("width", 0), arguments.Int("channels", 0));
                    break;
                default:
                    LayerSpec? layer = Layer(name, position, arguments, diagnostics);
                    if (layer is null)
                    {
                        continue;
                    }

                    if (input is null)
                    {
                        anyLayerBeforeInput = true;
                    }

                    layers.Add(layer);
                    break;
            }

            locations.AddRange(arguments.Locations(position));
        }

        if (input is null)
        {
            LocationInfo? location = attributes.Count > 0 ? LocationInfo.From(attributes[0].Syntax) : identifier;
            if (!diagnostics.Any(d => d.Id == DiagnosticIds.MisplacedInput))
            {
                diagnostics.Add(new DiagnosticInfo(
                    DiagnosticIds.MissingInput,
                    location,
                    $"Network '{symbol.Name}' declares no input shape: add [Input(height, width, channels)] before its first layer, e.g. [Input(32, 32, 1)]"));
            }

            return new NetworkModel(type, null, locations.ToEquatableArray(), diagnostics.ToEquatableArray());
        }

        var spec = new NetworkSpec(input, layers.ToEquatableArray(), expectedParameters, rounding, seed)
        {
            MaxParameters = maxParameters,
            MaxMultiplyAdds = maxMultiplyAdds,
            MinReceptiveField = minReceptiveField,
        };
        return new NetworkModel(type, diagnostics.Count == 0 ? spec : null, locations.ToEquatableArray(), diagnostics.ToEquatableArray())
        {
            Weights = weights,
        };
    }

    /// <summary>
    /// Whether an attribute class is one of CnnGen's own: in namespace CnnGen (directly under the global namespace), from
    /// a referenced assembly named CnnGen, not from the compilation being built. A user's type of the same name is not.
    /// </summary>
    private static bool IsCnnGenAttribute(INamedTypeSymbol? attribute, Compilation compilation) =>
        attribute is { ContainingNamespace: { Name: AttributeNamespace, ContainingNamespace.IsGlobalNamespace: true }, ContainingAssembly: { Name: AttributeNamespace } assembly, ContainingType: null }
        && !SymbolEqualityComparer.Default.Equals(assembly, compilation.Assembly)
        && attribute.Name.EndsWith("Attribute", StringComparison.Ordinal);

    /// <summary>
    /// Members the user declared (or inherited) that the generated ones would collide with, a class named like a
    /// generated member, a primary constructor, or a user constructor with the generated constructors' signatures:
    /// CNN0014 on the class name, so the generated code never fails to compile over a name.
    /// </summary>
    private static IEnumerable<DiagnosticInfo> Collisions(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, LocationInfo? identifier, CancellationToken cancellationToken)
    {
        if (Emit.GeneratedNames.IsReserved(symbol.Name))
        {
            yield return new DiagnosticInfo(
                DiagnosticIds.NameCollision,
                identifier,
                $"Network class '{symbol.Name}' is named like a member CnnGen generates into it ('{symbol.Name}'; a member cannot have its class's name): rename the class");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (INamedTypeSymbol? type = symbol; type is not null && type.SpecialType != SpecialType.System_Object; type = type.BaseType)
        {
            foreach (ISymbol member in type.GetMembers())
            {
                bool visible = SymbolEqualityComparer.Default.Equals(type, symbol) || member.DeclaredAccessibility != Accessibility.Private;
                if (visible && !member.IsImplicitlyDeclared && Emit.GeneratedNames.IsReserved(member.Name) && seen.Add(member.Name))
                {
                    yield return new DiagnosticInfo(
                        DiagnosticIds.NameCollision,
                        identifier,
                        $"Network class '{symbol.Name}' {(SymbolEqualityComparer.Default.Equals(type, symbol) ? "declares" : "inherits from '" + type.Name + "'")} a member named '{member.Name}', which CnnGen generates: rename that member");
                }
            }
        }

        bool primary = symbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: not null });
        if (primary)
        {
            yield return new DiagnosticInfo(
                DiagnosticIds.NameCollision,
                identifier,
                $"Network class '{symbol.Name}' has a primary constructor; CnnGen generates the constructors '{symbol.Name}()' and '{symbol.Name}(int seed)', which could not call it: remove the parameter list and use fields or a constructor that calls this(seed)");
        }

        foreach (IMethodSymbol constructor in symbol.InstanceConstructors)
        {
            if (!constructor.IsImplicitlyDeclared && !primary
                && (constructor.Parameters.Length == 0 || (constructor.Parameters.Length == 1 && constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32)))
            {
                yield return new DiagnosticInfo(
                    DiagnosticIds.NameCollision,
                    identifier,
                    $"Network class '{symbol.Name}' declares the constructor '{symbol.Name}({(constructor.Parameters.Length == 0 ? string.Empty : "int")})', which CnnGen generates: remove it, or give yours other parameters and call this(seed)");
            }
        }
    }

    /// <summary>The spec of one layer attribute, or null for an attribute that is not a layer.</summary>
    private static LayerSpec? Layer(string attribute, int position, Arguments a, List<DiagnosticInfo> diagnostics)
    {
        string kind = attribute.Substring(0, attribute.Length - "Attribute".Length);
        LayerSpec? layer = kind switch
        {
            "Conv2D" => Conv(position, a, diagnostics),
            "MaxPool" or "AvgPool" or "MinPool" or "L2Pool" => new PoolSpec(
                position,
                kind switch { "MaxPool" => PoolKind.Max, "AvgPool" => PoolKind.Average, "MinPool" => PoolKind.Min, _ => PoolKind.L2 },
                a.Int("size", 0),
                a.Int("Stride", 0),
                a.Int("Padding", 0),
                ReadRounding(a, diagnostics, kind)),
            "GlobalAvgPool" => new GlobalPoolSpec(position),
            "Dense" => new DenseSpec(position, a.Int("units", 0)),
            "Flatten" => new FlattenSpec(position),
            "ReLU" => new ActivationSpec(position, ActivationKind.ReLU),
            "LeakyReLU" => new ActivationSpec(position, ActivationKind.LeakyReLU) { Parameter = a.Double("slope", 0.01) },
            "ELU" => new ActivationSpec(position, ActivationKind.ELU) { Parameter = a.Double("alpha", 1.0) },
            "Sigmoid" => new ActivationSpec(position, ActivationKind.Sigmoid),
            "Tanh" => new ActivationSpec(position, ActivationKind.Tanh),
            "Softmax" => new ActivationSpec(position, ActivationKind.Softmax),
            "Dropout" => new DropoutSpec(position, a.Double("rate", 0.5)),
            "BatchNorm" => new BatchNormSpec(position, a.Double("Epsilon", 1e-5), a.Double("Momentum", 0.1)),
            "Add" => new AddSpec(position, a.Strings("layers").ToEquatableArray()),
            "Concat" => new ConcatSpec(position, a.Strings("layers").ToEquatableArray()),
            "BasicBlock" => new BasicBlockSpec(position, a.Int("filters", 0), a.Int("Stride", 1)),
            "Inception" => new InceptionSpec(position, a.Int("conv1x1", 0), a.Int("reduce3x3", 0), a.Int("conv3x3", 0), a.Int("reduce5x5", 0), a.Int("conv5x5", 0), a.Int("poolProjection", 0)),
            _ => null,
        };
        return layer is null ? null : layer with { Name = a.String("Name"), From = a.String("From"), Tensor = a.String(layer is BasicBlockSpec or InceptionSpec ? "TensorPrefix" : "Tensor") };
    }

    private static ConvSpec Conv(int position, Arguments a, List<DiagnosticInfo> diagnostics)
    {
        int kernelHeight = a.Has("kernel") ? a.Int("kernel", 0) : a.Int("kernelHeight", 0);
        int kernelWidth = a.Has("kernel") ? a.Int("kernel", 0) : a.Int("kernelWidth", 0);
        int stride = a.Int("Stride", 1);
        int padding = a.Int("Padding", 0);
        return new ConvSpec(
            position,
            a.Int("filters", 0),
            kernelHeight,
            kernelWidth,
            a.Has("StrideHeight") ? a.Int("StrideHeight", 0) : stride,
            a.Has("StrideWidth") ? a.Int("StrideWidth", 0) : stride,
            a.Has("PaddingHeight") ? a.Int("PaddingHeight", 0) : padding,
            a.Has("PaddingWidth") ? a.Int("PaddingWidth", 0) : padding,
            a.Bool("Bias", true),
            ReadRounding(a, diagnostics, "Conv2D"))
        {
            Algorithm = ReadAlgorithm(a, diagnostics),
        };
    }

    private static ConvAlgorithmKind ReadAlgorithm(Arguments arguments, List<DiagnosticInfo> diagnostics)
    {
        int value = arguments.Int("Algorithm", 0);
        if (value is >= 0 and <= 2)
        {
            return (ConvAlgorithmKind)value;
        }

        diagnostics.Add(new DiagnosticInfo(
            DiagnosticIds.InvalidValue,
            arguments.LocationOf("Algorithm"),
            $"Conv2D: Algorithm must be ConvAlgorithm.Auto, ConvAlgorithm.Direct or ConvAlgorithm.Winograd, not {Text.Int(value)}"));
        return ConvAlgorithmKind.Auto;
    }

    private static RoundingMode ReadRounding(Arguments arguments, List<DiagnosticInfo> diagnostics, string owner)
    {
        int value = arguments.Int("Rounding", 0);
        if (value is >= 0 and <= 3)
        {
            return (RoundingMode)value;
        }

        diagnostics.Add(new DiagnosticInfo(
            DiagnosticIds.InvalidValue,
            arguments.LocationOf("Rounding"),
            $"{owner}: Rounding must be Rounding.Exact, Rounding.Floor or Rounding.Ceil, not {Text.Int(value)}"));
        return RoundingMode.Unspecified;
    }

    private static TargetTypeInfo TypeInfoOf(INamedTypeSymbol symbol)
    {
        var containing = new List<ContainingTypeInfo>();
        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            string keyword = outer.TypeKind switch
            {
                TypeKind.Struct => outer.IsRecord ? "record struct" : "struct",
                TypeKind.Interface => "interface",
                _ => outer.IsRecord ? "record" : "class",
            };
            containing.Insert(0, new ContainingTypeInfo(keyword, Identifier(outer.Name)));
        }

        var parts = new List<string>();
        for (INamespaceSymbol? n = symbol.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
        {
            parts.Insert(0, Identifier(n.Name));
        }

        return new TargetTypeInfo(parts.Count == 0 ? null : string.Join(".", parts), Identifier(symbol.Name), containing.ToEquatableArray());
    }

    /// <summary>A name as C# source must write it: '@' before a keyword or contextual keyword (class, var, record, file, extension…).</summary>
    internal static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>An attribute's arguments by name (constructor parameter or property), with their source locations.</summary>
    private sealed class Arguments
    {
        private readonly Dictionary<string, TypedConstant> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, LocationInfo> _locations = new(StringComparer.Ordinal);
        private readonly LocationInfo? _attribute;

        public Arguments(AttributeData data, AttributeSyntax syntax)
        {
            _attribute = LocationInfo.From(syntax);
            ImmutableArray<IParameterSymbol> parameters = data.AttributeConstructor!.Parameters;
            for (int i = 0; i < data.ConstructorArguments.Length && i < parameters.Length; i++)
            {
                _values[parameters[i].Name] = data.ConstructorArguments[i];
            }

            foreach (KeyValuePair<string, TypedConstant> named in data.NamedArguments)
            {
                _values[named.Key] = named.Value;
            }

            SeparatedSyntaxList<AttributeArgumentSyntax> args = syntax.ArgumentList?.Arguments ?? default;
            int positional = 0;
            foreach (AttributeArgumentSyntax arg in args)
            {
                string? key = arg.NameEquals?.Name.Identifier.ValueText
                    ?? arg.NameColon?.Name.Identifier.ValueText
                    ?? PositionalKey(parameters, positional);
                if (arg.NameEquals is null && arg.NameColon is null)
                {
                    // Each element of a params array (Add("a", "b")) gets its own location, "layers[1]".
                    if (positional >= parameters.Length - 1 && parameters.Length > 0 && parameters[parameters.Length - 1].IsParams
                        && LocationInfo.From(arg) is { } element)
                    {
                        _locations[parameters[parameters.Length - 1].Name + "[" + (positional - parameters.Length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + "]"] = element;
                    }

                    positional++;
                }

                if (key is not null && !_locations.ContainsKey(key) && LocationInfo.From(arg) is { } location)
                {
                    _locations[key] = location;
                }
            }
        }

        private static string? PositionalKey(ImmutableArray<IParameterSymbol> parameters, int positional) =>
            positional < parameters.Length ? parameters[positional].Name
            : parameters.Length > 0 && parameters[parameters.Length - 1].IsParams ? parameters[parameters.Length - 1].Name
            : null;

        public bool Has(string name) => _values.ContainsKey(name);

        // The readers take only the types CnnGen's attributes declare (IsCnnGenAttribute guarantees them); anything else
        // reads as the fallback rather than being converted (which could throw).
        public double Double(string name, double fallback) =>
            _values.TryGetValue(name, out TypedConstant value) ? value.Value switch { double d => d, float f => f, int i => i, _ => fallback } : fallback;

        public bool Bool(string name, bool fallback) =>
            _values.TryGetValue(name, out TypedConstant value) && value.Value is bool b ? b : fallback;

        public string? String(string name) =>
            _values.TryGetValue(name, out TypedConstant value) ? value.Value as string : null;

        public IEnumerable<string> Strings(string name) =>
            _values.TryGetValue(name, out TypedConstant value) && value.Kind == TypedConstantKind.Array && !value.IsNull
                ? value.Values.Select(v => v.Value as string ?? string.Empty)
                : Enumerable.Empty<string>();

        public int Int(string name, int fallback) =>
            _values.TryGetValue(name, out TypedConstant value) ? value.Value switch { int i => i, _ => fallback } : fallback;

        public long Long(string name, long fallback) =>
            _values.TryGetValue(name, out TypedConstant value) ? value.Value switch { long l => l, int i => i, _ => fallback } : fallback;

        public LocationInfo? LocationOf(string name) => _locations.TryGetValue(name, out LocationInfo? location) ? location : _attribute;

        public IEnumerable<ArgumentLocation> Locations(int layer)
        {
            if (_attribute is not null)
            {
                yield return new ArgumentLocation(new SourceRef(layer, null), _attribute);
            }

            foreach (KeyValuePair<string, LocationInfo> pair in _locations.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                yield return new ArgumentLocation(new SourceRef(layer, pair.Key), pair.Value);
            }
        }
    }
}
