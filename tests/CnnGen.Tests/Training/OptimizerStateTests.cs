using System;
using System.Collections.Generic;
using CnnGen.IO;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training;

public class OptimizerStateTests
{
    private static float[] Steps(Optimizer optimizer, float[] parameters, int from, int to)
    {
        for (int t = from; t < to; t++)
        {
            var gradients = new float[parameters.Length];
            for (int i = 0; i < gradients.Length; i++) gradients[i] = MathF.Sin(t * 7 + i) + 0.1f * parameters[i];
            optimizer.Step(parameters, gradients);
        }

        return parameters;
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void Saved_state_continues_exactly_in_a_new_optimizer(string kind)
    {
        Func<Optimizer> make = kind == "adam" ? () => new Adam(0.01f) : () => new Sgd(0.01f, momentum: 0.9f);
        float[] start = { 0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f, 3f, -2f, 0.1f };
        float[] whole = Steps(make(), (float[])start.Clone(), 0, 6);

        Optimizer first = make();
        float[] half = Steps(first, (float[])start.Clone(), 0, 3);
        var arrays = new Dictionary<string, float[]>();
        var values = new Dictionary<string, string>();
        first.SaveState(arrays, values);
        Optimizer second = make();
        second.LoadState(arrays, values);
        float[] resumed = Steps(second, half, 3, 6);

        Assert.Equal(whole, resumed);
    }

    [Fact]
    public void A_missing_array_is_named()
    {
        var e = Assert.Throws<System.IO.InvalidDataException>(() =>
            new Adam().LoadState(new Dictionary<string, float[]>(), new Dictionary<string, string> { ["step"] = "3" }));
        Assert.Contains("exp_avg", e.Message);
    }

    [Fact]
    public void Dataset_copies_an_image_into_a_span_of_its_size_only()
    {
        var data = new Dataset(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, new byte[] { 0, 1 }, 2, 2);
        var image = new float[4];
        data.CopyTo(1, image);
        Assert.Equal(new float[] { 5, 6, 7, 8 }, image);
        Assert.Contains("Expected a span of 4 floats", Assert.Throws<ArgumentException>(() => data.CopyTo(0, new float[3])).Message);
    }
}
