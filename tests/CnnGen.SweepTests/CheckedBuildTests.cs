using System;
using System.Reflection;
using Xunit;
using Xunit.Abstractions;

namespace CnnGen.SweepTests;

/// <summary>
/// The runtime's checked build (<c>-c Checked</c>): every unchecked access of a kernel is checked against the span it came
/// from (src/CnnGen/Runtime/Mem.cs). CI runs the sweep under it with CNNGEN_EXPECT_CHECKED=1, so a leg that silently
/// ran the normal build would fail here instead of passing unchecked.
/// </summary>
public sealed class CheckedBuildTests(ITestOutputHelper output)
{
    private static readonly Type Mem = typeof(INetwork).Assembly.GetType("CnnGen.Runtime.Mem", throwOnError: true)!;

    [Fact]
    public void The_leg_runs_the_build_it_is_named_after()
    {
        bool isChecked = (bool)Mem.GetField("IsChecked", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
        string? expected = Environment.GetEnvironmentVariable("CNNGEN_EXPECT_CHECKED");
        output.WriteLine($"runtime build: {(isChecked ? "checked" : "normal")}; CNNGEN_EXPECT_CHECKED={expected ?? "(unset)"}");
        if (expected is not null)
        {
            Assert.Equal(expected == "1", isChecked);
        }
    }
}
