using System;
using System.Runtime.Intrinsics;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// CI runs this assembly three times: as is, with AVX-512 switched off and with every hardware intrinsic switched
/// off, so that the Vector256 and scalar paths of the kernels are tested, not assumed. Each rerun sets
/// CNNGEN_EXPECT_ISA to the path it means to reach; this test fails when the runtime knob did not take effect
/// (on .NET 10, DOTNET_EnableAVX512F=0 leaves Vector512 accelerated — DOTNET_EnableAVX512=0 is the knob).
/// Without the variable (a developer's plain run) there is nothing to check.
/// </summary>
public sealed class IsaTests
{
    [Fact]
    public void The_vector_width_is_the_one_the_test_run_asked_for()
    {
        string? expected = Environment.GetEnvironmentVariable("CNNGEN_EXPECT_ISA");
        string actual = Vector512.IsHardwareAccelerated ? "vector512"
            : Vector256.IsHardwareAccelerated ? "vector256"
            : Vector128.IsHardwareAccelerated ? "vector128"
            : "scalar";
        if (string.IsNullOrEmpty(expected))
        {
            return;
        }

        Assert.Equal(expected, actual);
    }
}
