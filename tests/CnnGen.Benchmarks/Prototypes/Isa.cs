using System;
using System.Runtime.Intrinsics;

namespace CnnGen.Benchmarks.Prototypes;

/// <summary>
/// Which path the prototype kernels take. <see cref="Wide"/> and <see cref="Narrow"/> are static readonly, so
/// tier-1 code sees them as constants and drops the paths not taken, exactly as it does with
/// <c>Vector512.IsHardwareAccelerated</c> (which is what the emitted code would test directly). The
/// environment variable <c>CNNGEN_BENCH_ISA</c> (512, 256, scalar) can lower the choice for the verification
/// runs; it can never raise it above what the hardware and the runtime (DOTNET_EnableAVX512F=0,
/// DOTNET_EnableHWIntrinsic=0) allow.
/// </summary>
internal static class Isa
{
    /// <summary>512-bit path: AVX-512 (Zen 4/5, Ice Lake and later).</summary>
    public static readonly bool Wide = Vector512.IsHardwareAccelerated && Allowed(512);

    /// <summary>256-bit path: AVX2 + FMA, when the 512-bit one is not taken.</summary>
    public static readonly bool Narrow = !Wide && Vector256.IsHardwareAccelerated && Allowed(256);

    public static string Name => Wide ? "Vector512" : Narrow ? "Vector256" : "scalar";

    private static bool Allowed(int bits)
    {
        string? value = Environment.GetEnvironmentVariable("CNNGEN_BENCH_ISA");
        return value switch
        {
            null or "" => true,
            "512" => true,
            "256" => bits <= 256,
            "scalar" => false,
            _ => throw new InvalidOperationException($"CNNGEN_BENCH_ISA must be 512, 256 or scalar, not '{value}'."),
        };
    }
}
