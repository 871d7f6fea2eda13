using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using CnnGen.Generator.Weights;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CnnGen.Generator.Tests.Infrastructure;

/// <summary>An AdditionalFiles item held in memory, as the compiler hands it to a generator.</summary>
internal sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText? _text;

    public InMemoryAdditionalText(string path, string? text)
    {
        Path = path;
        _text = text is null ? null : SourceText.From(text, Encoding.UTF8);
    }

    public override string Path { get; }

    public override SourceText? GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>A tensor to write into a test safetensors file.</summary>
internal sealed record TestTensor(string Name, string DType, params long[] Shape);

/// <summary>Builds safetensors files for the tests and wraps them the way build/CnnGen.targets hands them to the compiler.</summary>
internal static class WeightsFiles
{
    /// <summary>
    /// A safetensors file as the reference writer lays it out: the tensors in the given order, contiguous, each
    /// element's bytes taken from <paramref name="fill"/> (by default a pattern that differs per byte).
    /// </summary>
    public static byte[] Build(IEnumerable<TestTensor> tensors, Func<long, byte>? fill = null)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (TestTensor t in tensors)
        {
            long bytes = t.Shape.Aggregate(1L, (a, d) => a * d) * SafeTensorsHeader.ElementSize(t.DType);
            json.Append(CultureInfo.InvariantCulture, $",\"{t.Name}\":{{\"dtype\":\"{t.DType}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }

        json.Append('}');
        return WithHeader(json.ToString(), offset, fill);
    }

    /// <summary>A file with the given header text (padded to 8 bytes) and <paramref name="dataLength"/> bytes of data.</summary>
    public static byte[] WithHeader(string header, long dataLength, Func<long, byte>? fill = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        int padded = (json.Length + 7) & ~7;
        var file = new byte[8 + padded + dataLength];
        BitConverter.GetBytes((ulong)padded).CopyTo(file, 0);
        json.CopyTo(file, 8);
        for (int i = json.Length; i < padded; i++)
        {
            file[8 + i] = (byte)' ';
        }

        fill ??= static i => (byte)((i * 7) + 3);
        for (long i = 0; i < dataLength; i++)
        {
            file[8 + padded + i] = fill(i);
        }

        return file;
    }

    /// <summary>LeNet-5's ten tensors (Sources.LeNet5), with optional replacements by name.</summary>
    public static List<TestTensor> LeNet5(params TestTensor[] replacements)
    {
        var tensors = new List<TestTensor>
        {
            new("conv1.weight", "F32", 6, 1, 5, 5), new("conv1.bias", "F32", 6),
            new("conv2.weight", "F32", 16, 6, 5, 5), new("conv2.bias", "F32", 16),
            new("fc1.weight", "F32", 120, 400), new("fc1.bias", "F32", 120),
            new("fc2.weight", "F32", 84, 120), new("fc2.bias", "F32", 84),
            new("fc3.weight", "F32", 10, 84), new("fc3.bias", "F32", 10),
        };
        foreach (TestTensor replacement in replacements)
        {
            int at = tensors.FindIndex(t => t.Name == replacement.Name);
            tensors[at] = replacement;
        }

        return tensors;
    }

    /// <summary>The converted text of a safetensors file, at the path build/CnnGen.targets gives it.</summary>
    public static AdditionalText Converted(string path, byte[] bytes) =>
        new InMemoryAdditionalText("/obj/cnngen" + (path.StartsWith('/') ? path : "/" + path) + WeightsText.ConvertedExtension, WeightsText.Encode(path, bytes));

    /// <summary>A .safetensors item as it reaches the compiler without build/CnnGen.targets (the generator must not read it).</summary>
    public static AdditionalText Raw(string path) => new ThrowingAdditionalText(path);

    private sealed class ThrowingAdditionalText : AdditionalText
    {
        public ThrowingAdditionalText(string path) => Path = path;

        public override string Path { get; }

        public override SourceText? GetText(CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The generator read a raw .safetensors item; the compiler would report CS2015.");
    }
}
