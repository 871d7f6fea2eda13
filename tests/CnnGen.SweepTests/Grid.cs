using System;
using System.Collections.Generic;
using System.Linq;

namespace CnnGen.SweepTests;

/// <summary>
/// The sweep's networks, in groups that each aim at kernel paths (chosen per layer by the generator from its shapes;
/// see generator/CnnGen.Generator/Emit/LayerKernels*.cs). Deterministic: the same networks on every run and leg.
/// Half of the convolution and pooling networks start with a 1×1 "probe" convolution, so that the layer under test's
/// input gradient reaches a parameter gradient and is checked too; the other half keep the layer first (its own path).
/// </summary>
public static class Grid
{
    public static readonly string[] Groups = { "direct-rows", "conv-strided", "conv-gemm", "conv-pool", "pools", "pool-2x2", "dense-activations", "batchnorm", "branches", "winograd" };

    public static IReadOnlyList<Net> Networks(string group) => group switch
    {
        "direct-rows" => DirectRows(),
        "conv-strided" => ConvStrided(),
        "conv-gemm" => ConvGemm(),
        "conv-pool" => ConvPool(),
        "pools" => Pools(),
        "pool-2x2" => Pool2x2(),
        "dense-activations" => DenseActivations(),
        "batchnorm" => BatchNorms(),
        "branches" => Branches(),
        "winograd" => Winograd(),
        _ => throw new ArgumentException(group),
    };

    /// <summary>
    /// Stride-1 3×3 and 5×5 convolutions, padded or not, for every output width 1–24 and filter counts around the vector
    /// boundaries (8, 9, 16, 17, 24, 33): the direct convolution's row blocks (8, 6 and 5 columns and their overlapping last
    /// block), its position table (narrow rows), and the wide-row GEMM where the products outgrow L1.
    /// </summary>
    private static List<Net> DirectRows()
    {
        int[] filters = { 8, 9, 16, 17, 24, 33 };
        int[] heights = { 1, 2, 3, 5, 8, 13 };
        var nets = new List<Net>();
        foreach (int f in new[] { 3, 5 })
        {
            foreach (int p in new[] { 0, f / 2 })
            {
                for (int ow = 1; ow <= 24; ow++)
                {
                    int oh = heights[ow % heights.Length], k = filters[(ow + f + p) % filters.Length], c = 1 + (ow % 4);
                    int h = oh + f - 1 - (2 * p), w = ow + f - 1 - (2 * p);
                    if (h >= 1 && w >= 1)
                    {
                        nets.Add(Probed(nets.Count, c, h, w, new Conv(k, f, f, PH: p, PW: p)));
                    }
                }
            }
        }

        return nets;
    }

    /// <summary>Strides 1–3, rectangular kernels 1–7, paddings 0–3 and Same, floor and ceil, 1–4 channels, 1–33 filters, with and without bias.</summary>
    private static List<Net> ConvStrided()
    {
        var random = new Random(12);
        var nets = new List<Net>();
        while (nets.Count < 90)
        {
            int fh = random.Next(1, 8), fw = random.Next(1, 8), sh = random.Next(1, 4), sw = random.Next(1, 4);
            bool same = fh % 2 == 1 && fw % 2 == 1 && random.Next(6) == 0;
            int ph = same ? (fh - 1) / 2 : random.Next(0, Math.Min(fh, 4)), pw = same ? (fw - 1) / 2 : random.Next(0, Math.Min(fw, 4));
            int h = random.Next(1, 25), w = random.Next(1, 25), c = random.Next(1, 5), k = random.Next(1, 34);
            var rounding = random.Next(2) == 0 ? Round.Floor : Round.Ceil;
            if (h + (2 * ph) < fh || w + (2 * pw) < fw)
            {
                continue;
            }

            int oh = Reference.OutputSize(h, fh, sh, ph, rounding), ow = Reference.OutputSize(w, fw, sw, pw, rounding);
            if ((long)k * c * fh * fw * oh * ow > 150_000)
            {
                continue;
            }

            nets.Add(Probed(nets.Count, c, h, w, new Conv(k, fh, fw, sh, sw, same ? 0 : ph, same ? 0 : pw, Bias: random.Next(4) != 0, Same: same, Rounding: rounding)));
        }

        return nets;
    }

    /// <summary>
    /// Layers the GEMM paths take: 1–7 filters (below the direct kernel), outputs too large for the direct kernel's L1 budget,
    /// and 32+ filters with many positions (packed panels, output rows read as runs).
    /// </summary>
    private static List<Net> ConvGemm()
    {
        var nets = new List<Net>();
        int[] small = { 1, 2, 3, 4, 5, 6, 7 };
        for (int i = 0; i < 14; i++)
        {
            int f = 1 + (i % 5), s = 1 + (i % 3), c = 1 + (i % 4);
            nets.Add(Probed(nets.Count, c, 9 + i, 14 + (i % 7), new Conv(small[i % 7], f, f, s, s, PH: f / 2, PW: f / 2)));
        }

        foreach ((int k, int f, int hw) in new[] { (8, 3, 24), (12, 3, 22), (16, 5, 20), (32, 3, 20), (33, 3, 18), (40, 3, 16), (48, 1, 20), (32, 5, 14), (64, 3, 12) })
        {
            nets.Add(Probed(nets.Count, 1 + (nets.Count % 3), hw, hw + 1, new Conv(k, f, f, PH: f / 2, PW: f / 2)));
            nets.Add(Probed(nets.Count, 2, hw, hw - 1, new Conv(k, f, f)));
        }

        return nets;
    }

    /// <summary>A convolution then max pooling: windows the direct kernel fuses (stride = window, no padding), with and without ReLU between, and ones it does not.</summary>
    private static List<Net> ConvPool()
    {
        var nets = new List<Net>();
        int[] filters = { 8, 10, 16, 17, 33 };
        for (int i = 0; i < 50; i++)
        {
            int f = i % 2 == 0 ? 3 : 5, p = (i / 2) % 2 == 0 ? 0 : f / 2, k = filters[i % filters.Length];
            int ow = 2 + (i % 23), oh = 2 + ((i * 7) % 11), c = 1 + (i % 3);
            int pool = 2 + (i % 3 == 0 ? 1 : 0), stride = i % 5 == 4 ? 1 : pool;
            int h = oh + f - 1 - (2 * p), w = ow + f - 1 - (2 * p);
            if (h < 1 || w < 1 || oh < pool || ow < pool)
            {
                continue;
            }

            var layers = new List<Layer> { new Conv(k, f, f, PH: p, PW: p) };
            if (i % 3 != 1)
            {
                layers.Add(new Act(ActKind.ReLU));
            }

            layers.Add(new Pool(i % 7 == 6 ? PoolKind.Min : PoolKind.Max, pool, stride));
            nets.Add(new Net("ConvPool" + nets.Count, c, h, w, layers.ToArray()));
        }

        return nets;
    }

    /// <summary>Every pooling kind over windows 1–4, strides 1–3, paddings below the window, floor and ceil, 1–24 cells a side.</summary>
    private static List<Net> Pools()
    {
        var random = new Random(21);
        var nets = new List<Net>();
        var kinds = new[] { PoolKind.Max, PoolKind.Min, PoolKind.Average, PoolKind.L2 };
        while (nets.Count < 100)
        {
            int f = random.Next(1, 5), s = random.Next(1, 4), p = random.Next(0, f);
            int h = random.Next(1, 25), w = random.Next(1, 25), c = random.Next(1, 5);
            if (p > f / 2)
            {
                p = f / 2;
            }

            if (h + (2 * p) < f || w + (2 * p) < f)
            {
                continue;
            }

            var rounding = random.Next(2) == 0 ? Round.Floor : Round.Ceil;
            nets.Add(Probed(nets.Count, c, h, w, new Pool(kinds[nets.Count % 4], f, s, p, rounding)));
        }

        return nets;
    }

    /// <summary>2×2 stride-2 max and min pooling (the vectorised forward and backward), odd and even sizes 2–24, with a ReLU before (fused into the backward) or not.</summary>
    private static List<Net> Pool2x2()
    {
        var nets = new List<Net>();
        for (int w = 2; w <= 24; w++)
        {
            int h = 2 + ((w * 5) % 13), c = 1 + (w % 4);
            var layers = new List<Layer> { new Conv(c, 1, 1) };
            if (w % 2 == 0)
            {
                layers.Add(new Act(ActKind.ReLU));
            }

            layers.Add(new Pool(w % 5 == 0 ? PoolKind.Min : PoolKind.Max, 2, 2));
            nets.Add(new Net("Pool2x2_" + nets.Count, c, h, w, layers.ToArray()));
        }

        return nets;
    }

    /// <summary>Dense layers of 1–70 units after spatial and flat inputs, every activation, Flatten, GlobalAvgPool and Softmax.</summary>
    private static List<Net> DenseActivations()
    {
        var nets = new List<Net>();
        Act[] acts = { new(ActKind.ReLU), new(ActKind.LeakyReLU, 0.1), new(ActKind.ELU, 0.7), new(ActKind.Sigmoid), new(ActKind.Tanh) };
        int[] units = { 1, 3, 7, 8, 16, 17, 33, 70 };
        for (int i = 0; i < 30; i++)
        {
            int c = 1 + (i % 4), h = 1 + (i % 6), w = 1 + ((i * 3) % 7);
            var layers = new List<Layer>();
            if (i % 4 == 1)
            {
                layers.Add(new Conv(3 + (i % 5), Math.Min(h, 2), Math.Min(w, 2)));
                layers.Add(acts[i % acts.Length]);
            }

            if (i % 4 == 2)
            {
                layers.Add(new GlobalAvgPool());
            }

            if (i % 4 == 3)
            {
                layers.Add(new Flatten());
            }

            layers.Add(new Dense(units[i % units.Length]));
            layers.Add(acts[(i + 2) % acts.Length]);
            layers.Add(new Dense(2 + (i % 9)));
            if (i % 2 == 0)
            {
                layers.Add(new Act(ActKind.Softmax));
            }
            else
            {
                layers.Add(acts[i % acts.Length]);
            }

            nets.Add(new Net("Dense" + nets.Count, c, h, w, layers.ToArray()));
        }

        return nets;
    }

    /// <summary>BatchNorm after convolutions with and without bias (folded into the convolution at inference), after an activation, after Dense.</summary>
    private static List<Net> BatchNorms()
    {
        var nets = new List<Net>();
        for (int i = 0; i < 16; i++)
        {
            int c = 1 + (i % 3), k = new[] { 2, 8, 16, 17 }[i % 4], f = i % 2 == 0 ? 3 : 1;
            Layer[] layers = (i % 4) switch
            {
                0 => new Layer[] { new Conv(k, f, f, PH: f / 2, PW: f / 2, Bias: false), new BatchNorm(), new Act(ActKind.ReLU) },
                1 => new Layer[] { new Conv(k, f, f), new BatchNorm(), new Act(ActKind.ReLU), new Pool(PoolKind.Max, 2, 2) },
                2 => new Layer[] { new Conv(k, f, f), new Act(ActKind.Tanh), new BatchNorm(1e-3), new Conv(3, 1, 1) },
                _ => new Layer[] { new Dense(5 + i), new BatchNorm(), new Act(ActKind.Sigmoid), new Dense(4) },
            };
            nets.Add(new Net("Norm" + nets.Count, c, 5 + (i % 4), 6 + (i % 5), layers));
        }

        return nets;
    }

    /// <summary>Add and Concat of branches read with From, including from the input, and a residual block written out.</summary>
    private static List<Net> Branches()
    {
        return new List<Net>
        {
            new("Branch0", 2, 8, 8, new Layer[]
            {
                new Conv(8, 3, 3, PH: 1, PW: 1) { Name = "x" }, new Act(ActKind.ReLU),
                new Conv(8, 3, 3, PH: 1, PW: 1, Bias: false), new BatchNorm(), new Act(ActKind.ReLU),
                new Conv(8, 3, 3, PH: 1, PW: 1, Bias: false), new BatchNorm(),
                new AddLayers(new[] { "x" }), new Act(ActKind.ReLU),
            }),
            new("Branch1", 3, 9, 7, new Layer[]
            {
                new Conv(4, 1, 1) { Name = "a" },
                new Conv(5, 3, 3, PH: 1, PW: 1) { From = "input", Name = "b" },
                new Pool(PoolKind.Max, 3, 1, 1) { From = "input" }, new Conv(3, 1, 1) { Name = "c" },
                new ConcatLayers(new[] { "a", "b", "c" }), new Act(ActKind.ReLU),
                new Dense(6), new Act(ActKind.Softmax),
            }),
            new("Branch2", 1, 6, 6, new Layer[]
            {
                new Conv(16, 3, 3, PH: 1, PW: 1) { Name = "x" },
                new Conv(16, 3, 3, PH: 1, PW: 1), new Act(ActKind.ELU, 1.0),
                new AddLayers(new[] { "x" }) { Name = "y" },
                new Conv(16, 1, 1),
                new AddLayers(new[] { "x", "y" }), new GlobalAvgPool(), new Dense(3),
            }),
            new("Branch3", 2, 10, 10, new Layer[]
            {
                new Conv(8, 3, 3, SH: 2, SW: 2, PH: 1, PW: 1) { Name = "down" },
                new Conv(8, 1, 1, SH: 2, SW: 2, Bias: false) { From = "input" }, new BatchNorm() { Name = "proj" },
                new AddLayers(new[] { "down" }), new Act(ActKind.LeakyReLU, 0.2),
                new Pool(PoolKind.Average, 2, 2, 0, Round.Ceil),
            }),
        };
    }

    /// <summary>
    /// Stride-1 3×3 convolutions with Algorithm = ConvAlgorithm.Winograd (runtime Winograd, F(4×4) from 14×14 outputs,
    /// F(2×2) below): 1–40 channels and filters, outputs 1×1 to 19×19 (most not multiples of the tile), padding 0 and 1,
    /// with and without bias, alone, before a fused ReLU, with a BatchNorm folded in, and two in a row.
    /// </summary>
    private static List<Net> Winograd()
    {
        var random = new Random(1418);
        var nets = new List<Net>();
        for (int i = 0; i < 36; i++)
        {
            int c = 1 + random.Next(40), k = 1 + random.Next(40), p = random.Next(2);
            int oh = 1 + random.Next(19), ow = 1 + random.Next(19);
            int h = oh + 2 - (2 * p), w = ow + 2 - (2 * p);
            var conv = new Conv(k, 3, 3, PH: p, PW: p, Bias: i % 4 != 3, Algorithm: ConvAlgorithm.Winograd);
            Layer[] tail = (i % 4) switch
            {
                0 => new Layer[] { conv },
                1 => new Layer[] { conv, new Act(ActKind.ReLU) },
                2 => new Layer[] { conv with { Bias = false }, new BatchNorm(), new Act(ActKind.ReLU) },
                _ => new Layer[] { conv, new Act(ActKind.ReLU), new Conv(1 + random.Next(20), 3, 3, PH: 1, PW: 1, Algorithm: ConvAlgorithm.Winograd) },
            };
            nets.Add(i % 2 == 0 ? new Net("Winograd" + i, c, h, w, tail) : new Net("Winograd" + i, c, h, w, new Layer[] { new Conv(c, 1, 1) }.Concat(tail).ToArray()));
        }

        return nets;
    }

    private static Net Probed(int index, int c, int h, int w, Layer layer)
    {
        string name = layer.GetType().Name + index;
        return index % 2 == 0
            ? new Net(name, c, h, w, new[] { layer })
            : new Net(name, c, h, w, new Layer[] { new Conv(c, 1, 1), layer });
    }
}
