using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CnnGen.Generator.Model;
using CnnGen.Generator.Plan;

namespace CnnGen.Generator.Weights;

/// <summary>A problem with <c>Weights = "…"</c>: its diagnostic ID and message (placed on that argument by the pipeline).</summary>
internal sealed record WeightsError(string Id, string Message);

/// <summary>
/// The tensors of a checked weights file, arranged as the network's parameter and state buffers. Each value is
/// the IEEE 754 bit pattern of one F32, decoded from the file's little-endian bytes at build time.
/// </summary>
internal sealed record CompiledWeights(string FileName, long FileLength, int TensorCount, ContentArray<uint> Parameters, ContentArray<uint> State)
{
    /// <summary>False for a file that did not match (the build fails with CNN02xx; the class is still generated, without data).</summary>
    public bool Matched { get; init; } = true;

    /// <summary>What the main generated file needs to know (it does not depend on the values).</summary>
    public CompiledWeightsInfo Info => new(FileName, FileLength, TensorCount, Matched);

    /// <summary>Stands in for a file with errors, so that the class keeps its members and only the CNN02xx errors show.</summary>
    public static CompiledWeights Rejected(string fileName) =>
        new(fileName, 0, 0, ContentArray<uint>.Empty, ContentArray<uint>.Empty) { Matched = false };
}

/// <summary>The weights file a network was compiled with, without its values.</summary>
internal sealed record CompiledWeightsInfo(string FileName, long FileLength, int TensorCount, bool Matched);

/// <summary>
/// Binds <c>[Network(Weights = "…")]</c> to one of the safetensors AdditionalFiles and checks every tensor's
/// name, dtype and shape against the network's plan — the rules of the runtime's <c>SafeTensors.Load</c>: every
/// tensor present, F32, exactly the planned shape, no other tensor (PyTorch's BatchNorm
/// <c>*.num_batches_tracked</c> counter is ignored). Pure: no Roslyn.
/// </summary>
internal static class WeightsBinding
{
    /// <summary>The only dtype accepted: the network computes in float32.</summary>
    public const string Float32 = "F32";

    private const string BatchCounterSuffix = ".num_batches_tracked";

    /// <summary>Finds the file <paramref name="weights"/> names and checks it against <paramref name="plan"/>.</summary>
    /// <returns>The arranged weights, or null with the errors (at least one).</returns>
    public static CompiledWeights? Bind(string weights, string network, NetworkPlan plan, IReadOnlyList<WeightsFile> files, List<WeightsError> errors)
    {
        WeightsFile? file = Find(weights, files, errors);
        if (file is null)
        {
            return null;
        }

        if (file.Header is null || file.Error is not null)
        {
            errors.Add(new WeightsError(DiagnosticIds.WeightsFileInvalid, $"{file.FileName} is not a usable safetensors file: {file.Error}"));
            return null;
        }

        SafeTensorsHeader header = file.Header;
        var inFile = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        foreach (SafeTensorEntry entry in header.Tensors)
        {
            inFile[entry.Name] = entry;
        }

        Dictionary<string, string> labels = LayerLabels(plan);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorPlan tensor in plan.Tensors)
        {
            expected.Add(tensor.Name);
            string what = $"{Float32} {Shape(tensor.Shape)}";
            string layer = Layer(labels, tensor.Name);
            if (!inFile.TryGetValue(tensor.Name, out SafeTensorEntry? entry))
            {
                errors.Add(new WeightsError(DiagnosticIds.WeightsTensorMissing, $"tensor {tensor.Name}: expected {what} ({layer}), not in {file.FileName}"));
                continue;
            }

            if (entry.DType != Float32)
            {
                errors.Add(new WeightsError(DiagnosticIds.WeightsTensorDType, $"tensor {tensor.Name}: expected dtype {Float32} ({layer}), found {entry.DType}; only F32 is accepted"));
            }

            if (!entry.Shape.SequenceEqual(tensor.Shape.Select(d => (long)d)))
            {
                errors.Add(new WeightsError(DiagnosticIds.WeightsTensorShape, $"tensor {tensor.Name}: expected {Shape(tensor.Shape)} ({layer}), found {entry.ShapeText}"));
            }
        }

        foreach (SafeTensorEntry entry in header.Tensors.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (!expected.Contains(entry.Name) && !entry.Name.EndsWith(BatchCounterSuffix, StringComparison.Ordinal))
            {
                errors.Add(new WeightsError(
                    DiagnosticIds.WeightsTensorUnexpected,
                    $"tensor {entry.Name} ({entry.DType} {entry.ShapeText}) in {file.FileName} is not a tensor of {network}, whose {plan.Tensors.Count.ToString(CultureInfo.InvariantCulture)} tensors are {Names(plan.Tensors)}"));
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var parameters = new uint[plan.ParameterCount];
        var state = new uint[plan.StateCount];
        byte[] bytes = file.Data.Bytes;
        foreach (TensorPlan tensor in plan.Tensors)
        {
            SafeTensorEntry entry = inFile[tensor.Name];
            uint[] target = tensor.IsState ? state : parameters;
            long at = header.DataStart + entry.Begin;
            for (int i = 0; i < tensor.Length; i++, at += 4)
            {
                // safetensors stores little-endian: byte 0 is the least significant.
                target[tensor.Offset + i] = bytes[at] | ((uint)bytes[at + 1] << 8) | ((uint)bytes[at + 2] << 16) | ((uint)bytes[at + 3] << 24);
            }
        }

        return new CompiledWeights(file.FileName, header.FileLength, header.Tensors.Count, new ContentArray<uint>(parameters), new ContentArray<uint>(state));
    }

    private static WeightsFile? Find(string weights, IReadOnlyList<WeightsFile> files, List<WeightsError> errors)
    {
        if (weights.Trim().Length == 0)
        {
            errors.Add(new WeightsError(DiagnosticIds.WeightsFileNotFound, "Weights is empty: name a safetensors file that is an AdditionalFiles item of the project, e.g. Weights = \"lenet5.safetensors\""));
            return null;
        }

        List<WeightsFile> matches = files.Where(f => f.IsNamedBy(weights)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (matches.Count == 1)
        {
            return matches[0];
        }

        if (matches.Count == 0)
        {
            string known = files.Count == 0
                ? "the project has no .safetensors AdditionalFiles"
                : "its .safetensors AdditionalFiles are " + string.Join(", ", files.Select(f => f.FileName).Distinct().OrderBy(n => n, StringComparer.Ordinal));
            errors.Add(new WeightsError(
                DiagnosticIds.WeightsFileNotFound,
                $"no AdditionalFiles item of the project is named {weights} ({known}); add <AdditionalFiles Include=\"path/to/{WeightsFile.NameOf(weights)}\" /> to the project file"));
            return null;
        }

        errors.Add(new WeightsError(
            DiagnosticIds.WeightsFileNotFound,
            $"{matches.Count.ToString(CultureInfo.InvariantCulture)} AdditionalFiles items are named {weights}: {string.Join(", ", matches.Select(f => f.Path))}; write enough of the path to tell them apart, e.g. Weights = \"{Tail(matches[0].Path)}\""));
        return null;
    }

    /// <summary>"conv1" → "layer 1, Conv2D(6, 5)".</summary>
    private static Dictionary<string, string> LayerLabels(NetworkPlan plan)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.TensorPrefix is not null && !labels.ContainsKey(layer.TensorPrefix))
            {
                labels[layer.TensorPrefix] = layer.Spec.Label;
            }
        }

        return labels;
    }

    private static string Layer(Dictionary<string, string> labels, string tensor)
    {
        int dot = tensor.LastIndexOf('.');
        return dot > 0 && labels.TryGetValue(tensor.Substring(0, dot), out string? label) ? label : "not from a layer";
    }

    private static string Shape(EquatableArray<int> shape) => SafeTensorsHeader.ShapeText(shape.Select(d => (long)d));

    private static string Names(EquatableArray<TensorPlan> tensors)
    {
        const int Shown = 12;
        string shown = string.Join(", ", tensors.Take(Shown).Select(t => t.Name));
        return tensors.Count > Shown ? shown + $", … ({(tensors.Count - Shown).ToString(CultureInfo.InvariantCulture)} more)" : shown;
    }

    /// <summary>The parent folder and file name of a path, "weights/lenet5.safetensors".</summary>
    private static string Tail(string path)
    {
        string[] parts = path.Replace('\\', '/').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? parts[parts.Length - 2] + "/" + parts[parts.Length - 1] : path;
    }
}
