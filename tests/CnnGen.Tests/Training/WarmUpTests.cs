using System;
using System.Threading.Tasks;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training;

/// <summary>
/// WarmUp.TrainingAsync runs one step of the given batch size on the scratch network with the given optimizer (that is
/// how it compiles the step) and touches nothing else; its arguments are checked before anything starts.
/// </summary>
public sealed class WarmUpTests
{
    [Fact]
    public async Task Runs_one_step_on_the_scratch_network_only()
    {
        var scratch = new FitNet(3);
        var other = new FitNet(3);
        float[] before = scratch.Parameters.ToArray();

        await WarmUp.TrainingAsync(scratch, batchSize: 5, new Sgd(0.5f));

        // Zero images still give the last layer's bias a gradient (softmax − one-hot), so SGD moves it.
        Assert.NotEqual(before, scratch.Parameters.ToArray());
        Assert.Equal(before, other.Parameters.ToArray());
    }

    [Fact]
    public async Task Without_an_optimizer_the_step_changes_no_parameter()
    {
        var scratch = new FitNet(4);
        float[] before = scratch.Parameters.ToArray();
        await WarmUp.TrainingAsync(scratch, batchSize: 1);
        Assert.Equal(before, scratch.Parameters.ToArray());   // SGD with rate 0
    }

    [Fact]
    public void Refuses_bad_arguments_before_starting()
    {
        Assert.Throws<ArgumentNullException>(() => { _ = WarmUp.TrainingAsync<FitNet>(null!, 8); });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = WarmUp.TrainingAsync(new FitNet(1), 0); });
        Assert.Equal("batchSize", e.ParamName);
    }
}
