using System;
using System.IO;
using System.Threading;
using System.Diagnostics;
using CnnGen.IO;
using Xunit;

namespace CnnGen.Tests.Runtime;

/// <summary>
/// Issue 12 item 6: a process killed with SIGKILL in the middle of <see cref="SafeTensorsFile.Write"/> leaves the target
/// either the complete old file or the complete new one, and the temporary file it was writing is cleaned up by the next
/// save of the same target instead of accumulating.
/// </summary>
public sealed class SafeTensorsKillTests : IDisposable
{
    private const int Kills = 20;
    private readonly string directory = Directory.CreateTempSubdirectory("cnngen-kill-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void A_killed_save_leaves_a_whole_file_and_no_accumulating_temporaries()
    {
        string target = Path.Combine(directory, "weights.safetensors");
        var random = new Random(12);
        int generation = 1;
        int killedMidSave = 0;
        for (int kill = 0; kill < Kills; kill++)
        {
            using Process probe = StartProbe(target, generation);
            WaitForFirstSave(probe, target, generation);
            Thread.Sleep(random.Next(0, 40));
            probe.Kill();
            probe.WaitForExit();

            int lastSaved = CompleteGeneration(target);
            Assert.True(lastSaved >= generation, $"after kill {kill} the file holds generation {lastSaved}, older than the first one this probe saved ({generation})");
            generation = lastSaved + 1;

            // The probe's first save removed what the previous kill left, so at most the one it was writing remains.
            int temporaries = Temporaries().Length;
            Assert.True(temporaries <= 1, $"after kill {kill}: {temporaries} temporary files: {string.Join(", ", Temporaries())}");
            killedMidSave += temporaries;
        }

        Assert.True(killedMidSave > 0, "no kill landed in the middle of a save: the test did not test anything");

        // One more save in this process: the orphan of the last kill goes too.
        SafeTensorsFile.Write(target, [("values", [2], new float[] { 1, 2 })]);
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void A_temporary_another_save_is_writing_is_left_alone()
    {
        string target = Path.Combine(directory, "busy.safetensors");
        string busy = Path.Combine(directory, ".busy.safetensors." + Guid.NewGuid().ToString("N") + ".tmp");
        string stale = Path.Combine(directory, ".busy.safetensors." + Guid.NewGuid().ToString("N") + ".tmp");
        string foreign = Path.Combine(directory, ".busy.safetensors.notours.tmp");
        File.WriteAllText(stale, "left by a killed save");
        File.WriteAllText(foreign, "someone else's file");
        using (var writer = new FileStream(busy, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            SafeTensorsFile.Write(target, [("values", [1], new float[] { 3 })]);
            Assert.True(File.Exists(busy), "a temporary held open by a running save was deleted");
        }

        Assert.False(File.Exists(stale), "a temporary no process holds was not cleaned up");
        Assert.True(File.Exists(foreign), "a file whose name is not one of ours was deleted");
        Assert.Equal(3f, SafeTensorsFile.Read(target)["values"].ToArray()[0]);
    }

    private string[] Temporaries() => Directory.GetFiles(directory, ".*.tmp");

    /// <summary>Reads the target and checks it is one whole generation: every value equals the metadata's generation.</summary>
    private static int CompleteGeneration(string target)
    {
        SafeTensorsFile file = SafeTensorsFile.Read(target);
        int generation = int.Parse(file.Metadata["generation"], System.Globalization.CultureInfo.InvariantCulture);
        float[] values = file["values"].ToArray();
        Assert.Equal(4 << 20, values.Length);
        int wrong = Array.FindIndex(values, v => v != generation);
        Assert.True(wrong < 0, $"generation {generation}'s file holds {values[Math.Max(wrong, 0)]} at {wrong}");
        return generation;
    }

    /// <summary>Waits until the probe has saved its first generation, so the kill lands after start-up.</summary>
    private static void WaitForFirstSave(Process probe, string target, int generation)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(target) && SafeTensorsFile.Read(target).Metadata["generation"] is string saved
                 && int.Parse(saved, System.Globalization.CultureInfo.InvariantCulture) >= generation))
        {
            Assert.False(probe.HasExited, $"the probe exited with code {(probe.HasExited ? probe.ExitCode : 0)} before saving");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the probe saved nothing in a minute");
            Thread.Sleep(1);
        }
    }

    private static Process StartProbe(string target, int generation)
    {
        string probe = Path.Combine(AppContext.BaseDirectory, "CnnGen.KillProbe.dll");
        Assert.True(File.Exists(probe), $"{probe} is missing: CnnGen.Tests references tests/CnnGen.KillProbe to copy it here");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(target);
        start.ArgumentList.Add(generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the probe");
    }
}
