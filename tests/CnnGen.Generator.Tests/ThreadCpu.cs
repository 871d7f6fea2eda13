using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The calling thread's CPU time: on a machine shared with other builds, the time the thread waits for a core is not
/// counted, so a ratio of two measurements is steady where wall-clock ratios are not. Linux (clock_gettime with
/// CLOCK_THREAD_CPUTIME_ID); elsewhere the wall clock.
/// </summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    public static double Milliseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out TimeSpec t) == 0)
        {
            return (t.Seconds * 1e3) + (t.Nanoseconds / 1e6);
        }

        return Stopwatch.GetTimestamp() * 1e3 / Stopwatch.Frequency;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
