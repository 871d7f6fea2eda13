using System;
using System.IO;
using CnnGen.IO;
using Xunit;

namespace CnnGen.Tests.Networks;

/// <summary>Reads the PyTorch fixtures written by tools/fixtures/make_fixtures.py (see tests/fixtures/README.md).</summary>
internal static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    public static SafeTensorsFile Open(string name) => SafeTensorsFile.Read(PathOf(name));

    /// <summary>Copies every tensor named <c>prefix + tensor.Name</c> into the network's parameter buffer.</summary>
    public static void LoadParameters(INetwork network, SafeTensorsFile file, string prefix = "")
    {
        foreach (TensorInfo tensor in network.Tensors)
        {
            TensorEntry entry = file[prefix + tensor.Name];
            Assert.Equal(tensor.Shape, entry.Shape);
            entry.CopyTo(network.Parameters.Slice(tensor.Offset, tensor.Length));
        }
    }

    /// <summary>Fails with the worst element when |actual − expected| &gt; atol + rtol·|expected| anywhere.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) - (atol + (rtol * Math.Abs(expected[i])));
            if (excess > worst)
            {
                worst = excess;
                at = i;
            }
        }

        Assert.True(at < 0, at < 0 ? string.Empty : $"{what}[{at}]: expected {expected[at]:R}, got {actual[at]:R} (tolerance {atol} + {rtol}·|expected|)");
    }
}
