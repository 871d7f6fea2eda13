using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace CnnGen.SweepTests;

/// <summary>How a layer's output size rounds when its stride does not divide the padded input.</summary>
public enum Round
{
    Floor,
    Ceil,
}

public enum PoolKind
{
    Max,
    Min,
    Average,
    L2,
}

public enum ActKind
{
    ReLU,
    LeakyReLU,
    ELU,
    Sigmoid,
    Tanh,
    Softmax,
}

/// <summary>
/// One layer of a test network, as this project understands it: written to an attribute for the generator, and
/// computed by <see cref="Reference"/>. Every layer may carry a <c>Name</c> and read <c>From</c> an earlier one.
/// </summary>
public abstract record Layer
{
    public string? Name { get; init; }

    public string? From { get; init; }

    /// <summary>The attribute's name and positional arguments, e.g. <c>Conv2D(8, 3, 5</c> (named ones are added after).</summary>
    protected abstract string Head { get; }

    /// <summary>Named arguments other than Name and From.</summary>
    protected virtual IEnumerable<string> Named => Array.Empty<string>();

    public string Attribute()
    {
        var named = Named.ToList();
        if (Name is not null)
        {
            named.Add($"Name = \"{Name}\"");
        }

        if (From is not null)
        {
            named.Add($"From = \"{From}\"");
        }

        // Head is "Conv2D(8, 3, 5" (positional arguments, no closing parenthesis) or a bare name such as "ReLU".
        string head = Head;
        string joined = string.Join(", ", named);
        if (head.Contains('(', StringComparison.Ordinal))
        {
            return named.Count == 0 ? head + ")" : head + ", " + joined + ")";
        }

        return named.Count == 0 ? head : head + "(" + joined + ")";
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Conv2D: K filters of FH×FW, per-axis stride and padding (or same padding), optional bias, rounding, algorithm.</summary>
public sealed record Conv(int K, int FH, int FW, int SH = 1, int SW = 1, int PH = 0, int PW = 0, bool Bias = true, bool Same = false, Round Rounding = Round.Floor, ConvAlgorithm Algorithm = ConvAlgorithm.Auto) : Layer
{
    public int PadH => Same ? (FH - 1) / 2 : PH;

    public int PadW => Same ? (FW - 1) / 2 : PW;

    protected override string Head => $"Conv2D({K}, {FH}, {FW}";

    protected override IEnumerable<string> Named
    {
        get
        {
            if (SH != 1 || SW != 1)
            {
                yield return $"StrideHeight = {SH}, StrideWidth = {SW}";
            }

            if (Same)
            {
                yield return "Padding = Padding.Same";
            }
            else if (PH != 0 || PW != 0)
            {
                yield return $"PaddingHeight = {PH}, PaddingWidth = {PW}";
            }

            if (!Bias)
            {
                yield return "Bias = false";
            }

            if (Rounding == Round.Ceil)
            {
                yield return "Rounding = Rounding.Ceil";
            }

            if (Algorithm != ConvAlgorithm.Auto)
            {
                yield return $"Algorithm = ConvAlgorithm.{Algorithm}";
            }
        }
    }
}

/// <summary>A square pooling window of F with stride S and padding P.</summary>
public sealed record Pool(PoolKind Kind, int F, int S, int P = 0, Round Rounding = Round.Floor) : Layer
{
    protected override string Head => Kind switch
    {
        PoolKind.Max => "MaxPool(",
        PoolKind.Min => "MinPool(",
        PoolKind.Average => "AvgPool(",
        _ => "L2Pool(",
    } + F.ToString(CultureInfo.InvariantCulture);

    protected override IEnumerable<string> Named
    {
        get
        {
            yield return $"Stride = {S}";
            if (P != 0)
            {
                yield return $"Padding = {P}";
            }

            if (Rounding == Round.Ceil)
            {
                yield return "Rounding = Rounding.Ceil";
            }
        }
    }
}

public sealed record GlobalAvgPool : Layer
{
    protected override string Head => "GlobalAvgPool";
}

public sealed record Flatten : Layer
{
    protected override string Head => "Flatten";
}

public sealed record Dense(int Units) : Layer
{
    protected override string Head => $"Dense({Units}";
}

public sealed record BatchNorm(double Epsilon = 1e-5) : Layer
{
    protected override string Head => "BatchNorm";

    protected override IEnumerable<string> Named
    {
        get
        {
            if (Epsilon != 1e-5)
            {
                yield return "Epsilon = " + Format(Epsilon);
            }
        }
    }
}

public sealed record Act(ActKind Kind, double Parameter = 0) : Layer
{
    protected override string Head => Kind switch
    {
        ActKind.LeakyReLU => "LeakyReLU(" + Format(Parameter),
        ActKind.ELU => "ELU(" + Format(Parameter),
        _ => Kind.ToString(),
    };
}

/// <summary>Sums the previous layer's output (or <see cref="Layer.From"/>'s) with the named layers' outputs.</summary>
public sealed record AddLayers(string[] Layers) : Layer
{
    protected override string Head => "Add(" + string.Join(", ", Layers.Select(l => $"\"{l}\""));
}

/// <summary>Joins the named layers' outputs along the channels, in order.</summary>
public sealed record ConcatLayers(string[] Layers) : Layer
{
    protected override string Head => "Concat(" + string.Join(", ", Layers.Select(l => $"\"{l}\""));
}

/// <summary>A whole test network: its class name, input (C, H, W) and layers.</summary>
public sealed record Net(string ClassName, int C, int H, int W, Layer[] Layers)
{
    /// <summary>The declaration the generator sees, one attribute per line (as a user would write it).</summary>
    public string Declaration()
    {
        var s = new StringBuilder();
        s.Append("[global::CnnGen.Network(Rounding = global::CnnGen.Rounding.Floor)]\n");
        s.Append(CultureInfo.InvariantCulture, $"[global::CnnGen.Input({H}, {W}, {C})]\n");
        foreach (Layer layer in Layers)
        {
            s.Append('[').Append(layer.Attribute()).Append("]\n");
        }

        s.Append("public partial class ").Append(ClassName).Append(";\n");
        return s.ToString();
    }

    /// <summary>The declaration on one line, for failure messages.</summary>
    public override string ToString() =>
        $"[Input({H}, {W}, {C})] " + string.Join(" ", Layers.Select(l => "[" + l.Attribute() + "]"));
}
