using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CnnGen.Runtime;

// The packed A·B product (MultiplyBroadcast with AVX-512 and at least 32 rows, and the overload whose B columns come
// in runs): B copied K-block by K-block into contiguous panels two vectors wide (each panel stays in L1 while every
// 8-row block of A passes over it, and the K-block of A, read in place, stays in L2 across the panels), and an
// 8 × 2-vector register block over the panel. The ISimd structs make every kernel of Gemm generic over the vector
// type: the packed one (Simd512 8 × 2, its one-vector tail NarrowBlock; Simd256 6 × 2 for the runs overload on
// AVX2), the unpacked 6-row A·B block and the A·Bᵀ dot products. The packed Vector256 instance measured no faster than
// the unpacked kernel for plain products (probe of 2026-11-30: ResNet-18's products 45.1 vs 44.2 ms, CifarNet's
// 0.98 vs 0.92 ms), so without AVX-512 only the runs overload packs (the unpacked block cannot skip the gaps).
public static partial class Gemm
{
    /// <summary>Rows of B per packed panel (a K-block): at most 256 × 32 floats = 32 KiB, inside Zen 5's 48 KiB L1.</summary>
    private const int DepthBlock = 256;

    /// <summary>
    /// Fewer rows of A than this go through the unpacked kernels: the panel's copy is paid once per row block, and
    /// with 6 or 16 rows (LeNet-5's convolutions) the unpacked 6-row block was faster in the probe.
    /// </summary>
    private const int PackedMinRows = 32;

    [ThreadStatic]
    private static float[]? t_panel;

    /// <summary>The rows of B per K-block for k rows: k split evenly into as few blocks of at most <see cref="DepthBlock"/> as cover it.</summary>
    private static int DepthOf(int k)
    {
        int blocks = (k + DepthBlock - 1) / DepthBlock;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Floats of the per-thread panel: DepthBlock rows × the widest panel (2 × 16 floats).</summary>
    private const int PanelLength = DepthBlock * 32;

    private const int TileLength = 8 * 32;

    /// <summary>
    /// How far ahead, in panel rows, the first row block over a prepacked panel asks for the weights it will read
    /// (<see cref="Mem.Prefetch"/>): prepacked panels (Winograd's transformed weights, up to 16 MiB a layer) come from
    /// memory, and with few rows of A (16 tiles at batch 1) the products wait on them.
    /// </summary>
    private const int PrefetchRows = 64;

    /// <summary>
    /// C = relu((accumulate ? C : 0) + A·B + rowBias) by K-blocks: each block of B's rows is copied, TileVectors
    /// vectors wide, into a contiguous panel that every TileRows-row block of A then passes over. The last K-block adds
    /// the bias and applies ReLU. A partial last panel (n not a multiple of the panel width) is the panel ending at
    /// column n, its columns already done masked off at the store; a partial row block repeats A's last row and goes
    /// through a scratch tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Packed<TV, TS, TN>(int m, int n, int k, ref float a, nint rsA, nint csA, ref float b, nint ldb, ref int offs, bool useOffsets, ref float c, nint ldc, bool accumulate, bool hasBias, ref float bias, bool relu, int runLength = 0, int runStride = 0)
        where TV : struct
        where TS : struct, ISimd<TV>
        where TN : struct, ISimd<TV>
    {
        int nr = TS.Width * TS.TileVectors;
        float[] buffer = t_panel ??= new float[PanelLength + TileLength];
        ref float panel = ref Mem.Ref(buffer);
        ref float spare = ref Mem.Offset(ref panel, PanelLength);
        int kc = DepthOf(k);
        TV all = TS.From(0, 0);
        for (int p0 = 0; p0 < k; p0 += kc)
        {
            int kb = Math.Min(kc, k - p0);
            bool load = accumulate || p0 > 0;
            bool last = p0 + kb >= k;
            bool addBias = last && hasBias;
            bool clamp = last && relu;
            ref float ak = ref Mem.Offset(ref a, p0 * csA);
            for (int done = 0; done < n; done += nr)
            {
                // The panel's first column: j0 = done, or for the last partial panel the one ending at n (n ≥ nr).
                int j0 = done, cols = Math.Min(nr, n - done);
                TV mask0 = all, mask1 = all;
                if (cols <= TN.Width && n >= TN.Width && TN.Width < nr)
                {
                    // At most one vector left: the narrow block over the one vector ending at n.
                    j0 = n - TN.Width;
                    Pack<TV, TN>(kb, ref b, ldb, ref offs, useOffsets, p0, j0, TN.Width, ref panel, runLength, runStride);
                    TV mask = TN.From(j0, done);
                    OverPanel<TV, TN>(m, kb, ref ak, rsA, csA, ref panel, ref Mem.Offset(ref c, j0), ldc, TN.Width, done - j0, load, addBias, ref bias, clamp, mask, mask, ref spare);
                    continue;
                }

                if (cols < nr && n >= nr)
                {
                    j0 = n - nr;
                    cols = nr;
                    mask0 = TS.From(j0, done);
                    mask1 = TS.From(j0 + TS.Width, done);
                }

                Pack<TV, TS>(kb, ref b, ldb, ref offs, useOffsets, p0, j0, cols, ref panel, runLength, runStride);
                OverPanel<TV, TS>(m, kb, ref ak, rsA, csA, ref panel, ref Mem.Offset(ref c, j0), ldc, cols, done - j0, load, addBias, ref bias, clamp, mask0, mask1, ref spare);
            }
        }
    }

    /// <summary>
    /// The width of the packed product's panels on this machine: 32 floats with AVX-512, 16 with AVX2 (Vector256), 0
    /// without vectors (no prepacked products: <see cref="MultiplyPanels"/> needs a vector instruction set).
    /// </summary>
    internal static int PanelWidth => Vector512.IsHardwareAccelerated ? 32 : Vector256.IsHardwareAccelerated ? 16 : 0;

    /// <summary>
    /// Where element (p, j) of a k × n matrix B goes when it is prepacked for <see cref="MultiplyPanels"/>: B cut into
    /// the packed product's K-blocks and its panels <paramref name="panelWidth"/> (<see cref="PanelWidth"/>) wide, the
    /// last one narrower when n is not a multiple of it, each panel's rows back to back, in the order the product walks
    /// them. The same k·n floats, permuted.
    /// </summary>
    /// <param name="p">Row of B.</param>
    /// <param name="j">Column of B.</param>
    /// <param name="k">Rows of B.</param>
    /// <param name="n">Columns of B: a whole number of vectors of the machine's instruction set.</param>
    /// <param name="panelWidth"><see cref="PanelWidth"/>.</param>
    internal static int PanelIndex(int p, int j, int k, int n, int panelWidth)
    {
        int kc = DepthOf(k);
        int p0 = p / kc * kc, kb = Math.Min(kc, k - p0);
        int j0 = j / panelWidth * panelWidth, width = Math.Min(panelWidth, n - j0);
        return (p0 * n) + (j0 * kb) + ((p - p0) * width) + (j - j0);
    }

    /// <summary>
    /// C[m × n] = A·B, A[i, p] = a[i·rsA + p], with B prepacked by <see cref="PanelIndex"/>: the packed product without
    /// its copy of B into a panel on every call, for weights packed once per parameter change (Winograd's transformed
    /// weights). n is a whole number of vectors; needs AVX-512 or AVX2 (<see cref="PanelWidth"/> above 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyPanels(int m, int n, int k, ReadOnlySpan<float> a, int rsA, ReadOnlySpan<float> panels, Span<float> c, int ldc)
    {
        int width = PanelWidth;
        if (width == 0 || n % (width / 2) != 0)
        {
            throw new InvalidOperationException($"Prepacked products need AVX-512 or AVX2 and a whole number of vectors of columns; got {n} columns, panels {width} wide.");
        }

        if (m <= 0 || n <= 0 || k <= 0)
        {
            return;
        }

        Check(a.Length >= ((long)(m - 1) * rsA) + k, nameof(a));
        Check(panels.Length >= (long)k * n, nameof(panels));
        Check(c.Length >= ((long)(m - 1) * ldc) + n, nameof(c));
        if (Vector512.IsHardwareAccelerated)
        {
            Panels<Vector512<float>, Simd512, NarrowBlock<Vector512<float>, Simd512>>(m, n, k, ref Mem.Ref(a), rsA, ref Mem.Ref(panels), ref Mem.Ref(c), ldc);
        }
        else
        {
            Panels<Vector256<float>, Simd256, NarrowBlock<Vector256<float>, Simd256>>(m, n, k, ref Mem.Ref(a), rsA, ref Mem.Ref(panels), ref Mem.Ref(c), ldc);
        }
    }

    // Packed's loops over prepacked panels: the K-blocks, each block's panels in turn (the last one a vector wide when n
    // is an odd number of vectors), every row block of A over each panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panels<TV, TS, TN>(int m, int n, int k, ref float a, nint rsA, ref float panels, ref float c, nint ldc)
        where TV : struct
        where TS : struct, ISimd<TV>
        where TN : struct, ISimd<TV>
    {
        int nr = TS.Width * TS.TileVectors;
        float[] buffer = t_panel ??= new float[PanelLength + TileLength];
        ref float spare = ref Mem.Offset(ref Mem.Ref(buffer), PanelLength);
        int kc = DepthOf(k);
        TV all = TS.From(0, 0), narrow = TN.From(0, 0);
        ref float panel = ref panels;
        for (int p0 = 0; p0 < k; p0 += kc)
        {
            int kb = Math.Min(kc, k - p0);
            bool load = p0 > 0;
            ref float ak = ref Mem.Offset(ref a, p0);
            for (int j0 = 0; j0 < n; j0 += nr)
            {
                int cols = Math.Min(nr, n - j0);
                if (cols < nr)
                {
                    OverPanel<TV, TN>(m, kb, ref ak, rsA, 1, ref panel, ref Mem.Offset(ref c, j0), ldc, cols, 0, load, false, ref spare, false, narrow, narrow, ref spare, PrefetchRows * cols);
                }
                else
                {
                    OverPanel<TV, TS>(m, kb, ref ak, rsA, 1, ref panel, ref Mem.Offset(ref c, j0), ldc, nr, 0, load, false, ref spare, false, all, all, ref spare, PrefetchRows * nr);
                }

                panel = ref Mem.Offset(ref panel, kb * cols);
            }
        }
    }

    // Every row block of A over one packed panel (TS's block width: two vectors, or one for the narrow block; `cols` of
    // its columns valid): whole blocks straight into C, a partial one (fewer than TileRows rows left, or fewer columns)
    // into the spare tile, rows past m repeating A's last row, and its valid part from column `from` on into C.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OverPanel<TV, TS>(int m, int kb, ref float ak, nint rsA, nint csA, ref float panel, ref float c, nint ldc, int cols, int from, bool load, bool addBias, ref float bias, bool clamp, TV mask0, TV mask1, ref float spare, nint prefetch = 0)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int mr = TS.TileRows, nr = TS.Width * TS.TileVectors;
        TV all = TS.From(0, 0);
        for (int i0 = 0; i0 < m; i0 += mr)
        {
            int rows = Math.Min(mr, m - i0);
            ref float ai = ref Mem.Offset(ref ak, i0 * rsA);
            ref float ci = ref Mem.Offset(ref c, i0 * ldc);
            ref float bi = ref Mem.Offset(ref bias, addBias ? i0 : 0);
            if (rows == mr && cols == nr)
            {
                Tile<TV, TS>(kb, ref ai, csA, rsA, 2 * rsA, 3 * rsA, 4 * rsA, 5 * rsA, 6 * rsA, 7 * rsA, ref panel, ref ci, ldc, load, addBias, ref bi, clamp, mask0, mask1, i0 == 0 ? prefetch : 0);
                continue;
            }

            nint r1 = rows - 1;
            Tile<TV, TS>(kb, ref ai, csA, Math.Min(1, r1) * rsA, Math.Min(2, r1) * rsA, Math.Min(3, r1) * rsA, Math.Min(4, r1) * rsA, Math.Min(5, r1) * rsA, Math.Min(6, r1) * rsA, Math.Min(7, r1) * rsA, ref panel, ref spare, nr, false, false, ref bi, false, all, all, i0 == 0 ? prefetch : 0);
            Spill(rows, nr, cols, from, ref spare, ref ci, ldc, load, addBias, ref bi, clamp);
        }
    }

    // C[r, j] = (load ? C[r, j] : 0) + spare[r, j] + bias[r], ReLU, for the valid rows and the columns from `from` on.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Spill(int rows, int stride, int cols, int from, ref float spare, ref float c, nint ldc, bool load, bool addBias, ref float bias, bool clamp)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float cr = ref Mem.Offset(ref c, r * ldc);
            ref float sr = ref Mem.Offset(ref spare, r * stride);
            float rb = addBias ? Mem.Add(ref bias, r) : 0f;
            for (int j = from; j < cols; j++)
            {
                float v = Mem.Add(ref sr, j) + rb;
                if (load)
                {
                    v += Mem.Add(ref cr, j);
                }

                Mem.Add(ref cr, j) = clamp ? MathF.Max(v, 0f) : v;
            }
        }
    }

    // Copies rows p0 … p0 + kb − 1 of B, columns j0 … j0 + cols − 1, into the panel (row p at p·nr), zeros past cols.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack<TV, TS>(int kb, ref float b, nint ldb, ref int offs, bool useOffsets, int p0, int j0, int cols, ref float panel, int runLength, int runStride)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        if (runLength > 0)
        {
            PackRuns<TV, TS>(kb, ref b, ref offs, p0, j0, cols, ref panel, runLength, runStride);
            return;
        }

        int nv = TS.TileVectors;
        nint nr = (nint)TS.Width * nv;
        ref float dst = ref panel;
        if (cols == nr)
        {
            for (int p = 0; p < kb; p++)
            {
                ref float src = ref Mem.Offset(ref b, (useOffsets ? Mem.Add(ref offs, p0 + p) : (p0 + p) * ldb) + j0);
                TS.Store(TS.Load(ref src, 0), ref dst, 0);
                if (nv > 1)
                {
                    TS.Store(TS.Load(ref src, (nuint)TS.Width), ref dst, (nuint)TS.Width);
                }

                dst = ref Mem.Walk(ref dst, nr);
            }

            return;
        }

        for (int p = 0; p < kb; p++)
        {
            ref float src = ref Mem.Offset(ref b, (useOffsets ? Mem.Add(ref offs, p0 + p) : (p0 + p) * ldb) + j0);
            int j = 0;
            for (; j < cols; j++)
            {
                Mem.Add(ref dst, j) = Mem.Add(ref src, j);
            }

            for (; j < nr; j++)
            {
                Mem.Add(ref dst, j) = 0f;
            }

            dst = ref Mem.Walk(ref dst, nr);
        }
    }

    // One register block: TileRows rows of A (row r at a + o_r, stepping csA per k) times the packed panel
    // (TileVectors vectors per row of the panel), stored through Put.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TV, TS>(int kc, ref float a, nint csA, nint o1, nint o2, nint o3, nint o4, nint o5, nint o6, nint o7, ref float b, ref float t, nint ldt, bool load, bool hasBias, ref float bias, bool relu, TV mask0, TV mask1, nint prefetch = 0)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int mr = TS.TileRows, nv = TS.TileVectors;
        nint nr = (nint)TS.Width * nv;
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero, c30 = TS.Zero, c31 = TS.Zero;
        TV c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero, c60 = TS.Zero, c61 = TS.Zero, c70 = TS.Zero, c71 = TS.Zero;
        ref float ap = ref a;
        ref float bp = ref b;
        for (int p = 0; p < kc; p++)
        {
            if (prefetch != 0)
            {
                Mem.Prefetch(ref bp, prefetch);
                if (nr > 16)
                {
                    Mem.Prefetch(ref bp, prefetch + 16);
                }
            }

            TV b0 = TS.Load(ref bp, 0);
            TV b1 = nv > 1 ? TS.Load(ref bp, (nuint)TS.Width) : TS.Zero;
            TV x = TS.Splat(ap);
            c00 = TS.Fma(x, b0, c00);
            if (nv > 1) c01 = TS.Fma(x, b1, c01);
            if (mr > 1)
            {
                x = TS.Splat(Mem.Add(ref ap, o1));
                c10 = TS.Fma(x, b0, c10);
                if (nv > 1) c11 = TS.Fma(x, b1, c11);
            }

            if (mr > 2)
            {
                x = TS.Splat(Mem.Add(ref ap, o2));
                c20 = TS.Fma(x, b0, c20);
                if (nv > 1) c21 = TS.Fma(x, b1, c21);
            }

            if (mr > 3)
            {
                x = TS.Splat(Mem.Add(ref ap, o3));
                c30 = TS.Fma(x, b0, c30);
                if (nv > 1) c31 = TS.Fma(x, b1, c31);
            }

            if (mr > 4)
            {
                x = TS.Splat(Mem.Add(ref ap, o4));
                c40 = TS.Fma(x, b0, c40);
                if (nv > 1) c41 = TS.Fma(x, b1, c41);
            }

            if (mr > 5)
            {
                x = TS.Splat(Mem.Add(ref ap, o5));
                c50 = TS.Fma(x, b0, c50);
                if (nv > 1) c51 = TS.Fma(x, b1, c51);
            }

            if (mr > 6)
            {
                x = TS.Splat(Mem.Add(ref ap, o6));
                c60 = TS.Fma(x, b0, c60);
                if (nv > 1) c61 = TS.Fma(x, b1, c61);
            }

            if (mr > 7)
            {
                x = TS.Splat(Mem.Add(ref ap, o7));
                c70 = TS.Fma(x, b0, c70);
                if (nv > 1) c71 = TS.Fma(x, b1, c71);
            }

            ap = ref Mem.Walk(ref ap, csA);
            bp = ref Mem.Walk(ref bp, nr);
        }

        Put<TV, TS>(c00, c01, ref t, load, hasBias, ref bias, relu, mask0, mask1);
        if (mr > 1) Put<TV, TS>(c10, c11, ref Mem.Offset(ref t, ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 1 : 0), relu, mask0, mask1);
        if (mr > 2) Put<TV, TS>(c20, c21, ref Mem.Offset(ref t, 2 * ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 2 : 0), relu, mask0, mask1);
        if (mr > 3) Put<TV, TS>(c30, c31, ref Mem.Offset(ref t, 3 * ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 3 : 0), relu, mask0, mask1);
        if (mr > 4) Put<TV, TS>(c40, c41, ref Mem.Offset(ref t, 4 * ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 4 : 0), relu, mask0, mask1);
        if (mr > 5) Put<TV, TS>(c50, c51, ref Mem.Offset(ref t, 5 * ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 5 : 0), relu, mask0, mask1);
        if (mr > 6) Put<TV, TS>(c60, c61, ref Mem.Offset(ref t, 6 * ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 6 : 0), relu, mask0, mask1);
        if (mr > 7) Put<TV, TS>(c70, c71, ref Mem.Offset(ref t, 7 * ldt), load, hasBias, ref Mem.Offset(ref bias, hasBias ? 7 : 0), relu, mask0, mask1);
    }

    // Stores one row of a register block: (load ? old : 0) + v + bias, ReLU, only the lanes the masks keep.
    // As Pack, for B's columns in runs: column j of row p at b[offs[p] + (j / runLength) · runStride + j mod runLength]
    // (a stride-1 convolution's output rows, runLength = OW wide, in its padded input frame runStride = WP wide). Each
    // run inside the panel is copied with whole vectors and one masked load (which reads nothing past the run); the
    // lanes a masked load zeroes past the run are overwritten by the next run, or are the panel's zero padding. The
    // stores may run up to one vector past the panel's last row, into the spare tile that follows it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackRuns<TV, TS>(int kb, ref float b, ref int offs, int p0, int j0, int cols, ref float panel, int runLength, int runStride)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        int nr = TS.Width * TS.TileVectors, w = TS.Width;
        Span<int> runs = stackalloc int[3 * 40];
        int count = 0;
        for (int j = j0; j < j0 + cols;)
        {
            int y = j / runLength, x = j - (y * runLength);
            int length = Math.Min(runLength - x, j0 + cols - j);
            runs[3 * count] = j - j0;
            runs[(3 * count) + 1] = (y * runStride) + x;
            runs[(3 * count) + 2] = length;
            count++;
            j += length;
        }

        fixed (float* source = &b)
        fixed (float* target = &panel)
        {
            float* dst = target;
            for (int p = 0; p < kb; p++)
            {
                float* src = source + Mem.Add(ref offs, p0 + p);
                for (int r = 0; r < count; r++)
                {
                    float* from = src + runs[(3 * r) + 1];
                    float* to = dst + runs[3 * r];
                    int length = runs[(3 * r) + 2];
                    int t = 0;
                    for (; t + w <= length; t += w)
                    {
                        TS.Store(TS.Load(ref *(from + t), 0), ref *(to + t), 0);
                    }

                    if (t < length)
                    {
                        TS.Store(TS.LoadFirst(from + t, length - t), ref *(to + t), 0);
                    }
                }

                for (int j = cols; j < nr; j++)
                {
                    dst[j] = 0f;
                }

                dst += nr;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TV, TS>(TV v0, TV v1, ref float t, bool load, bool hasBias, ref float bias, bool relu, TV mask0, TV mask1)
        where TV : struct
        where TS : struct, ISimd<TV>
    {
        nuint w = (nuint)TS.Width;
        TV add = hasBias ? TS.Splat(bias) : TS.Zero;
        TV old = TS.Load(ref t, 0);
        TV r = TS.Add(load ? TS.Add(v0, old) : v0, add);
        TS.Store(TS.Select(mask0, relu ? TS.Relu(r) : r, old), ref t, 0);
        if (TS.TileVectors > 1)
        {
            old = TS.Load(ref t, w);
            r = TS.Add(load ? TS.Add(v1, old) : v1, add);
            TS.Store(TS.Select(mask1, relu ? TS.Relu(r) : r, old), ref t, w);
        }
    }
}
