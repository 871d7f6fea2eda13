using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Runtime;

/// <summary>AVX2: 8 floats per vector; 16 registers, so a product's block is 6 rows × 2 vectors (12 accumulators).</summary>
internal readonly struct Simd256 : ISimd<Vector256<float>>
{
    public static int Width => 8;
    public static int TileRows => 6;
    public static int TileVectors => 2;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> OddLanes => Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float p, nuint at) => Mem.Load256(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, ref float p, nuint at) => Mem.Store(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Relu(Vector256<float> a) => Vector256.Max(a, Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> From(int first, int from) => Vector256.GreaterThanOrEqual(Vector256.Create(first) + Vector256<int>.Indices, Vector256.Create(from)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Below(int count) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThan(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Equal(Vector256<float> a, Vector256<float> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AndNot(Vector256<float> a, Vector256<float> b) => Vector256.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Or(Vector256<float> a, Vector256<float> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> SwapPairs(Vector256<float> a) => Vector256.Shuffle(a, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadPairs(ref float p, nuint at) => Vector256.Shuffle(Mem.Load128(ref p, at).ToVector256Unsafe(), Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreEvenLanes(Vector256<float> v, ref float p, nuint at) => Mem.Store(Vector256.Shuffle(v, Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6)).GetLower(), ref p, at);
    // Shuffle takes lanes 0 and 2 of each 128-bit half of both vectors (a0 a2 b0 b2 | a4 a6 b4 b6); the 64-bit permute puts the halves in order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadEvenLanes(ref float p, nuint at) => Avx2.Permute4x64(Avx.Shuffle(Mem.Load256(ref p, at), Mem.Load256(ref p, at + 8), 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe Vector256<float> LoadFirst(float* p, int count) => Avx.MaskLoad(p, Below(count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector256.Sum(v);
}
