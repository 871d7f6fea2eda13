using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace CnnGen.SweepTests;

/// <summary>
/// The reference-checked sweep: every group of <see cref="Grid"/> compiled through the generator and compared, layer
/// shapes, Forward, ForwardBatch and parameter gradients, with <see cref="Reference"/>. CI runs it on AVX-512, on AVX2
/// (DOTNET_EnableAVX512=0) and without SIMD (DOTNET_EnableHWIntrinsic=0), and under the runtime's checked build.
/// </summary>
public sealed class SweepTests(ITestOutputHelper output)
{
    public static TheoryData<string> Groups => new(Grid.Groups);

    [Theory]
    [MemberData(nameof(Groups))]
    public void Every_network_of_the_group_matches_the_reference(string group)
    {
        IReadOnlyList<Net> nets = Grid.Networks(group);
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, IDriver> drivers = Compiler.Compile(nets);
        TimeSpan compiled = clock.Elapsed;
        var failures = new List<string>();
        for (int i = 0; i < nets.Count; i++)
        {
            Net net = nets[i];
            List<string> problems = Checker.Check(net, drivers[net.ClassName], seed: 1000 + i, degreeOfParallelism: i % 3 == 2 ? 2 : 1);
            if (problems.Count > 0)
            {
                failures.Add(net + "\n    " + string.Join("\n    ", problems));
            }
        }

        output.WriteLine($"{group}: {nets.Count} networks, compiled in {compiled.TotalSeconds:F1} s, checked in {(clock.Elapsed - compiled).TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, $"{failures.Count} of {nets.Count} networks differ from the reference:\n" + string.Join("\n", failures.Take(15)));
    }

    [Fact]
    public void The_checker_fails_a_network_that_differs_from_the_reference()
    {
        // The sweep must be able to fail: a network whose declaration differs from the model the reference computes (a
        // 3×3 window declared, a 2×2 one modelled with the same output shape is impossible, so change the activation).
        var declared = new Net("Mismatch", 1, 6, 6, new Layer[] { new Conv(8, 3, 3), new Act(ActKind.Tanh) });
        var modelled = declared with { Layers = new Layer[] { new Conv(8, 3, 3), new Act(ActKind.Sigmoid) } };
        IDriver driver = Compiler.Compile(new[] { declared })["Mismatch"];
        Assert.Empty(Checker.Check(declared, driver, seed: 1));
        List<string> problems = Checker.Check(modelled, driver, seed: 1);
        Assert.Contains(problems, p => p.StartsWith("Forward, image 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gradient (MSE) of conv1.weight", StringComparison.Ordinal));
    }
}
