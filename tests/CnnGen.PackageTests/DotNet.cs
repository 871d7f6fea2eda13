using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace CnnGen.PackageTests;

/// <summary>The result of a child process: its exit code and its standard output and error, interleaved.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string Output)
{
    public override string ToString() => $"`{Command}` exited with {ExitCode}:\n{Output}";
}

/// <summary>Runs the dotnet CLI (and other programs) as a user would, in child processes.</summary>
public static class DotNet
{
    /// <summary>The repository root: the folder holding CnnGen.sln above the test assembly.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CnnGen.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"CnnGen.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>.</summary>
    public static ProcessResult Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Exec("dotnet", workingDirectory, environment, arguments);

    /// <summary>Runs <paramref name="program"/> and waits at most ten minutes for it.</summary>
    public static ProcessResult Exec(string program, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Messages in English, whatever the machine's language, so that the tests can read them.
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // A child `dotnet build` must not inherit the test host's MSBuild node settings or reuse its nodes.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        if (environment is not null)
        {
            foreach (var (key, value) in environment) start.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{program} {string.Join(' ', arguments)}` did not finish within 10 minutes:\n{output}");
        }

        process.WaitForExit();
        lock (output) return new ProcessResult($"{program} {string.Join(' ', arguments)}", process.ExitCode, output.ToString());
    }

    /// <summary>A fresh folder under the system's temporary folder, deleted by <see cref="TempFolder.Dispose"/>.</summary>
    public static TempFolder CreateTempFolder(string prefix) => new(Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"));
}

/// <summary>A temporary folder that deletes itself.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string path)
    {
        Path = path;
        Directory.CreateDirectory(path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open by an exiting child process is left to the system's clean-up.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
