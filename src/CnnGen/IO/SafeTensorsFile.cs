using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace CnnGen.IO;

/// <summary>
/// A safetensors file read into memory: its metadata and tensor table, validated, with each tensor's data
/// available through <see cref="TensorEntry"/>. Also writes safetensors files (see <see cref="Write"/>).
/// </summary>
/// <remarks>
/// <para>The format: an 8-byte little-endian unsigned header length <c>N</c>, <c>N</c> bytes of UTF-8 JSON
/// (<c>{"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},...,"__metadata__":{...}}</c>, padded
/// with spaces to a multiple of 8), then the data section; the offsets are relative to the start of the data
/// section.</para>
/// <para><see cref="Read"/> checks the whole structure: a sane header length, well-formed JSON, known dtypes,
/// non-negative shapes, offsets inside the data section whose byte count matches dtype × shape, and tensors that
/// fill the data section exactly, as the reference implementation requires (no shared bytes, no gaps, nothing after
/// the last tensor; the rules of <c>SafeTensorsRules</c>, one source file the generator compiles in too, so weights
/// compiled in at build time follow the same rules). Every problem raises an <see cref="InvalidDataException"/>
/// whose message names the file and, where there is one, the tensor.</para>
/// </remarks>
public sealed class SafeTensorsFile
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const int MaxHeaderLength = SafeTensorsRules.MaxHeaderLength;

    private const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, TensorEntry> entries;

    private SafeTensorsFile(string path, Dictionary<string, TensorEntry> entries, IReadOnlyDictionary<string, string> metadata, List<string> names)
    {
        Path = path;
        this.entries = entries;
        Metadata = metadata;
        Names = names.AsReadOnly();
    }

    /// <summary>The path the file was read from.</summary>
    public string Path { get; }

    /// <summary>The <c>__metadata__</c> string map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names, in the order of their data in the file.</summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Number of tensors in the file.</summary>
    public int Count => entries.Count;

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name (the message names the file).</exception>
    public TensorEntry this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            if (entries.TryGetValue(name, out TensorEntry? entry)) return entry;
            throw new KeyNotFoundException($"{Path}: there is no tensor named '{name}' (the file has {entries.Count}: {Describe(Names)}).");
        }
    }

    /// <summary>Looks up the tensor called <paramref name="name"/>.</summary>
    /// <returns><see langword="true"/> when the file has it.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TensorEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(name);
        return entries.TryGetValue(name, out entry);
    }

    /// <summary>Reads and validates a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says what is wrong.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(path, bytes);
    }

    /// <summary>Parses a whole safetensors file held in memory; <paramref name="path"/> is used in messages only.</summary>
    internal static SafeTensorsFile Parse(string path, byte[] bytes)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path}: the file is {bytes.Length} bytes long, too short for the 8-byte header length that starts a safetensors file.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        long available = bytes.LongLength - 8;
        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException($"{path}: the header length field says {headerLength} bytes, more than the {MaxHeaderLength}-byte limit " +
                $"(the file is {bytes.LongLength} bytes); this is not a safetensors file or it is corrupt.");
        }

        if ((long)headerLength > available)
        {
            throw new InvalidDataException($"{path}: the header length field says {headerLength} bytes, but only {available} bytes follow it " +
                $"(file size {bytes.LongLength}); the file is truncated or not a safetensors file.");
        }

        int n = (int)headerLength;
        ReadOnlySpan<byte> header = bytes.AsSpan(8, n);
        long dataStart = 8 + n;
        long dataLength = bytes.LongLength - dataStart;

        int firstNonSpace = header.IndexOfAnyExcept((byte)' ');
        if (firstNonSpace < 0 || header[firstNonSpace] != (byte)'{')
        {
            string found = firstNonSpace < 0 ? "only spaces" : $"byte 0x{header[firstNonSpace]:X2}";
            throw new InvalidDataException($"{path}: the {n}-byte header must be a JSON object starting with '{{', found {found}; this is not a safetensors file or it is corrupt.");
        }

        var entries = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) throw Header(path, "the header is not a JSON object");
            while (true)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string key = reader.GetString()!;
                reader.Read();
                if (key == MetadataKey)
                {
                    if (sawMetadata) throw Header(path, $"the key '{MetadataKey}' appears twice");
                    sawMetadata = true;
                    ReadMetadata(path, ref reader, metadata);
                    continue;
                }

                if (entries.ContainsKey(key)) throw new InvalidDataException($"{path}: tensor '{key}' appears twice in the header.");
                entries.Add(key, ReadTensorInfo(path, key, ref reader, bytes, dataStart, dataLength));
            }

            if (reader.Read())
            {
                throw Header(path, $"unexpected content after the JSON object at byte {reader.TokenStartIndex} of the header");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not well-formed JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader reports invalid UTF-8 in strings this way.
            throw new InvalidDataException($"{path}: the header is not valid UTF-8 JSON: {e.Message}", e);
        }

        // Order by data offset (as the reference reader does) and reject shared bytes.
        var ordered = new List<TensorEntry>(entries.Values);
        ordered.Sort(static (a, b) =>
        {
            int c = a.DataBegin.CompareTo(b.DataBegin);
            if (c == 0) c = a.DataEnd.CompareTo(b.DataEnd);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        var ranges = new List<(string Name, long Begin, long End)>(ordered.Count);
        foreach (TensorEntry entry in ordered) ranges.Add((entry.Name, entry.DataBegin, entry.DataEnd));
        string? layout = SafeTensorsRules.LayoutError(ranges, dataLength);
        if (layout is not null) throw Header(path, layout);

        var names = new List<string>(ordered.Count);
        foreach (TensorEntry entry in ordered) names.Add(entry.Name);
        return new SafeTensorsFile(path, entries, metadata, names);
    }

    private static InvalidDataException Header(string path, string what) => new($"{path}: invalid safetensors header: {what}.");

    private static void ReadMetadata(string path, ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        if (reader.TokenType == JsonTokenType.Null) return;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Header(path, $"'{MetadataKey}' must be an object mapping strings to strings, found {Describe(reader.TokenType)}");
        }

        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Header(path, $"'{MetadataKey}' entry '{key}' must be a string, found {Describe(reader.TokenType)}");
            }

            if (!metadata.TryAdd(key, reader.GetString()!)) throw Header(path, $"'{MetadataKey}' has the key '{key}' twice");
        }
    }

    private static TensorEntry ReadTensorInfo(string path, string name, ref Utf8JsonReader reader, byte[] bytes, long dataStart, long dataLength)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Bad(path, name, $"its header entry must be an object with dtype, shape and data_offsets, found {Describe(reader.TokenType)}");
        }

        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (reader.TokenType != JsonTokenType.String) throw Bad(path, name, $"dtype must be a string, found {Describe(reader.TokenType)}");
                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    shape = ReadIntegers(path, name, "shape", ref reader);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(path, name, "data_offsets", ref reader);
                    break;
                default:
                    reader.Skip(); // unknown fields are ignored, as by the reference reader
                    break;
            }
        }

        if (dtype is null) throw Bad(path, name, "its header entry has no dtype");
        if (shape is null) throw Bad(path, name, "its header entry has no shape");
        if (offsets is null) throw Bad(path, name, "its header entry has no data_offsets");
        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
        {
            throw Bad(path, name, $"unknown dtype \"{dtype}\" (known: BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64)");
        }

        var dims = new int[shape.Count];
        long elements = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (shape[i] > int.MaxValue) throw Bad(path, name, $"dimension {i} of shape {ShapeText(shape)} is too large");
            dims[i] = (int)shape[i];
            try
            {
                elements = checked(elements * shape[i]);
            }
            catch (OverflowException)
            {
                throw Bad(path, name, $"shape {ShapeText(shape)} has too many elements");
            }
        }

        if (offsets.Count != 2) throw Bad(path, name, $"data_offsets must be [begin, end], found {ShapeText(offsets)}");
        long begin = offsets[0], end = offsets[1];
        long byteCount;
        try
        {
            byteCount = checked(elements * elementSize);
        }
        catch (OverflowException)
        {
            throw Bad(path, name, $"shape {ShapeText(shape)} of {dtype} is too large");
        }

        if (end < begin) throw Bad(path, name, $"data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
        {
            throw Bad(path, name,
                $"data_offsets [{begin}, {end}] extend past the end of the data section, which is {dataLength} bytes; the file is truncated or corrupt");
        }

        if (end - begin != byteCount)
        {
            throw Bad(path, name,
                $"shape {ShapeText(shape)} of {dtype} needs {byteCount} bytes ({elements} elements × {elementSize}), but data_offsets [{begin}, {end}] span {end - begin} bytes");
        }

        if (elements > Array.MaxLength) throw Bad(path, name, $"shape {ShapeText(shape)} has more elements than an array can hold");
        return new TensorEntry(path, name, dtype, Array.AsReadOnly(dims), (int)elements, bytes, dataStart, begin, end);
    }

    private static List<long> ReadIntegers(string path, string name, string field, ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Bad(path, name, $"{field} must be an array of non-negative integers, found {Describe(reader.TokenType)}");
        }

        var values = new List<long>();
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) return values;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
            {
                string found = reader.TokenType == JsonTokenType.Number
                    ? Encoding.UTF8.GetString(reader.ValueSpan)
                    : Describe(reader.TokenType);
                throw Bad(path, name, $"{field} must be an array of non-negative integers, found {found}");
            }

            values.Add(value);
        }
    }

    private static InvalidDataException Bad(string path, string name, string what) => new($"{path}: tensor '{name}': {what}.");

    /// <summary>Bytes per element of a safetensors dtype, or 0 for an unknown one.</summary>
    internal static int ElementSize(string dtype) => SafeTensorsRules.ElementSize(dtype);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string Describe(IReadOnlyCollection<string> names)
    {
        const int Shown = 20;
        var sb = new StringBuilder();
        int i = 0;
        foreach (string name in names)
        {
            if (i == Shown)
            {
                sb.Append(CultureInfo.InvariantCulture, $", … ({names.Count - Shown} more)");
                break;
            }

            if (i++ > 0) sb.Append(", ");
            sb.Append(name);
        }

        return i == 0 ? "none" : sb.ToString();
    }

    /// <summary>Writes a shape as PyTorch prints it, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    internal static string ShapeText<T>(IReadOnlyList<T> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(CultureInfo.InvariantCulture, $"{shape[i]}");
        }

        return sb.Append(']').ToString();
    }

    /// <summary>
    /// Writes F32 tensors to a safetensors file atomically: the file is written to a temporary file in the same
    /// directory, flushed to disk and then moved over <paramref name="path"/>; if anything fails the temporary
    /// file is deleted and an existing file at <paramref name="path"/> is left as it was.
    /// </summary>
    /// <remarks>
    /// The output is what the reference implementation writes: tensors ordered by name (ordinal UTF-8 byte
    /// order, all being F32), data in that order without gaps, compact JSON with <c>__metadata__</c> first
    /// (its keys sorted), padded with spaces to a multiple of 8 bytes, all numbers little-endian.
    /// </remarks>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">The tensors: name, shape, and data in row-major order (product of shape floats).</param>
    /// <param name="metadata">Optional <c>__metadata__</c> string map; omitted from the file when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A name is duplicated, empty or reserved, a dimension is negative, or the data length does not match the shape.</exception>
    /// <exception cref="IOException">The file cannot be written (nothing is changed at <paramref name="path"/>).</exception>
    public static void Write(string path, IEnumerable<(string Name, IReadOnlyList<int> Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);

        var list = new List<(string Name, byte[] NameUtf8, IReadOnlyList<int> Shape, ReadOnlyMemory<float> Data)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, IReadOnlyList<int> shape, ReadOnlyMemory<float> data) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("A tensor name is null or empty.", nameof(tensors));
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (!seen.Add(name)) throw new ArgumentException($"Tensor '{name}' is given twice.", nameof(tensors));
            if (shape is null) throw new ArgumentException($"Tensor '{name}' has no shape.", nameof(tensors));
            long elements = 1;
            foreach (int d in shape)
            {
                if (d < 0) throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape {ShapeText(shape)}.", nameof(tensors));
                elements *= d;
            }

            if (elements != data.Length)
            {
                throw new ArgumentException(
                    $"Tensor '{name}' has shape {ShapeText(shape)} ({elements} elements) but {data.Length} floats of data.", nameof(tensors));
            }

            byte[] utf8;
            try
            {
                utf8 = StrictUtf8.GetBytes(name);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException($"Tensor name '{name}' is not valid Unicode.", nameof(tensors), e);
            }

            list.Add((name, utf8, shape, data));
        }

        list.Sort(static (a, b) => a.NameUtf8.AsSpan().SequenceCompareTo(b.NameUtf8));
        byte[] header = BuildHeader(list, metadata);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
            stream.Write(lengthBytes);
            stream.Write(header);
            foreach (var t in list) WriteLittleEndian(stream, t.Data.Span);
        });
    }

    private static byte[] BuildHeader(List<(string Name, byte[] NameUtf8, IReadOnlyList<int> Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        // Hand-written compact JSON, escaped the way serde_json (the reference writer) escapes, so that the
        // output is byte-for-byte what the reference implementation produces.
        var sb = new StringBuilder("{");
        bool first = true;
        if (metadata is not null)
        {
            var keys = new List<string>(metadata.Keys);
            keys.Sort(string.CompareOrdinal);
            sb.Append('"').Append(MetadataKey).Append("\":{");
            for (int i = 0; i < keys.Count; i++)
            {
                if (i > 0) sb.Append(',');
                AppendJsonString(sb, keys[i] ?? throw new ArgumentException("A metadata key is null.", nameof(metadata)));
                sb.Append(':');
                AppendJsonString(sb, metadata[keys[i]] ?? throw new ArgumentException($"Metadata '{keys[i]}' has a null value.", nameof(metadata)));
            }

            sb.Append('}');
            first = false;
        }

        long offset = 0;
        foreach (var t in tensors)
        {
            if (!first) sb.Append(',');
            first = false;
            long end = offset + 4L * t.Data.Length;
            AppendJsonString(sb, t.Name);
            sb.Append(":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < t.Shape.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(t.Shape[i].ToString(CultureInfo.InvariantCulture));
            }

            sb.Append(CultureInfo.InvariantCulture, $"],\"data_offsets\":[{offset},{end}]}}");
            offset = end;
        }

        sb.Append('}');
        int length = StrictUtf8.GetByteCount(sb.ToString());
        int padded = (length + 7) & ~7;
        sb.Append(' ', padded - length);
        return StrictUtf8.GetBytes(sb.ToString());
    }

    private static void AppendJsonString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>Writes floats as little-endian IEEE 754 singles whatever the host's byte order.</summary>
    internal static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data));
            return;
        }

        Span<byte> buffer = stackalloc byte[4096];
        while (!data.IsEmpty)
        {
            int count = Math.Min(data.Length, buffer.Length / 4);
            for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.Slice(4 * i), data[i]);
            stream.Write(buffer.Slice(0, 4 * count));
            data = data.Slice(count);
        }
    }

    /// <summary>Reads little-endian IEEE 754 singles whatever the host's byte order.</summary>
    internal static void ReadLittleEndian(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i));
    }
}

/// <summary>One tensor of a <see cref="SafeTensorsFile"/>: its name, dtype, shape and data.</summary>
public sealed class TensorEntry
{
    private readonly string path;
    private readonly byte[] file;
    private readonly long dataStart;

    internal TensorEntry(string path, string name, string dtype, IReadOnlyList<int> shape, int elementCount, byte[] file, long dataStart, long begin, long end)
    {
        this.path = path;
        Name = name;
        DType = dtype;
        Shape = shape;
        ElementCount = elementCount;
        this.file = file;
        this.dataStart = dataStart;
        DataBegin = begin;
        DataEnd = end;
    }

    /// <summary>The tensor's name (its key in the header).</summary>
    public string Name { get; }

    /// <summary>The safetensors dtype, e.g. <c>F32</c>, <c>F16</c>, <c>BF16</c>.</summary>
    public string DType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The shape written as PyTorch prints it, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    public string ShapeText => SafeTensorsFile.ShapeText(Shape);

    /// <summary>Number of elements (the product of <see cref="Shape"/>).</summary>
    public int ElementCount { get; }

    /// <summary>Start of the tensor's bytes, relative to the data section.</summary>
    public long DataBegin { get; }

    /// <summary>End (exclusive) of the tensor's bytes, relative to the data section.</summary>
    public long DataEnd { get; }

    /// <summary>The tensor's raw bytes as stored (little-endian).</summary>
    public ReadOnlySpan<byte> Bytes => file.AsSpan((int)(dataStart + DataBegin), (int)(DataEnd - DataBegin));

    /// <summary>The data as floats, for an F32 tensor.</summary>
    /// <exception cref="InvalidDataException">The tensor is not F32.</exception>
    public float[] ToArray()
    {
        var result = new float[ElementCount];
        CopyTo(result);
        return result;
    }

    /// <summary>Copies the data of an F32 tensor into <paramref name="destination"/>, which must hold exactly <see cref="ElementCount"/> floats.</summary>
    /// <exception cref="InvalidDataException">The tensor is not F32.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (DType != "F32")
        {
            throw new InvalidDataException($"{path}: tensor '{Name}': expected dtype F32, found {DType}; only F32 tensors can be read as floats.");
        }

        if (destination.Length != ElementCount)
        {
            throw new ArgumentException($"Tensor '{Name}' has {ElementCount} elements; the destination holds {destination.Length}.", nameof(destination));
        }

        SafeTensorsFile.ReadLittleEndian(Bytes, destination);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {DType} {ShapeText}";
}
