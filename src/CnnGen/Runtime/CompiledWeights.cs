using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CnnGen.Runtime;

/// <summary>
/// Unpacks the weights a network compiled in with <c>[Network(Weights = "…")]</c>. The generator stores the
/// F32 values two to a <see cref="ulong"/> (the first in the low 32 bits) as a constant array, which the compiler
/// keeps as one blob of static data (half as many literals to compile as one per float). Called by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CompiledWeights
{
    /// <summary>
    /// Copies the first <c>destination.Length</c> floats packed in <paramref name="packed"/>: one memory copy on a
    /// little-endian machine (where the low half of a <see cref="ulong"/> comes first), value by value otherwise.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="packed"/> holds fewer than <c>destination.Length</c> floats.</exception>
    public static void Unpack(ReadOnlySpan<ulong> packed, Span<float> destination)
    {
        if (2L * packed.Length < destination.Length)
        {
            throw new ArgumentException($"{packed.Length} packed values hold {2L * packed.Length} floats; {destination.Length} are needed.", nameof(packed));
        }

        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<ulong, float>(packed).Slice(0, destination.Length).CopyTo(destination);
            return;
        }

        UnpackByValue(packed, destination);
    }

    /// <summary>The byte-order-independent path of <see cref="Unpack"/>: low half first, whatever the machine.</summary>
    public static void UnpackByValue(ReadOnlySpan<ulong> packed, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            ulong pair = packed[i >> 1];
            destination[i] = BitConverter.UInt32BitsToSingle((i & 1) == 0 ? (uint)pair : (uint)(pair >> 32));
        }
    }
}
