using System;
using System.Text;

namespace CnnGen.Generator.Emit;

/// <summary>A StringBuilder with indentation, as in the System.Text.Json generator. Lines end in '\n' on every OS.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
            AppendSafe(_text, line);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>
    /// The one place text from the user's declaration (layer names, file names) is made safe for the generated source:
    /// every character that would end the line or is not valid text there (line terminators \r \n U+0085 U+2028
    /// U+2029, other C0 and C1 control characters, unpaired surrogates, U+FFFE/U+FFFF) is written as its escape \uXXXX. Inside a string literal
    /// (written by <see cref="NetworkEmitter.Literal"/>, which escapes quotes and backslashes first) the escape gives back
    /// the same character; in a comment it shows what the name holds. Nothing else can leave a // comment, and the
    /// emitters write no /* */ comments and no verbatim or raw strings.
    /// </summary>
    internal static void AppendSafe(StringBuilder text, string line)
    {
        int start = 0;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            bool unsafeChar = c < ' ' ? c != '\t'
                : c < 0x7F ? false
                : (c >= '\u007F' && c <= '\u009F') || c == '\u2028' || c == '\u2029' || c == '\uFFFE' || c == '\uFFFF'
                    || (char.IsHighSurrogate(c) && !(i + 1 < line.Length && char.IsLowSurrogate(line[i + 1])))
                    || (char.IsLowSurrogate(c) && !(i > 0 && char.IsHighSurrogate(line[i - 1])));
            if (unsafeChar)
            {
                text.Append(line, start, i - start);
                text.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                start = i + 1;
            }
        }

        text.Append(line, start, line.Length - start);
    }

    /// <summary>Writes each line of a multi-line block at the current indentation.</summary>
    public SourceWriter Lines(string block)
    {
        foreach (string line in block.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }

        return this;
    }

    public SourceWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public IDisposable Block(string line)
    {
        Open(line);
        return new Closer(this);
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer : IDisposable
    {
        private readonly SourceWriter _writer;

        public Closer(SourceWriter writer) => _writer = writer;

        public void Dispose() => _writer.Close();
    }
}
