using System;

namespace CnnGen;

/// <summary>
/// Seeded parameter initialisation used by generated networks: He (Kaiming) normal for layers that feed
/// a ReLU, Glorot (Xavier) uniform otherwise; biases start at zero. Deterministic for a given seed.
/// </summary>
public static class Initializers
{
    /// <summary>Fills <paramref name="weights"/> from N(0, 2 / fanIn) (He et al., 2015).</summary>
    public static void HeNormal(Span<float> weights, int fanIn, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double std = Math.Sqrt(2.0 / fanIn);
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(std * StandardNormal(random));
        }
    }

    /// <summary>Fills <paramref name="weights"/> from U(−a, a), a = √(6 / (fanIn + fanOut)) (Glorot and Bengio, 2010).</summary>
    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)((random.NextDouble() * 2.0 - 1.0) * limit);
        }
    }

    // Box–Muller: one standard normal sample from two uniforms.
    private static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
