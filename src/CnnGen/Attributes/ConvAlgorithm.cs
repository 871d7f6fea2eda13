namespace CnnGen;

/// <summary>
/// How the generated code computes a convolution, at inference (<c>Forward</c>, <c>ForwardBatch</c>) and in a training
/// step (its forward product, its weight gradient and, for a padded layer, its input gradient): set per layer with
/// <see cref="Conv2DAttribute.Algorithm"/>.
/// </summary>
public enum ConvAlgorithm
{
    /// <summary>The generator chooses from the layer's shapes (the default): Winograd where it measured faster, otherwise direct.</summary>
    Auto = 0,

    /// <summary>Never Winograd: the matrix-product or channel-vectorised direct convolution, the exact sums of products.</summary>
    Direct = 1,

    /// <summary>
    /// Winograd's minimal filtering F(m×m, 3×3): fewer multiplies, at the cost of a rounding error a little larger than the
    /// direct sums' (within 2·10⁻⁵ of the largest output in CnnGen's sweep). Only for a 3×3 kernel with stride 1 and
    /// padding 0 or 1 on both axes; on any other layer it is an error (CNN0018).
    /// </summary>
    Winograd = 2,
}
