using System;
using System.IO;
using Xunit;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>
/// Verify's conventions without Verify: the accepted text lives in <c>Snapshots/{Class}.{Test}.verified.cs</c>
/// beside the tests. A mismatch writes <c>{Class}.{Test}.received.cs</c> next to it and fails; running with
/// <c>CNNGEN_ACCEPT_SNAPSHOTS=1</c> overwrites the verified file instead (review the diff, then commit it).
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "CNNGEN_ACCEPT_SNAPSHOTS";

    public static string Directory => Path.Combine(SourceDirectory.Project, "Snapshots");

    public static void Verify(string name, string actual)
    {
        actual = Normalize(actual);
        string verified = Path.Combine(Directory, name + ".verified.cs");
        string received = Path.Combine(Directory, name + ".received.cs");

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(
            (expected is null ? $"No snapshot {verified} yet." : $"The generated source differs from {verified}{FirstDifference(expected, actual)}.")
            + $"\nReceived: {received}"
            + $"\nIf the change is intended, accept it: mv \"{received}\" \"{verified}\""
            + $"\nor rerun with {AcceptVariable}=1 (e.g. {AcceptVariable}=1 dotnet test tests/CnnGen.Generator.Tests) and commit the verified files.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "<end of file>";
            string right = i < b.Length ? b[i] : "<end of file>";
            if (left != right)
            {
                return $" first at line {i + 1}:\n  verified: {left}\n  received: {right}";
            }
        }

        return string.Empty;
    }
}
