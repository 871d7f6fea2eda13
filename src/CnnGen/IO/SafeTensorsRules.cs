// One source file compiled into two assemblies: the runtime (src/CnnGen, SafeTensorsFile) and the generator
// (generator/CnnGen.Generator links it, Weights/SafeTensorsHeader), so a file the generator compiles in is exactly a
// file SafeTensors.Load accepts. Both targets build it: netstandard2.0 and net10.0 APIs only, no dependencies.
using System.Collections.Generic;
using System.Globalization;

namespace CnnGen.IO;

/// <summary>
/// The rules of the safetensors format that do not depend on how the JSON header is tokenised: the header length,
/// the dtypes, and how the tensors' byte ranges lie in the data section. Both readers parse the header with their own
/// JSON reader (the runtime with System.Text.Json, the generator with a small reader, since an analyzer cannot count on
/// System.Text.Json on every compiler host) and then apply these rules.
/// </summary>
internal static class SafeTensorsRules
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const int MaxHeaderLength = 100_000_000;

    /// <summary>Bytes per element of a safetensors dtype, or 0 for an unknown one.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => 0,
    };

    /// <summary>
    /// How the tensors lie in the data section, as the reference implementation requires: sorted by offset, they fill
    /// it exactly — the first begins at 0, each begins where the one before ends, the last ends at the section's end.
    /// No shared bytes, no gaps, nothing after the last tensor. (Trailing bytes are what a header length lowered by a
    /// few bytes leaves: the JSON still parses, its padding absorbing the cut, and every tensor would be read early.)
    /// Tensors of zero bytes occupy nothing and may lie anywhere inside the section.
    /// </summary>
    /// <param name="tensors">Name, begin and end (exclusive) of every tensor, each already checked to lie inside the section.</param>
    /// <param name="dataLength">Bytes of the data section: the file's length − 8 − the header length.</param>
    /// <returns>null when the layout is valid, otherwise what is wrong (no trailing period).</returns>
    public static string? LayoutError(IReadOnlyList<(string Name, long Begin, long End)> tensors, long dataLength)
    {
        var ordered = new List<(string Name, long Begin, long End)>();
        foreach ((string Name, long Begin, long End) t in tensors)
        {
            if (t.End > t.Begin)
            {
                ordered.Add(t);
            }
        }

        ordered.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End)
            : string.CompareOrdinal(a.Name, b.Name));

        long position = 0;
        string? previous = null;
        long previousBegin = 0;
        foreach ((string name, long begin, long end) in ordered)
        {
            if (begin < position)
            {
                return $"tensors '{previous}' [{Int(previousBegin)}, {Int(position)}) and '{name}' [{Int(begin)}, {Int(end)}) overlap: tensors must not share bytes";
            }

            if (begin > position)
            {
                return previous is null
                    ? $"the first tensor '{name}' begins at byte {Int(begin)} of the data section, not 0: the tensors must fill the data section without gaps"
                    : $"tensor '{name}' begins at byte {Int(begin)} of the data section, but '{previous}' ends at byte {Int(position)}: the tensors must fill the data section without gaps";
            }

            previous = name;
            previousBegin = begin;
            position = end;
        }

        if (position != dataLength)
        {
            return $"the data section is {Int(dataLength)} bytes, but its tensors end at byte {Int(position)}: {Int(dataLength - position)} bytes after the last tensor belong to none (a header length that is too small, or a corrupt file)";
        }

        return null;
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
