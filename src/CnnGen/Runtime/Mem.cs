using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace CnnGen.Runtime;

/// <summary>
/// Every unchecked memory access of the runtime's kernels goes through here: a span's first element (<see cref="Ref{T}(Span{T})"/>),
/// an element further on (<see cref="Add{T}(ref T, int)"/>), a vector load or store. In the normal build each is the
/// <see cref="Unsafe"/>/<see cref="Vector512"/> call it wraps, inlined to the same machine code. In the checked build
/// (<c>-c Checked</c>, which defines <c>CNNGEN_CHECKED</c>; CI runs the sweep under it) every span handed to
/// <see cref="Ref{T}(Span{T})"/> is remembered, and every access must stay inside the span its reference came from:
/// one that leaves it throws <see cref="AccessOutsideSpanException"/> instead of reading or corrupting other memory.
/// </summary>
/// <remarks>
/// The checked build remembers addresses, and the garbage collector may move an unpinned array while a kernel runs; an
/// access that cannot be matched to a span after a collection is counted in <see cref="Unverified"/> instead of failing.
/// </remarks>
internal static unsafe class Mem
{
#if CNNGEN_CHECKED
    /// <summary>Whether this build checks every access.</summary>
    public const bool IsChecked = true;

    private const int Slots = 512;

    [ThreadStatic] private static Region[]? regions;
    [ThreadStatic] private static int next;
    private static long unverified;

    /// <summary>Accesses that could not be checked because a garbage collection may have moved their span.</summary>
    public static long Unverified => Interlocked.Read(ref unverified);

    private struct Region
    {
        public nint Start;
        public nint End;
        public int Collections;
        public string Type;
    }

    private static ref T Remember<T>(ref T first, int length)
    {
        Region[] table = regions ??= new Region[Slots];
        nint start = (nint)Unsafe.AsPointer(ref first);
        table[next] = new Region { Start = start, End = start + (length * (nint)Unsafe.SizeOf<T>()), Collections = GC.CollectionCount(0), Type = typeof(T).Name };
        next = (next + 1) % Slots;
        return ref first;
    }

    /// <summary>Checks that bytes [<paramref name="offset"/>, +<paramref name="bytes"/>) from <paramref name="origin"/> lie in the span holding <paramref name="origin"/>.</summary>
    private static void Check<T>(ref T origin, nint offset, int bytes, string what)
    {
        nint at = (nint)Unsafe.AsPointer(ref origin);
        Region[]? table = regions;
        int collections = GC.CollectionCount(0);
        if (table is not null)
        {
            // The newest span holding the reference; one that ends exactly there only if none holds it (a reference
            // just past a span's end is allowed, and the next span often starts at that address).
            int found = -1;
            for (int pass = 0; pass < 2 && found < 0; pass++)
            {
                for (int k = 1; k <= Slots; k++)
                {
                    int slot = (next - k + Slots) % Slots;
                    ref Region r = ref table[slot];
                    if (r.Type is null) break;
                    if (r.Type == typeof(T).Name && at >= r.Start && (pass == 0 ? at < r.End : at == r.End))
                    {
                        found = slot;
                        break;
                    }
                }
            }

            if (found >= 0)
            {
                Region r = table[found];
                nint from = at + offset;
                if (from >= r.Start && from + bytes <= r.End) return;
                if (r.Collections == collections)
                {
                    long size = Unsafe.SizeOf<T>();
                    throw new AccessOutsideSpanException(
                        $"{what} reads or writes elements [{(from - r.Start) / size}, {(from - r.Start + bytes) / size}) of a span of {(r.End - r.Start) / size} {typeof(T).Name} " +
                        $"(from element {(at - r.Start) / size}, offset {offset / size}).");
                }

                Interlocked.Increment(ref unverified);
                return;
            }
        }

        if (table is not null && table[(next - 1 + Slots) % Slots].Collections == collections && (table[(next - 1 + Slots) % Slots].Type is not null))
        {
            // No collection since the last span was handed out, and still no span holds the reference: it did not come from Ref.
            bool anyMoved = false;
            foreach (Region r in table)
            {
                if (r.Type is not null && r.Collections != collections) anyMoved = true;
            }

            if (!anyMoved)
            {
                throw new AccessOutsideSpanException($"{what} through a reference that is in no span handed to Mem.Ref.");
            }
        }

        Interlocked.Increment(ref unverified);
    }
#else
    /// <summary>Whether this build checks every access.</summary>
    public const bool IsChecked = false;

    /// <summary>Always 0: nothing is checked.</summary>
    public static long Unverified => 0;
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Ref<T>(Span<T> span)
    {
#if CNNGEN_CHECKED
        return ref Remember(ref MemoryMarshal.GetReference(span), span.Length);
#else
        return ref MemoryMarshal.GetReference(span);
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Ref<T>(ReadOnlySpan<T> span)
    {
#if CNNGEN_CHECKED
        return ref Remember(ref MemoryMarshal.GetReference(span), span.Length);
#else
        return ref MemoryMarshal.GetReference(span);
#endif
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Ref<T>(T[] array)
    {
#if CNNGEN_CHECKED
        return ref Remember(ref MemoryMarshal.GetArrayDataReference(array), array.Length);
#else
        return ref MemoryMarshal.GetArrayDataReference(array);
#endif
    }

    /// <summary>
    /// A loop's walking reference moved on by one stride (<c>p = ref Mem.Walk(ref p, stride)</c>). Not checked: after the
    /// loop's last step it points a stride past the span and is never read; every read through it is checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Walk<T>(ref T origin, nint stride) => ref Unsafe.Add(ref origin, stride);

    /// <summary>A reference <paramref name="offset"/> elements on, not yet read: it may point just past the span's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Offset<T>(ref T origin, int offset)
    {
#if CNNGEN_CHECKED
        Check(ref origin, offset * (nint)Unsafe.SizeOf<T>(), 0, "A reference");
#endif
        return ref Unsafe.Add(ref origin, offset);
    }

    /// <inheritdoc cref="Offset{T}(ref T, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Offset<T>(ref T origin, nint offset)
    {
#if CNNGEN_CHECKED
        Check(ref origin, offset * Unsafe.SizeOf<T>(), 0, "A reference");
#endif
        return ref Unsafe.Add(ref origin, offset);
    }

    /// <summary>The element <paramref name="offset"/> elements on, read or written: it must lie inside the span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Add<T>(ref T origin, int offset)
    {
#if CNNGEN_CHECKED
        Check(ref origin, offset * (nint)Unsafe.SizeOf<T>(), Unsafe.SizeOf<T>(), "An element access");
#endif
        return ref Unsafe.Add(ref origin, offset);
    }

    /// <inheritdoc cref="Add{T}(ref T, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T Add<T>(ref T origin, nint offset)
    {
#if CNNGEN_CHECKED
        Check(ref origin, offset * Unsafe.SizeOf<T>(), Unsafe.SizeOf<T>(), "An element access");
#endif
        return ref Unsafe.Add(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load512<T>(ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), Vector512<byte>.Count, "A 512-bit load");
#endif
        return Vector512.LoadUnsafe(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load256<T>(ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), Vector256<byte>.Count, "A 256-bit load");
#endif
        return Vector256.LoadUnsafe(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load128<T>(ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), Vector128<byte>.Count, "A 128-bit load");
#endif
        return Vector128.LoadUnsafe(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static System.Numerics.Vector<T> LoadVector<T>(ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), System.Numerics.Vector<byte>.Count, "A Vector<T> load");
#endif
        return System.Numerics.Vector.LoadUnsafe(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector512<T> value, ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), Vector512<byte>.Count, "A 512-bit store");
#endif
        value.StoreUnsafe(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector256<T> value, ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), Vector256<byte>.Count, "A 256-bit store");
#endif
        value.StoreUnsafe(ref origin, offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Vector128<T> value, ref T origin, nuint offset = 0)
    {
#if CNNGEN_CHECKED
        Check(ref origin, (nint)offset * Unsafe.SizeOf<T>(), Vector128<byte>.Count, "A 128-bit store");
#endif
        value.StoreUnsafe(ref origin, offset);
    }

    /// <summary>
    /// Asks the core to bring the cache line holding origin + offset floats into its L2 (<c>prefetcht1</c>), without
    /// waiting for it. A prefetch never faults, so an address past the span's end is harmless and is not checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ref float origin, nint offset)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch1(Unsafe.AsPointer(ref Unsafe.Add(ref origin, offset)));
        }
    }
}

/// <summary>
/// Thrown by the runtime's checked build (<c>-c Checked</c>) when a kernel would read or write outside the span it was
/// given: a bug in CnnGen, never in the caller. The normal build does not check.
/// </summary>
public sealed class AccessOutsideSpanException(string message) : Exception(message);
