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
            _text.Append(line);
        }

        _text.Append('\n');
        return this;
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
