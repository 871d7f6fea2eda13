using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

// The vector abstraction every kernel is generic over: one kernel body, compiled once per vector width (Vector512 on
// AVX-512, Vector256 on AVX2, and for the element-wise transforms one float), instead of a hand-written copy per
// width. The JIT and Native AOT compile each instance with its width's instructions; the structs' members inline.
//   ILanes  — the arithmetic: what Winograd's transforms need, so a float is an instance too (SimdScalar).
//   ISimd   — plus masks, lane moves and the register-block shape: Gemm, GemmGradients, DirectConv, the pooling,
//             activation and col2im kernels. Simd512 and Simd256 implement it; NarrowBlock<> is a block one vector wide.
// A mask is a vector whose lanes have all bits set or none.

/// <summary>Arithmetic over one vector of lanes (or one float).</summary>
internal interface ILanes<TV>
    where TV : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Width { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(ref float p, nuint at);

    static abstract void Store(TV v, ref float p, nuint at);

    static abstract TV Splat(float x);

    static abstract TV Add(TV a, TV b);

    static abstract TV Sub(TV a, TV b);

    static abstract TV Multiply(TV a, TV b);

    /// <summary>a·b + c, rounded once where the hardware fuses it.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    static abstract TV Max(TV a, TV b);

    static abstract TV Min(TV a, TV b);

    static abstract TV Relu(TV a);
}

/// <summary>A vector instruction set: <see cref="ILanes{TV}"/> plus masks, lane moves and the register-block shape.</summary>
internal interface ISimd<TV> : ILanes<TV>
    where TV : struct
{
    /// <summary>Rows of a product's register block.</summary>
    static abstract int TileRows { get; }

    /// <summary>Vectors per row of a product's register block.</summary>
    static abstract int TileVectors { get; }

    /// <summary>The mask of the lanes whose column, first + lane, is at least <paramref name="from"/>.</summary>
    static abstract TV From(int first, int from);

    /// <summary>The mask of the first <paramref name="count"/> lanes.</summary>
    static abstract TV Below(int count);

    /// <summary>The mask of the odd lanes.</summary>
    static abstract TV OddLanes { get; }

    /// <summary>The mask of the lanes where a &gt; b.</summary>
    static abstract TV GreaterThan(TV a, TV b);

    /// <summary>The mask of the lanes where a = b.</summary>
    static abstract TV Equal(TV a, TV b);

    /// <summary>mask ? a : b, lane by lane.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    static abstract TV And(TV a, TV b);

    /// <summary>a and not b, bit by bit.</summary>
    static abstract TV AndNot(TV a, TV b);

    static abstract TV Or(TV a, TV b);

    /// <summary>Lanes 0 and 1 swapped, 2 and 3, and so on.</summary>
    static abstract TV SwapPairs(TV a);

    /// <summary>Width / 2 floats at p + at, each in two neighbouring lanes.</summary>
    static abstract TV LoadPairs(ref float p, nuint at);

    /// <summary>Stores the even lanes (Width / 2 floats) at p + at.</summary>
    static abstract void StoreEvenLanes(TV v, ref float p, nuint at);

    /// <summary>Every other float from p + at: lane i is p[at + 2i] (reads the 2·Width floats from p + at).</summary>
    static abstract TV LoadEvenLanes(ref float p, nuint at);

    /// <summary>The first <paramref name="count"/> (0 … Width) floats at p, the other lanes zero; reads nothing past them.</summary>
    static abstract unsafe TV LoadFirst(float* p, int count);

    static abstract float Sum(TV v);
}
