using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Emit;

/// <summary>The layer table (like Keras' <c>summary()</c>) written into the class's XML doc and its <c>Summary</c> constant.</summary>
internal static class Summary
{
    /// <summary>The layer as declared, prefixed by the block it was expanded from.</summary>
    public static string LayerName(LayerSpec spec) => spec.Origin is null ? spec.Display : spec.Origin + ": " + spec.Display;

    public static List<string> Table(string name, NetworkPlan plan)
    {
        var rows = new List<string[]>
        {
            new[] { "#", "Layer", "Output", "Parameters", "Multiply-adds" },
            new[] { "0", $"Input({plan.Input.Height}, {plan.Input.Width}, {plan.Input.Channels})", plan.Input.Text, "0", "0" },
        };
        rows.AddRange(plan.Layers.Select(l => new[]
        {
            Text.Int(l.Position), LayerName(l.Spec), l.Out.Text, Text.Grouped(l.Parameters), Text.Grouped(l.MultiplyAdds),
        }));

        int[] widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = new List<string> { $"{name}: {plan.Input.Text} → {plan.Output.Text}" };
        foreach (string[] row in rows)
        {
            lines.Add(string.Join(
                "  ",
                row[0].PadLeft(widths[0]),
                row[1].PadRight(widths[1]),
                row[2].PadRight(widths[2]),
                row[3].PadLeft(widths[3]),
                row[4].PadLeft(widths[4])).TrimEnd());
        }

        double kib = plan.ParameterCount * 4.0 / 1024.0;
        lines.Add($"Total parameters: {Text.Grouped(plan.ParameterCount)} ({kib.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} KiB of float32 weights)");
        lines.Add($"Multiply-adds per image: {Text.Grouped(plan.MultiplyAdds)}");
        return lines;
    }
}
