using System;
using System.IO;
using System.Linq;
using System.Text;
using CnnGen.Generator.Tests.Infrastructure;
using CnnGen.Generator.Weights;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace CnnGen.Generator.Tests;

/// <summary>
/// The generator's safetensors header reader (pure, no Roslyn) and the text form build/CnnGen.targets hands
/// to the compiler. The reader accepts what the reference writer writes and rejects, with a message saying what
/// is wrong, what the runtime's SafeTensorsFile.Read rejects.
/// </summary>
public sealed class SafeTensorsHeaderTests
{
    private static string Fixture(string name) => Path.Combine(SourceDirectory.Repository, "tests", "fixtures", name);

    [Fact]
    public void PyTorchsLeNet5StateDict_ParsesToItsTenTensors()
    {
        byte[] file = File.ReadAllBytes(Fixture("lenet5_state_dict.safetensors"));

        SafeTensorsHeader? header = SafeTensorsHeader.Parse(file, out string? error);

        Assert.Null(error);
        Assert.NotNull(header);
        Assert.Equal(10, header.Tensors.Count);
        SafeTensorEntry conv1 = header.Tensors.Single(t => t.Name == "conv1.weight");
        Assert.Equal("F32", conv1.DType);
        Assert.Equal("[6, 1, 5, 5]", conv1.ShapeText);
        Assert.Equal(150 * 4, conv1.End - conv1.Begin);
        Assert.Equal(file.Length, header.FileLength);
        Assert.Equal(61706 * 4, header.FileLength - header.DataStart);

        // The runtime reads the same tensors at the same places (the reference implementation's layout).
        var runtime = CnnGen.IO.SafeTensorsFile.Read(Fixture("lenet5_state_dict.safetensors"));
        Assert.All(header.Tensors, t =>
        {
            Assert.Equal(runtime[t.Name].DataBegin, t.Begin);
            Assert.Equal(runtime[t.Name].Shape.Select(d => (long)d), t.Shape);
        });
    }

    [Fact]
    public void EveryFixture_Parses_WithTheRuntimesTensorNames()
    {
        foreach (string path in Directory.EnumerateFiles(Path.GetDirectoryName(Fixture("x"))!, "*.safetensors"))
        {
            SafeTensorsHeader? header = SafeTensorsHeader.Parse(File.ReadAllBytes(path), out string? error);
            Assert.True(header is not null, $"{Path.GetFileName(path)}: {error}");
            Assert.Equal(
                CnnGen.IO.SafeTensorsFile.Read(path).Names.OrderBy(n => n, StringComparer.Ordinal),
                header.Tensors.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
        }
    }

    [Fact]
    public void EscapesAndAnyJsonWhitespace_AreRead()
    {
        byte[] file = WeightsFiles.WithHeader("{ \"a\\u00e9\\\"b\" : { \"shape\" : [ 2 ] ,\n\t\"dtype\":\"F32\", \"data_offsets\":[0, 8] } , \"__metadata__\":{\"k\":\"v\\n\"} }", 8);

        SafeTensorsHeader? header = SafeTensorsHeader.Parse(file, out string? error);

        Assert.Null(error);
        Assert.Equal("aé\"b", Assert.Single(header!.Tensors).Name);
    }

    [Theory]
    [InlineData("", 0, "the header is not valid JSON: expected a value at character 1, found the end of the header")]
    [InlineData("[]", 0, "the header must be a JSON object of tensors, found an array")]
    [InlineData("{\"a\":1}", 0, "tensor 'a' must be an object with dtype, shape and data_offsets, found the number 1")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a' lacks data_offsets")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, "tensor 'a' has an unknown field 'x'")]
    [InlineData("{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'a' has the unknown dtype 'Q4'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "tensor 'a': shape must be an array of non-negative integers, found the number -1")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "tensor 'a': shape must be an array of non-negative integers, found the number 1.5")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "tensor 'a': shape [2] of F32 needs 8 bytes (2 elements × 4), but data_offsets [0, 4] span 4 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "tensor 'a': data_offsets [0, 8] do not lie inside the 4-byte data section; the file is truncated or corrupt")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8, "tensor 'a': data_offsets must be [begin, end], found 3 numbers")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "tensors 'a' [0, 8) and 'b' [4, 8) overlap: tensors must not share bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "the header names 'a' twice")]
    [InlineData("{\"__metadata__\":{\"n\":1}}", 0, "__metadata__ must be an object of strings")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", 4, "the header is not valid JSON: expected a number without leading zeros at character 30, found '0'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\"}} x", 0, "the header is not valid JSON: expected nothing after the header's closing '}' at character 23, found 'x'")]
    [InlineData("{\"a\":\"\\q\"}", 0, "the header is not valid JSON: expected a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) at character 8, found 'q'")]
    public void InvalidHeaders_SayWhatIsWrong(string header, int dataLength, string expected)
    {
        SafeTensorsHeader? parsed = SafeTensorsHeader.Parse(WeightsFiles.WithHeader(header, dataLength), out string? error);

        Assert.Null(parsed);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void InvalidFiles_SayWhatIsWrong()
    {
        Assert.Equal("the file is 3 bytes long; a safetensors file starts with an 8-byte header length", Error(new byte[3]));
        Assert.Equal("the header length 100 runs past the end of the 16-byte file", Error(Length(100, 16)));
        Assert.Equal("the header length 4294967296 is larger than the 100000000 bytes allowed", Error(Length(1L << 32, 16)));
        byte[] latin1 = WeightsFiles.WithHeader("{\"é\":1}", 0);
        latin1[10] = 0xE9; // "é" in Latin-1 instead of UTF-8: C3 A9 → E9 A9
        Assert.Equal("the header is not valid UTF-8", Error(latin1));
    }

    [Fact]
    public void WeightsText_RoundTripsEveryByteValue()
    {
        // The converted text is plain ASCII: the compiler decodes it as UTF-8 without loss.
        byte[] bytes = WeightsFiles.WithHeader("{\"a\":{\"dtype\":\"U8\",\"shape\":[256],\"data_offsets\":[0,256]}}", 256, static i => (byte)i);
        string text = WeightsText.Encode("/p/all.safetensors", bytes);
        Assert.All(text, c => Assert.True(c < 0x80));

        WeightsFile file = WeightsText.Decode("/obj/x/all.safetensors" + WeightsText.ConvertedExtension, text);

        Assert.Null(file.Error);
        Assert.Equal("/p/all.safetensors", file.Path);
        Assert.Equal("all.safetensors", file.FileName);
        Assert.Equal(bytes, file.Data.Bytes);
    }

    [Fact]
    public void WeightsText_RejectsAStrangerFile()
    {
        WeightsFile notOurs = WeightsText.Decode("/obj/x/a.safetensors" + WeightsText.ConvertedExtension, "hello\nworld\n");
        Assert.Equal("its converted text a.safetensors.cnngen.b64 does not start with CnnGen's two header lines; delete it and rebuild", notOurs.Error);
        Assert.Equal("/obj/x/a.safetensors", notOurs.Path);

        WeightsFile badBase64 = WeightsText.Decode("/obj/x/a.safetensors" + WeightsText.ConvertedExtension, WeightsText.FirstLine + "\n" + WeightsText.SourcePrefix + "/p/a.safetensors\n@@@\n");
        Assert.Equal("its converted text a.safetensors.cnngen.b64 is not valid base64; delete it and rebuild", badBase64.Error);
    }

    [Fact]
    public void WhyTheBuildConvertsToText_TheCompilerRejectsASafetensorsFileAsBinary()
    {
        // What csc does with an AdditionalFiles item (EncodedStringText): strict UTF-8 first; that fails on float
        // data, and the fallback decoding reports two NULs in a row (the header length's high bytes) as binary:
        // error CS2015, and the generator gets no text at all.
        byte[] file = File.ReadAllBytes(Fixture("lenet5_state_dict.safetensors"));
        Assert.Throws<DecoderFallbackException>(() => SourceText.From(file, file.Length, new UTF8Encoding(false, throwOnInvalidBytes: true)));
        Assert.Throws<InvalidDataException>(() => SourceText.From(file, file.Length, Encoding.Latin1, throwIfBinaryDetected: true));

        // And where the fallback is UTF-8 with replacement characters (Linux), bytes ≥ 0x80 are lost anyway.
        byte[] high = Enumerable.Range(0x80, 0x80).Select(i => (byte)i).ToArray();
        SourceText text = SourceText.From(high, high.Length, Encoding.UTF8);
        Assert.NotEqual(high, Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string? Error(byte[] file)
    {
        Assert.Null(SafeTensorsHeader.Parse(file, out string? error));
        return error;
    }

    private static byte[] Length(long headerLength, int fileLength)
    {
        var file = new byte[fileLength];
        BitConverter.GetBytes(headerLength).CopyTo(file, 0);
        return file;
    }
}
