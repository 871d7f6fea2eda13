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

    /// <summary>
    /// The table: one row per layer with its output shape, parameters, multiply-adds and receptive field,
    /// then the totals: parameters, multiply-adds, bytes of weights, and the activation memory of a
    /// forward pass and of a training step at batch 1.
    /// </summary>
    public static List<string> Table(string name, NetworkPlan plan)
    {
        var inference = new InferenceLayout(plan);
        var tape = new TapeLayout(plan);
        var rows = new List<string[]>
        {
            new[] { "#", "Layer", "Output", "Parameters", "Multiply-adds", "Receptive field" },
            new[] { "0", $"Input({plan.Input.Height}, {plan.Input.Width}, {plan.Input.Channels})", plan.Input.Text, "0", "0", "1×1" },
        };
        rows.AddRange(plan.Layers.Select(l => new[]
        {
            Text.Int(l.Position), LayerName(l.Spec), l.Out.Text, Text.Grouped(l.Parameters), Text.Grouped(l.MultiplyAdds),
            l.Out.IsVector && l.ReceptiveHeight >= plan.Input.Height && l.ReceptiveWidth >= plan.Input.Width ? "all" : $"{Text.Int(l.ReceptiveHeight)}×{Text.Int(l.ReceptiveWidth)}",
        }));

        int[] widths = Enumerable.Range(0, 6).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = new List<string> { $"{name}: {plan.Input.Text} → {plan.Output.Text}" };
        foreach (string[] row in rows)
        {
            lines.Add(string.Join(
                "  ",
                row[0].PadLeft(widths[0]),
                row[1].PadRight(widths[1]),
                row[2].PadRight(widths[2]),
                row[3].PadLeft(widths[3]),
                row[4].PadLeft(widths[4]),
                row[5].PadLeft(widths[5])).TrimEnd());
        }

        long weightBytes = 4L * ((long)plan.ParameterCount + plan.StateCount);
        long inferenceBytes = 4L * ((long)inference.ArenaLength + inference.ScratchLength + inference.FoldedLength);
        long trainingBytes = 4L * ((2L * tape.Length) + tape.SavedLength + tape.Scratch + plan.ParameterCount);
        lines.Add($"Total parameters: {Text.Grouped(plan.ParameterCount)}" + (plan.StateCount > 0 ? $" (+ {Text.Grouped(plan.StateCount)} BatchNorm running statistics)" : string.Empty));
        lines.Add($"Multiply-adds per image: {Text.Grouped(plan.MultiplyAdds)}");
        lines.Add($"Weights: {Bytes(weightBytes)} (float32)");
        lines.Add($"Activation memory: {Bytes(inferenceBytes)} per forward pass; {Bytes(trainingBytes)} per training step at batch 1 (outputs and gradients of every layer, plus the parameter gradients)");
        return lines;
    }

    private static string Bytes(long bytes) => bytes < 1024 * 1024
        ? (bytes / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " KiB"
        : (bytes / (1024.0 * 1024.0)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " MiB";
}
