using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CnnGen.IO;
using Xunit;

namespace CnnGen.Tests.Runtime;

public sealed class SafeTensorsTests
{
    // Little-endian IEEE 754 singles, written out by hand.
    private static readonly byte[] One = { 0x00, 0x00, 0x80, 0x3F };       // 1.0
    private static readonly byte[] MinusTwo = { 0x00, 0x00, 0x00, 0xC0 };  // -2.0
    private static readonly byte[] Half = { 0x00, 0x00, 0x00, 0x3F };      // 0.5
    private static readonly byte[] Tenth = { 0xCD, 0xCC, 0xCC, 0x3D };     // 0.1f

    /// <summary>w [2] at offset 0 and b [1] at offset 2: three parameters.</summary>
    private static FakeNetwork Tiny(params float[] values)
    {
        var net = new FakeNetwork(3, new TensorInfo("w", 0, new[] { 2 }), new TensorInfo("b", 2, new[] { 1 }));
        values.CopyTo(net.Values, 0);
        return net;
    }

    /// <summary>An 8-byte little-endian length, the header text as is, then the data.</summary>
    private static byte[] BuildFile(string header, params byte[][] data)
    {
        byte[] h = Encoding.UTF8.GetBytes(header);
        var bytes = new List<byte>();
        ulong n = (ulong)h.Length;
        for (int i = 0; i < 8; i++) bytes.Add((byte)(n >> (8 * i)));
        bytes.AddRange(h);
        foreach (byte[] d in data) bytes.AddRange(d);
        return bytes.ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void Save_WritesTheReferenceLayoutByteForByte()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tiny.safetensors");
        SafeTensors.Save(Tiny(1f, -2f, 0.5f), path);

        // Keys sorted (b before w), data in that order, compact JSON of 108 bytes padded with 4 spaces to 112.
        const string Header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}    ";
        byte[] expected = Concat(new byte[] { 112, 0, 0, 0, 0, 0, 0, 0 }, Encoding.ASCII.GetBytes(Header), Half, One, MinusTwo);
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Equal(new[] { "tiny.safetensors" }, dir.FileNames());
    }

    [Fact]
    public void Save_WritesMetadataFirst()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tiny.safetensors");
        SafeTensors.Save(Tiny(1f, -2f, 0.5f), path, new Dictionary<string, string> { ["format"] = "pt" });

        // 139 bytes of JSON, 5 spaces of padding to 144.
        const string Header = "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}     ";
        byte[] expected = Concat(new byte[] { 144, 0, 0, 0, 0, 0, 0, 0 }, Encoding.ASCII.GetBytes(Header), Half, One, MinusTwo);
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Load_ReadsAHandBuiltFileInAnyKeyAndDataOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("hand.safetensors");
        // w first in both header and data, metadata last, 0.1 in b: not the order the writer uses.
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"shape\":[1],\"data_offsets\":[8,12],\"dtype\":\"F32\"},\"__metadata__\":{\"k\":\"v\"}}";
        File.WriteAllBytes(path, BuildFile(header, MinusTwo, One, Tenth));

        FakeNetwork net = Tiny(0f, 0f, 0f);
        SafeTensors.Load(net, path);
        Assert.Equal(new[] { -2f, 1f, 0.1f }, net.Values);

        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Equal(new[] { "w", "b" }, file.Names); // in data order
        Assert.Equal("v", Assert.Single(file.Metadata).Value);
        Assert.Equal("F32", file["b"].DType);
        Assert.Equal(new[] { 1 }, file["b"].Shape);
        Assert.Equal(new[] { 0.1f }, file["b"].ToArray());
        Assert.Equal(8, file["b"].DataBegin);
        Assert.Equal(12, file["b"].DataEnd);
    }

    [Fact]
    public void SaveThenLoad_RoundTripsEveryParameter()
    {
        using var dir = new TempDirectory();
        string path = dir.File("net.safetensors");
        FakeNetwork source = FakeNetwork.TwoTensors();
        SafeTensors.Save(source, path, new Dictionary<string, string> { ["epoch"] = "3", ["arch"] = "tiny" });

        var target = new FakeNetwork(10, source.Tensors.ToArray());
        SafeTensors.Load(target, path);
        Assert.Equal(new[] { -1f, -0.75f, -0.5f, -0.25f, 0f, 0.25f, 0.5f, 0.75f, 1f, 1.25f }, target.Values);

        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Equal(new[] { "conv1.bias", "conv1.weight" }, file.Names);
        Assert.Equal(2, file.Count);
        Assert.Equal(new[] { 2, 1, 2, 2 }, file["conv1.weight"].Shape);
        Assert.Equal("[2, 1, 2, 2]", file["conv1.weight"].ShapeText);
        Assert.Equal(new[] { 1f, 1.25f }, file["conv1.bias"].ToArray());
        Assert.Equal(32, file["conv1.weight"].Bytes.Length);
        Assert.Equal("3", file.Metadata["epoch"]);
        Assert.Equal("tiny", file.Metadata["arch"]);
    }

    [Fact]
    public void Save_ReplacesAnExistingFileAndLeavesNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("net.safetensors");
        File.WriteAllText(path, "old content");
        SafeTensors.Save(Tiny(1f, -2f, 0.5f), path);
        Assert.Equal(12 + 112 + 8, new FileInfo(path).Length);
        Assert.Equal(new[] { "net.safetensors" }, dir.FileNames());
    }

    [Fact]
    public void Write_SortsNamesByOrdinalBytesAndEscapesJson()
    {
        using var dir = new TempDirectory();
        string path = dir.File("names.safetensors");
        SafeTensorsFile.Write(path, new (string, IReadOnlyList<int>, ReadOnlyMemory<float>)[]
        {
            ("a\"q", new[] { 1 }, new float[] { 1f }),
            ("_", new[] { 1 }, new float[] { 0.5f }),
            ("B", new[] { 1, 1 }, new float[] { -2f }),
            ("empty", new[] { 0, 3 }, Array.Empty<float>()),
        }, new Dictionary<string, string> { ["note"] = "line1\nline2\t\\" });

        byte[] bytes = File.ReadAllBytes(path);
        int n = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, n);
        // 'B' (0x42) < '_' (0x5F) < 'a' (0x61) < 'e'.
        Assert.Equal(
            "{\"__metadata__\":{\"note\":\"line1\\nline2\\t\\\\\"}," +
            "\"B\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]}," +
            "\"_\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}," +
            "\"a\\\"q\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}," +
            "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[12,12]}}",
            header.TrimEnd(' '));
        Assert.Equal(0, n % 8);
        Assert.Equal(Concat(MinusTwo, Half, One), bytes.AsSpan(8 + n).ToArray());

        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Equal("line1\nline2\t\\", file.Metadata["note"]);
        Assert.Equal(new[] { 1f }, file["a\"q"].ToArray());
        Assert.Empty(file["empty"].ToArray());
    }

    [Fact]
    public void Write_EmptyTensorList_WritesAnEmptyObject()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.safetensors");
        SafeTensorsFile.Write(path, Array.Empty<(string, IReadOnlyList<int>, ReadOnlyMemory<float>)>());
        Assert.Equal(Concat(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0 }, Encoding.ASCII.GetBytes("{}      ")), File.ReadAllBytes(path));
        Assert.Empty(SafeTensorsFile.Read(path).Names);
    }

    [Fact]
    public void Write_RejectsDataThatDoesNotMatchTheShape()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path,
            new (string, IReadOnlyList<int>, ReadOnlyMemory<float>)[] { ("conv.weight", new[] { 2, 3 }, new float[5]) }));
        Assert.Contains("conv.weight", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("6 elements", e.Message);
        Assert.Contains("5 floats", e.Message);
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Write_RejectsDuplicateNames()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(dir.File("dup.safetensors"),
            new (string, IReadOnlyList<int>, ReadOnlyMemory<float>)[] { ("x", new[] { 1 }, new float[1]), ("x", new[] { 1 }, new float[1]) }));
        Assert.Contains("'x'", e.Message);
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Read_MissingTensor_IndexerThrowsAndTryGetFails()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.safetensors");
        SafeTensors.Save(Tiny(1f, 2f, 3f), path);
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.False(file.TryGet("nope", out _));
        Assert.True(file.TryGet("w", out TensorEntry? w));
        Assert.Equal(new[] { 1f, 2f }, w!.ToArray());
        var e = Assert.Throws<KeyNotFoundException>(() => file["nope"]);
        Assert.Contains("nope", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ToArray_OnANonF32Tensor_NamesTheDtype()
    {
        using var dir = new TempDirectory();
        string path = dir.File("h.safetensors");
        File.WriteAllBytes(path, BuildFile("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[] { 0, 0x3C, 0, 0xC0 }));
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        Assert.Equal("F16", file["h"].DType);
        var e = Assert.Throws<InvalidDataException>(() => file["h"].ToArray());
        Assert.Contains("'h'", e.Message);
        Assert.Contains("F32", e.Message);
        Assert.Contains("F16", e.Message);
        Assert.Contains(path, e.Message);
    }

    public static TheoryData<string, byte[], string[]> MalformedFiles()
    {
        byte[] twelve = Concat(One, MinusTwo, Half);
        var data = new TheoryData<string, byte[], string[]>
        {
            { "truncated to 5 bytes", new byte[] { 1, 2, 3, 4, 5 }, new[] { "5 bytes", "8-byte header length" } },
            {
                "header length larger than the file",
                Concat(new byte[] { 0xE8, 0x03, 0, 0, 0, 0, 0, 0 }, Encoding.ASCII.GetBytes("{}      ")),
                new[] { "1000 bytes", "only 8 bytes follow" }
            },
            {
                "absurd header length",
                Concat(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, Encoding.ASCII.GetBytes("{}      ")),
                new[] { "18446744073709551615", "limit" }
            },
            { "bad JSON", BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2", twelve), new[] { "not well-formed JSON" } },
            { "trailing JSON", BuildFile("{} {}", twelve), new[] { "JSON" } },
            { "not an object", BuildFile("[1,2]   ", twelve), new[] { "must be a JSON object", "0x5B" } },
            {
                "offsets past the end",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", One, MinusTwo),
                new[] { "'w'", "data_offsets [4, 12]", "8 bytes" }
            },
            {
                "byte count differs from the shape",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", twelve),
                new[] { "'w'", "[2]", "needs 8 bytes", "span 4 bytes" }
            },
            {
                "end before begin",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", twelve),
                new[] { "'w'", "[8, 4]" }
            },
            {
                "overlapping tensors",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", twelve),
                new[] { "'b'", "'w'", "overlap" }
            },
            {
                // The length field lowered by 12 into the JSON's padding (120 → 108, the JSON's own length): the JSON still
                // parses, the data section starts 12 bytes early and every tensor would be read 12 bytes early (issue 12).
                "header length lowered into the padding",
                Concat(new byte[] { 0x6C, 0, 0, 0, 0, 0, 0, 0 }, Encoding.ASCII.GetBytes("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}" + new string(' ', 12)), twelve),
                new[] { "24 bytes", "end at byte 12", "12 bytes after the last tensor" }
            },
            {
                "a gap between tensors",
                BuildFile("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", twelve, One),
                new[] { "'w'", "byte 8", "'b' ends at byte 4", "gaps" }
            },
            {
                "duplicate tensor",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", twelve),
                new[] { "'w'", "twice" }
            },
            {
                "negative dimension",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", twelve),
                new[] { "'w'", "shape", "non-negative integers", "-2" }
            },
            {
                "unknown dtype",
                BuildFile("{\"w\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", twelve),
                new[] { "'w'", "F33" }
            },
            {
                "missing data_offsets",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", twelve),
                new[] { "'w'", "no data_offsets" }
            },
            {
                "non-string metadata",
                BuildFile("{\"__metadata__\":{\"epoch\":3},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", twelve),
                new[] { "__metadata__", "epoch", "a number" }
            },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Load_MalformedFile_ThrowsNamingTheProblemAndLeavesParametersUntouched(string what, byte[] content, string[] expectedInMessage)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, content);
        FakeNetwork net = Tiny(7f, 8f, 9f);

        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(net, path));
        Assert.Contains(path, e.Message);
        foreach (string s in expectedInMessage) Assert.Contains(s, e.Message);
        Assert.True(net.Values.SequenceEqual(new[] { 7f, 8f, 9f }), what);

        Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(path));
    }

    public static TheoryData<string, byte[], string[]> MismatchedFiles()
    {
        return new TheoryData<string, byte[], string[]>
        {
            {
                "missing tensor",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", One, MinusTwo),
                new[] { "missing tensor 'b'", "F32 [1]" }
            },
            {
                "unexpected tensor",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},\"fc9.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}",
                    One, MinusTwo, Half, Tenth),
                new[] { "unexpected tensor 'fc9.bias'", "F32 [1]" }
            },
            {
                "wrong shape",
                BuildFile("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", One, MinusTwo, Half),
                new[] { "tensor 'w': expected shape [2], found [1, 2]" }
            },
            {
                "wrong dtype",
                BuildFile("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", One, Half),
                new[] { "tensor 'w': expected dtype F32, found F16" }
            },
            {
                "several problems at once",
                BuildFile("{\"w\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]},\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}",
                    One, One, One, One, One, One, Half),
                new[] { "expected dtype F32, found F64", "expected shape [2], found [3]", "missing tensor 'b'", "unexpected tensor 'c'" }
            },
        };
    }

    [Theory]
    [MemberData(nameof(MismatchedFiles))]
    public void Load_FileNotMatchingTheNetwork_ThrowsNamingTensorExpectedAndFound(string what, byte[] content, string[] expectedInMessage)
    {
        using var dir = new TempDirectory();
        string path = dir.File("other.safetensors");
        File.WriteAllBytes(path, content);
        SafeTensorsFile.Read(path); // structurally valid

        FakeNetwork net = Tiny(7f, 8f, 9f);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(net, path));
        Assert.Contains(path, e.Message);
        Assert.Contains("nothing was loaded", e.Message);
        foreach (string s in expectedInMessage) Assert.Contains(s, e.Message);
        Assert.True(net.Values.SequenceEqual(new[] { 7f, 8f, 9f }), what);
    }

    [Fact]
    public void Load_ShapeMessageUsesPyTorchNotation()
    {
        using var dir = new TempDirectory();
        string path = dir.File("conv.safetensors");
        var lenet = new FakeNetwork(150, new TensorInfo("conv1.weight", 0, new[] { 6, 1, 5, 5 }));
        var other = new FakeNetwork(54, new TensorInfo("conv1.weight", 0, new[] { 6, 1, 3, 3 }));
        SafeTensors.Save(other, path);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(lenet, path));
        Assert.Contains("tensor 'conv1.weight': expected shape [6, 1, 5, 5], found [6, 1, 3, 3]", e.Message);
        Assert.All(lenet.Values, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(Tiny(), dir.File("none.safetensors")));
    }

    [Fact]
    public void Save_NetworkWithOutOfRangeTensor_ThrowsAndLeavesExistingFileIntact()
    {
        using var dir = new TempDirectory();
        string path = dir.File("net.safetensors");
        File.WriteAllText(path, "precious");
        var broken = new FakeNetwork(3, new TensorInfo("w", 0, new[] { 2 }), new TensorInfo("b", 2, new[] { 4 }));

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Save(broken, path));
        Assert.Contains("'b'", e.Message);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Equal(new[] { "net.safetensors" }, dir.FileNames());
    }

    [Fact]
    public void Save_IntoMissingDirectory_ThrowsAndCreatesNothing()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "no-such-dir", "net.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Save(Tiny(1f, 2f, 3f), path));
        Assert.Empty(dir.FileNames());
    }

    [Fact]
    public void Write_FailingHalfway_DeletesTheTemporaryFileAndKeepsTheOldFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("net.safetensors");
        File.WriteAllText(path, "precious");

        // The second tensor's data cannot be read: the failure happens after the header and first tensor are written.
        var e = Assert.Throws<IOException>(() => SafeTensorsFile.Write(path, new (string, IReadOnlyList<int>, ReadOnlyMemory<float>)[]
        {
            ("a", new[] { 2 }, new float[] { 1f, 2f }),
            ("b", new[] { 3 }, new FailingMemory(3).Memory),
        }));
        Assert.Equal("simulated disk failure", e.Message);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Equal(new[] { "net.safetensors" }, dir.FileNames());
    }

    [Fact]
    public void Save_OntoAnExistingDirectory_ThrowsAndLeavesItAlone()
    {
        using var dir = new TempDirectory();
        string path = dir.File("taken");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "inside.txt"), "x");

        Assert.ThrowsAny<IOException>(() => SafeTensors.Save(Tiny(1f, 2f, 3f), path));
        Assert.Equal("x", File.ReadAllText(Path.Combine(path, "inside.txt")));
        Assert.Equal(new[] { "taken" }, dir.FileNames());
    }

    /// <summary>Memory whose content cannot be read: getting its span throws, as a failing device would.</summary>
    private sealed class FailingMemory : MemoryManager<float>
    {
        private readonly int length;

        public FailingMemory(int length) => this.length = length;

        public override Memory<float> Memory => CreateMemory(length);

        public override Span<float> GetSpan() => throw new IOException("simulated disk failure");

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
