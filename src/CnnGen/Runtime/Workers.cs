using System.Runtime.CompilerServices;
using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace CnnGen.Runtime;

/// <summary>
/// The worker threads shared by every network: one fewer than the logical processors (the calling thread is the
/// other one), started on the first split that wants them, background threads that sleep on their own event
/// between splits. A split publishes its parts, wakes as many workers as it can use and works on parts itself;
/// every thread claims the next unclaimed part until none is left, then the caller spins (yielding) until the last
/// part has ended.
/// </summary>
/// <remarks>
/// Nothing is allocated per split, on any thread: the calling thread takes no lock and never blocks on a
/// synchronisation object (the first contention or blocking wait of a thread allocates in .NET), it only uses
/// interlocked operations, <see cref="EventWaitHandle.Set"/> and <see cref="SpinWait"/>. Parts are claimed through
/// one 64-bit ticket, the split's generation in the high half and the next part in the low half, so a worker that
/// wakes late can never claim a part of a split that has ended. When the workers are busy with another split (two
/// trainers on two threads, or a part that itself splits), the second split runs its parts one after another on
/// its own thread; the result is the same because a part's result never depends on the thread that runs it.
/// </remarks>
internal static class Workers
{
    private const long SpinMicroseconds = 100;
    private static readonly object s_startGate = new();
    private static AutoResetEvent[]? s_wake;
    private static int s_busy;
    private static int s_generation;

    // The split being run, published before its ticket is opened.
    private static BatchWork? s_work;
    private static int s_stage;
    private static int s_parts;
    private static long s_ticket;
    private static int s_pending;
    private static Exception? s_error;
    private static int s_errorPart;

    /// <summary>The number of worker threads besides the caller (processors − 1).</summary>
    public static int Count => Math.Max(0, Environment.ProcessorCount - 1);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(BatchWork work, int stage, int parts, int threads)
    {
        if (parts > 1 && threads > 1 && Count > 0)
        {
            Start();
        }

        if (parts <= 1 || threads <= 1 || Count == 0 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            for (int part = 0; part < parts; part++)
            {
                work.RunPart(stage, part, parts);
            }

            return;
        }

        try
        {
            int generation = ++s_generation;
            (s_work, s_stage, s_parts, s_pending, s_error) = (work, stage, parts, parts, null);
            Interlocked.Exchange(ref s_ticket, (long)generation << 32);
            AutoResetEvent[] wake = s_wake!;
            for (int i = 0; i < Math.Min(Math.Min(parts, threads) - 1, wake.Length); i++)
            {
                wake[i].Set();
            }

            Work();
            var spinner = default(SpinWait);
            while (Volatile.Read(ref s_pending) != 0)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref s_work, null);
            Exception? error = s_error;
            s_error = null;
            if (error is not null)
            {
                ExceptionDispatchInfo.Throw(error);
            }
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    // Claims and runs parts of the current split until none is left.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Work()
    {
        while (true)
        {
            long ticket = Volatile.Read(ref s_ticket);
            int part = (int)(ticket & 0xFFFF_FFFF);
            BatchWork? work = Volatile.Read(ref s_work);
            int stage = s_stage;
            int parts = s_parts;
            if (work is null || part >= parts)
            {
                return;
            }

            // Succeeds only while this split still has part `part` unclaimed, so work, stage and parts (read after
            // the ticket) belong to it: the next split is published only after every part of this one has ended.
            if (Interlocked.CompareExchange(ref s_ticket, ticket + 1, ticket) != ticket)
            {
                continue;
            }

            try
            {
                work.RunPart(stage, part, parts);
            }
            catch (Exception e)
            {
                lock (s_startGate)
                {
                    if (s_error is null || part < s_errorPart)
                    {
                        (s_error, s_errorPart) = (e, part);
                    }
                }
            }

            Interlocked.Decrement(ref s_pending);
        }
    }

    // Starts the threads on the first split that wants them (whether or not it gets them), so that every later
    // split allocates nothing.
    private static void Start()
    {
        if (Volatile.Read(ref s_wake) is not null)
        {
            return;
        }

        lock (s_startGate)
        {
            if (s_wake is not null)
            {
                return;
            }

            var wake = new AutoResetEvent[Count];
            for (int i = 0; i < wake.Length; i++)
            {
                AutoResetEvent mine = wake[i] = new AutoResetEvent(false);
                new Thread(() => Loop(mine)) { IsBackground = true, Name = "CnnGen worker " + (i + 1) }.Start();
            }

            Volatile.Write(ref s_wake, wake);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Loop(AutoResetEvent wake)
    {
        while (true)
        {
            wake.WaitOne();
            do
            {
                Work();
            }
            while (NextSoon());
        }
    }

    // Spins up to SpinMicroseconds for the next split before the worker sleeps again: the stages of a training
    // step and the batches of a loop come back to back, and waking a sleeping thread costs tens of microseconds.
    // (The caller still sets this worker's event; the next WaitOne then returns at once and finds nothing to do.)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool NextSoon()
    {
        int generation = (int)(Volatile.Read(ref s_ticket) >> 32);
        long end = Stopwatch.GetTimestamp() + (SpinMicroseconds * Stopwatch.Frequency / 1_000_000);
        while (Stopwatch.GetTimestamp() < end)
        {
            long ticket = Volatile.Read(ref s_ticket);
            if ((int)(ticket >> 32) != generation)
            {
                return true;
            }

            Thread.SpinWait(20);
        }

        return false;
    }
}
