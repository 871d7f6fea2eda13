using System.Collections.Generic;
using System.Linq;
using CnnGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace CnnGen.Generator.Diagnostics;

/// <summary>Every diagnostic CnnGen reports. Each has a page in docs/diagnostics/ID.md that its help link opens.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "CnnGen";

    /// <summary>
    /// The diagnostic property that lists the fixes a code fix can offer, as "Argument=value" pairs
    /// separated by ';' — e.g. "Padding=1;Stride=3;Rounding=Floor" for CNN0001 or "ExpectedParameters=61706" for CNN0003.
    /// </summary>
    public const string FixesProperty = "Fixes";
    private const string HelpRoot = "https://github.com/cnngen/cnngen/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor StrideDoesNotFit = Error(
        DiagnosticIds.StrideDoesNotFit, "Stride does not fit the input", "(W − F + 2P) must be a multiple of the stride S on every axis, or the layer must opt in to floor or ceil rounding.");

    public static readonly DiagnosticDescriptor WindowLargerThanInput = Error(
        DiagnosticIds.WindowLargerThanInput, "Kernel or pooling window larger than its input", "A convolution kernel or pooling window must fit inside its padded input.");

    public static readonly DiagnosticDescriptor ParameterCountMismatch = Error(
        DiagnosticIds.ParameterCountMismatch, "Parameter count differs from ExpectedParameters", "The parameter count computed from the layers must equal Network.ExpectedParameters when it is set.");

    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        DiagnosticIds.ClassNotPartial, "Network class is not partial", "CnnGen adds the generated members to the declared class, so it must be partial.");

    public static readonly DiagnosticDescriptor MissingInput = Error(
        DiagnosticIds.MissingInput, "Network has no Input", "A network needs [Input(height, width, channels)] before its first layer.");

    public static readonly DiagnosticDescriptor MisplacedInput = Error(
        DiagnosticIds.MisplacedInput, "Input is misplaced or repeated", "[Input] must be declared once, before the first layer.");

    public static readonly DiagnosticDescriptor InvalidValue = Error(
        DiagnosticIds.InvalidValue, "Invalid layer argument", "Sizes, filters, units and strides must be positive; padding must be smaller than the kernel.");

    public static readonly DiagnosticDescriptor LayerCannotFollow = Error(
        DiagnosticIds.LayerCannotFollow, "Layer cannot follow the one before it", "Some layers need an image input, some a vector, and nothing may follow Softmax.");

    public static readonly DiagnosticDescriptor NoLayers = Error(
        DiagnosticIds.NoLayers, "Network has no layers", "A network needs at least one layer after its Input.");

    public static readonly DiagnosticDescriptor UnsupportedType = Error(
        DiagnosticIds.UnsupportedType, "Network class cannot be generated", "A network class must be a non-generic, non-static, non-abstract class, and any type containing it must be partial.");

    public static readonly DiagnosticDescriptor BranchShapeMismatch = Error(
        DiagnosticIds.BranchShapeMismatch, "Branch shapes do not match", "Add needs equal shapes; Concat needs equal heights and widths.");

    public static readonly DiagnosticDescriptor UnknownLayerName = Error(
        DiagnosticIds.UnknownLayerName, "Unknown layer name", "From, Add and Concat must name a layer declared earlier (or \"input\").");

    public static readonly DiagnosticDescriptor DuplicateLayerName = Error(
        DiagnosticIds.DuplicateLayerName, "Duplicate layer name", "Each Name must be unique within a network.");

    public static readonly DiagnosticDescriptor NameCollision = Error(
        DiagnosticIds.NameCollision, "Network class collides with a generated member", "CnnGen generates members (Forward, Trainer, Summary, the constructors …) into the network class: the class, its members and its base types must not use those names, and it must not have a primary constructor.");

    public static readonly DiagnosticDescriptor NetworkTooLarge = Error(
        DiagnosticIds.NetworkTooLarge, "Network too large for the runtime's buffers", "The activations of one image (what inference and training keep in int-indexed float buffers) must fit the runtime's limit.");

    public static readonly DiagnosticDescriptor InvalidTensorName = Error(
        DiagnosticIds.InvalidTensorName, "Invalid tensor name", "Tensor and TensorPrefix name a layer's tensors as a PyTorch state_dict does: module names joined by '.', each of letters, digits, '_' or '-'.");

    public static readonly DiagnosticDescriptor WinogradNotApplicable = Error(
        DiagnosticIds.WinogradNotApplicable, "Winograd requested for a convolution it cannot compute", "Algorithm = ConvAlgorithm.Winograd needs a 3×3 kernel, stride 1 and the same padding, 0 or 1, on both axes.");

    public static readonly DiagnosticDescriptor DuplicateTensorName = Error(
        DiagnosticIds.DuplicateTensorName, "Duplicate tensor name", "Every tensor of a network (after Tensor, TensorPrefix and the per-kind numbering are applied) must have its own name, so that weights files can name each one.");

    public static readonly DiagnosticDescriptor ParameterBudget = Warning(
        DiagnosticIds.ParameterBudget, "Network exceeds its parameter budget", "Network.MaxParameters caps the number of trainable parameters.");

    public static readonly DiagnosticDescriptor MultiplyAddBudget = Warning(
        DiagnosticIds.MultiplyAddBudget, "Network exceeds its multiply-add budget", "Network.MaxMultiplyAdds caps the multiply-adds of one forward pass of one image.");

    public static readonly DiagnosticDescriptor ReceptiveFieldBudget = Warning(
        DiagnosticIds.ReceptiveFieldBudget, "Receptive field smaller than required", "Network.MinReceptiveField asks the last spatial layer to see at least that many input pixels per axis.");

    public static readonly DiagnosticDescriptor WeightsFileNotFound = Error(
        DiagnosticIds.WeightsFileNotFound, "Weights does not name one AdditionalFiles item", "Network.Weights must name exactly one safetensors file given to the build as an AdditionalFiles item.");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = Error(
        DiagnosticIds.WeightsFileInvalid, "Weights file is not a usable safetensors file", "The file named by Network.Weights must be a valid safetensors file, converted to text by CnnGen's build/CnnGen.targets.");

    public static readonly DiagnosticDescriptor WeightsTensorMissing = Error(
        DiagnosticIds.WeightsTensorMissing, "Weights file lacks a tensor of the network", "The weights file must hold every tensor of the network, under its PyTorch state_dict name.");

    public static readonly DiagnosticDescriptor WeightsTensorUnexpected = Error(
        DiagnosticIds.WeightsTensorUnexpected, "Weights file has a tensor the network does not have", "Every tensor of the weights file must be a tensor of the network (BatchNorm's num_batches_tracked excepted).");

    public static readonly DiagnosticDescriptor WeightsTensorDType = Error(
        DiagnosticIds.WeightsTensorDType, "Weights tensor is not F32", "The network computes in float32; only F32 tensors are compiled in.");

    public static readonly DiagnosticDescriptor WeightsTensorShape = Error(
        DiagnosticIds.WeightsTensorShape, "Weights tensor has the wrong shape", "Each tensor of the weights file must have exactly the shape the declared layers give it.");

    /// <summary>All descriptors by ID.</summary>
    public static readonly IReadOnlyDictionary<string, DiagnosticDescriptor> ById = new[]
    {
        StrideDoesNotFit, WindowLargerThanInput, ParameterCountMismatch, ClassNotPartial, MissingInput,
        MisplacedInput, InvalidValue, LayerCannotFollow, NoLayers, UnsupportedType,
        BranchShapeMismatch, UnknownLayerName, DuplicateLayerName, NameCollision, NetworkTooLarge,
        InvalidTensorName, DuplicateTensorName, WinogradNotApplicable,
        ParameterBudget, MultiplyAddBudget, ReceptiveFieldBudget,
        WeightsFileNotFound, WeightsFileInvalid, WeightsTensorMissing, WeightsTensorUnexpected, WeightsTensorDType, WeightsTensorShape,
    }.ToDictionary(d => d.Id);

    private static DiagnosticDescriptor Warning(string id, string title, string description) =>
        new(id, title, "{0}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description: description, helpLinkUri: HelpRoot + id + ".md");

    private static DiagnosticDescriptor Error(string id, string title, string description) =>
        new(id, title, "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: description, helpLinkUri: HelpRoot + id + ".md");
}
