using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using V16 = System.Runtime.Intrinsics.Vector512<float>;
using V8 = System.Runtime.Intrinsics.Vector256<float>;

namespace CnnGen.Benchmarks.Prototypes;

internal static partial class Kernels
{
    // ================================================================================================
    // Dense layers over a batch: Y[n][outP] = act(b + X[n][in] · Wᵀ[in][outP])  (a GEMM)
    // ================================================================================================

    /// <summary>
    /// A dense layer over <paramref name="rows"/> images at once. X rows are <paramref name="inCount"/> apart
    /// (the previous layer's padded width, <paramref name="ldx"/>), Y rows <paramref name="outP"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DenseBatch(ReadOnlySpan<float> x, int ldx, ReadOnlySpan<float> wt, ReadOnlySpan<float> bias, Span<float> y, int rows, int inCount, int outP, bool relu)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float w = ref MemoryMarshal.GetReference(wt);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float o = ref MemoryMarshal.GetReference(y);
        if (Isa.Wide)
        {
            // Micro-kernel 6 images × 4 vectors (64 outputs) = 24 accumulators; per input 4 weight loads
            // (kept in registers, each used 6 times) and 6 embedded-broadcast FMA operands. The weight panel
            // (in × 64 floats) streams from L2 once per 6 images instead of once per image.
            int n = 0;
            for (; n + 6 <= rows; n += 6)
            {
                for (int j = 0; j < outP; j += 64)
                {
                    ref float xs = ref Unsafe.Add(ref xr, n * ldx);
                    ref float ys = ref Unsafe.Add(ref o, (n * outP) + j);
                    switch ((outP - j) / 16)
                    {
                        case 1:
                            GemmV512(ref xs, ldx, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref ys, inCount, outP, 1, relu);
                            break;
                        case 2:
                            GemmV512(ref xs, ldx, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref ys, inCount, outP, 2, relu);
                            break;
                        case 3:
                            GemmV512(ref xs, ldx, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref ys, inCount, outP, 3, relu);
                            break;
                        default:
                            GemmV512(ref xs, ldx, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref ys, inCount, outP, 4, relu);
                            break;
                    }
                }
            }

            for (; n < rows; n++)
            {
                DenseV512Row(ref Unsafe.Add(ref xr, n * ldx), ref w, ref b, ref Unsafe.Add(ref o, n * outP), inCount, outP, relu);
            }
        }
        else if (Isa.Narrow)
        {
            // 6 images × 2 vectors (16 outputs) = 12 accumulators of the 16 ymm registers.
            int n = 0;
            for (; n + 6 <= rows; n += 6)
            {
                for (int j = 0; j < outP; j += 16)
                {
                    GemmV256(ref Unsafe.Add(ref xr, n * ldx), ldx, ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref Unsafe.Add(ref o, (n * outP) + j), inCount, outP, relu);
                }
            }

            for (; n < rows; n++)
            {
                for (int j = 0; j < outP; j += 32)
                {
                    DenseV256(ref Unsafe.Add(ref xr, n * ldx), ref Unsafe.Add(ref w, j), ref Unsafe.Add(ref b, j), ref Unsafe.Add(ref o, (n * outP) + j), inCount, outP, Math.Min(4, (outP - j) / 8), relu);
                }
            }
        }
        else
        {
            for (int n = 0; n < rows; n++)
            {
                DenseScalar(ref Unsafe.Add(ref xr, n * ldx), ref w, ref b, ref Unsafe.Add(ref o, n * outP), inCount, outP, relu);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DenseV512Row(ref float x, ref float w, ref float b, ref float y, int inCount, int outP, bool relu)
    {
        // One leftover image: the batch-1 kernel, chosen by the (few) padded widths used here.
        switch (outP)
        {
            case L.Out1P:
                DenseV512(ref x, ref w, ref b, ref y, L.In1, L.Out1P, relu);
                break;
            case L.Out2P:
                DenseV512(ref x, ref w, ref b, ref y, L.In2, L.Out2P, relu);
                break;
            default:
                DenseV512(ref x, ref w, ref b, ref y, L.In3, L.Out3P, relu);
                break;
        }

        _ = inCount;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GemmV512(ref float x, int ldx, ref float w, ref float b, ref float y, int inCount, int outP, int nr, bool relu)
    {
        V16 a00 = default, a01 = default, a02 = default, a03 = default;
        V16 a10 = default, a11 = default, a12 = default, a13 = default;
        V16 a20 = default, a21 = default, a22 = default, a23 = default;
        V16 a30 = default, a31 = default, a32 = default, a33 = default;
        V16 a40 = default, a41 = default, a42 = default, a43 = default;
        V16 a50 = default, a51 = default, a52 = default, a53 = default;
        ref float x1 = ref Unsafe.Add(ref x, ldx);
        ref float x2 = ref Unsafe.Add(ref x, 2 * ldx);
        ref float x3 = ref Unsafe.Add(ref x, 3 * ldx);
        ref float x4 = ref Unsafe.Add(ref x, 4 * ldx);
        ref float x5 = ref Unsafe.Add(ref x, 5 * ldx);
        for (int i = 0; i < inCount; i++)
        {
            ref float r = ref Unsafe.Add(ref w, i * outP);
            V16 w0 = V16.LoadUnsafe(ref r);
            V16 w1 = nr > 1 ? V16.LoadUnsafe(ref r, 16) : default;
            V16 w2 = nr > 2 ? V16.LoadUnsafe(ref r, 32) : default;
            V16 w3 = nr > 3 ? V16.LoadUnsafe(ref r, 48) : default;
            V16 v = Vector512.Create(Unsafe.Add(ref x, i));
            a00 = Vector512.FusedMultiplyAdd(v, w0, a00);
            if (nr > 1) a01 = Vector512.FusedMultiplyAdd(v, w1, a01);
            if (nr > 2) a02 = Vector512.FusedMultiplyAdd(v, w2, a02);
            if (nr > 3) a03 = Vector512.FusedMultiplyAdd(v, w3, a03);
            v = Vector512.Create(Unsafe.Add(ref x1, i));
            a10 = Vector512.FusedMultiplyAdd(v, w0, a10);
            if (nr > 1) a11 = Vector512.FusedMultiplyAdd(v, w1, a11);
            if (nr > 2) a12 = Vector512.FusedMultiplyAdd(v, w2, a12);
            if (nr > 3) a13 = Vector512.FusedMultiplyAdd(v, w3, a13);
            v = Vector512.Create(Unsafe.Add(ref x2, i));
            a20 = Vector512.FusedMultiplyAdd(v, w0, a20);
            if (nr > 1) a21 = Vector512.FusedMultiplyAdd(v, w1, a21);
            if (nr > 2) a22 = Vector512.FusedMultiplyAdd(v, w2, a22);
            if (nr > 3) a23 = Vector512.FusedMultiplyAdd(v, w3, a23);
            v = Vector512.Create(Unsafe.Add(ref x3, i));
            a30 = Vector512.FusedMultiplyAdd(v, w0, a30);
            if (nr > 1) a31 = Vector512.FusedMultiplyAdd(v, w1, a31);
            if (nr > 2) a32 = Vector512.FusedMultiplyAdd(v, w2, a32);
            if (nr > 3) a33 = Vector512.FusedMultiplyAdd(v, w3, a33);
            v = Vector512.Create(Unsafe.Add(ref x4, i));
            a40 = Vector512.FusedMultiplyAdd(v, w0, a40);
            if (nr > 1) a41 = Vector512.FusedMultiplyAdd(v, w1, a41);
            if (nr > 2) a42 = Vector512.FusedMultiplyAdd(v, w2, a42);
            if (nr > 3) a43 = Vector512.FusedMultiplyAdd(v, w3, a43);
            v = Vector512.Create(Unsafe.Add(ref x5, i));
            a50 = Vector512.FusedMultiplyAdd(v, w0, a50);
            if (nr > 1) a51 = Vector512.FusedMultiplyAdd(v, w1, a51);
            if (nr > 2) a52 = Vector512.FusedMultiplyAdd(v, w2, a52);
            if (nr > 3) a53 = Vector512.FusedMultiplyAdd(v, w3, a53);
        }

        GemmStoreV512(a00, a01, a02, a03, ref b, ref y, nr, relu);
        GemmStoreV512(a10, a11, a12, a13, ref b, ref Unsafe.Add(ref y, outP), nr, relu);
        GemmStoreV512(a20, a21, a22, a23, ref b, ref Unsafe.Add(ref y, 2 * outP), nr, relu);
        GemmStoreV512(a30, a31, a32, a33, ref b, ref Unsafe.Add(ref y, 3 * outP), nr, relu);
        GemmStoreV512(a40, a41, a42, a43, ref b, ref Unsafe.Add(ref y, 4 * outP), nr, relu);
        GemmStoreV512(a50, a51, a52, a53, ref b, ref Unsafe.Add(ref y, 5 * outP), nr, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GemmStoreV512(V16 a0, V16 a1, V16 a2, V16 a3, ref float b, ref float y, int nr, bool relu)
    {
        DenseStoreV512(a0, ref b, ref y, 0, relu);
        if (nr > 1) DenseStoreV512(a1, ref b, ref y, 16, relu);
        if (nr > 2) DenseStoreV512(a2, ref b, ref y, 32, relu);
        if (nr > 3) DenseStoreV512(a3, ref b, ref y, 48, relu);
    }

    private static void GemmV256(ref float x, int ldx, ref float w, ref float b, ref float y, int inCount, int outP, bool relu)
    {
        V8 a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        V8 a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        ref float x1 = ref Unsafe.Add(ref x, ldx);
        ref float x2 = ref Unsafe.Add(ref x, 2 * ldx);
        ref float x3 = ref Unsafe.Add(ref x, 3 * ldx);
        ref float x4 = ref Unsafe.Add(ref x, 4 * ldx);
        ref float x5 = ref Unsafe.Add(ref x, 5 * ldx);
        for (int i = 0; i < inCount; i++)
        {
            ref float r = ref Unsafe.Add(ref w, i * outP);
            V8 w0 = V8.LoadUnsafe(ref r), w1 = V8.LoadUnsafe(ref r, 8);
            V8 v = Vector256.Create(Unsafe.Add(ref x, i));
            a00 = Vector256.FusedMultiplyAdd(v, w0, a00);
            a01 = Vector256.FusedMultiplyAdd(v, w1, a01);
            v = Vector256.Create(Unsafe.Add(ref x1, i));
            a10 = Vector256.FusedMultiplyAdd(v, w0, a10);
            a11 = Vector256.FusedMultiplyAdd(v, w1, a11);
            v = Vector256.Create(Unsafe.Add(ref x2, i));
            a20 = Vector256.FusedMultiplyAdd(v, w0, a20);
            a21 = Vector256.FusedMultiplyAdd(v, w1, a21);
            v = Vector256.Create(Unsafe.Add(ref x3, i));
            a30 = Vector256.FusedMultiplyAdd(v, w0, a30);
            a31 = Vector256.FusedMultiplyAdd(v, w1, a31);
            v = Vector256.Create(Unsafe.Add(ref x4, i));
            a40 = Vector256.FusedMultiplyAdd(v, w0, a40);
            a41 = Vector256.FusedMultiplyAdd(v, w1, a41);
            v = Vector256.Create(Unsafe.Add(ref x5, i));
            a50 = Vector256.FusedMultiplyAdd(v, w0, a50);
            a51 = Vector256.FusedMultiplyAdd(v, w1, a51);
        }

        DenseStoreV256(a00, ref b, ref y, 0, relu);
        DenseStoreV256(a01, ref b, ref y, 8, relu);
        DenseStoreV256(a10, ref b, ref Unsafe.Add(ref y, outP), 0, relu);
        DenseStoreV256(a11, ref b, ref Unsafe.Add(ref y, outP), 8, relu);
        DenseStoreV256(a20, ref b, ref Unsafe.Add(ref y, 2 * outP), 0, relu);
        DenseStoreV256(a21, ref b, ref Unsafe.Add(ref y, 2 * outP), 8, relu);
        DenseStoreV256(a30, ref b, ref Unsafe.Add(ref y, 3 * outP), 0, relu);
        DenseStoreV256(a31, ref b, ref Unsafe.Add(ref y, 3 * outP), 8, relu);
        DenseStoreV256(a40, ref b, ref Unsafe.Add(ref y, 4 * outP), 0, relu);
        DenseStoreV256(a41, ref b, ref Unsafe.Add(ref y, 4 * outP), 8, relu);
        DenseStoreV256(a50, ref b, ref Unsafe.Add(ref y, 5 * outP), 0, relu);
        DenseStoreV256(a51, ref b, ref Unsafe.Add(ref y, 5 * outP), 8, relu);
    }
}
