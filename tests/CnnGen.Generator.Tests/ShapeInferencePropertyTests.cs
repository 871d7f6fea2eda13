using System;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;
using CnnGen.Generator.Shapes;
using CnnGen.Generator.Tests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// FsCheck properties of shape inference on random single-layer declarations. The expected sizes are
/// written here independently from the seeds' formula (W − F + 2P)/S + 1 and PyTorch's documented
/// floor / ceil_mode rules, not taken from the code under test.
/// </summary>
public sealed class ShapeInferencePropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(400).WithStartSize(1).WithEndSize(100);

    /// <summary>One random windowed layer: input H×W×C, kernel F, stride S, padding P, and where its rounding is set.</summary>
    internal sealed record Declaration(bool IsPool, int H, int W, int C, int K, int F, int S, int P, RoundingMode Mode, bool OnNetwork)
    {
        public NetworkSpec Spec()
        {
            RoundingMode layer = OnNetwork ? RoundingMode.Unspecified : Mode;
            Net net = Net.Input(H, W, C);
            net = IsPool ? net.MaxPool(F, stride: S, padding: P, rounding: layer) : net.Conv(K, F, stride: S, padding: P, rounding: layer);
            return net.Build(rounding: OnNetwork ? Mode : RoundingMode.Unspecified);
        }

        public int Stride => S == 0 ? F : S;

        public override string ToString() =>
            $"{(IsPool ? $"MaxPool({F}, Stride = {S}" : $"Conv2D({K}, {F}, Stride = {S}")}, Padding = {P}) on {H}×{W}×{C}, {Mode} on the {(OnNetwork ? "network" : "layer")}";
    }

    private static Gen<Declaration> Declarations(params RoundingMode[] modes) =>
        from isPool in Gen.Elements(false, true)
        from f in Gen.Choose(1, 9)
        from p in isPool ? Gen.Choose(0, f / 2) : Gen.Choose(0, f - 1)
        from s in isPool ? Gen.Choose(0, 5) : Gen.Choose(1, 5)
        from h in Gen.Choose(Math.Max(1, f - (2 * p)), 40)
        from w in Gen.Choose(Math.Max(1, f - (2 * p)), 40)
        from c in Gen.Choose(1, 4)
        from k in Gen.Choose(1, 8)
        from mode in Gen.Elements(modes)
        from onNetwork in Gen.Elements(false, true)
        select new Declaration(isPool, h, w, c, k, f, s, p, mode, onNetwork);

    [Fact]
    public void Exact_OutputIsTheSeedFormula_OrCnn0001WhenTheStrideDoesNotFit()
    {
        Prop.ForAll(Declarations(RoundingMode.Exact, RoundingMode.Unspecified).ToArbitrary(), d =>
        {
            int spanH = d.H - d.F + (2 * d.P);
            int spanW = d.W - d.F + (2 * d.P);
            InferenceResult result = ShapeInference.Infer(d.Spec());

            if (spanH % d.Stride != 0 || spanW % d.Stride != 0)
            {
                ShapeError error = Assert.Single(result.Errors);
                Assert.Equal("CNN0001", error.Id);
                Assert.Null(result.Plan);
                return true;
            }

            Assert.Empty(result.Errors);
            Shape output = result.Plan!.Output;
            Assert.Equal((spanH / d.Stride) + 1, output.Height);
            Assert.Equal((spanW / d.Stride) + 1, output.Width);
            Assert.Equal(d.H + (2 * d.P), ((output.Height - 1) * d.Stride) + d.F); // the windows cover the padded input exactly
            Assert.Equal(d.IsPool ? d.C : d.K, output.Channels);
            Assert.Equal(d.IsPool ? 0 : (d.F * d.F * d.C * d.K) + d.K, result.Plan.ParameterCount); // seed 003: F·F·D·K + K
            return true;
        }).Check(Config);
    }

    [Fact]
    public void Floor_IsPyTorchsDefault()
    {
        Prop.ForAll(Declarations(RoundingMode.Floor).ToArbitrary(), d =>
        {
            NetworkPlan plan = Valid(d);

            // PyTorch: floor((W + 2P − F)/S) + 1, and every window lies inside the padded input.
            Assert.Equal((int)Math.Floor((d.H + (2.0 * d.P) - d.F) / d.Stride) + 1, plan.Output.Height);
            Assert.Equal((int)Math.Floor((d.W + (2.0 * d.P) - d.F) / d.Stride) + 1, plan.Output.Width);
            Assert.True(((plan.Output.Height - 1) * d.Stride) + d.F <= d.H + (2 * d.P));
            return true;
        }).Check(Config);
    }

    [Fact]
    public void Ceil_IsPyTorchsCeilMode()
    {
        Prop.ForAll(Declarations(RoundingMode.Ceil).ToArbitrary(), d =>
        {
            NetworkPlan plan = Valid(d);

            Assert.Equal(PyTorchCeil(d.H, d.F, d.Stride, d.P), plan.Output.Height);
            Assert.Equal(PyTorchCeil(d.W, d.F, d.Stride, d.P), plan.Output.Width);

            // Ceil never gives fewer outputs than floor and at most one more; the last window starts inside
            // the input or its left padding.
            int floor = ((d.H + (2 * d.P) - d.F) / d.Stride) + 1;
            Assert.InRange(plan.Output.Height, floor, floor + 1);
            Assert.True((plan.Output.Height - 1) * d.Stride < d.H + d.P);
            return true;
        }).Check(Config);
    }

    [Fact]
    public void Infer_NeverThrows_OnArbitraryIntegers()
    {
        int[] interesting = { int.MinValue, -7, -1, 0, 1, 2, 3, 4, 5, 7, 28, 32, 1000, 65536, int.MaxValue / 2, int.MaxValue };
        Gen<int> value = Gen.OneOf(Gen.Elements(interesting), Gen.Choose(-3, 40));
        Gen<LayerSpec> layer =
            from kind in Gen.Choose(0, 6)
            from a in value
            from b in value
            from s in value
            from p in Gen.OneOf(value, Gen.Constant(ConvSpec.SamePadding))
            from r in Gen.Choose(0, 3)
            select kind switch
            {
                0 => (LayerSpec)new ConvSpec(0, a, b, s, p, (RoundingMode)r),
                1 => new PoolSpec(0, PoolKind.Max, a, s, p, (RoundingMode)r),
                2 => new PoolSpec(0, PoolKind.Average, a, s, p, (RoundingMode)r),
                3 => new DenseSpec(0, a),
                4 => new FlattenSpec(0),
                5 => new ActivationSpec(0, ActivationKind.ReLU),
                _ => new ActivationSpec(0, ActivationKind.Softmax),
            };
        Gen<NetworkSpec> specs =
            from h in value
            from w in value
            from c in value
            from layers in Gen.ListOf(layer)
            from expected in Gen.Elements(0L, -1L, 61706L, long.MaxValue)
            from rounding in Gen.Choose(0, 3)
            select new NetworkSpec(
                new InputSpec(h, w, c),
                layers.Take(5).Select((l, i) => l with { Position = i + 1 }).ToEquatableArray(),
                expected,
                (RoundingMode)rounding,
                0);

        Prop.ForAll(specs.ToArbitrary(), spec =>
        {
            InferenceResult result = ShapeInference.Infer(spec);

            // Either a plan or errors, never both; a plan has positive shapes and a sane parameter count.
            Assert.True((result.Plan is null) != (result.Errors.Count == 0));
            if (result.Plan is { } plan)
            {
                Assert.All(plan.Layers, l => Assert.True(l.Out.Channels > 0 && l.Out.Height > 0 && l.Out.Width > 0, l.Spec.Display));
                Assert.InRange(plan.ParameterCount, 0, int.MaxValue);
                Assert.Equal(plan.ParameterCount, plan.Tensors.Sum(t => (long)t.Length));
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    /// <summary>PyTorch's ceil_mode: ceil((W + 2P − F)/S) + 1, less one if that last window would start at or past W + P.</summary>
    private static int PyTorchCeil(int w, int f, int s, int p)
    {
        int size = (int)Math.Ceiling((w + (2.0 * p) - f) / s) + 1;
        return (size - 1) * s >= w + p ? size - 1 : size;
    }

    private static NetworkPlan Valid(Declaration d)
    {
        InferenceResult result = ShapeInference.Infer(d.Spec());
        Assert.True(result.Errors.Count == 0, d + ": " + string.Join(" | ", result.Errors.Select(e => e.Message)));
        return result.Plan!;
    }
}
