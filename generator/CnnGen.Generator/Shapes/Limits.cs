namespace CnnGen.Generator.Shapes;

/// <summary>
/// The size limits, defined once. The generated code indexes every buffer with an int, so shape inference keeps each
/// size below these (in 64-bit or decimal arithmetic, reporting CNN0007 or CNN0015), and the emitter's layouts, which
/// are bounded by small multiples of them, are computed in 64-bit arithmetic too.
/// </summary>
internal static class Limits
{
    /// <summary>
    /// The most floats one buffer may hold, and the most one image's activations may add up to over all layers
    /// (int.MaxValue / 4 = 536,870,911): the training tape holds up to twice that, the batch-major work buffer three
    /// times one layer's, both still below <see cref="MaxArrayLength"/>.
    /// </summary>
    public const int MaxValues = int.MaxValue / 4;

    /// <summary>The longest array .NET allocates (Array.MaxLength, which netstandard2.0 does not have).</summary>
    public const int MaxArrayLength = 0x7FFFFFC7;
}
