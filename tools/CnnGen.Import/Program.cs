using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using CnnGen.Onnx;

// cnngen-import model.onnx [--class Name] [--namespace Ns] [--out DIR]
//   writes DIR/Name.cs (the [Network] declaration) and DIR/name.safetensors (its weights), or lists every node it
//   cannot express and exits with 1.
var model = new Argument<FileInfo>("model") { Description = "The .onnx file to import." };
model.Validators.Add(result =>
{
    FileInfo? file = result.GetValueOrDefault<FileInfo>();
    if (file is null || !file.Exists) result.AddError($"the model '{file?.FullName}' does not exist.");
});
var className = new Option<string?>("--class")
{
    Description = "The network class's name. Default: from the file name (resnet18.onnx → Resnet18).",
    HelpName = "NAME",
};
className.Validators.Add(result =>
{
    string? value = result.GetValueOrDefault<string?>();
    if (value is not null && (value.Length == 0 || !(char.IsAsciiLetter(value[0]) || value[0] == '_') || !value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        result.AddError($"--class: '{value}' is not a C# class name (letters, digits and '_', not starting with a digit).");
});
var ns = new Option<string>("--namespace")
{
    Description = "The declaration's namespace.",
    HelpName = "NAMESPACE",
    DefaultValueFactory = _ => "Imported",
};
var output = new Option<DirectoryInfo>("--out")
{
    Description = "Where to write NAME.cs and name.safetensors (created if missing).",
    HelpName = "DIR",
    DefaultValueFactory = _ => new DirectoryInfo("."),
};

var root = new RootCommand("Reads an ONNX model and writes the CnnGen declaration of the same network and its weights.")
{
    model, className, ns, output,
};
root.SetAction(parsed =>
{
    FileInfo file = parsed.GetRequiredValue(model);
    string name = parsed.GetValue(className) ?? ImportOptions.ClassNameFrom(Path.GetFileNameWithoutExtension(file.Name));
    string weights = name.ToLowerInvariant() + ".safetensors";
    DirectoryInfo folder = parsed.GetRequiredValue(output);
    ImportedNetwork network;
    try
    {
        network = OnnxImport.Import(file.FullName, new ImportOptions { ClassName = name, Namespace = parsed.GetRequiredValue(ns), WeightsFileName = weights });
    }
    catch (OnnxImportException e)
    {
        Console.Error.WriteLine($"error: {file.Name}: {e.Message}");
        return 1;
    }

    folder.Create();
    string source = Path.Combine(folder.FullName, name + ".cs");
    string tensors = Path.Combine(folder.FullName, weights);
    File.WriteAllText(source, network.Declaration);
    network.SaveWeights(tensors);
    Console.WriteLine($"{file.Name}: {network.LayerCount} layers, {network.ParameterCount:N0} parameters");
    Console.WriteLine($"wrote {source}");
    Console.WriteLine($"wrote {tensors} ({network.Tensors.Count} tensors)");
    foreach (string note in network.Notes) Console.WriteLine("note: " + note);
    return 0;
});

ParseResult result = root.Parse(args);
if (result.Errors.Count == 0) return result.Invoke();
foreach (var error in result.Errors) Console.Error.WriteLine($"error: {error.Message}");
Console.Error.WriteLine("Run with --help to see the options.");
return 2;
