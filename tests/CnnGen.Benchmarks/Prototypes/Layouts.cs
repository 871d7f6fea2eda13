namespace CnnGen.Benchmarks.Prototypes;

/// <summary>
/// The internal activation and weight layouts of the LeNet-5 prototype kernels (tools/bench/KERNELS.md
/// explains why). Every size is a constant, as the emitter would write it. The public layouts stay
/// PyTorch's: input C×H×W, parameters in <c>state_dict</c> order; only what lives between the layers
/// and the packed copies of the weights differ.
/// </summary>
internal static class L
{
    // ---- shapes --------------------------------------------------------------------------------------
    public const int InH = 32, InW = 32, InputLength = InH * InW;     // conv1 input, C = 1
    public const int K1 = 6, F = 5, OH1 = 28, OW1 = 28;                // conv1
    public const int PH1 = 14, PW1 = 14;                               // pool1 output
    public const int K2 = 16, OH2 = 10, OW2 = 10;                      // conv2 (C = 6)
    public const int PH2 = 5, PW2 = 5, Cells2 = PH2 * PW2;             // pool2 output
    public const int In1 = 400, Out1 = 120, Out1P = 128;               // fc1 (outputs padded to 8 × 16)
    public const int In2 = 120, Out2 = 84, Out2P = 96;                 // fc2 (6 × 16)
    public const int In3 = 84, Out3 = 10, Out3P = 16;                  // fc3 (1 × 16)
    public const int Classes = 10;

    // ---- activations -----------------------------------------------------------------------------------
    /// <summary>Pool1 output, C×H×W with rows padded to 16 floats: [6][14][16]; columns 14, 15 unused.</summary>
    public const int P1Stride = 16, P1Plane = PH1 * P1Stride, P1Length = K1 * P1Plane;

    /// <summary>Pool2 output, channel-last: [5·5 cells][16 channels]; one 512-bit vector per cell.</summary>
    public const int P2Length = Cells2 * K2;

    // ---- parameters (offsets in the public buffer, PyTorch order) -----------------------------------
    public const int W1At = 0, B1At = 150, W2At = 156, B2At = 2556;
    public const int Fc1WAt = 2572, Fc1BAt = 50572, Fc2WAt = 50692, Fc2BAt = 60772, Fc3WAt = 60856, Fc3BAt = 61696;
    public const int ParameterCount = 61706;

    // ---- packed weights -----------------------------------------------------------------------------------
    /// <summary>conv2 weights tap-major, output channels innermost: [c][ky][kx][k] (one vector per tap).</summary>
    public const int W2PackedLength = 6 * F * F * K2;

    /// <summary>Transposed dense weights [in][outPadded]; fc1's rows follow the channel-last pool2 order.</summary>
    public const int Wt1Length = In1 * Out1P, Wt2Length = In2 * Out2P, Wt3Length = In3 * Out3P;

    /// <summary>Multiply-adds of one forward pass of one image.</summary>
    public const long MultiplyAdds = 416_520;
}
