using System;
using System.Collections.Generic;
using System.Linq;

namespace CnnGen.SweepTests;

/// <summary>One image's activation on the tape: node ids in channel-first order (C, H, W).</summary>
public sealed record Activation(int C, int H, int W, int[] Nodes)
{
    public int this[int c, int y, int x] => Nodes[(((c * H) + y) * W) + x];
}

/// <summary>
/// The plain reference: every layer as the seeds and PyTorch define it, as scalar loops over <see cref="Tape"/> nodes
/// (double precision, no blocking, no vectors, no fusion). Parameters are read from the network's buffer by their
/// PyTorch names (conv1.weight [K, C, FH, FW], fc1.weight [out, in], bn1.weight …), numbered per kind in declaration order.
/// </summary>
public sealed class Reference
{
    private readonly Tape _tape;
    private readonly Dictionary<string, int[]> _leaves = new(StringComparer.Ordinal);
    private readonly Func<string, float[]> _tensor;
    private readonly bool _training;

    private Reference(Tape tape, Func<string, float[]> tensor, bool training)
    {
        _tape = tape;
        _tensor = tensor;
        _training = training;
    }

    /// <summary>The parameter leaves by tensor name (for reading their gradients).</summary>
    public IReadOnlyDictionary<string, int[]> Leaves => _leaves;

    /// <summary>
    /// Runs <paramref name="net"/> on a batch. <paramref name="tensor"/> returns a tensor's values by name; in training mode
    /// BatchNorm uses the batch's statistics (biased variance), at inference its running averages.
    /// </summary>
    public static (Reference Reference, Activation[] Outputs, List<(int C, int H, int W)> Shapes) Run(Tape tape, Net net, Func<string, float[]> tensor, float[][] images, bool training)
    {
        var r = new Reference(tape, tensor, training);
        var inputs = images.Select(img => new Activation(net.C, net.H, net.W, img.Select(v => tape.Leaf(v)).ToArray())).ToArray();
        (Activation[] outputs, List<(int, int, int)> shapes) = r.Forward(net, inputs);
        return (r, outputs, shapes);
    }

    /// <summary>Output size on one axis: ⌊(W − F + 2P)/S⌋ + 1, or rounded up with the last window starting inside the input or its left padding (PyTorch).</summary>
    public static int OutputSize(int w, int f, int s, int p, Round rounding)
    {
        int span = w - f + (2 * p);
        int size = rounding == Round.Floor ? (span / s) + 1 : ((span + s - 1) / s) + 1;
        if (rounding == Round.Ceil && (size - 1) * s >= w + p)
        {
            size--;
        }

        return size;
    }

    private (Activation[] Outputs, List<(int C, int H, int W)> Shapes) Forward(Net net, Activation[] inputs)
    {
        var named = new Dictionary<string, Activation[]>(StringComparer.Ordinal) { ["input"] = inputs };
        var shapes = new List<(int, int, int)>();
        Activation[] previous = inputs;
        int convs = 0, bns = 0, fcs = 0;
        foreach (Layer layer in net.Layers)
        {
            Activation[] x = layer.From is null ? previous : named[layer.From];
            // Tensors are named per kind in declaration order: conv1, conv2, … bn1, … fc1, …
            string tensor = layer switch
            {
                Conv => "conv" + ++convs,
                BatchNorm => "bn" + ++bns,
                Dense => "fc" + ++fcs,
                _ => string.Empty,
            };
            Activation[] y = layer switch
            {
                Conv conv => Each(x, a => Convolution(a, conv, tensor)),
                Pool pool => Each(x, a => Pooling(a, pool)),
                GlobalAvgPool => Each(x, GlobalAverage),
                Flatten => Each(x, a => new Activation(a.Nodes.Length, 1, 1, a.Nodes)),
                Dense dense => Each(x, a => FullyConnected(a, dense, tensor)),
                BatchNorm bn => Normalise(x, bn, tensor),
                Act act => Each(x, a => Activate(a, act)),
                AddLayers add => Sum(x, add.Layers.Select(n => named[n]).ToArray()),
                ConcatLayers concat => Join(concat.Layers.Select(n => named[n]).ToArray()),
                _ => throw new NotSupportedException(layer.GetType().Name),
            };

            if (layer.Name is not null)
            {
                named[layer.Name] = y;
            }

            shapes.Add((y[0].C, y[0].H, y[0].W));
            previous = y;
        }

        return (previous, shapes);
    }

    private static Activation[] Each(Activation[] x, Func<Activation, Activation> f) => x.Select(f).ToArray();

    private int[] Parameters(string name)
    {
        if (!_leaves.TryGetValue(name, out int[]? leaves))
        {
            leaves = _tensor(name).Select(v => _tape.Leaf(v)).ToArray();
            _leaves[name] = leaves;
        }

        return leaves;
    }

    private Activation Convolution(Activation a, Conv conv, string name)
    {
        int ph = conv.PadH, pw = conv.PadW;
        int oh = OutputSize(a.H, conv.FH, conv.SH, ph, conv.Rounding), ow = OutputSize(a.W, conv.FW, conv.SW, pw, conv.Rounding);
        int[] w = Parameters(name + ".weight");
        int[]? b = conv.Bias ? Parameters(name + ".bias") : null;
        int zero = _tape.Leaf(0);
        var output = new int[conv.K * oh * ow];
        for (int k = 0; k < conv.K; k++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    int sum = b is null ? zero : b[k];
                    for (int c = 0; c < a.C; c++)
                    {
                        for (int ky = 0; ky < conv.FH; ky++)
                        {
                            for (int kx = 0; kx < conv.FW; kx++)
                            {
                                int y = (oy * conv.SH) - ph + ky, x = (ox * conv.SW) - pw + kx;
                                if (y >= 0 && y < a.H && x >= 0 && x < a.W)
                                {
                                    sum = _tape.MulAdd(sum, w[(((((k * a.C) + c) * conv.FH) + ky) * conv.FW) + kx], a[c, y, x]);
                                }
                            }
                        }
                    }

                    output[(((k * oh) + oy) * ow) + ox] = sum;
                }
            }
        }

        return new Activation(conv.K, oh, ow, output);
    }

    private Activation Pooling(Activation a, Pool pool)
    {
        int oh = OutputSize(a.H, pool.F, pool.S, pool.P, pool.Rounding), ow = OutputSize(a.W, pool.F, pool.S, pool.P, pool.Rounding);
        var output = new int[a.C * oh * ow];
        for (int c = 0; c < a.C; c++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    // The window, clipped to the padded input; padded cells never win a max or min and add nothing to a sum.
                    int y0 = (oy * pool.S) - pool.P, x0 = (ox * pool.S) - pool.P;
                    int y1 = Math.Min(y0 + pool.F, a.H + pool.P), x1 = Math.Min(x0 + pool.F, a.W + pool.P);
                    int result = -1;
                    for (int y = Math.Max(y0, 0); y < Math.Min(y1, a.H); y++)
                    {
                        for (int x = Math.Max(x0, 0); x < Math.Min(x1, a.W); x++)
                        {
                            int v = a[c, y, x];
                            result = result < 0
                                ? (pool.Kind == PoolKind.L2 ? _tape.Square(v) : v)
                                : pool.Kind switch
                                {
                                    PoolKind.Max => _tape.Max(result, v),
                                    PoolKind.Min => _tape.Min(result, v),
                                    PoolKind.Average => _tape.Add(result, v),
                                    _ => _tape.Add(result, _tape.Square(v)),
                                };
                        }
                    }

                    if (pool.Kind == PoolKind.Average)
                    {
                        // count_include_pad: the divisor counts padded cells, within the padded input.
                        result = _tape.Scale(result, 1.0 / ((y1 - y0) * (x1 - x0)));
                    }
                    else if (pool.Kind == PoolKind.L2)
                    {
                        result = _tape.Sqrt(result);
                    }

                    output[(((c * oh) + oy) * ow) + ox] = result;
                }
            }
        }

        return new Activation(a.C, oh, ow, output);
    }

    private Activation GlobalAverage(Activation a)
    {
        var output = new int[a.C];
        for (int c = 0; c < a.C; c++)
        {
            int sum = a[c, 0, 0];
            for (int i = 1; i < a.H * a.W; i++)
            {
                sum = _tape.Add(sum, a.Nodes[(c * a.H * a.W) + i]);
            }

            output[c] = _tape.Scale(sum, 1.0 / (a.H * a.W));
        }

        return new Activation(a.C, 1, 1, output);
    }

    private Activation FullyConnected(Activation a, Dense dense, string name)
    {
        int n = a.Nodes.Length;
        int[] w = Parameters(name + ".weight");
        int[] b = Parameters(name + ".bias");
        var output = new int[dense.Units];
        for (int o = 0; o < dense.Units; o++)
        {
            int sum = b[o];
            for (int i = 0; i < n; i++)
            {
                sum = _tape.MulAdd(sum, w[(o * n) + i], a.Nodes[i]);
            }

            output[o] = sum;
        }

        return new Activation(dense.Units, 1, 1, output);
    }

    private Activation Activate(Activation a, Act act)
    {
        if (act.Kind == ActKind.Softmax)
        {
            // Over all of the layer's values, the maximum subtracted first (it cancels; it keeps exp finite).
            double max = a.Nodes.Max(_tape.Value);
            int[] e = a.Nodes.Select(v => _tape.Exp(_tape.AddConstant(v, -max))).ToArray();
            int total = e[0];
            for (int i = 1; i < e.Length; i++)
            {
                total = _tape.Add(total, e[i]);
            }

            return a with { Nodes = e.Select(v => _tape.Div(v, total)).ToArray() };
        }

        return a with
        {
            Nodes = a.Nodes.Select(v => act.Kind switch
            {
                ActKind.ReLU => _tape.ReLU(v),
                ActKind.LeakyReLU => _tape.LeakyReLU(v, act.Parameter),
                ActKind.ELU => _tape.ELU(v, act.Parameter),
                ActKind.Sigmoid => _tape.Sigmoid(v),
                _ => _tape.Tanh(v),
            }).ToArray(),
        };
    }

    private Activation[] Normalise(Activation[] x, BatchNorm bn, string name)
    {
        int[] gamma = Parameters(name + ".weight"), beta = Parameters(name + ".bias");
        int channels = x[0].C, plane = x[0].H * x[0].W;
        var outputs = x.Select(a => new int[a.Nodes.Length]).ToArray();
        for (int c = 0; c < channels; c++)
        {
            int mean, inverse;
            if (_training)
            {
                // The batch's mean and biased variance over every image and cell of the channel.
                var cells = x.SelectMany(a => a.Nodes.Skip(c * plane).Take(plane)).ToArray();
                int sum = cells[0];
                for (int i = 1; i < cells.Length; i++)
                {
                    sum = _tape.Add(sum, cells[i]);
                }

                mean = _tape.Scale(sum, 1.0 / cells.Length);
                int squares = _tape.Square(_tape.Sub(cells[0], mean));
                for (int i = 1; i < cells.Length; i++)
                {
                    squares = _tape.Add(squares, _tape.Square(_tape.Sub(cells[i], mean)));
                }

                int variance = _tape.Scale(squares, 1.0 / cells.Length);
                inverse = _tape.Div(_tape.Leaf(1), _tape.Sqrt(_tape.AddConstant(variance, bn.Epsilon)));
            }
            else
            {
                mean = _tape.Leaf(_tensor(name + ".running_mean")[c]);
                inverse = _tape.Leaf(1 / Math.Sqrt(_tensor(name + ".running_var")[c] + bn.Epsilon));
            }

            for (int b = 0; b < x.Length; b++)
            {
                for (int i = 0; i < plane; i++)
                {
                    int v = x[b].Nodes[(c * plane) + i];
                    int normalised = _tape.Mul(_tape.Sub(v, mean), inverse);
                    outputs[b][(c * plane) + i] = _tape.Add(_tape.Mul(normalised, gamma[c]), beta[c]);
                }
            }
        }

        return x.Select((a, b) => a with { Nodes = outputs[b] }).ToArray();
    }

    private Activation[] Sum(Activation[] x, Activation[][] others) =>
        x.Select((a, b) =>
        {
            int[] nodes = (int[])a.Nodes.Clone();
            foreach (Activation[] other in others)
            {
                for (int i = 0; i < nodes.Length; i++)
                {
                    nodes[i] = _tape.Add(nodes[i], other[b].Nodes[i]);
                }
            }

            return a with { Nodes = nodes };
        }).ToArray();

    private static Activation[] Join(Activation[][] parts) =>
        parts[0].Select((first, b) => new Activation(
            parts.Sum(p => p[b].C), first.H, first.W, parts.SelectMany(p => p[b].Nodes).ToArray())).ToArray();
}
