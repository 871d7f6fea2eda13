using System;
using System.IO;

namespace CnnGen.IO;

/// <summary>Writes a file so that readers see either the old content or the complete new content, never a partial file.</summary>
internal static class AtomicFile
{
    /// <summary>Suffix of the temporary files (<c>.{name}.{random}.tmp</c> next to the target).</summary>
    internal const string TempSuffix = ".tmp";

    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary file in the directory of <paramref name="path"/>, flushes it
    /// to disk, then renames it over <paramref name="path"/>. On any failure the temporary file is deleted and
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
