using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LeNet.Aot;

/// <summary>
/// One Native AOT publish for every x64 CPU with AVX2 (LeNet.Aot.csproj): <c>LeNet.Aot</c> is compiled for x86-64-v3 and
/// <c>LeNet.Aot.x86-64-v4</c>, beside it, for AVX-512. Native AOT fixes the instruction set at publish time, so the
/// choice is made here, first thing in <c>Main</c>: on an AVX-512 CPU the x86-64-v3 executable replaces itself with
/// the x86-64-v4 one (same arguments, same process id, nothing printed yet). It stays when the CPU or the OS lacks
/// AVX-512, when <c>DOTNET_EnableAVX512=0</c> or <c>DOTNET_EnableHWIntrinsic=0</c> is set (the JIT's own switches,
/// which Native AOT executables otherwise ignore), when the sibling is missing, or off Linux.
/// </summary>
internal static class CpuLevel
{
    /// <summary>The suffix of the AVX-512 executable's name.</summary>
    public const string Avx512Suffix = ".x86-64-v4";

    /// <summary>What this executable was compiled for, e.g. "x86-64-v4 (Vector512)".</summary>
    public static string Describe() =>
        (Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar")
        + " kernels"
        + (System.Runtime.JitInfo.GetCompiledMethodCount() == 0 ? ", Native AOT" : ", JIT")
        + $", {Path.GetFileName(Environment.ProcessPath)}";

    /// <summary>Replaces the process with the AVX-512 executable when that is faster and possible; otherwise returns.</summary>
    public static void SwitchToAvx512(string[] args)
    {
        if (Vector512.IsHardwareAccelerated || !OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64
            || Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0" || Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0"
            || Environment.ProcessPath is not { } self || !File.Exists(self + Avx512Suffix) || !OsHasAvx512())
        {
            return;
        }

        // execv's argv: the program, the arguments, a null pointer. On success it does not return; on failure this
        // process simply carries on with its own (AVX2) code.
        string target = self + Avx512Suffix;
        var argv = new nint[args.Length + 2];
        try
        {
            argv[0] = Marshal.StringToCoTaskMemUTF8(target);
            for (int i = 0; i < args.Length; i++)
            {
                argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
            }

            Execv(argv[0], argv);
        }
        finally
        {
            foreach (nint p in argv)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    // x86-64-v4 is AVX-512 F, BW, CD, DQ and VL. Linux lists a feature in /proc/cpuinfo only when the kernel also saves
    // its registers (XSAVE), so this checks the CPU and the OS at once; the first processor's flags stand for all.
    private static bool OsHasAvx512()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal))
                {
                    string[] flags = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return Array.TrueForAll(["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"], f => Array.IndexOf(flags, f) >= 0);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    [DllImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static extern int Execv(nint path, nint[] argv);
}
