using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Runtime;

// The vector abstraction the kernels are generic over: one kernel body, compiled once per vector width (Vector512 on
// AVX-512, Vector256 on AVX2), instead of a hand-written copy per width. Gemm's kernels (the packed product, the
// unpacked 6-row block, the dot products) and GemmGradients' position-major weight gradient use it; Simd512Narrow and
// Simd256Narrow are the one-vector tails of the packed product's register block.
internal interface ISimd<TV>
    where TV : struct
{
    static abstract int Width { get; }

    static abstract int TileRows { get; }

    static abstract int TileVectors { get; }

    static abstract TV Zero { get; }

    static abstract TV Load(ref float p, nuint at);

    static abstract void Store(TV v, ref float p, nuint at);

    static abstract TV Splat(float x);

    static abstract TV Fma(TV a, TV b, TV c);

    static abstract TV Add(TV a, TV b);

    static abstract TV Relu(TV a);

    /// <summary>All bits set in the lanes whose column, first + lane, is at least <paramref name="from"/>.</summary>
    static abstract TV From(int first, int from);

    static abstract TV Select(TV mask, TV a, TV b);

    /// <summary>The first <paramref name="count"/> (0 … Width) floats at p, the other lanes zero; reads nothing past them.</summary>
    static abstract unsafe TV LoadFirst(float* p, int count);

    static abstract TV And(TV a, TV b);

    static abstract float Sum(TV v);
}

internal readonly struct Simd512 : ISimd<Vector512<float>>
{
    public static int Width => 16;
    public static int TileRows => 8;
    public static int TileVectors => 2;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float p, nuint at) => Mem.Load512(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, ref float p, nuint at) => Mem.Store(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> a) => Vector512.Max(a, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> From(int first, int from) => Vector512.GreaterThanOrEqual(Vector512.Create(first) + Vector512<int>.Indices, Vector512.Create(from)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector512<float> LoadFirst(float* p, int count) => Avx512F.MaskLoad(p, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle(), Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
}

/// <summary>The Vector512 block one vector wide, for a last panel of at most 16 columns.</summary>
internal readonly struct Simd512Narrow : ISimd<Vector512<float>>
{
    public static int Width => 16;
    public static int TileRows => 8;
    public static int TileVectors => 1;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float p, nuint at) => Simd512.Load(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, ref float p, nuint at) => Simd512.Store(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float x) => Simd512.Splat(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Simd512.Fma(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Relu(Vector512<float> a) => Simd512.Relu(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> From(int first, int from) => Simd512.From(first, from);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Simd512.Select(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector512<float> LoadFirst(float* p, int count) => Simd512.LoadFirst(p, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => Vector512.Sum(v);
}

/// <summary>The Vector256 block (AVX2: 16 registers, so 6 rows × 2 vectors = 12 accumulators).</summary>
internal readonly struct Simd256 : ISimd<Vector256<float>>
{
    public static int Width => 8;
    public static int TileRows => 6;
    public static int TileVectors => 2;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float p, nuint at) => Mem.Load256(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, ref float p, nuint at) => Mem.Store(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> a) => Vector256.Max(a, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> From(int first, int from) => Vector256.GreaterThanOrEqual(Vector256.Create(first) + Vector256<int>.Indices, Vector256.Create(from)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector256<float> LoadFirst(float* p, int count) => Avx.MaskLoad(p, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
}

/// <summary>The Vector256 block one vector wide, for a last panel of at most 8 columns.</summary>
internal readonly struct Simd256Narrow : ISimd<Vector256<float>>
{
    public static int Width => 8;
    public static int TileRows => 6;
    public static int TileVectors => 1;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float p, nuint at) => Simd256.Load(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, ref float p, nuint at) => Simd256.Store(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Simd256.Splat(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Simd256.Fma(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> a) => Simd256.Relu(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> From(int first, int from) => Simd256.From(first, from);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Simd256.Select(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector256<float> LoadFirst(float* p, int count) => Simd256.LoadFirst(p, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
}
