using System;
using Xunit;

namespace CnnGen.Tests.Networks;

// Issue 12 item 4: README and the XML docs say ForwardBatch gives every image exactly the bits Forward gives it.
// TensorPrimitives picks its vector width from the span's length, so a batch's longer spans once took a different
// approximation of e^x: 3e-8–1.2e-7 apart from batch 2 up.

[Network] [Input(2, 2, 1)] [Dense(3)] [Sigmoid]
public partial class SigmoidHead;

[Network] [Input(2, 2, 1)] [Dense(3)] [Tanh]
public partial class TanhHead;

/// <summary>Every activation after layers of awkward widths, so the element-wise spans have every remainder.</summary>
[Network] [Input(3, 5, 2)] [Conv2D(7, 2)] [Sigmoid] [Dense(13)] [Tanh] [Dense(5)] [ELU(0.5)] [Dense(11)] [LeakyReLU(0.2)] [Dense(4)] [Softmax]
public partial class EveryActivation;

public sealed class BatchBitsTests
{
    [Fact]
    public void ForwardBatch_gives_each_image_the_bits_Forward_gives_it()
    {
        var sigmoid = new SigmoidHead(1);
        SameBits(sigmoid, sigmoid.ForwardBatch);
        var tanh = new TanhHead(1);
        SameBits(tanh, tanh.ForwardBatch);
        var every = new EveryActivation(1);
        SameBits(every, every.ForwardBatch);
    }

    private delegate void Batch(ReadOnlySpan<float> inputs, Span<float> outputs);

    private static void SameBits(INetwork net, Batch forwardBatch)
    {
        var random = new Random(4);
        foreach (int batch in new[] { 1, 2, 3, 5, 7, 16, 17, 33 })
        {
            var inputs = new float[batch * net.InputSize];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)((random.NextDouble() * 8) - 4);
            var outputs = new float[batch * net.OutputSize];
            forwardBatch(inputs, outputs);
            var single = new float[net.OutputSize];
            for (int b = 0; b < batch; b++)
            {
                net.Forward(inputs.AsSpan(b * net.InputSize, net.InputSize), single);
                for (int i = 0; i < single.Length; i++)
                {
                    float got = outputs[(b * net.OutputSize) + i];
                    Assert.True(BitConverter.SingleToInt32Bits(single[i]) == BitConverter.SingleToInt32Bits(got),
                        $"{net.GetType().Name}, batch {batch}, image {b}, output {i}: ForwardBatch {got:R}, Forward {single[i]:R}");
                }
            }
        }
    }
}
