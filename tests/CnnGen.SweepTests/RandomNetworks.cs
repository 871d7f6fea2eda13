using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using Xunit.Abstractions;

namespace CnnGen.SweepTests;

/// <summary>
/// Random valid networks against the reference (issue 12, deliver 4). FsCheck generates a network as an input shape and a
/// list of steps; <see cref="Build"/> turns the steps into layers that fit the shape at that point (kernels no larger than
/// the padded input, paddings below the kernel, residual blocks with same padding, Concat of two branches, a dense head),
/// so every generated declaration is valid. Networks are compiled in batches (compilation is the cost); a failing one is
/// shrunk — steps removed, the input made smaller — recompiling each candidate, and the smallest declaration that still
/// fails is printed. CI checks 200 networks per leg; CNNGEN_RANDOM_NETWORKS=N checks N (the long mode), and
/// CNNGEN_RANDOM_SEED picks another seed.
/// </summary>
public sealed class RandomNetworks(ITestOutputHelper output)
{
    /// <summary>One step of a random network: what kind of layer (or block) and four raw numbers it takes its sizes from.</summary>
    public sealed record Step(int Kind, int A, int B, int C, int D);

    public sealed record Shape(int C, int H, int W, Step[] Steps);

    private const long MaxMultiplyAdds = 60_000;

    public static Gen<Shape> Shapes =>
        from c in Gen.Choose(1, 4)
        from h in Gen.Choose(1, 16)
        from w in Gen.Choose(1, 16)
        from n in Gen.Choose(1, 6)
        from steps in Gen.ListOf(
            from kind in Gen.Frequency((5, Gen.Choose(0, 0)), (3, Gen.Choose(1, 1)), (3, Gen.Choose(2, 2)), (1, Gen.Choose(3, 3)), (1, Gen.Choose(4, 4)), (1, Gen.Choose(5, 5)), (1, Gen.Choose(6, 6)))
            from a in Gen.Choose(0, 1000)
            from b in Gen.Choose(0, 1000)
            from cc in Gen.Choose(0, 1000)
            from d in Gen.Choose(0, 1000)
            select new Step(kind, a, b, cc, d), n)
        select new Shape(c, h, w, steps.ToArray());

    [Fact]
    public void Random_networks_match_the_reference()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("CNNGEN_RANDOM_NETWORKS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 200;
        ulong seed = ulong.TryParse(Environment.GetEnvironmentVariable("CNNGEN_RANDOM_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s) ? s : 20261202;
        Shape[] shapes = Shapes.Sample(count, new Rnd(seed), 30).ToArray();
        var failures = new List<string>();
        const int BatchSize = 50;
        for (int first = 0; first < shapes.Length; first += BatchSize)
        {
            Net[] nets = shapes.Skip(first).Take(BatchSize).Select((shape, i) => Build(shape, "Random" + (first + i))).ToArray();
            IReadOnlyDictionary<string, IDriver> drivers = Compiler.Compile(nets);
            for (int i = 0; i < nets.Length; i++)
            {
                List<string> problems = Checker.Check(nets[i], drivers[nets[i].ClassName], seed: first + i, degreeOfParallelism: 1 + (i % 3));
                if (problems.Count > 0)
                {
                    (Net smallest, List<string> why) = Shrink(shapes[first + i], first + i);
                    failures.Add($"network {first + i} (seed {seed}): {nets[i]}\n  shrunk to: {smallest}\n    " + string.Join("\n    ", why));
                }
            }
        }

        output.WriteLine($"{shapes.Length} random networks (seed {seed}): {failures.Count} differ from the reference");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
    }

    [Fact]
    public void Every_generated_declaration_is_valid_and_the_steps_reach_every_kind_of_layer()
    {
        // The builder must produce declarations the generator accepts (Compile throws on any diagnostic) and cover the kinds.
        Shape[] shapes = Shapes.Sample(60, new Rnd(7), 30).ToArray();
        Net[] nets = shapes.Select((shape, i) => Build(shape, "Valid" + i)).ToArray();
        Compiler.Compile(nets);
        var kinds = nets.SelectMany(n => n.Layers).Select(l => l.GetType().Name).ToHashSet();
        foreach (string kind in new[] { "Conv", "Pool", "Act", "BatchNorm", "AddLayers", "ConcatLayers", "Dense" })
        {
            Assert.Contains(kind, kinds);
        }
    }

    /// <summary>Removes steps and shrinks the input while the network still differs from the reference.</summary>
    private static (Net Net, List<string> Problems) Shrink(Shape shape, int seed)
    {
        Net current = Build(shape, "Shrunk");
        List<string> problems = Checker.Check(current, Compiler.Compile(new[] { current })["Shrunk"], seed);
        for (int round = 0; round < 20; round++)
        {
            var candidates = new List<Shape>();
            for (int i = 0; i < shape.Steps.Length; i++)
            {
                candidates.Add(shape with { Steps = shape.Steps.Where((_, j) => j != i).ToArray() });
            }

            candidates.Add(shape with { H = Math.Max(1, shape.H - 1) });
            candidates.Add(shape with { W = Math.Max(1, shape.W - 1) });
            candidates.Add(shape with { C = Math.Max(1, shape.C - 1) });
            bool smaller = false;
            foreach (Shape candidate in candidates.Where(c => c != shape).Distinct())
            {
                Net net = Build(candidate, "Shrunk");
                List<string> p;
                try
                {
                    p = Checker.Check(net, Compiler.Compile(new[] { net })["Shrunk"], seed);
                }
                catch (InvalidOperationException e)
                {
                    p = new List<string> { e.Message };
                }

                if (p.Count > 0)
                {
                    (shape, current, problems, smaller) = (candidate, net, p, true);
                    break;
                }
            }

            if (!smaller)
            {
                break;
            }
        }

        return (current, problems);
    }

    /// <summary>The layers of a random network: each step adapted to the shape it meets, so that the declaration is valid.</summary>
    public static Net Build(Shape shape, string name)
    {
        var layers = new List<Layer>();
        int c = shape.C, h = shape.H, w = shape.W, names = 0;
        long work = 0;
        bool flat = false;

        // The output of the last layer gets a name when a branch needs to read it again.
        string NameLast()
        {
            if (layers.Count == 0)
            {
                return "input";
            }

            if (layers[^1].Name is { } existing)
            {
                return existing;
            }

            string n = "n" + names++;
            layers[^1] = layers[^1] with { Name = n };
            return n;
        }

        foreach (Step step in shape.Steps)
        {
            if (flat)
            {
                break;
            }

            switch (step.Kind)
            {
                case 0:
                {
                    int fh = 1 + (step.B % Math.Min(7, h + 3)), fw = 1 + ((step.B / 7) % Math.Min(7, w + 3));
                    int ph = step.D % Math.Min(fh, 4), pw = (step.D / 4) % Math.Min(fw, 4);
                    if (h + (2 * ph) < fh || w + (2 * pw) < fw)
                    {
                        (fh, fw, ph, pw) = (Math.Min(fh, h), Math.Min(fw, w), 0, 0);
                    }

                    int sh = 1 + (step.C % 3), sw = 1 + ((step.C / 3) % 3), k = 1 + (step.A % 33);
                    var rounding = step.A % 2 == 0 ? Round.Floor : Round.Ceil;
                    int oh = Reference.OutputSize(h, fh, sh, ph, rounding), ow = Reference.OutputSize(w, fw, sw, pw, rounding);
                    long macs = (long)k * c * fh * fw * oh * ow;
                    if (work + macs > MaxMultiplyAdds)
                    {
                        break;
                    }

                    work += macs;
                    layers.Add(new Conv(k, fh, fw, sh, sw, ph, pw, Bias: step.D % 5 != 0, Rounding: rounding));
                    (c, h, w) = (k, oh, ow);
                    break;
                }

                case 1:
                {
                    int f = 1 + (step.B % Math.Min(4, Math.Min(h, w) + 1)), p = step.D % ((f / 2) + 1), s = 1 + (step.C % 3);
                    if (h + (2 * p) < f || w + (2 * p) < f)
                    {
                        break;
                    }

                    var rounding = step.A % 2 == 0 ? Round.Floor : Round.Ceil;
                    layers.Add(new Pool((PoolKind)(step.A % 4), f, s, p, rounding));
                    (h, w) = (Reference.OutputSize(h, f, s, p, rounding), Reference.OutputSize(w, f, s, p, rounding));
                    break;
                }

                case 2:
                    layers.Add(Activation(step.A));
                    break;
                case 3:
                    layers.Add(new BatchNorm());
                    break;
                case 4:
                {
                    // A residual block: two same-padded convolutions of K filters, added to the first one's output.
                    int k = 1 + (step.A % 17), f = step.B % 2 == 0 ? 1 : 3;
                    long macs = (long)k * (c + k) * f * f * h * w;
                    if (work + macs > MaxMultiplyAdds)
                    {
                        break;
                    }

                    work += macs;
                    string x = "r" + names++;
                    layers.Add(new Conv(k, f, f, PH: f / 2, PW: f / 2) { Name = x });
                    layers.Add(Activation(step.C));
                    layers.Add(new Conv(k, f, f, PH: f / 2, PW: f / 2, Bias: step.D % 2 == 0));
                    if (step.D % 3 == 0)
                    {
                        layers.Add(new BatchNorm());
                    }

                    layers.Add(new AddLayers(new[] { x }));
                    c = k;
                    break;
                }

                case 5:
                {
                    // Two branches from the same output, joined along the channels.
                    int k1 = 1 + (step.A % 9), k2 = 1 + (step.B % 9);
                    long macs = (long)(k1 + (9 * k2)) * c * h * w;
                    if (work + macs > MaxMultiplyAdds)
                    {
                        break;
                    }

                    work += macs;
                    string from = NameLast(), a = "a" + names++, b = "b" + names++;
                    layers.Add(new Conv(k1, 1, 1) { Name = a, From = from });
                    layers.Add(new Conv(k2, 3, 3, PH: 1, PW: 1) { Name = b, From = from });
                    layers.Add(new ConcatLayers(new[] { a, b }));
                    c = k1 + k2;
                    break;
                }

                default:
                {
                    // The head: flatten (GlobalAvgPool or implicitly), one or two dense layers, maybe Softmax.
                    if (step.B % 3 == 0)
                    {
                        layers.Add(new GlobalAvgPool());
                        (h, w) = (1, 1);
                    }

                    int units = 1 + (step.A % 20);
                    if ((long)c * h * w * units > MaxMultiplyAdds)
                    {
                        break;
                    }

                    layers.Add(new Dense(units));
                    if (step.C % 2 == 0)
                    {
                        layers.Add(Activation(step.D));
                        layers.Add(new Dense(1 + (step.D % 10)));
                    }

                    if (step.C % 3 == 0)
                    {
                        layers.Add(new Act(ActKind.Softmax));
                    }

                    flat = true;
                    break;
                }
            }
        }

        if (layers.Count == 0)
        {
            layers.Add(new Act(ActKind.Tanh));
        }

        return new Net(name, shape.C, shape.H, shape.W, layers.ToArray());
    }

    private static Act Activation(int pick) => (pick % 5) switch
    {
        0 => new Act(ActKind.ReLU),
        1 => new Act(ActKind.LeakyReLU, 0.05 + ((pick % 7) * 0.05)),
        2 => new Act(ActKind.ELU, 0.5 + ((pick % 3) * 0.25)),
        3 => new Act(ActKind.Sigmoid),
        _ => new Act(ActKind.Tanh),
    };
}
