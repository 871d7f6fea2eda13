namespace CnnGen.Generator.Model;

/// <summary>
/// The diagnostic IDs, as plain strings so the Roslyn-free core can name them; the descriptors
/// (title, severity, help link) live in <c>Diagnostics/DiagnosticDescriptors.cs</c>.
/// </summary>
internal static class DiagnosticIds
{
    public const string StrideDoesNotFit = "CNN0001";
    public const string WindowLargerThanInput = "CNN0002";
    public const string ParameterCountMismatch = "CNN0003";
    public const string ClassNotPartial = "CNN0004";
    public const string MissingInput = "CNN0005";
    public const string MisplacedInput = "CNN0006";
    public const string InvalidValue = "CNN0007";
    public const string LayerCannotFollow = "CNN0008";
    public const string NoLayers = "CNN0009";
    public const string UnsupportedType = "CNN0010";
    public const string BranchShapeMismatch = "CNN0011";
    public const string UnknownLayerName = "CNN0012";
    public const string DuplicateLayerName = "CNN0013";
    public const string NameCollision = "CNN0014";
    public const string NetworkTooLarge = "CNN0015";
    public const string InvalidTensorName = "CNN0016";
    public const string DuplicateTensorName = "CNN0017";
    public const string WinogradNotApplicable = "CNN0018";

    // Budgets: warnings, suppressible with #pragma warning disable.
    public const string ParameterBudget = "CNN0101";
    public const string MultiplyAddBudget = "CNN0102";
    public const string ReceptiveFieldBudget = "CNN0103";

    // Weights compiled in from a safetensors file ([Network(Weights = "…")]): errors on that argument.
    public const string WeightsFileNotFound = "CNN0201";
    public const string WeightsFileInvalid = "CNN0202";
    public const string WeightsTensorMissing = "CNN0203";
    public const string WeightsTensorUnexpected = "CNN0204";
    public const string WeightsTensorDType = "CNN0205";
    public const string WeightsTensorShape = "CNN0206";
}
