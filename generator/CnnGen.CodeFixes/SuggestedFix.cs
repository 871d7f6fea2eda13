using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text.RegularExpressions;
using CnnGen.Generator.Model;

namespace CnnGen.CodeFixes;

/// <summary>
/// One fix the generator suggests: set the attribute argument <see cref="Argument"/> to <see cref="Value"/>
/// ("Padding", "1"), with the layer's output size after the fix when it is known ("5×5").
/// </summary>
internal sealed record SuggestedFix(string Argument, string Value, string? Output)
{
    /// <summary>
    /// The diagnostic property that lists the fixes. The same constant as the generator's
    /// <c>DiagnosticDescriptors.FixesProperty</c>, duplicated rather than linked because that file brings the
    /// generator's model with it. A test (SuggestedFixTests) checks the two agree.
    /// </summary>
    public const string FixesProperty = "Fixes";

    private static readonly Regex FitList = new(@"(Paddings|Strides) that fit: (?<list>[^.]*)\.", RegexOptions.CultureInvariant);
    private static readonly Regex FitItem = new(@"(?<value>\d+) \(→ (?<output>\d+×\d+)\)", RegexOptions.CultureInvariant);
    private static readonly Regex MisfitAxis = new(@"= [0-9.]+ \((?<axis>height|width)\)", RegexOptions.CultureInvariant);
    private static readonly Regex TooLargeAxis = new(@"padded input \((?<axis>height|width)\)", RegexOptions.CultureInvariant);
    private static readonly Regex RoundingGives = new(@"Rounding\.(?<mode>Floor|Ceil) gives (?<output>\d+×\d+)", RegexOptions.CultureInvariant);

    /// <summary>
    /// Reads the fixes of one diagnostic. The property holds "Argument=value" pairs separated by ';'
    /// ("Padding=1;Stride=3;Rounding=Floor"); a pair may end in "@HxW", the output after the fix
    /// ("Stride=3@4x4"). Without that suffix, CNN0001's output sizes are read from its message
    /// ("Strides that fit: 1 (→ 10×10), 3 (→ 4×4)."), and titles leave the output out when neither has it.
    /// A "Padding" or "Stride" fix for CNN0001 whose message shows that only one axis misfits becomes
    /// "PaddingHeight"/"PaddingWidth" (or the stride's), so that the other axis keeps what it had.
    /// </summary>
    public static ImmutableArray<SuggestedFix> Parse(string? fixes, string id, string message)
    {
        if (string.IsNullOrEmpty(fixes))
        {
            return ImmutableArray<SuggestedFix>.Empty;
        }

        bool strideMisfit = id == DiagnosticIds.StrideDoesNotFit;
        Dictionary<string, string> fromMessage = strideMisfit ? OutputsInMessage(message) : new Dictionary<string, string>();
        string? onlyAxis = strideMisfit ? OnlyMisfitAxis(message) : null;
        string? tooLargeAxis = id == DiagnosticIds.WindowLargerThanInput && TooLargeAxis.Match(message) is { Success: true } large
            ? (large.Groups["axis"].Value == "height" ? "Height" : "Width")
            : null;
        var result = ImmutableArray.CreateBuilder<SuggestedFix>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string entry in fixes!.Split(';'))
        {
            int equals = entry.IndexOf('=');
            if (equals <= 0 || equals == entry.Length - 1)
            {
                continue;
            }

            string argument = entry.Substring(0, equals).Trim();
            string value = entry.Substring(equals + 1).Trim();
            string? output = null;
            int at = value.IndexOf('@');
            if (at >= 0)
            {
                output = value.Substring(at + 1).Trim().Replace('x', '×');
                value = value.Substring(0, at).Trim();
            }

            if (argument.Length == 0 || value.Length == 0 || !seen.Add(argument + "=" + value))
            {
                continue;
            }

            if (string.IsNullOrEmpty(output) && fromMessage.TryGetValue(argument + "=" + value, out string? found))
            {
                output = found;
            }

            // The generator computes a padding or stride for the misfit axes only; when one axis of a
            // non-square input misfits, the fix belongs on that axis (PaddingWidth), not on both (Padding).
            if (onlyAxis is not null && argument is ("Padding" or "Stride"))
            {
                argument += onlyAxis;
            }

            // CNN0002 names the axis whose kernel side is too large ("padded input (width)"); the smaller side
            // goes on that axis.
            if (tooLargeAxis is not null && argument is ("kernelHeight" or "kernelWidth"))
            {
                argument = "kernel" + tooLargeAxis;
            }

            result.Add(new SuggestedFix(argument, value, string.IsNullOrEmpty(output) ? null : output));
        }

        return result.ToImmutable();
    }

    /// <summary>
    /// "Height" or "Width" when CNN0001's message shows the arithmetic of that one axis only, as it does when
    /// the axes differ and only one misfits ("(21 − 3 + 2·0)/4 + 1 = 5.5 (width)"); null otherwise.
    /// </summary>
    private static string? OnlyMisfitAxis(string message)
    {
        var axes = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in MisfitAxis.Matches(message))
        {
            axes.Add(match.Groups["axis"].Value);
        }

        return axes.Count != 1 ? null : axes.Contains("height") ? "Height" : "Width";
    }

    /// <summary>"Padding=1" → "5×5", read from CNN0001's message.</summary>
    private static Dictionary<string, string> OutputsInMessage(string message)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match list in FitList.Matches(message))
        {
            string argument = list.Groups[1].Value == "Paddings" ? "Padding" : "Stride";
            foreach (Match item in FitItem.Matches(list.Groups["list"].Value))
            {
                outputs[argument + "=" + item.Groups["value"].Value] = item.Groups["output"].Value;
            }
        }

        foreach (Match rounding in RoundingGives.Matches(message))
        {
            outputs["Rounding=" + rounding.Groups["mode"].Value] = rounding.Groups["output"].Value;
        }

        return outputs;
    }
}
