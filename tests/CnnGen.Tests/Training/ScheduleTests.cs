using System;
using CnnGen.Training;
using Xunit;

namespace CnnGen.Tests.Training;

public class ScheduleTests
{
    [Fact]
    public void Step_decay_multiplies_by_the_factor_every_n_epochs()
    {
        LearningRateSchedule s = LearningRateSchedule.StepDecay(0.1f, everyEpochs: 5, factor: 0.5f);
        // 10 steps per epoch: epochs 0–4 are steps 0–49.
        Assert.Equal(0.1f, s.RateAt(0, 10, 1000));
        Assert.Equal(0.1f, s.RateAt(49, 10, 1000));
        Assert.Equal(0.05f, s.RateAt(50, 10, 1000));
        Assert.Equal(0.025f, s.RateAt(100, 10, 1000));
        Assert.Equal(0.0125f, s.RateAt(199, 10, 1000));
    }

    [Fact]
    public void Cosine_goes_from_the_initial_to_the_minimum_rate_over_the_run()
    {
        LearningRateSchedule s = LearningRateSchedule.Cosine(1f);
        Assert.Equal(1f, s.RateAt(0, 10, 100));
        Assert.Equal(0.8535533905932737, s.RateAt(25, 10, 100), 6); // (1 + cos(π/4)) / 2
        Assert.Equal(0.5f, s.RateAt(50, 10, 100), 6);
        Assert.Equal(0f, s.RateAt(100, 10, 100), 6);

        LearningRateSchedule floor = LearningRateSchedule.Cosine(0.3f, 0.1f);
        Assert.Equal(0.2f, floor.RateAt(50, 10, 100), 6); // 0.1 + 0.2 · (1 + cos(π/2)) / 2
    }

    [Fact]
    public void One_cycle_rises_then_anneals_as_pytorch_one_cycle_lr()
    {
        // max 1, 25 % warm-up of 100 steps, div 25, final div 1e4: starts at 0.04, peaks at step 24, ends at 4e-6 at step 99.
        LearningRateSchedule s = LearningRateSchedule.OneCycle(1f, 0.25f, 25f, 1e4f);
        Assert.Equal(0.04f, s.RateAt(0, 10, 100), 6);
        Assert.Equal(0.52f, s.RateAt(12, 10, 100), 6); // 1 + (0.04 − 1) · (1 + cos(π/2)) / 2
        Assert.Equal(1f, s.RateAt(24, 10, 100), 6);
        Assert.Equal(0.654509879153485, s.RateAt(54, 10, 100), 6); // 4e-6 + (1 − 4e-6) · (1 + cos(0.4π)) / 2
        Assert.Equal(4e-6f, s.RateAt(99, 10, 100), 9);
    }

    [Fact]
    public void Constant_is_constant()
    {
        LearningRateSchedule s = LearningRateSchedule.Constant(0.01f);
        Assert.Equal(0.01f, s.RateAt(0, 3, 9));
        Assert.Equal(0.01f, s.RateAt(8, 3, 9));
    }

    [Fact]
    public void Bad_arguments_say_what_is_expected()
    {
        Assert.Contains("must be finite and ≥ 0", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Constant(-1f)).Message);
        Assert.Contains("everyEpochs must be at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0.1f, 0, 0.5f)).Message);
        Assert.Contains("factor must be in (0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.StepDecay(0.1f, 1, 2f)).Message);
        Assert.Contains("must not exceed initialRate", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(0.1f, 0.2f)).Message);
        Assert.Contains("warmupFraction must be in (0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OneCycle(1f, 1f)).Message);
        Assert.Contains("maxRate must be > 0", Assert.Throws<ArgumentOutOfRangeException>(() => LearningRateSchedule.OneCycle(0f)).Message);
    }
}
