using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>
/// The instruction set <typeparamref name="TS"/> with a product's register block one vector wide: the last panel of
/// the packed product when at most one vector of columns is left. Everything else is <typeparamref name="TS"/>'s.
/// </summary>
internal readonly struct NarrowBlock<TV, TS> : ISimd<TV>
    where TV : struct
    where TS : struct, ISimd<TV>
{
    public static int Width => TS.Width;
    public static int TileRows => TS.TileRows;
    public static int TileVectors => 1;
    public static TV Zero => TS.Zero;
    public static TV OddLanes => TS.OddLanes;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Load(ref float p, nuint at) => TS.Load(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(TV v, ref float p, nuint at) => TS.Store(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Splat(float x) => TS.Splat(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Add(TV a, TV b) => TS.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Sub(TV a, TV b) => TS.Sub(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Multiply(TV a, TV b) => TS.Multiply(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Fma(TV a, TV b, TV c) => TS.Fma(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Max(TV a, TV b) => TS.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Min(TV a, TV b) => TS.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Relu(TV a) => TS.Relu(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV From(int first, int from) => TS.From(first, from);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Below(int count) => TS.Below(count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV GreaterThan(TV a, TV b) => TS.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Equal(TV a, TV b) => TS.Equal(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Select(TV mask, TV a, TV b) => TS.Select(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV And(TV a, TV b) => TS.And(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV AndNot(TV a, TV b) => TS.AndNot(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV Or(TV a, TV b) => TS.Or(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV SwapPairs(TV a) => TS.SwapPairs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV LoadPairs(ref float p, nuint at) => TS.LoadPairs(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreEvenLanes(TV v, ref float p, nuint at) => TS.StoreEvenLanes(v, ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static TV LoadEvenLanes(ref float p, nuint at) => TS.LoadEvenLanes(ref p, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static unsafe TV LoadFirst(float* p, int count) => TS.LoadFirst(p, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(TV v) => TS.Sum(v);
}
