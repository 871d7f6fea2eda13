using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using V16 = System.Runtime.Intrinsics.Vector512<float>;
using V8 = System.Runtime.Intrinsics.Vector256<float>;

namespace CnnGen.Benchmarks.Prototypes;

/// <summary>
/// Hand-written forward kernels for LeNet-5's exact shapes, as the emitter would write them (see
/// tools/bench/KERNELS.md for the templates): every bound a constant, explicit <see cref="Vector512{T}"/> and
/// <see cref="Vector256{T}"/> paths and a scalar fallback, register-blocked accumulators kept in locals, bias,
/// ReLU and max pooling fused into the convolution's epilogue. No <c>unsafe</c>: refs and
/// <c>LoadUnsafe</c>/<c>StoreUnsafe</c> only, so the same text compiles in a project without
/// AllowUnsafeBlocks. Callers pass buffers of the documented lengths (checked once by the network class).
/// </summary>
internal static partial class Kernels
{
    // ================================================================================================
    // Stage 1: conv1 1×32×32 → 6×28×28 (5×5) + bias + ReLU + maxpool 2 → P1 [6][14][16]
    // ================================================================================================

    /// <summary>conv1 + bias + ReLU + 2×2 max pool, one image: input [32×32] → P1 [6][14][16].</summary>
    public static void Stage1(ReadOnlySpan<float> input, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> p1)
    {
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(w1);
        ref float b = ref MemoryMarshal.GetReference(b1);
        ref float y = ref MemoryMarshal.GetReference(p1);
        if (Isa.Wide)
        {
            Stage1V512(ref x, ref w, ref b, ref y);
        }
        else if (Isa.Narrow)
        {
            Stage1V256(ref x, ref w, ref b, ref y);
        }
        else
        {
            Stage1Scalar(ref x, ref w, ref b, ref y);
        }
    }

    // Output-width vectorised direct convolution. K = 6 output channels are too few for a vector, so the
    // vector runs along an output row: 16 columns, two vectors per 28-wide row at columns 0 and 12 (the 4
    // columns 12..15 are computed twice rather than masked: no tail, no read past the row). Register block:
    // 6 channels × 2 output rows (the pooling pair) = 12 accumulators; each 5×5 tap loads 2 input vectors and
    // broadcasts 6 weights (each weight serves both rows). The epilogue pools the two rows (vertical max),
    // the column pairs (a lane swap and a max), keeps the even lanes, then adds the bias and applies ReLU on
    // the pooled quarter: max(x + b) = max(x) + b and ReLU is monotonic, so it is the same result.
    private static void Stage1V512(ref float x, ref float w, ref float b, ref float p1)
    {
        Vector512<int> pairSwap = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
        for (int py = 0; py < L.PH1; py++)
        {
            for (int h = 0; h < 2; h++)
            {
                int col = h * 12;
                V16 t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default;
                V16 u0 = default, u1 = default, u2 = default, u3 = default, u4 = default, u5 = default;
                ref float row = ref Unsafe.Add(ref x, (2 * py * L.InW) + col);
                for (int ky = 0; ky < L.F; ky++)
                {
                    ref float r = ref Unsafe.Add(ref row, ky * L.InW);
                    ref float wr = ref Unsafe.Add(ref w, ky * L.F);
                    for (int kx = 0; kx < L.F; kx++)
                    {
                        V16 top = V16.LoadUnsafe(ref r, (nuint)kx);
                        V16 bot = V16.LoadUnsafe(ref r, (nuint)(L.InW + kx));
                        V16 c = Vector512.Create(Unsafe.Add(ref wr, kx));
                        t0 = Vector512.FusedMultiplyAdd(top, c, t0);
                        u0 = Vector512.FusedMultiplyAdd(bot, c, u0);
                        c = Vector512.Create(Unsafe.Add(ref wr, 25 + kx));
                        t1 = Vector512.FusedMultiplyAdd(top, c, t1);
                        u1 = Vector512.FusedMultiplyAdd(bot, c, u1);
                        c = Vector512.Create(Unsafe.Add(ref wr, 50 + kx));
                        t2 = Vector512.FusedMultiplyAdd(top, c, t2);
                        u2 = Vector512.FusedMultiplyAdd(bot, c, u2);
                        c = Vector512.Create(Unsafe.Add(ref wr, 75 + kx));
                        t3 = Vector512.FusedMultiplyAdd(top, c, t3);
                        u3 = Vector512.FusedMultiplyAdd(bot, c, u3);
                        c = Vector512.Create(Unsafe.Add(ref wr, 100 + kx));
                        t4 = Vector512.FusedMultiplyAdd(top, c, t4);
                        u4 = Vector512.FusedMultiplyAdd(bot, c, u4);
                        c = Vector512.Create(Unsafe.Add(ref wr, 125 + kx));
                        t5 = Vector512.FusedMultiplyAdd(top, c, t5);
                        u5 = Vector512.FusedMultiplyAdd(bot, c, u5);
                    }
                }

                ref float o = ref Unsafe.Add(ref p1, (py * L.P1Stride) + (h * 6));
                Pool1V512(t0, u0, Unsafe.Add(ref b, 0), pairSwap, evens, ref o);
                Pool1V512(t1, u1, Unsafe.Add(ref b, 1), pairSwap, evens, ref Unsafe.Add(ref o, L.P1Plane));
                Pool1V512(t2, u2, Unsafe.Add(ref b, 2), pairSwap, evens, ref Unsafe.Add(ref o, 2 * L.P1Plane));
                Pool1V512(t3, u3, Unsafe.Add(ref b, 3), pairSwap, evens, ref Unsafe.Add(ref o, 3 * L.P1Plane));
                Pool1V512(t4, u4, Unsafe.Add(ref b, 4), pairSwap, evens, ref Unsafe.Add(ref o, 4 * L.P1Plane));
                Pool1V512(t5, u5, Unsafe.Add(ref b, 5), pairSwap, evens, ref Unsafe.Add(ref o, 5 * L.P1Plane));
            }
        }
    }

    /// <summary>2×2 max of two 16-column rows → 8 pooled values, + bias, ReLU, stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pool1V512(V16 top, V16 bottom, float bias, Vector512<int> pairSwap, Vector512<int> evens, ref float destination)
    {
        V16 m = Vector512.Max(top, bottom);
        m = Vector512.Max(m, Vector512.Shuffle(m, pairSwap));
        V8 pooled = Vector512.Shuffle(m, evens).GetLower();
        Vector256.Max(pooled + Vector256.Create(bias), V8.Zero).StoreUnsafe(ref destination);
    }

    // The same with 8-column vectors: a 28-wide row is 4 vectors at columns 0, 8, 16, 20 (20..23 twice).
    // 16 ymm registers: 12 accumulators + 2 inputs + 1 weight.
    private static void Stage1V256(ref float x, ref float w, ref float b, ref float p1)
    {
        Vector256<int> pairSwap = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<int> evens = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        for (int py = 0; py < L.PH1; py++)
        {
            for (int q = 0; q < 4; q++)
            {
                int col = q == 3 ? 20 : q * 8;
                V8 t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default;
                V8 u0 = default, u1 = default, u2 = default, u3 = default, u4 = default, u5 = default;
                ref float row = ref Unsafe.Add(ref x, (2 * py * L.InW) + col);
                for (int ky = 0; ky < L.F; ky++)
                {
                    ref float r = ref Unsafe.Add(ref row, ky * L.InW);
                    ref float wr = ref Unsafe.Add(ref w, ky * L.F);
                    for (int kx = 0; kx < L.F; kx++)
                    {
                        V8 top = V8.LoadUnsafe(ref r, (nuint)kx);
                        V8 bot = V8.LoadUnsafe(ref r, (nuint)(L.InW + kx));
                        V8 c = Vector256.Create(Unsafe.Add(ref wr, kx));
                        t0 = Vector256.FusedMultiplyAdd(top, c, t0);
                        u0 = Vector256.FusedMultiplyAdd(bot, c, u0);
                        c = Vector256.Create(Unsafe.Add(ref wr, 25 + kx));
                        t1 = Vector256.FusedMultiplyAdd(top, c, t1);
                        u1 = Vector256.FusedMultiplyAdd(bot, c, u1);
                        c = Vector256.Create(Unsafe.Add(ref wr, 50 + kx));
                        t2 = Vector256.FusedMultiplyAdd(top, c, t2);
                        u2 = Vector256.FusedMultiplyAdd(bot, c, u2);
                        c = Vector256.Create(Unsafe.Add(ref wr, 75 + kx));
                        t3 = Vector256.FusedMultiplyAdd(top, c, t3);
                        u3 = Vector256.FusedMultiplyAdd(bot, c, u3);
                        c = Vector256.Create(Unsafe.Add(ref wr, 100 + kx));
                        t4 = Vector256.FusedMultiplyAdd(top, c, t4);
                        u4 = Vector256.FusedMultiplyAdd(bot, c, u4);
                        c = Vector256.Create(Unsafe.Add(ref wr, 125 + kx));
                        t5 = Vector256.FusedMultiplyAdd(top, c, t5);
                        u5 = Vector256.FusedMultiplyAdd(bot, c, u5);
                    }
                }

                ref float o = ref Unsafe.Add(ref p1, (py * L.P1Stride) + (col / 2));
                Pool1V256(t0, u0, Unsafe.Add(ref b, 0), pairSwap, evens, ref o);
                Pool1V256(t1, u1, Unsafe.Add(ref b, 1), pairSwap, evens, ref Unsafe.Add(ref o, L.P1Plane));
                Pool1V256(t2, u2, Unsafe.Add(ref b, 2), pairSwap, evens, ref Unsafe.Add(ref o, 2 * L.P1Plane));
                Pool1V256(t3, u3, Unsafe.Add(ref b, 3), pairSwap, evens, ref Unsafe.Add(ref o, 3 * L.P1Plane));
                Pool1V256(t4, u4, Unsafe.Add(ref b, 4), pairSwap, evens, ref Unsafe.Add(ref o, 4 * L.P1Plane));
                Pool1V256(t5, u5, Unsafe.Add(ref b, 5), pairSwap, evens, ref Unsafe.Add(ref o, 5 * L.P1Plane));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pool1V256(V8 top, V8 bottom, float bias, Vector256<int> pairSwap, Vector256<int> evens, ref float destination)
    {
        V8 m = Vector256.Max(top, bottom);
        m = Vector256.Max(m, Vector256.Shuffle(m, pairSwap));
        Vector128<float> pooled = Vector256.Shuffle(m, evens).GetLower();
        Vector128.Max(pooled + Vector128.Create(bias), Vector128<float>.Zero).StoreUnsafe(ref destination);
    }

    private static void Stage1Scalar(ref float x, ref float w, ref float b, ref float p1)
    {
        for (int k = 0; k < L.K1; k++)
        {
            for (int py = 0; py < L.PH1; py++)
            {
                for (int px = 0; px < L.PW1; px++)
                {
                    float best = float.NegativeInfinity;
                    for (int d = 0; d < 4; d++)
                    {
                        int oy = (2 * py) + (d >> 1), ox = (2 * px) + (d & 1);
                        float s = 0f;
                        for (int ky = 0; ky < L.F; ky++)
                        {
                            for (int kx = 0; kx < L.F; kx++)
                            {
                                s += Unsafe.Add(ref x, ((oy + ky) * L.InW) + ox + kx) * Unsafe.Add(ref w, (k * 25) + (ky * L.F) + kx);
                            }
                        }

                        best = MathF.Max(best, s);
                    }

                    Unsafe.Add(ref p1, (k * L.P1Plane) + (py * L.P1Stride) + px) = MathF.Max(best + Unsafe.Add(ref b, k), 0f);
                }
            }
        }
    }

    // ================================================================================================
    // Stage 2: conv2 6×14×14 → 16×10×10 (5×5) + bias + ReLU + maxpool 2 → P2 [25 cells][16]
    // ================================================================================================

    /// <summary>conv2 + bias + ReLU + 2×2 max pool, one image: P1 [6][14][16] → P2 [5·5][16] (channel-last).</summary>
    public static void Stage2(ReadOnlySpan<float> p1, ReadOnlySpan<float> w2Packed, ReadOnlySpan<float> b2, Span<float> p2)
    {
        ref float x = ref MemoryMarshal.GetReference(p1);
        ref float w = ref MemoryMarshal.GetReference(w2Packed);
        ref float b = ref MemoryMarshal.GetReference(b2);
        ref float y = ref MemoryMarshal.GetReference(p2);
        if (Isa.Wide)
        {
            Stage2V512(ref x, ref w, ref b, ref y);
        }
        else if (Isa.Narrow)
        {
            Stage2V256(ref x, ref w, ref b, ref y);
        }
        else
        {
            Stage2Scalar(ref x, ref w, ref b, ref y);
        }
    }

    // Output-channel vectorised direct convolution: K = 16 is exactly one 512-bit vector, so each output
    // position is one accumulator and every tap is one FMA of a broadcast input pixel (an embedded-broadcast
    // memory operand) with the tap's 16 weights (packed [c][ky][kx][k]). Register block: the two output rows
    // of a pooling pair × all 10 columns = 20 accumulators; per tap 1 weight load and 20 FMAs. The epilogue
    // max-pools the 2×2 cells (pure vertical maxima: no shuffles in this layout), adds the bias vector,
    // applies ReLU and stores each cell's 16 channels as one vector: P2 is channel-last, and fc1's packed
    // weights follow that order, so no transpose is ever needed.
    private static void Stage2V512(ref float x, ref float w, ref float b, ref float p2)
    {
        V16 bias = V16.LoadUnsafe(ref b);
        for (int py = 0; py < L.PH2; py++)
        {
            V16 a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default;
            V16 c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default;
            for (int c = 0; c < 6; c++)
            {
                for (int ky = 0; ky < L.F; ky++)
                {
                    ref float r = ref Unsafe.Add(ref x, (c * L.P1Plane) + (((2 * py) + ky) * L.P1Stride));
                    ref float s = ref Unsafe.Add(ref r, L.P1Stride);
                    ref float wr = ref Unsafe.Add(ref w, ((c * 25) + (ky * 5)) * 16);
                    for (int kx = 0; kx < L.F; kx++)
                    {
                        V16 wv = V16.LoadUnsafe(ref wr, (nuint)(kx * 16));
                        ref float ri = ref Unsafe.Add(ref r, kx);
                        ref float si = ref Unsafe.Add(ref s, kx);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Create(ri), wv, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 1)), wv, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 2)), wv, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 3)), wv, a3);
                        a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 4)), wv, a4);
                        a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 5)), wv, a5);
                        a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 6)), wv, a6);
                        a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 7)), wv, a7);
                        a8 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 8)), wv, a8);
                        a9 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ri, 9)), wv, a9);
                        c0 = Vector512.FusedMultiplyAdd(Vector512.Create(si), wv, c0);
                        c1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 1)), wv, c1);
                        c2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 2)), wv, c2);
                        c3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 3)), wv, c3);
                        c4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 4)), wv, c4);
                        c5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 5)), wv, c5);
                        c6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 6)), wv, c6);
                        c7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 7)), wv, c7);
                        c8 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 8)), wv, c8);
                        c9 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref si, 9)), wv, c9);
                    }
                }
            }

            ref float o = ref Unsafe.Add(ref p2, py * L.PW2 * 16);
            Pool2V512(a0, a1, c0, c1, bias, ref o);
            Pool2V512(a2, a3, c2, c3, bias, ref Unsafe.Add(ref o, 16));
            Pool2V512(a4, a5, c4, c5, bias, ref Unsafe.Add(ref o, 32));
            Pool2V512(a6, a7, c6, c7, bias, ref Unsafe.Add(ref o, 48));
            Pool2V512(a8, a9, c8, c9, bias, ref Unsafe.Add(ref o, 64));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pool2V512(V16 a, V16 b, V16 c, V16 d, V16 bias, ref float destination)
    {
        V16 m = Vector512.Max(Vector512.Max(a, b), Vector512.Max(c, d));
        Vector512.Max(m + bias, V16.Zero).StoreUnsafe(ref destination);
    }

    // 256-bit: the 16 channels are two vectors; one pooling window (2×2 positions × 2 halves = 8
    // accumulators) at a time, so it fits 16 ymm registers: per tap 2 weight loads, 4 broadcasts, 8 FMAs.
    private static void Stage2V256(ref float x, ref float w, ref float b, ref float p2)
    {
        V8 biasLo = V8.LoadUnsafe(ref b), biasHi = V8.LoadUnsafe(ref b, 8);
        for (int py = 0; py < L.PH2; py++)
        {
            for (int px = 0; px < L.PW2; px++)
            {
                V8 a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
                for (int c = 0; c < 6; c++)
                {
                    for (int ky = 0; ky < L.F; ky++)
                    {
                        ref float r = ref Unsafe.Add(ref x, (c * L.P1Plane) + (((2 * py) + ky) * L.P1Stride) + (2 * px));
                        ref float wr = ref Unsafe.Add(ref w, ((c * 25) + (ky * 5)) * 16);
                        for (int kx = 0; kx < L.F; kx++)
                        {
                            V8 lo = V8.LoadUnsafe(ref wr, (nuint)(kx * 16));
                            V8 hi = V8.LoadUnsafe(ref wr, (nuint)((kx * 16) + 8));
                            V8 v = Vector256.Create(Unsafe.Add(ref r, kx));
                            a0 = Vector256.FusedMultiplyAdd(v, lo, a0);
                            a1 = Vector256.FusedMultiplyAdd(v, hi, a1);
                            v = Vector256.Create(Unsafe.Add(ref r, kx + 1));
                            b0 = Vector256.FusedMultiplyAdd(v, lo, b0);
                            b1 = Vector256.FusedMultiplyAdd(v, hi, b1);
                            v = Vector256.Create(Unsafe.Add(ref r, L.P1Stride + kx));
                            c0 = Vector256.FusedMultiplyAdd(v, lo, c0);
                            c1 = Vector256.FusedMultiplyAdd(v, hi, c1);
                            v = Vector256.Create(Unsafe.Add(ref r, L.P1Stride + kx + 1));
                            d0 = Vector256.FusedMultiplyAdd(v, lo, d0);
                            d1 = Vector256.FusedMultiplyAdd(v, hi, d1);
                        }
                    }
                }

                ref float o = ref Unsafe.Add(ref p2, ((py * L.PW2) + px) * 16);
                V8 m = Vector256.Max(Vector256.Max(a0, b0), Vector256.Max(c0, d0));
                Vector256.Max(m + biasLo, V8.Zero).StoreUnsafe(ref o);
                m = Vector256.Max(Vector256.Max(a1, b1), Vector256.Max(c1, d1));
                Vector256.Max(m + biasHi, V8.Zero).StoreUnsafe(ref o, 8);
            }
        }
    }

    private static void Stage2Scalar(ref float x, ref float w, ref float b, ref float p2)
    {
        for (int py = 0; py < L.PH2; py++)
        {
            for (int px = 0; px < L.PW2; px++)
            {
                for (int k = 0; k < L.K2; k++)
                {
                    float best = float.NegativeInfinity;
                    for (int d = 0; d < 4; d++)
                    {
                        int oy = (2 * py) + (d >> 1), ox = (2 * px) + (d & 1);
                        float s = 0f;
                        for (int c = 0; c < 6; c++)
                        {
                            for (int ky = 0; ky < L.F; ky++)
                            {
                                for (int kx = 0; kx < L.F; kx++)
                                {
                                    s += Unsafe.Add(ref x, (c * L.P1Plane) + ((oy + ky) * L.P1Stride) + ox + kx)
                                        * Unsafe.Add(ref w, (((c * 25) + (ky * 5) + kx) * 16) + k);
                                }
                            }
                        }

                        best = MathF.Max(best, s);
                    }

                    Unsafe.Add(ref p2, (((py * L.PW2) + px) * 16) + k) = MathF.Max(best + Unsafe.Add(ref b, k), 0f);
                }
            }
        }
    }

    // ================================================================================================
    // Dense layers, one image: y = act(b + x·Wᵀ) with Wᵀ packed [in][outPadded]
    // ================================================================================================

    /// <summary>fc1 400 → 120 (+ ReLU): x = P2 (channel-last), y [128] (the 8 padded outputs are 0).</summary>
    public static void Dense1(ReadOnlySpan<float> x, ReadOnlySpan<float> wt, ReadOnlySpan<float> bias, Span<float> y) =>
        Dense(x, wt, bias, y, L.In1, L.Out1P, relu: true);

    /// <summary>fc2 120 → 84 (+ ReLU): y [96].</summary>
    public static void Dense2(ReadOnlySpan<float> x, ReadOnlySpan<float> wt, ReadOnlySpan<float> bias, Span<float> y) =>
        Dense(x, wt, bias, y, L.In2, L.Out2P, relu: true);

    /// <summary>fc3 84 → 10 (no activation): y [16] logits.</summary>
    public static void Dense3(ReadOnlySpan<float> x, ReadOnlySpan<float> wt, ReadOnlySpan<float> bias, Span<float> y) =>
        Dense(x, wt, bias, y, L.In3, L.Out3P, relu: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dense(ReadOnlySpan<float> x, ReadOnlySpan<float> wt, ReadOnlySpan<float> bias, Span<float> y, int inCount, int outP, bool relu)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float w = ref MemoryMarshal.GetReference(wt);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float o = ref MemoryMarshal.GetReference(y);
        if (Isa.Wide)
        {
            DenseV512(ref xr, ref w, ref b, ref o, inCount, outP, relu);
        }
        else if (Isa.Narrow)
        {
            for (int j = 0; j < outP; j += 32)
            {
                DenseV256(ref xr, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref Unsafe.Add(ref o, j), inCount, outP, Math.Min(4, (outP - j) / 8), relu);
            }
        }
        else
        {
            DenseScalar(ref xr, ref w, ref b, ref o, inCount, outP, relu);
        }
    }

    // Vector–matrix product with the outputs along the vector: the whole padded output row (≤ 8 vectors)
    // stays in registers, twice (even and odd inputs accumulate separately, so 16 independent FMA chains
    // hide the FMA latency); per input one broadcast and ≤ 8 weight loads. Inlined with constant
    // inCount/outP, so the unused accumulators and branches vanish.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DenseV512(ref float x, ref float w, ref float b, ref float y, int inCount, int outP, bool relu)
    {
        int nv = outP / 16;
        V16 a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        V16 e0 = default, e1 = default, e2 = default, e3 = default, e4 = default, e5 = default, e6 = default, e7 = default;
        for (int i = 0; i < inCount; i += 2)
        {
            ref float r = ref Unsafe.Add(ref w, i * outP);
            ref float s = ref Unsafe.Add(ref r, outP);
            V16 u = Vector512.Create(Unsafe.Add(ref x, i));
            V16 v = Vector512.Create(Unsafe.Add(ref x, i + 1));
            a0 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r), a0);
            e0 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s), e0);
            if (nv > 1)
            {
                a1 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 16), a1);
                e1 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 16), e1);
            }

            if (nv > 2)
            {
                a2 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 32), a2);
                e2 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 32), e2);
            }

            if (nv > 3)
            {
                a3 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 48), a3);
                e3 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 48), e3);
            }

            if (nv > 4)
            {
                a4 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 64), a4);
                e4 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 64), e4);
            }

            if (nv > 5)
            {
                a5 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 80), a5);
                e5 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 80), e5);
            }

            if (nv > 6)
            {
                a6 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 96), a6);
                e6 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 96), e6);
            }

            if (nv > 7)
            {
                a7 = Vector512.FusedMultiplyAdd(u, V16.LoadUnsafe(ref r, 112), a7);
                e7 = Vector512.FusedMultiplyAdd(v, V16.LoadUnsafe(ref s, 112), e7);
            }
        }

        DenseStoreV512(a0 + e0, ref b, ref y, 0, relu);
        if (nv > 1) DenseStoreV512(a1 + e1, ref b, ref y, 16, relu);
        if (nv > 2) DenseStoreV512(a2 + e2, ref b, ref y, 32, relu);
        if (nv > 3) DenseStoreV512(a3 + e3, ref b, ref y, 48, relu);
        if (nv > 4) DenseStoreV512(a4 + e4, ref b, ref y, 64, relu);
        if (nv > 5) DenseStoreV512(a5 + e5, ref b, ref y, 80, relu);
        if (nv > 6) DenseStoreV512(a6 + e6, ref b, ref y, 96, relu);
        if (nv > 7) DenseStoreV512(a7 + e7, ref b, ref y, 112, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DenseStoreV512(V16 sum, ref float b, ref float y, int at, bool relu)
    {
        V16 v = sum + V16.LoadUnsafe(ref b, (nuint)at);
        (relu ? Vector512.Max(v, V16.Zero) : v).StoreUnsafe(ref y, (nuint)at);
    }

    // 256-bit: a chunk of ≤ 4 output vectors (32 outputs) at a time, twice (even/odd inputs) = 8 accumulators.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DenseV256(ref float x, ref float w, ref float b, ref float y, int inCount, int outP, int nv, bool relu)
    {
        V8 a0 = default, a1 = default, a2 = default, a3 = default;
        V8 e0 = default, e1 = default, e2 = default, e3 = default;
        for (int i = 0; i < inCount; i += 2)
        {
            ref float r = ref Unsafe.Add(ref w, i * outP);
            ref float s = ref Unsafe.Add(ref r, outP);
            V8 u = Vector256.Create(Unsafe.Add(ref x, i));
            V8 v = Vector256.Create(Unsafe.Add(ref x, i + 1));
            a0 = Vector256.FusedMultiplyAdd(u, V8.LoadUnsafe(ref r), a0);
            e0 = Vector256.FusedMultiplyAdd(v, V8.LoadUnsafe(ref s), e0);
            if (nv > 1)
            {
                a1 = Vector256.FusedMultiplyAdd(u, V8.LoadUnsafe(ref r, 8), a1);
                e1 = Vector256.FusedMultiplyAdd(v, V8.LoadUnsafe(ref s, 8), e1);
            }

            if (nv > 2)
            {
                a2 = Vector256.FusedMultiplyAdd(u, V8.LoadUnsafe(ref r, 16), a2);
                e2 = Vector256.FusedMultiplyAdd(v, V8.LoadUnsafe(ref s, 16), e2);
            }

            if (nv > 3)
            {
                a3 = Vector256.FusedMultiplyAdd(u, V8.LoadUnsafe(ref r, 24), a3);
                e3 = Vector256.FusedMultiplyAdd(v, V8.LoadUnsafe(ref s, 24), e3);
            }
        }

        DenseStoreV256(a0 + e0, ref b, ref y, 0, relu);
        if (nv > 1) DenseStoreV256(a1 + e1, ref b, ref y, 8, relu);
        if (nv > 2) DenseStoreV256(a2 + e2, ref b, ref y, 16, relu);
        if (nv > 3) DenseStoreV256(a3 + e3, ref b, ref y, 24, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DenseStoreV256(V8 sum, ref float b, ref float y, int at, bool relu)
    {
        V8 v = sum + V8.LoadUnsafe(ref b, (nuint)at);
        (relu ? Vector256.Max(v, V8.Zero) : v).StoreUnsafe(ref y, (nuint)at);
    }

    private static void DenseScalar(ref float x, ref float w, ref float b, ref float y, int inCount, int outP, bool relu)
    {
        for (int o = 0; o < outP; o++)
        {
            float s = 0f;
            for (int i = 0; i < inCount; i++)
            {
                s += Unsafe.Add(ref x, i) * Unsafe.Add(ref w, (i * outP) + o);
            }

            s += Unsafe.Add(ref b, o);
            Unsafe.Add(ref y, o) = relu ? MathF.Max(s, 0f) : s;
        }
    }

    // ================================================================================================
    // Softmax over the 10 class scores
    // ================================================================================================

    /// <summary>probabilities = softmax(logits[0..10)), the maximum subtracted first.</summary>
    public static void Softmax10(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        ref float z = ref MemoryMarshal.GetReference(logits);
        ref float p = ref MemoryMarshal.GetReference(probabilities);
        float max = z;
        for (int i = 1; i < L.Classes; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref z, i));
        }

        float sum = 0f;
        for (int i = 0; i < L.Classes; i++)
        {
            float e = MathF.Exp(Unsafe.Add(ref z, i) - max);
            Unsafe.Add(ref p, i) = e;
            sum += e;
        }

        float inverse = 1f / sum;
        for (int i = 0; i < L.Classes; i++)
        {
            Unsafe.Add(ref p, i) *= inverse;
        }
    }
}
