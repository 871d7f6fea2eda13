using System;
using System.Runtime.CompilerServices;

namespace CnnGen.Runtime;

/// <summary>One float: the instance of the element-wise transforms (Winograd's) without hardware vectors.</summary>
internal readonly struct SimdScalar : ILanes<float>
{
    public static int Width => 1;
    public static float Zero => 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float p, nuint at) => Mem.Add(ref p, (nint)at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float v, ref float p, nuint at) => Mem.Add(ref p, (nint)at) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Splat(float x) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sub(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Multiply(float a, float b) => a * b;

    /// <summary>a·b + c in two roundings: without hardware intrinsics a fused multiply-add is a software call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float a, float b, float c) => (a * b) + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Max(float a, float b) => MathF.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Min(float a, float b) => MathF.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float a) => MathF.Max(a, 0f);
}
