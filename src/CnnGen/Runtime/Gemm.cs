using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CnnGen.Runtime;

/// <summary>
/// Single-precision matrix products for the emitted convolution and dense kernels (forward and
/// backward), register-blocked per instruction set: an explicit <see cref="Vector512{T}"/> path, a
/// <see cref="Vector256{T}"/> path and a scalar fallback, chosen by <c>IsHardwareAccelerated</c>
/// (a JIT-time constant, so only one path is compiled). Matrices are row-major with explicit strides. With
/// AVX-512, A·B products of 32 rows or more pack B into cache-sized panels first (Gemm.Packed.cs).
/// Every product can add into C (<c>accumulate</c>) and ends with an optional fused epilogue: a bias
/// (per row for <c>MultiplyBroadcast</c>, per column for <c>MultiplyTransposed</c>) and ReLU:
/// C = relu((accumulate ? C : 0) + A·B + bias). Not meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Gemm
{
    private const int Rows = 6;     // rows of C per register block (MultiplyBroadcast)
    private const int RowsT = 4;    // rows of C per register block (MultiplyTransposed)
    private const int ColsT = 3;    // columns of C per register block (MultiplyTransposed)

    /// <summary>
    /// C[m×n] = relu((accumulate ? C : 0) + A·B + rowBias), with A[i, p] = a[i·rsA + p·csA] (any strides, so A
    /// may be a transposed matrix), B[p, j] = b[p·ldb + j] and C[i, j] = c[i·ldc + j]. The register block is
    /// 6 rows × 2 vectors of columns: each step broadcasts 6 elements of A and loads 2 vectors of one row of B.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="a">A's elements.</param>
    /// <param name="rsA">Distance between rows of A.</param>
    /// <param name="csA">Distance between columns of A.</param>
    /// <param name="b">B's elements (row-major).</param>
    /// <param name="ldb">Distance between rows of B.</param>
    /// <param name="c">C's elements (row-major).</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="accumulate">Add the product into C instead of overwriting it.</param>
    /// <param name="rowBias">Empty, or m values: rowBias[i] is added to row i.</param>
    /// <param name="relu">Apply max(0, ·) to the result.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBroadcast(int m, int n, int k, ReadOnlySpan<float> a, int rsA, int csA, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias = default, bool relu = false)
    {
        Check(k <= 0 || m <= 0 || n <= 0 || b.Length >= ((long)(k - 1) * ldb) + n, nameof(b));
        Broadcast(m, n, k, a, rsA, csA, b, ldb, default, c, ldc, accumulate, rowBias, relu);
    }

    /// <summary>
    /// As <see cref="MultiplyBroadcast(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, Span{float}, int, bool, ReadOnlySpan{float}, bool)"/>,
    /// with row p of B starting at b[bRowOffsets[p]]: B[p, j] = b[bRowOffsets[p] + j]. A stride-1 convolution
    /// reads its input this way with no im2col copy: one row of B per kernel tap, at the tap's offset.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B (at least the length of <paramref name="bRowOffsets"/>).</param>
    /// <param name="a">A's elements.</param>
    /// <param name="rsA">Distance between rows of A.</param>
    /// <param name="csA">Distance between columns of A.</param>
    /// <param name="b">The elements B's rows are read from.</param>
    /// <param name="bRowOffsets">Where each of the k rows of B starts in <paramref name="b"/>.</param>
    /// <param name="c">C's elements (row-major).</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="accumulate">Add the product into C instead of overwriting it.</param>
    /// <param name="rowBias">Empty, or m values: rowBias[i] is added to row i.</param>
    /// <param name="relu">Apply max(0, ·) to the result.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBroadcast(int m, int n, int k, ReadOnlySpan<float> a, int rsA, int csA, ReadOnlySpan<float> b, ReadOnlySpan<int> bRowOffsets, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias = default, bool relu = false)
    {
        Check(k <= 0 || m <= 0 || n <= 0 || OffsetsFit(bRowOffsets, k, n, b.Length), nameof(bRowOffsets));
        Broadcast(m, n, k, a, rsA, csA, b, 0, bRowOffsets, c, ldc, accumulate, rowBias, relu);
    }

    /// <summary>
    /// As <see cref="MultiplyBroadcast(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, bool, ReadOnlySpan{float}, bool)"/>,
    /// with B's columns in runs of <paramref name="runLength"/> that start <paramref name="runStride"/> apart:
    /// B[p, j] = b[bRowOffsets[p] + (j / runLength)·runStride + j mod runLength]. A stride-1 convolution reads its
    /// padded input frame this way with C its output rows as they are (OW = runLength columns of each WP = runStride
    /// wide frame row), so no column is computed for the FW − 1 frame columns between output rows.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B (at least the length of <paramref name="bRowOffsets"/>).</param>
    /// <param name="a">A's elements.</param>
    /// <param name="rsA">Distance between rows of A.</param>
    /// <param name="csA">Distance between columns of A.</param>
    /// <param name="b">The elements B's rows are read from.</param>
    /// <param name="bRowOffsets">Where each of the k rows of B starts in <paramref name="b"/>.</param>
    /// <param name="runLength">Columns of B per run (at least 1).</param>
    /// <param name="runStride">Distance in <paramref name="b"/> between the starts of consecutive runs (at least <paramref name="runLength"/>).</param>
    /// <param name="c">C's elements (row-major).</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="accumulate">Add the product into C instead of overwriting it.</param>
    /// <param name="rowBias">Empty, or m values: rowBias[i] is added to row i.</param>
    /// <param name="relu">Apply max(0, ·) to the result.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyBroadcast(int m, int n, int k, ReadOnlySpan<float> a, int rsA, int csA, ReadOnlySpan<float> b, ReadOnlySpan<int> bRowOffsets, int runLength, int runStride, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias = default, bool relu = false)
    {
        if (runLength < 1 || runStride < runLength)
        {
            throw new ArgumentOutOfRangeException(nameof(runStride), "Runs need runLength ≥ 1 and runStride ≥ runLength.");
        }

        if (runLength == runStride || n <= runLength)
        {
            MultiplyBroadcast(m, n, k, a, rsA, csA, b, bRowOffsets, c, ldc, accumulate, rowBias, relu);
            return;
        }

        // The offset of B's last column from the start of its row.
        long extent = ((long)(n - 1) / runLength * runStride) + ((n - 1) % runLength) + 1;
        Check(k <= 0 || m <= 0 || n <= 0 || OffsetsFit(bRowOffsets, k, (int)Math.Min(extent, int.MaxValue), b.Length), nameof(bRowOffsets));
        if (m <= 0 || n <= 0)
        {
            return;
        }

        Check(k <= 0 || a.Length > ((long)(m - 1) * rsA) + ((long)(k - 1) * csA), nameof(a));
        Check(c.Length >= ((long)(m - 1) * ldc) + n, nameof(c));
        Check(rowBias.IsEmpty || rowBias.Length >= m, nameof(rowBias));
        ref float ar = ref Mem.Ref(a);
        ref float br = ref Mem.Ref(b);
        ref float cr = ref Mem.Ref(c);
        ref float bias = ref Mem.Ref(rowBias);
        ref int offs = ref Mem.Ref(bRowOffsets);
        bool hasBias = !rowBias.IsEmpty;
        if (Vector512.IsHardwareAccelerated && n >= 16 && k > 0)
        {
            Packed<Vector512<float>, Simd512, NarrowBlock<Vector512<float>, Simd512>>(m, n, k, ref ar, rsA, csA, ref br, 0, ref offs, true, ref cr, ldc, accumulate, hasBias, ref bias, relu, runLength, runStride);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8 && k > 0)
        {
            Packed<Vector256<float>, Simd256, NarrowBlock<Vector256<float>, Simd256>>(m, n, k, ref ar, rsA, csA, ref br, 0, ref offs, true, ref cr, ldc, accumulate, hasBias, ref bias, relu, runLength, runStride);
        }
        else
        {
            // One product per run (scalar, or too few columns for a vector).
            for (int j = 0, y = 0; j < n; j += runLength, y++)
            {
                Broadcast(m, Math.Min(runLength, n - j), k, a, rsA, csA, b.Slice(y * runStride), 0, bRowOffsets, c.Slice(j), ldc, accumulate, rowBias, relu);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool OffsetsFit(ReadOnlySpan<int> offsets, int rows, int length, int available)
    {
        if (offsets.Length < rows)
        {
            return false;
        }

        for (int i = 0; i < rows; i++)
        {
            if (offsets[i] < 0 || (long)offsets[i] + length > available)
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Broadcast(int m, int n, int k, ReadOnlySpan<float> a, int rsA, int csA, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<int> offsets, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias, bool relu)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }

        Check(k <= 0 || a.Length > ((long)(m - 1) * rsA) + ((long)(k - 1) * csA), nameof(a));
        Check(c.Length >= ((long)(m - 1) * ldc) + n, nameof(c));
        Check(rowBias.IsEmpty || rowBias.Length >= m, nameof(rowBias));
        k = Math.Max(k, 0);
        ref float ar = ref Mem.Ref(a);
        ref float br = ref Mem.Ref(b);
        ref float cr = ref Mem.Ref(c);
        ref float bias = ref Mem.Ref(rowBias);
        bool hasBias = !rowBias.IsEmpty;
        ref int offs = ref Mem.Ref(offsets);
        bool useOffsets = !offsets.IsEmpty;
        if (Vector512.IsHardwareAccelerated && n >= 16 && k > 0 && m >= PackedMinRows)
        {
            Packed<Vector512<float>, Simd512, NarrowBlock<Vector512<float>, Simd512>>(m, n, k, ref ar, rsA, csA, ref br, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref bias, relu);
        }
        else if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            BroadcastVectors<Vector512<float>, Simd512>(m, n, k, ref ar, rsA, csA, ref br, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref bias, relu);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            BroadcastVectors<Vector256<float>, Simd256>(m, n, k, ref ar, rsA, csA, ref br, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref bias, relu);
        }
        else
        {
            for (int i = 0; i < m; i++)
            {
                ref float ai = ref Mem.Offset(ref ar, (nint)i * rsA);
                ref float ci = ref Mem.Offset(ref cr, (nint)i * ldc);
                float rb = hasBias ? Mem.Add(ref bias, i) : 0f;
                for (int j = 0; j < n; j++)
                {
                    float s = 0f;
                    for (int p = 0; p < k; p++)
                    {
                        nint row = useOffsets ? Mem.Add(ref offs, p) : (nint)p * ldb;
                        s += Mem.Add(ref ai, (nint)p * csA) * Mem.Add(ref br, row + j);
                    }

                    Finish(ref Mem.Offset(ref ci, j), s + rb, accumulate, relu);
                }
            }
        }
    }

    /// <summary>
    /// C[m×n] = relu((accumulate ? C : 0) + A·Bᵀ + columnBias), with A[i, p] = a[i·lda + p] and B[j, p] =
    /// b[j·ldb + p]: every element of C is a dot product of a row of A and a row of B, both contiguous. The
    /// register block is 4 rows × 3 columns of C, each a vector of partial sums reduced at the end; the tail of
    /// the rows (k mod vector width) is one overlapping vector with its already-counted lanes masked off.
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C.</param>
    /// <param name="k">Columns of A and B (the length of each dot product).</param>
    /// <param name="a">A's elements (row-major).</param>
    /// <param name="lda">Distance between rows of A.</param>
    /// <param name="b">B's elements (row-major).</param>
    /// <param name="ldb">Distance between rows of B.</param>
    /// <param name="c">C's elements (row-major).</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="accumulate">Add the product into C instead of overwriting it.</param>
    /// <param name="columnBias">Empty, or n values: columnBias[j] is added to column j.</param>
    /// <param name="relu">Apply max(0, ·) to the result.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposed(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> columnBias = default, bool relu = false)
    {
        Check(k <= 0 || m <= 0 || n <= 0 || b.Length >= ((long)(n - 1) * ldb) + k, nameof(b));
        Transposed(m, n, k, a, lda, b, ldb, default, c, ldc, accumulate, columnBias, relu);
    }

    /// <summary>
    /// As <see cref="MultiplyTransposed(int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool, ReadOnlySpan{float}, bool)"/>,
    /// with row j of B starting at b[bRowOffsets[j]]: B[j, p] = b[bRowOffsets[j] + p] (a stride-1 convolution's
    /// kernel taps, for its weight gradient).
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C (at least the length of <paramref name="bRowOffsets"/>).</param>
    /// <param name="k">Columns of A and B.</param>
    /// <param name="a">A's elements (row-major).</param>
    /// <param name="lda">Distance between rows of A.</param>
    /// <param name="b">The elements B's rows are read from.</param>
    /// <param name="bRowOffsets">Where each of the n rows of B starts in <paramref name="b"/>.</param>
    /// <param name="c">C's elements (row-major).</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="accumulate">Add the product into C instead of overwriting it.</param>
    /// <param name="columnBias">Empty, or n values: columnBias[j] is added to column j.</param>
    /// <param name="relu">Apply max(0, ·) to the result.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyTransposed(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, ReadOnlySpan<int> bRowOffsets, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> columnBias = default, bool relu = false)
    {
        Check(k <= 0 || m <= 0 || n <= 0 || OffsetsFit(bRowOffsets, n, k, b.Length), nameof(bRowOffsets));
        Transposed(m, n, k, a, lda, b, 0, bRowOffsets, c, ldc, accumulate, columnBias, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transposed(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, ReadOnlySpan<int> offsets, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> columnBias, bool relu)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }

        Check(k <= 0 || a.Length >= ((long)(m - 1) * lda) + k, nameof(a));
        Check(c.Length >= ((long)(m - 1) * ldc) + n, nameof(c));
        Check(columnBias.IsEmpty || columnBias.Length >= n, nameof(columnBias));
        k = Math.Max(k, 0);
        ref float ar = ref Mem.Ref(a);
        ref float br = ref Mem.Ref(b);
        ref float cr = ref Mem.Ref(c);
        ref float bias = ref Mem.Ref(columnBias);
        bool hasBias = !columnBias.IsEmpty;
        ref int offs = ref Mem.Ref(offsets);
        bool useOffsets = !offsets.IsEmpty;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Dot<Vector512<float>, Simd512>(m, n, k, ref ar, lda, ref br, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref bias, relu);
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Dot<Vector256<float>, Simd256>(m, n, k, ref ar, lda, ref br, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref bias, relu);
        }
        else
        {
            for (int i = 0; i < m; i++)
            {
                ref float ai = ref Mem.Offset(ref ar, (nint)i * lda);
                for (int j = 0; j < n; j++)
                {
                    ref float bj = ref Mem.Offset(ref br, useOffsets ? Mem.Add(ref offs, j) : (nint)j * ldb);
                    float s = 0f;
                    for (int p = 0; p < k; p++)
                    {
                        s += Mem.Add(ref ai, p) * Mem.Add(ref bj, p);
                    }

                    Finish(ref Mem.Offset(ref cr, ((nint)i * ldc) + j), s + (hasBias ? Mem.Add(ref bias, j) : 0f), accumulate, relu);
                }
            }
        }
    }

    private static void Check(bool ok, string name)
    {
        if (!ok)
        {
            throw new ArgumentException("The span is shorter than the matrix dimensions and strides require.", name);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Finish(ref float target, float value, bool accumulate, bool relu)
    {
        if (accumulate)
        {
            value += target;
        }

        target = relu ? MathF.Max(value, 0f) : value;
    }

    // ---- A·B, unpacked (fewer than 32 rows, or Vector256) ----------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BroadcastVectors<TV, TS>(int m, int n, int k, ref float a, int rsA, int csA, ref float b, int ldb, ref int offs, bool useOffsets, ref float c, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        // Column blocks of 2 vectors, then one of 1, then the last partial vector as the vector ending at column n
        // whose lanes already done are masked off (n ≥ one vector here, so it never reads before column 0).
        int w = TS.Width;
        TV all = TS.From(0, 0);
        int j = 0;
        for (; j + (2 * w) <= n; j += 2 * w)
        {
            RowBlocks<TV, TS>(m, k, ref a, rsA, csA, ref Mem.Offset(ref b, j), ldb, ref offs, useOffsets, ref Mem.Offset(ref c, j), ldc, accumulate, hasBias, ref bias, relu, 2, all);
        }

        if (j + w <= n)
        {
            RowBlocks<TV, TS>(m, k, ref a, rsA, csA, ref Mem.Offset(ref b, j), ldb, ref offs, useOffsets, ref Mem.Offset(ref c, j), ldc, accumulate, hasBias, ref bias, relu, 1, all);
            j += w;
        }

        if (j < n)
        {
            int start = n - w;
            RowBlocks<TV, TS>(m, k, ref a, rsA, csA, ref Mem.Offset(ref b, start), ldb, ref offs, useOffsets, ref Mem.Offset(ref c, start), ldc, accumulate, hasBias, ref bias, relu, 1, TS.From(start, j));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlocks<TV, TS>(int m, int k, ref float a, int rsA, int csA, ref float b, int ldb, ref int offs, bool useOffsets, ref float c, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu, int vectors, TV mask)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int i = 0;
        for (; i + Rows <= m; i += Rows)
        {
            ref float ai = ref Mem.Offset(ref a, (nint)i * rsA);
            ref float ci = ref Mem.Offset(ref c, (nint)i * ldc);
            ref float bi = ref Mem.Offset(ref bias, hasBias ? i : 0);
            if (vectors == 2)
            {
                Block<TV, TS>(6, 2, k, ref ai, rsA, csA, ref b, ldb, ref offs, useOffsets, ref ci, ldc, accumulate, hasBias, ref bi, relu, mask);
            }
            else
            {
                Block<TV, TS>(6, 1, k, ref ai, rsA, csA, ref b, ldb, ref offs, useOffsets, ref ci, ldc, accumulate, hasBias, ref bi, relu, mask);
            }
        }

        if (i == m)
        {
            return;
        }

        ref float ar = ref Mem.Offset(ref a, (nint)i * rsA);
        ref float cr = ref Mem.Offset(ref c, (nint)i * ldc);
        ref float br = ref Mem.Offset(ref bias, hasBias ? i : 0);
        switch (m - i)
        {
            case 1: LastRows<TV, TS, One>(k, ref ar, rsA, csA, ref b, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref br, relu, vectors, mask); break;
            case 2: LastRows<TV, TS, Two>(k, ref ar, rsA, csA, ref b, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref br, relu, vectors, mask); break;
            case 3: LastRows<TV, TS, Three>(k, ref ar, rsA, csA, ref b, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref br, relu, vectors, mask); break;
            case 4: LastRows<TV, TS, Four>(k, ref ar, rsA, csA, ref b, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref br, relu, vectors, mask); break;
            default: LastRows<TV, TS, Five>(k, ref ar, rsA, csA, ref b, ldb, ref offs, useOffsets, ref cr, ldc, accumulate, hasBias, ref br, relu, vectors, mask); break;
        }
    }

    /// <summary>
    /// The last <typeparamref name="TRows"/>.Count (1 to 5) rows of <see cref="RowBlocks"/>, one or two vectors wide; each row count
    /// its own instantiation, so <see cref="Block"/> is inlined with constant sizes (all ten inlined into RowBlocks ran out
    /// of the JIT's inlining budget, which left some of their stores as calls).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void LastRows<TV, TS, TRows>(int k, ref float a, int rsA, int csA, ref float b, int ldb, ref int offs, bool useOffsets, ref float c, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu, int vectors, TV mask)
        where TV : struct
        where TS : struct, ISimd<TV>
        where TRows : struct, IRowCount
    {
        if (vectors == 2)
        {
            Block<TV, TS>(TRows.Count, 2, k, ref a, rsA, csA, ref b, ldb, ref offs, useOffsets, ref c, ldc, accumulate, hasBias, ref bias, relu, mask);
        }
        else
        {
            Block<TV, TS>(TRows.Count, 1, k, ref a, rsA, csA, ref b, ldb, ref offs, useOffsets, ref c, ldc, accumulate, hasBias, ref bias, relu, mask);
        }
    }

    // One register block: mr ≤ 6 rows × nv ≤ 2 vectors, inlined with constant mr and nv so the unused
    // accumulators and branches vanish.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Block<TV, TS>(int mr, int nv, int k, ref float a, int rsA, int csA, ref float b, int ldb, ref int offs, bool useOffsets, ref float c, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu, TV mask)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        nint r1 = rsA, r2 = 2 * (nint)rsA, r3 = 3 * (nint)rsA, r4 = 4 * (nint)rsA, r5 = 5 * (nint)rsA;
        nuint w = (nuint)TS.Width;
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = 0; p < k; p++)
        {
            ref float row = ref useOffsets ? ref Mem.Offset(ref b, (nint)Mem.Add(ref offs, p)) : ref bp;
            TV b0 = TS.Load(ref row, 0);
            TV b1 = nv > 1 ? TS.Load(ref row, w) : TS.Zero;
            TV x = TS.Splat(ap);
            c00 = TS.Fma(x, b0, c00);
            if (nv > 1) c01 = TS.Fma(x, b1, c01);
            if (mr > 1)
            {
                x = TS.Splat(Mem.Add(ref ap, r1));
                c10 = TS.Fma(x, b0, c10);
                if (nv > 1) c11 = TS.Fma(x, b1, c11);
            }

            if (mr > 2)
            {
                x = TS.Splat(Mem.Add(ref ap, r2));
                c20 = TS.Fma(x, b0, c20);
                if (nv > 1) c21 = TS.Fma(x, b1, c21);
            }

            if (mr > 3)
            {
                x = TS.Splat(Mem.Add(ref ap, r3));
                c30 = TS.Fma(x, b0, c30);
                if (nv > 1) c31 = TS.Fma(x, b1, c31);
            }

            if (mr > 4)
            {
                x = TS.Splat(Mem.Add(ref ap, r4));
                c40 = TS.Fma(x, b0, c40);
                if (nv > 1) c41 = TS.Fma(x, b1, c41);
            }

            if (mr > 5)
            {
                x = TS.Splat(Mem.Add(ref ap, r5));
                c50 = TS.Fma(x, b0, c50);
                if (nv > 1) c51 = TS.Fma(x, b1, c51);
            }

            ap = ref Mem.Walk(ref ap, csA);
            bp = ref Mem.Walk(ref bp, ldb);
        }

        Store<TV, TS>(c00, c01, nv, ref c, accumulate, hasBias, ref bias, relu, mask);
        if (mr > 1) Store<TV, TS>(c10, c11, nv, ref Mem.Offset(ref c, ldc), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 1 : 0), relu, mask);
        if (mr > 2) Store<TV, TS>(c20, c21, nv, ref Mem.Offset(ref c, 2 * (nint)ldc), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 2 : 0), relu, mask);
        if (mr > 3) Store<TV, TS>(c30, c31, nv, ref Mem.Offset(ref c, 3 * (nint)ldc), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 3 : 0), relu, mask);
        if (mr > 4) Store<TV, TS>(c40, c41, nv, ref Mem.Offset(ref c, 4 * (nint)ldc), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 4 : 0), relu, mask);
        if (mr > 5) Store<TV, TS>(c50, c51, nv, ref Mem.Offset(ref c, 5 * (nint)ldc), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 5 : 0), relu, mask);
    }

    // One row of a block: the first vector through the mask (the partial last vector), the second whole.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Store<TV, TS>(TV v0, TV v1, int nv, ref float c, bool accumulate, bool hasBias, ref float bias, bool relu, TV mask)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        TV add = hasBias ? TS.Splat(bias) : TS.Zero;
        TV old = TS.Load(ref c, 0);
        TV r = TS.Add(accumulate ? TS.Add(v0, old) : v0, add);
        if (relu)
        {
            r = TS.Relu(r);
        }

        TS.Store(TS.Select(mask, r, old), ref c, 0);
        if (nv > 1)
        {
            nuint w = (nuint)TS.Width;
            r = TS.Add(accumulate ? TS.Add(v1, TS.Load(ref c, w)) : v1, add);
            if (relu)
            {
                r = TS.Relu(r);
            }

            TS.Store(r, ref c, w);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static ref float RowOf(ref float b, int ldb, ref int offs, bool useOffsets, int j) =>
        ref Mem.Offset(ref b, useOffsets ? Mem.Add(ref offs, j) : (nint)j * ldb);

    // ---- A·Bᵀ, vectors (one generic kernel for both widths) ----------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot<TV, TS>(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref int offs, bool useOffsets, ref float c, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        // The last vector of each row ends at column k; its first lanes, already counted, are zeroed (k ≥ one vector).
        int w = TS.Width, full = k / w * w;
        TV tail = TS.From(k - w, full);
        int i = 0;
        if (m == 1)
        {
            // One row (a dense layer on one image): 8 rows of B at a time, so 8 independent sums hide the FMA latency.
            int j8 = 0;
            for (; j8 + 8 <= n; j8 += 8)
            {
                DotRow<TV, TS>(k, tail, ref a, ref b, ldb, ref offs, useOffsets, j8, ref Mem.Offset(ref c, j8), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? j8 : 0), relu);
            }

            for (; j8 < n; j8++)
            {
                ref float bj = ref RowOf(ref b, ldb, ref offs, useOffsets, j8);
                DotBlock<TV, TS>(1, 1, k, tail, ref a, 0, ref bj, ref bj, ref bj, ref Mem.Offset(ref c, j8), 0, accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? j8 : 0), relu);
            }

            return;
        }

        for (; i < m; i += RowsT)
        {
            ref float ai = ref Mem.Offset(ref a, (nint)i * lda);
            ref float ci = ref Mem.Offset(ref c, (nint)i * ldc);
            switch (Math.Min(RowsT, m - i))
            {
                case 4: DotRows<TV, TS, Four>(n, k, tail, ref ai, lda, ref b, ldb, ref offs, useOffsets, ref ci, ldc, accumulate, hasBias, ref bias, relu); break;
                case 3: DotRows<TV, TS, Three>(n, k, tail, ref ai, lda, ref b, ldb, ref offs, useOffsets, ref ci, ldc, accumulate, hasBias, ref bias, relu); break;
                case 2: DotRows<TV, TS, Two>(n, k, tail, ref ai, lda, ref b, ldb, ref offs, useOffsets, ref ci, ldc, accumulate, hasBias, ref bias, relu); break;
                default: DotRows<TV, TS, One>(n, k, tail, ref ai, lda, ref b, ldb, ref offs, useOffsets, ref ci, ldc, accumulate, hasBias, ref bias, relu); break;
            }
        }
    }

    /// <summary>
    /// <typeparamref name="TRows"/>.Count (1 to <see cref="RowsT"/>) rows of A against all n rows of B, three at a time. Each row
    /// count is its own instantiation, so <see cref="DotBlock"/>'s row count is a constant in it: inlined into one caller
    /// with all four row counts, the blocks exceeded the JIT's inlining budget and ran as calls with the counts unknown.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DotRows<TV, TS, TRows>(int n, int k, TV tail, ref float ai, int lda, ref float b, int ldb, ref int offs, bool useOffsets, ref float ci, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
        where TRows : struct, IRowCount
    {
        int j = 0;
        for (; j + ColsT <= n; j += ColsT)
        {
            ref float bj = ref RowOf(ref b, ldb, ref offs, useOffsets, j);
            ref float bj1 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 1);
            ref float bj2 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 2);
            DotBlock<TV, TS>(TRows.Count, 3, k, tail, ref ai, lda, ref bj, ref bj1, ref bj2, ref Mem.Offset(ref ci, j), ldc, accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? j : 0), relu);
        }

        for (; j < n; j++)
        {
            ref float bj = ref RowOf(ref b, ldb, ref offs, useOffsets, j);
            DotBlock<TV, TS>(TRows.Count, 1, k, tail, ref ai, lda, ref bj, ref bj, ref bj, ref Mem.Offset(ref ci, j), ldc, accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? j : 0), relu);
        }
    }

    /// <summary>A row count known to the JIT: each implementation makes its own instantiation of a generic method.</summary>
    private interface IRowCount
    {
        static abstract int Count { get; }
    }

    private readonly struct One : IRowCount
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 1; }
    }

    private readonly struct Two : IRowCount
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 2; }
    }

    private readonly struct Three : IRowCount
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 3; }
    }

    private readonly struct Four : IRowCount
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 4; }
    }

    private readonly struct Five : IRowCount
    {
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => 5; }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotRow<TV, TS>(int k, TV tail, ref float a, ref float b, int ldb, ref int offs, bool useOffsets, int j, ref float c, bool accumulate, bool hasBias, ref float bias, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        ref float b0 = ref RowOf(ref b, ldb, ref offs, useOffsets, j);
        ref float b1 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 1);
        ref float b2 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 2);
        ref float b3 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 3);
        ref float b4 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 4);
        ref float b5 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 5);
        ref float b6 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 6);
        ref float b7 = ref RowOf(ref b, ldb, ref offs, useOffsets, j + 7);
        TV s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int p = 0; p < k; p += TS.Width)
        {
            bool isTail = p + TS.Width > k;
            nuint at = (nuint)(isTail ? k - TS.Width : p);
            TV x = TS.Load(ref a, at);
            if (isTail)
            {
                x = TS.And(x, tail);
            }

            s0 = TS.Fma(x, TS.Load(ref b0, at), s0);
            s1 = TS.Fma(x, TS.Load(ref b1, at), s1);
            s2 = TS.Fma(x, TS.Load(ref b2, at), s2);
            s3 = TS.Fma(x, TS.Load(ref b3, at), s3);
            s4 = TS.Fma(x, TS.Load(ref b4, at), s4);
            s5 = TS.Fma(x, TS.Load(ref b5, at), s5);
            s6 = TS.Fma(x, TS.Load(ref b6, at), s6);
            s7 = TS.Fma(x, TS.Load(ref b7, at), s7);
        }

        DotStore(TS.Sum(s0), TS.Sum(s1), TS.Sum(s2), 3, ref c, accumulate, hasBias, ref bias, relu);
        DotStore(TS.Sum(s3), TS.Sum(s4), TS.Sum(s5), 3, ref Mem.Offset(ref c, 3), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 3 : 0), relu);
        DotStore(TS.Sum(s6), TS.Sum(s7), 0f, 2, ref Mem.Offset(ref c, 6), accumulate, hasBias, ref Mem.Offset(ref bias, hasBias ? 6 : 0), relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DotBlock<TV, TS>(int mr, int nr, int k, TV tail, ref float a, int lda, ref float b, ref float b1, ref float b2, ref float c, int ldc, bool accumulate, bool hasBias, ref float bias, bool relu)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        TV s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default;
        TV s20 = default, s21 = default, s22 = default, s30 = default, s31 = default, s32 = default;
        ref float a1 = ref Mem.Offset(ref a, mr > 1 ? lda : 0);
        ref float a2 = ref Mem.Offset(ref a, mr > 2 ? 2 * (nint)lda : 0);
        ref float a3 = ref Mem.Offset(ref a, mr > 3 ? 3 * (nint)lda : 0);
        for (int p = 0; p < k; p += TS.Width)
        {
            // Full vectors, then (when k is not a multiple of 16) the vector ending at k with its counted lanes masked.
            bool isTail = p + TS.Width > k;
            int at = isTail ? k - TS.Width : p;
            TV x0 = TS.Load(ref a, (nuint)at);
            if (isTail)
            {
                x0 = TS.And(x0, tail);
            }

            TV y0 = TS.Load(ref b, (nuint)at);
            TV y1 = nr > 1 ? TS.Load(ref b1, (nuint)at) : default;
            TV y2 = nr > 2 ? TS.Load(ref b2, (nuint)at) : default;
            s00 = TS.Fma(x0, y0, s00);
            if (nr > 1) s01 = TS.Fma(x0, y1, s01);
            if (nr > 2) s02 = TS.Fma(x0, y2, s02);
            if (mr > 1)
            {
                TV x = TS.Load(ref a1, (nuint)at);
                if (isTail) x = TS.And(x, tail);
                s10 = TS.Fma(x, y0, s10);
                if (nr > 1) s11 = TS.Fma(x, y1, s11);
                if (nr > 2) s12 = TS.Fma(x, y2, s12);
            }

            if (mr > 2)
            {
                TV x = TS.Load(ref a2, (nuint)at);
                if (isTail) x = TS.And(x, tail);
                s20 = TS.Fma(x, y0, s20);
                if (nr > 1) s21 = TS.Fma(x, y1, s21);
                if (nr > 2) s22 = TS.Fma(x, y2, s22);
            }

            if (mr > 3)
            {
                TV x = TS.Load(ref a3, (nuint)at);
                if (isTail) x = TS.And(x, tail);
                s30 = TS.Fma(x, y0, s30);
                if (nr > 1) s31 = TS.Fma(x, y1, s31);
                if (nr > 2) s32 = TS.Fma(x, y2, s32);
            }
        }

        DotStore(TS.Sum(s00), nr > 1 ? TS.Sum(s01) : 0f, nr > 2 ? TS.Sum(s02) : 0f, nr, ref c, accumulate, hasBias, ref bias, relu);
        if (mr > 1) DotStore(TS.Sum(s10), nr > 1 ? TS.Sum(s11) : 0f, nr > 2 ? TS.Sum(s12) : 0f, nr, ref Mem.Offset(ref c, ldc), accumulate, hasBias, ref bias, relu);
        if (mr > 2) DotStore(TS.Sum(s20), nr > 1 ? TS.Sum(s21) : 0f, nr > 2 ? TS.Sum(s22) : 0f, nr, ref Mem.Offset(ref c, 2 * (nint)ldc), accumulate, hasBias, ref bias, relu);
        if (mr > 3) DotStore(TS.Sum(s30), nr > 1 ? TS.Sum(s31) : 0f, nr > 2 ? TS.Sum(s32) : 0f, nr, ref Mem.Offset(ref c, 3 * (nint)ldc), accumulate, hasBias, ref bias, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void DotStore(float v0, float v1, float v2, int nr, ref float c, bool accumulate, bool hasBias, ref float bias, bool relu)
    {
        Finish(ref c, v0 + (hasBias ? bias : 0f), accumulate, relu);
        if (nr > 1) Finish(ref Mem.Offset(ref c, 1), v1 + (hasBias ? Mem.Add(ref bias, 1) : 0f), accumulate, relu);
        if (nr > 2) Finish(ref Mem.Offset(ref c, 2), v2 + (hasBias ? Mem.Add(ref bias, 2) : 0f), accumulate, relu);
    }
}
