using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CnnGen.IO;

/// <summary>
/// Saves and loads a network's parameters as a safetensors file, the format of Hugging Face's
/// <c>safetensors</c> library (<c>safetensors.torch.save_file(model.state_dict(), path)</c> in PyTorch).
/// Tensor names and shapes are those of <see cref="INetwork.Tensors"/>, i.e. PyTorch's <c>state_dict</c> keys.
/// </summary>
public static class SafeTensors
{
    /// <summary>The dtype written and accepted.</summary>
    public const string Float32 = "F32";

    /// <summary>
    /// Writes every tensor of <paramref name="network"/> as F32 to <paramref name="path"/>, atomically: a temporary
    /// file in the same directory is written, flushed to disk and moved over <paramref name="path"/>; on any failure
    /// it is deleted and an existing file at <paramref name="path"/> is left untouched.
    /// </summary>
    /// <param name="network">The network whose parameters to save.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings (e.g. <c>format</c> = <c>pt</c>).</param>
    /// <exception cref="ArgumentException">The network's tensor table is inconsistent (a tensor outside the parameter buffer, a duplicate name).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save(INetwork network, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyList<TensorInfo> tensors = network.Tensors;
        float[] parameters = network.Parameters.ToArray();
        float[] state = network.State.ToArray();
        CheckTable(network, tensors, parameters.Length, state.Length);

        var items = new List<(string, IReadOnlyList<int>, ReadOnlyMemory<float>)>(tensors.Count);
        foreach (TensorInfo t in tensors) items.Add((t.Name, t.Shape, new ReadOnlyMemory<float>(t.IsState ? state : parameters, t.Offset, t.Length)));
        SafeTensorsFile.Write(path, items, metadata);
    }

    /// <summary>
    /// Reads <paramref name="path"/> into <see cref="INetwork.Parameters"/> (and <see cref="INetwork.State"/>). A PyTorch <c>num_batches_tracked</c> tensor is ignored. Everything is checked before anything is
    /// copied, so on any error the network's parameters are unchanged: the file's structure (see
    /// <see cref="SafeTensorsFile.Read"/>), that every tensor of the network is present and nothing else is, and that
    /// each has dtype F32 and exactly the expected shape.
    /// </summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="path">A safetensors file.</param>
    /// <exception cref="InvalidDataException">The file is invalid or does not match the network; the message names the file, the tensors, what was expected and what was found.</exception>
    /// <exception cref="ArgumentException">The network's tensor table is inconsistent.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static void Load(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyList<TensorInfo> tensors = network.Tensors;
        CheckTable(network, tensors, network.Parameters.Length, network.State.Length);
        SafeTensorsFile file = SafeTensorsFile.Read(path);

        var problems = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorInfo t in tensors)
        {
            expected.Add(t.Name);
            if (!file.TryGet(t.Name, out TensorEntry? entry))
            {
                problems.Add($"missing tensor '{t.Name}' (expected {Float32} {t.ShapeText})");
                continue;
            }

            bool dtypeOk = entry.DType == Float32;
            bool shapeOk = SameShape(entry.Shape, t.Shape);
            if (!dtypeOk || !shapeOk)
            {
                if (!dtypeOk) problems.Add($"tensor '{t.Name}': expected dtype {Float32}, found {entry.DType}");
                if (!shapeOk) problems.Add($"tensor '{t.Name}': expected shape {t.ShapeText}, found {entry.ShapeText}");
            }
        }

        foreach (string name in file.Names)
        {
            if (expected.Contains(name)) continue;

            // PyTorch's BatchNorm counts its training steps in an int64 'num_batches_tracked'; CnnGen does not need it.
            if (name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) continue;
            TensorEntry entry = file[name];
            problems.Add($"unexpected tensor '{name}' ({entry.DType} {entry.ShapeText}), which {network.GetType().Name} does not have");
        }

        if (problems.Count > 0)
        {
            var message = new StringBuilder();
            message.Append($"{path}: does not match {network.GetType().Name} ({tensors.Count} tensors); nothing was loaded: ");
            message.AppendJoin("; ", problems).Append('.');
            throw new InvalidDataException(message.ToString());
        }

        Span<float> parameters = network.Parameters;
        Span<float> networkState = network.State;
        foreach (TensorInfo t in tensors) file[t.Name].CopyTo((t.IsState ? networkState : parameters).Slice(t.Offset, t.Length));
    }

    private static bool SameShape(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] != b[i]) return false;
        }

        return true;
    }

    private static void CheckTable(INetwork network, IReadOnlyList<TensorInfo> tensors, int parameterCount, int stateCount)
    {
        ArgumentNullException.ThrowIfNull(tensors, nameof(network) + "." + nameof(INetwork.Tensors));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorInfo t in tensors)
        {
            long length = 1;
            foreach (int d in t.Shape)
            {
                if (d < 0) throw new ArgumentException($"{network.GetType().Name}: tensor '{t.Name}' has a negative dimension in {t.ShapeText}.", nameof(network));
                length *= d;
            }

            int limit = t.IsState ? stateCount : parameterCount;
            if (t.Offset < 0 || t.Offset + length > limit)
            {
                throw new ArgumentException(
                    $"{network.GetType().Name}: tensor '{t.Name}' {t.ShapeText} at offset {t.Offset} lies outside the {limit} {(t.IsState ? "state values" : "parameters")}.", nameof(network));
            }

            if (!names.Add(t.Name)) throw new ArgumentException($"{network.GetType().Name}: tensor '{t.Name}' appears twice.", nameof(network));
        }
    }
}
