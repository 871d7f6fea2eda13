using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CnnGen.Generator.Model;

namespace CnnGen.Generator.Weights;

// The safetensors header, read without Roslyn and without a JSON library (an analyzer cannot easily carry
// System.Text.Json on every host the compiler runs on; the header grammar is a small subset of JSON).
// The format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// {"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},…,"__metadata__":{…}}, then the data section.
// The checks are those of the runtime's SafeTensorsFile.Read, so a file the generator accepts loads at run time too.

/// <summary>One tensor of the header: its name, dtype, shape, and byte range relative to the data section.</summary>
internal sealed record SafeTensorEntry(string Name, string DType, EquatableArray<long> Shape, long Begin, long End)
{
    /// <summary>The shape as PyTorch prints it, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    public string ShapeText => SafeTensorsHeader.ShapeText(Shape);
}

/// <summary>A validated header: the tensors in the order of their data, and where the data section starts in the file.</summary>
internal sealed record SafeTensorsHeader(EquatableArray<SafeTensorEntry> Tensors, long DataStart, long FileLength)
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = CnnGen.IO.SafeTensorsRules.MaxHeaderLength;

    private const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Bytes per element of a safetensors dtype, or 0 for an unknown one.</summary>
    public static int ElementSize(string dtype) => CnnGen.IO.SafeTensorsRules.ElementSize(dtype);

    /// <summary>Writes a shape as PyTorch prints it, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    public static string ShapeText(IEnumerable<long> shape) =>
        "[" + string.Join(", ", System.Linq.Enumerable.Select(shape, d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>
    /// Reads and checks the header of a whole safetensors file: the length prefix, the JSON, every tensor's
    /// dtype, shape and data_offsets (inside the data section, of exactly dtype × shape bytes, not overlapping).
    /// </summary>
    /// <returns>The header, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static SafeTensorsHeader? Parse(byte[] file, out string? error)
    {
        error = null;
        try
        {
            return ParseOrThrow(file);
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static SafeTensorsHeader ParseOrThrow(byte[] file)
    {
        if (file.Length < 8)
        {
            throw Bad($"the file is {file.Length} bytes long; a safetensors file starts with an 8-byte header length");
        }

        ulong length = 0;
        for (int i = 7; i >= 0; i--)
        {
            length = (length << 8) | file[i];
        }

        if (length > MaxHeaderLength)
        {
            throw Bad($"the header length {length.ToString(CultureInfo.InvariantCulture)} is larger than the {MaxHeaderLength.ToString(CultureInfo.InvariantCulture)} bytes allowed");
        }

        if (length > (ulong)(file.Length - 8))
        {
            throw Bad($"the header length {length.ToString(CultureInfo.InvariantCulture)} runs past the end of the {file.Length.ToString(CultureInfo.InvariantCulture)}-byte file");
        }

        string json;
        try
        {
            json = StrictUtf8.GetString(file, 8, (int)length);
        }
        catch (DecoderFallbackException)
        {
            throw Bad("the header is not valid UTF-8");
        }

        var reader = new JsonReader(json);
        object? root = reader.ReadDocument();
        if (root is not List<KeyValuePair<string, object?>> members)
        {
            throw Bad("the header must be a JSON object of tensors, found " + JsonReader.Describe(root));
        }

        long dataStart = 8 + (long)length;
        long dataLength = file.Length - dataStart;
        var tensors = new List<SafeTensorEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, object?> member in members)
        {
            if (!names.Add(member.Key))
            {
                throw Bad($"the header names '{member.Key}' twice");
            }

            if (member.Key == MetadataKey)
            {
                if (member.Value is not List<KeyValuePair<string, object?>> metadata || metadata.Exists(m => m.Value is not string))
                {
                    throw Bad("__metadata__ must be an object of strings");
                }

                continue;
            }

            tensors.Add(Tensor(member.Key, member.Value, dataLength));
        }

        tensors.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        string? layout = CnnGen.IO.SafeTensorsRules.LayoutError(tensors.ConvertAll(t => (t.Name, t.Begin, t.End)), dataLength);
        if (layout is not null)
        {
            throw Bad(layout);
        }

        return new SafeTensorsHeader(tensors.ToEquatableArray(), dataStart, file.Length);
    }

    private static SafeTensorEntry Tensor(string name, object? value, long dataLength)
    {
        if (value is not List<KeyValuePair<string, object?>> fields)
        {
            throw Bad($"tensor '{name}' must be an object with dtype, shape and data_offsets, found {JsonReader.Describe(value)}");
        }

        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        foreach (KeyValuePair<string, object?> field in fields)
        {
            switch (field.Key)
            {
                case "dtype":
                    dtype = field.Value as string ?? throw Bad($"tensor '{name}': dtype must be a string, found {JsonReader.Describe(field.Value)}");
                    break;
                case "shape":
                    shape = Integers(name, "shape", field.Value);
                    break;
                case "data_offsets":
                    offsets = Integers(name, "data_offsets", field.Value);
                    break;
                default:
                    throw Bad($"tensor '{name}' has an unknown field '{field.Key}'");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Bad($"tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        }

        int elementSize = ElementSize(dtype);
        if (elementSize == 0)
        {
            throw Bad($"tensor '{name}' has the unknown dtype '{dtype}'");
        }

        if (offsets.Count != 2)
        {
            throw Bad($"tensor '{name}': data_offsets must be [begin, end], found {offsets.Count.ToString(CultureInfo.InvariantCulture)} numbers");
        }

        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataLength)
        {
            throw Bad($"tensor '{name}': data_offsets [{Int(begin)}, {Int(end)}] do not lie inside the {Int(dataLength)}-byte data section; the file is truncated or corrupt");
        }

        long elements = 1;
        foreach (long d in shape)
        {
            if (d > int.MaxValue || (d > 0 && elements > long.MaxValue / 8 / d))
            {
                throw Bad($"tensor '{name}': shape {ShapeText(shape)} is too large");
            }

            elements *= d;
        }

        if (end - begin != elements * elementSize)
        {
            throw Bad($"tensor '{name}': shape {ShapeText(shape)} of {dtype} needs {Int(elements * elementSize)} bytes ({Int(elements)} elements × {Int(elementSize)}), but data_offsets [{Int(begin)}, {Int(end)}] span {Int(end - begin)} bytes");
        }

        return new SafeTensorEntry(name, dtype, shape.ToEquatableArray(), begin, end);
    }

    private static List<long> Integers(string name, string field, object? value)
    {
        if (value is not List<object?> items)
        {
            throw Bad($"tensor '{name}': {field} must be an array of non-negative integers, found {JsonReader.Describe(value)}");
        }

        var result = new List<long>(items.Count);
        foreach (object? item in items)
        {
            if (item is not JsonNumber number || !long.TryParse(number.Text, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                throw Bad($"tensor '{name}': {field} must be an array of non-negative integers, found {JsonReader.Describe(item)}");
            }

            result.Add(n);
        }

        return result;
    }

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static FormatException Bad(string message) => new(message);

    /// <summary>A JSON number, kept as written.</summary>
    private sealed class JsonNumber
    {
        public JsonNumber(string text) => Text = text;

        public string Text { get; }
    }

    /// <summary>
    /// A strict reader for RFC 8259 JSON: objects become ordered lists of members, arrays lists, strings strings,
    /// numbers <see cref="JsonNumber"/>, true/false bools and null null. Errors say what was expected and where.
    /// </summary>
    private sealed class JsonReader
    {
        private const int MaxDepth = 64;
        private readonly string _text;
        private int _position;

        public JsonReader(string text) => _text = text;

        public static string Describe(object? value) => value switch
        {
            null => "null",
            string s => "the string \"" + (s.Length > 40 ? s.Substring(0, 40) + "…" : s) + "\"",
            JsonNumber n => "the number " + n.Text,
            bool b => b ? "true" : "false",
            List<object?> => "an array",
            _ => "an object",
        };

        public object? ReadDocument()
        {
            object? value = ReadValue(0);
            SkipWhitespace();
            if (_position != _text.Length)
            {
                throw Error("nothing after the header's closing '}'");
            }

            return value;
        }

        private object? ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error($"no more than {MaxDepth} nested levels");
            }

            SkipWhitespace();
            if (_position >= _text.Length)
            {
                throw Error("a value");
            }

            char c = _text[_position];
            switch (c)
            {
                case '{':
                    return ReadObject(depth);
                case '[':
                    return ReadArray(depth);
                case '"':
                    return ReadString();
                case 't':
                    return ReadLiteral("true", true);
                case 'f':
                    return ReadLiteral("false", false);
                case 'n':
                    return ReadLiteral("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        return ReadNumber();
                    }

                    throw Error("a value");
            }
        }

        private List<KeyValuePair<string, object?>> ReadObject(int depth)
        {
            _position++; // {
            var members = new List<KeyValuePair<string, object?>>();
            SkipWhitespace();
            if (Peek() == '}')
            {
                _position++;
                return members;
            }

            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"')
                {
                    throw Error("a member name in double quotes");
                }

                string name = ReadString();
                SkipWhitespace();
                Expect(':');
                object? value = ReadValue(depth + 1);
                members.Add(new KeyValuePair<string, object?>(name, value));
                SkipWhitespace();
                char next = Peek();
                _position++;
                if (next == '}')
                {
                    return members;
                }

                if (next != ',')
                {
                    _position--;
                    throw Error("',' or '}'");
                }
            }
        }

        private List<object?> ReadArray(int depth)
        {
            _position++; // [
            var items = new List<object?>();
            SkipWhitespace();
            if (Peek() == ']')
            {
                _position++;
                return items;
            }

            while (true)
            {
                items.Add(ReadValue(depth + 1));
                SkipWhitespace();
                char next = Peek();
                _position++;
                if (next == ']')
                {
                    return items;
                }

                if (next != ',')
                {
                    _position--;
                    throw Error("',' or ']'");
                }
            }
        }

        private string ReadString()
        {
            _position++; // "
            var sb = new StringBuilder();
            while (true)
            {
                if (_position >= _text.Length)
                {
                    throw Error("the closing '\"' of a string");
                }

                char c = _text[_position++];
                if (c == '"')
                {
                    return sb.ToString();
                }

                if (c < 0x20)
                {
                    _position--;
                    throw Error("no control character inside a string (escape it)");
                }

                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }

                char e = _position < _text.Length ? _text[_position++] : '\0';
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_position + 4 > _text.Length
                            || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        {
                            throw Error("four hex digits after \\u");
                        }

                        sb.Append((char)code);
                        _position += 4;
                        break;
                    default:
                        _position--;
                        throw Error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
                }
            }
        }

        private JsonNumber ReadNumber()
        {
            int start = _position;
            if (Peek() == '-')
            {
                _position++;
            }

            int digits = SkipDigits();
            if (digits == 0 || (digits > 1 && _text[_position - digits] == '0'))
            {
                _position = start;
                throw Error("a number without leading zeros");
            }

            if (Peek() == '.')
            {
                _position++;
                if (SkipDigits() == 0)
                {
                    throw Error("digits after the decimal point");
                }
            }

            if (Peek() is 'e' or 'E')
            {
                _position++;
                if (Peek() is '+' or '-')
                {
                    _position++;
                }

                if (SkipDigits() == 0)
                {
                    throw Error("digits in the exponent");
                }
            }

            return new JsonNumber(_text.Substring(start, _position - start));
        }

        private int SkipDigits()
        {
            int start = _position;
            while (_position < _text.Length && _text[_position] >= '0' && _text[_position] <= '9')
            {
                _position++;
            }

            return _position - start;
        }

        private object? ReadLiteral(string literal, object? value)
        {
            if (string.CompareOrdinal(_text, _position, literal, 0, literal.Length) != 0)
            {
                throw Error("a value");
            }

            _position += literal.Length;
            return value;
        }

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Error("'" + c + "'");
            }

            _position++;
        }

        private char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private void SkipWhitespace()
        {
            while (_position < _text.Length && _text[_position] is ' ' or '\t' or '\n' or '\r')
            {
                _position++;
            }
        }

        private FormatException Error(string expected)
        {
            string found = _position >= _text.Length
                ? "the end of the header"
                : "'" + (_text[_position] < 0x20 ? "\\u" + ((int)_text[_position]).ToString("x4", CultureInfo.InvariantCulture) : _text[_position].ToString()) + "'";
            return new FormatException($"the header is not valid JSON: expected {expected} at character {(_position + 1).ToString(CultureInfo.InvariantCulture)}, found {found}");
        }
    }
}
