using System;
using System.IO;

namespace CnnGen.IO;

/// <summary>Writes a file so that readers see either the old content or the complete new content, never a partial file.</summary>
internal static class AtomicFile
{
    /// <summary>Suffix of the temporary files (<c>.{name}.{random}.tmp</c> next to the target).</summary>
    internal const string TempSuffix = ".tmp";

    /// <summary>
    /// Deletes the temporary files of <paramref name="name"/> that a process killed mid-save left behind. A temporary
    /// file being written is held open with <see cref="FileShare.None"/> (an exclusive lock on Unix too), so one that can
    /// be opened exclusively has no writer any more: it is deleted on close. One another save is writing is skipped.
    /// </summary>
    private static void RemoveOrphans(string directory, string name)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetFiles(directory, "." + name + ".*" + TempSuffix, SearchOption.TopDirectoryOnly);
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            // Only our own names: ".{name}.{32 hex digits}.tmp".
            string file = Path.GetFileName(candidate);
            int idLength = file.Length - name.Length - 2 - TempSuffix.Length;
            if (idLength != 32 || !IsHex(file.AsSpan(name.Length + 2, idLength))) continue;
            try
            {
                using var orphan = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                // Another save holds it, or it is already gone.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to delete.
            }
        }
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigitLower(c)) return false;
        }

        return true;
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary file in the directory of <paramref name="path"/>, flushes it
    /// to disk, then renames it over <paramref name="path"/>. Temporary files left by an earlier save of the same
    /// target that was killed are deleted first, so they never accumulate. On any failure the temporary file is deleted and
    /// <paramref name="path"/> is left as it was.
    /// </summary>
    internal static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string name = Path.GetFileName(full);
        if (name.Length == 0) throw new ArgumentException($"'{path}' names a directory, not a file.", nameof(path));
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write '{path}': the directory '{directory}' does not exist.");
        }

        if (Directory.Exists(full)) throw new IOException($"Cannot write '{path}': it is an existing directory.");

        RemoveOrphans(directory, name);
        string temp = Path.Combine(directory, "." + name + "." + Guid.NewGuid().ToString("N") + TempSuffix);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // Best effort: the original exception matters more.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }

            throw;
        }
    }
}
