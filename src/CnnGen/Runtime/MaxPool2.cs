using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

/// <summary>
/// Max pooling with a 2×2 window, stride 2 and no padding (floor: an odd last row or column is left out), the most
/// common pool, without the general kernel's per-window bookkeeping: per output row, the vertical maximum of its
/// two input rows, 16 columns at a time, then the maximum of each column pair through one lane shuffle, keeping the
/// even lanes. Explicit <see cref="Vector512{T}"/> path (output rows of 8 or more), scalar otherwise. Not meant to be
/// called directly: the generated networks call it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MaxPool2
{
    /// <summary>output[c, oy, ox] = max of input[c, 2·oy + dy, 2·ox + dx] for dy, dx in {0, 1}.</summary>
    /// <param name="input">C × H × W floats.</param>
    /// <param name="output">C × (H / 2) × (W / 2) floats.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> input, Span<float> output, int channels, int height, int width)
    {
        int oh = height / 2, ow = width / 2;
        if (input.Length < channels * height * width || output.Length < channels * oh * ow)
        {
            throw new ArgumentException("The input or output is too short for the shapes.");
        }

        ref float x = ref Mem.Ref(input);
        ref float y = ref Mem.Ref(output);
        if (Vector512.IsHardwareAccelerated && ow >= 8)
        {
            for (int row = 0; row < channels * oh; row++)
            {
                int c = row / oh, oy = row - (c * oh);
                ref float top = ref Mem.Offset(ref x, ((c * height) + (2 * oy)) * width);
                ref float bottom = ref Mem.Offset(ref top, width);
                ref float o = ref Mem.Offset(ref y, row * ow);
                for (int ox = 0; ox < ow; ox += 8)
                {
                    // The last block overlaps the one before rather than reading past the row: it starts at ow − 8.
                    int at = Math.Min(ox, ow - 8);
                    Vector512<float> m = Vector512.Max(Mem.Load512(ref top, (nuint)(2 * at)), Mem.Load512(ref bottom, (nuint)(2 * at)));
                    m = Vector512.Max(m, Vector512.Shuffle(m, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)));
                    Mem.Store(Vector512.Shuffle(m, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14)).GetLower(), ref o, (nuint)at);
                }
            }

            return;
        }

        for (int c = 0; c < channels; c++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                ref float top = ref Mem.Offset(ref x, ((c * height) + (2 * oy)) * width);
                ref float bottom = ref Mem.Offset(ref top, width);
                ref float o = ref Mem.Offset(ref y, ((c * oh) + oy) * ow);
                for (int ox = 0; ox < ow; ox++)
                {
                    float a = MathF.Max(Mem.Add(ref top, 2 * ox), Mem.Add(ref top, (2 * ox) + 1));
                    float b = MathF.Max(Mem.Add(ref bottom, 2 * ox), Mem.Add(ref bottom, (2 * ox) + 1));
                    Mem.Add(ref o, ox) = MathF.Max(a, b);
                }
            }
        }
    }
}
