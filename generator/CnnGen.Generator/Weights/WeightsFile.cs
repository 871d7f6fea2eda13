using System;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Weights;

/// <summary>
/// One safetensors file among the compilation's AdditionalFiles, as the pipeline carries it: where it came from,
/// its checked header and its bytes, or why it cannot be used. Value-equatable (the bytes compare by content), so
/// the step that reads it stays cached until the file itself changes.
/// </summary>
/// <param name="Path">The original .safetensors path (for messages and for matching <c>Weights = "…"</c>).</param>
/// <param name="Error">Why the file cannot be used (not converted by build/CnnGen.targets, not valid); null when it can.</param>
internal sealed record WeightsFile(string Path, string? Error, SafeTensorsHeader? Header, ByteArray Data)
{
    /// <summary>The file name part of <see cref="Path"/>, which <c>Weights = "…"</c> names.</summary>
    public string FileName => NameOf(Path);

    /// <summary>The last segment of a path written with either separator (the generator runs on every OS).</summary>
    public static string NameOf(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash < 0 ? path : path.Substring(slash + 1);
    }

    /// <summary>True when <paramref name="weights"/> (a file name, or a trailing part of a path) names this file.</summary>
    public bool IsNamedBy(string weights)
    {
        string path = Path.Replace('\\', '/');
        string name = weights.Replace('\\', '/');
        return path == name || path.EndsWith("/" + name, StringComparison.Ordinal);
    }
}

/// <summary>A byte array compared by content, for the pipeline's caches.</summary>
internal sealed class ByteArray : IEquatable<ByteArray>
{
    private readonly int _hash;

    public ByteArray(byte[] bytes)
    {
        Bytes = bytes;

        // FNV-1a over the whole content: cheap next to decoding the file, and equal files hash equally.
        unchecked
        {
            int hash = (int)2166136261;
            foreach (byte b in bytes)
            {
                hash = (hash ^ b) * 16777619;
            }

            _hash = hash;
        }
    }

    public static ByteArray Empty { get; } = new(Array.Empty<byte>());

    public byte[] Bytes { get; }

    public int Length => Bytes.Length;

    public bool Equals(ByteArray? other)
    {
        if (other is null || other._hash != _hash || other.Bytes.Length != Bytes.Length)
        {
            return false;
        }

        if (ReferenceEquals(other.Bytes, Bytes))
        {
            return true;
        }

        for (int i = 0; i < Bytes.Length; i++)
        {
            if (Bytes[i] != other.Bytes[i])
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ByteArray);

    public override int GetHashCode() => _hash;
}

/// <summary>
/// The text form of a safetensors file that build/CnnGen.targets hands to the compiler. The compiler can only
/// give a generator text (it decodes AdditionalFiles as UTF-8, and rejects a file with two NUL bytes in a row
/// as binary, error CS2015, which every safetensors file has in its length prefix), so the build converts each
/// <c>*.safetensors</c> AdditionalFiles item to base64 in the intermediate directory:
/// <code>
/// # CnnGen weights: base64 of a safetensors file, written by build/CnnGen.targets. Do not edit.
/// # source: /path/to/lenet5.safetensors
/// AAAAAAAA… (base64, 76 characters a line)
/// </code>
/// </summary>
internal static class WeightsText
{
    /// <summary>The extension of converted files (after the original file name: <c>lenet5.safetensors.cnngen.b64</c>).</summary>
    public const string ConvertedExtension = ".cnngen.b64";

    /// <summary>The extension of a raw safetensors file.</summary>
    public const string RawExtension = ".safetensors";

    public const string FirstLine = "# CnnGen weights: base64 of a safetensors file, written by build/CnnGen.targets. Do not edit.";

    public const string SourcePrefix = "# source: ";

    /// <summary>The AdditionalFiles the weights step looks at: converted files, and raw ones (to say they were not converted).</summary>
    public static bool IsCandidate(string path) =>
        path.EndsWith(ConvertedExtension, StringComparison.OrdinalIgnoreCase) || path.EndsWith(RawExtension, StringComparison.OrdinalIgnoreCase);

    public static bool IsRaw(string path) => path.EndsWith(RawExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>A raw .safetensors item: the generator does not ask the compiler for its text (that would fail with CS2015).</summary>
    public static WeightsFile Unconverted(string path) => new(
        path,
        "it reached the compiler as a binary file, which the compiler cannot give a generator; import CnnGen's build/CnnGen.targets "
        + "(the CnnGen package does this; with a ProjectReference add <Import Project=\"…/src/CnnGen/build/CnnGen.targets\" />), which converts it to text at build time",
        null,
        ByteArray.Empty);

    /// <summary>Decodes a converted file's text and checks the safetensors header inside it.</summary>
    /// <param name="convertedPath">The path of the converted text file (used when its source line is missing).</param>
    /// <param name="text">The text, or null when the compiler could not read it.</param>
    public static WeightsFile Decode(string convertedPath, string? text)
    {
        string fallbackPath = convertedPath.EndsWith(ConvertedExtension, StringComparison.OrdinalIgnoreCase)
            ? convertedPath.Substring(0, convertedPath.Length - ConvertedExtension.Length)
            : convertedPath;
        if (text is null)
        {
            return new WeightsFile(fallbackPath, "the compiler could not read its converted text " + WeightsFile.NameOf(convertedPath), null, ByteArray.Empty);
        }

        int first = text.IndexOf('\n');
        int second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
        if (second < 0 || text.Substring(0, first).TrimEnd('\r') != FirstLine || !text.Substring(first + 1).StartsWith(SourcePrefix, StringComparison.Ordinal))
        {
            return new WeightsFile(fallbackPath, $"its converted text {WeightsFile.NameOf(convertedPath)} does not start with CnnGen's two header lines; delete it and rebuild", null, ByteArray.Empty);
        }

        string path = text.Substring(first + 1 + SourcePrefix.Length, second - first - 1 - SourcePrefix.Length).TrimEnd('\r');
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.Substring(second + 1));
        }
        catch (FormatException)
        {
            return new WeightsFile(path, $"its converted text {WeightsFile.NameOf(convertedPath)} is not valid base64; delete it and rebuild", null, ByteArray.Empty);
        }

        SafeTensorsHeader? header = SafeTensorsHeader.Parse(bytes, out string? error);
        return new WeightsFile(path, error, header, new ByteArray(bytes));
    }

    /// <summary>The converted text of <paramref name="bytes"/> read from <paramref name="path"/>: what build/CnnGen.targets writes.</summary>
    public static string Encode(string path, byte[] bytes) =>
        FirstLine + "\n" + SourcePrefix + path + "\n" + Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\n";
}
