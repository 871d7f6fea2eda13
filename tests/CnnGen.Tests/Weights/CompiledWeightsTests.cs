using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using CnnGen.IO;
using CnnGen.Tests.Networks;
using Xunit;
using static CnnGen.Tests.Networks.Fixtures;

namespace CnnGen.Tests.Weights;

/// <summary>
/// [Network(Weights = "…")] end to end: this project's own build converts the safetensors AdditionalFiles
/// (build/CnnGen.targets), the generator checks and compiles them in, and the parameterless constructor gives
/// exactly what <see cref="SafeTensors.Load"/> reads from the same file at run time.
/// </summary>
public sealed class CompiledWeightsTests
{
    [Fact]
    public void LeNet5_compiled_in_equals_SafeTensors_Load_bit_for_bit_and_matches_PyTorchs_outputs()
    {
        var compiled = new CompiledLeNet5();
        var loaded = new LeNet5(seed: 5);
        SafeTensors.Load(loaded, PathOf("lenet5_state_dict.safetensors"));

        Assert.Equal(61706, compiled.Parameters.Length);
        Assert.Equal(Bits(loaded.Parameters), Bits(compiled.Parameters));
        Assert.Equal(CompiledLeNet5.WeightsFile, "lenet5_state_dict.safetensors");

        // PyTorch's outputs for the same weights and inputs (tests/fixtures/lenet5_forward.safetensors).
        SafeTensorsFile io = Open("lenet5_forward.safetensors");
        float[] inputs = io["input"].ToArray();
        float[] expected = io["output"].ToArray();
        var actual = new float[expected.Length];
        compiled.ForwardBatch(inputs, actual);
        AssertClose(expected, actual, 1e-5, 0, "output");
    }

    [Fact]
    public void BatchNorm_running_averages_are_compiled_into_State_and_num_batches_tracked_is_ignored()
    {
        SafeTensorsFile file = Open("convbn_state_dict.safetensors");
        Assert.Contains(file.Names, n => n.EndsWith(".num_batches_tracked", StringComparison.Ordinal));

        var compiled = new CompiledConvBn();
        var loaded = new ConvBnNet(seed: 5);
        SafeTensors.Load(loaded, file.Path);

        Assert.Equal(Bits(loaded.Parameters), Bits(compiled.Parameters));
        Assert.Equal(Bits(loaded.State), Bits(compiled.State));
        Assert.Contains(compiled.State.ToArray(), v => v != 0f && v != 1f); // real running statistics, not the initial 0 and 1

        float[] input = ForwardTests.Random(CompiledConvBn.InputLength, 11);
        var expected = new float[CompiledConvBn.OutputLength];
        var actual = new float[CompiledConvBn.OutputLength];
        loaded.Forward(input, expected);
        compiled.Forward(input, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Every_byte_value_reaches_the_compiled_data_unchanged()
    {
        // The fixture's data section is the bytes 0, 1, …, 255: NaNs with payloads, denormals, negative zero-like
        // patterns, bytes that are invalid UTF-8 and NULs. (A text route through the compiler would lose some.)
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Weights", "all_bytes.safetensors"));
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        byte[] data = bytes[(int)(8 + headerLength)..];
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), data);

        var network = new AllBytes();
        byte[] compiled = MemoryMarshal.AsBytes(network.Parameters).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            // The buffer holds floats in the machine's order; the file is little-endian.
            for (int i = 0; i < compiled.Length; i += 4)
            {
                Array.Reverse(compiled, i, 4);
            }
        }

        Assert.Equal(data, compiled);
        var loaded = new AllBytes(seed: 1);
        SafeTensors.Load(loaded, Path.Combine(AppContext.BaseDirectory, "Weights", "all_bytes.safetensors"));
        Assert.Equal(Bits(loaded.Parameters), Bits(network.Parameters));
    }

    [Fact]
    public void LoadCompiledWeights_restores_them_and_the_seeded_constructor_still_initialises_randomly()
    {
        var network = new CompiledLeNet5();
        uint[] original = Bits(network.Parameters);

        network.Parameters.Fill(0.5f);
        network.LoadCompiledWeights();
        Assert.Equal(original, Bits(network.Parameters));

        var seeded = new CompiledLeNet5(seed: 3);
        var reference = new LeNet5(seed: 3);
        Assert.Equal(Bits(reference.Parameters), Bits(seeded.Parameters));
        Assert.NotEqual(original, Bits(seeded.Parameters));
    }

    [Fact]
    public void The_weights_are_static_data_in_the_assembly_not_code()
    {
        // A ReadOnlySpan<ulong> over a constant array is stored as one blob (a field with an RVA, typed by a
        // __StaticArrayInitTypeSize=N_Align=8 struct): LeNet-5's 61,706 floats are 246,824 bytes of it.
        using FileStream stream = File.OpenRead(typeof(CompiledLeNet5).Assembly.Location);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        string[] blobTypes = metadata.TypeDefinitions
            .Select(h => metadata.GetString(metadata.GetTypeDefinition(h).Name))
            .Where(n => n.StartsWith("__StaticArrayInitTypeSize=", StringComparison.Ordinal))
            .ToArray();
        Assert.Contains("__StaticArrayInitTypeSize=246824_Align=8", blobTypes);
        Assert.Equal(246824, 4 * CompiledLeNet5.ParameterCount);
        Assert.Contains($"__StaticArrayInitTypeSize={4 * CompiledConvBn.StateCount}_Align=8", blobTypes);
    }

    [Fact]
    public void The_byte_order_independent_unpacking_gives_the_same_floats()
    {
        // What a big-endian machine runs: each ulong's low half is the first float, its high half the second.
        ulong[] packed = Enumerable.Range(0, 32).Select(i => BinaryPrimitives.ReadUInt64LittleEndian(Enumerable.Range(8 * i, 8).Select(b => (byte)b).ToArray())).ToArray();
        foreach (int count in new[] { 64, 63, 1, 0 })
        {
            var fast = new float[count];
            var portable = new float[count];
            CnnGen.Runtime.CompiledWeights.Unpack(packed, fast);
            CnnGen.Runtime.CompiledWeights.UnpackByValue(packed, portable);
            Assert.Equal(Bits(fast), Bits(portable));
        }

        var all = new float[64];
        CnnGen.Runtime.CompiledWeights.UnpackByValue(packed, all);
        Assert.Equal(Enumerable.Range(0, 256).Select(i => (byte)i), Bits(all).SelectMany(u => new[] { (byte)u, (byte)(u >> 8), (byte)(u >> 16), (byte)(u >> 24) }));
        Assert.Throws<ArgumentException>(() => CnnGen.Runtime.CompiledWeights.Unpack(packed, new float[65]));
    }

    private static uint[] Bits(ReadOnlySpan<float> values) => MemoryMarshal.Cast<float, uint>(values).ToArray();
}
