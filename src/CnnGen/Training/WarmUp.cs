using System;
using System.Threading.Tasks;
using CnnGen.Runtime;

namespace CnnGen.Training;

/// <summary>
/// Compiles a network's training step ahead of the first batch, on another core. On the JIT the first training step of
/// a network type spends about 0.1 s compiling (LeNet-5: the emitted stages, every kernel they reach, fully optimised at
/// once); started while the data loads, that work is done by the time <c>Fit</c> begins, so the first epoch runs near the
/// speed of the others. Under Native AOT everything is compiled already and the warm-up does nothing.
/// </summary>
/// <example>
/// <code>
/// Task warm = WarmUp.TrainingAsync(new LeNet5(), batchSize: 32, new Adam());   // a scratch network and optimizer
/// Dataset train = Dataset.LoadDirectory("data", "train", padTo: 32);            // meanwhile, on this core
/// await warm;
/// </code>
/// </example>
public static class WarmUp
{
    /// <summary>
    /// Starts a thread-pool task that runs one training step and one batch forward pass of <paramref name="batchSize"/>
    /// zero images through <paramref name="scratch"/>, which compiles every method they reach. It costs that step's time on
    /// the other core and, while it runs, a second set of the step's buffers (the tapes and gradients of
    /// <paramref name="batchSize"/> images): worth it where the step is short next to what it overlaps (LeNet-5: ~0.1 s of
    /// compiling against a step of ~1 ms); for a network whose step itself takes seconds, start training instead.
    /// </summary>
    /// <param name="scratch">
    /// A network of the type that will be trained, used as scratch: the step changes its parameters and running
    /// statistics. Not the network being trained, and not to be used until the task completes.
    /// </param>
    /// <param name="batchSize">The batch size training will use (the step's split over threads depends on it), ≥ 1.</param>
    /// <param name="optimizer">
    /// A fresh optimizer of the kind training will use, so its step is compiled too (its state changes); SGD when null.
    /// </param>
    /// <returns>The warm-up; awaiting it is optional (a training step that starts first waits for any method still being compiled).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scratch"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    public static Task TrainingAsync<TNetwork>(TNetwork scratch, int batchSize, Optimizer? optimizer = null)
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>
    {
        ArgumentNullException.ThrowIfNull(scratch);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        // Native AOT compiles nothing at run time. (RuntimeFeature.IsDynamicCodeCompiled cannot tell: a project with
        // PublishAot set turns it off under the JIT too.)
        if (System.Runtime.JitInfo.GetCompiledMethodCount() == 0)
        {
            return Task.CompletedTask;
        }

        return Task.Run(() =>
        {
            var trainer = new ScratchTrainer<TNetwork>(scratch, optimizer ?? new Sgd(0f));
            var images = new float[batchSize * scratch.InputSize];
            trainer.TrainBatch(images, new int[batchSize]);
            scratch.ForwardBatch(images, new float[batchSize * scratch.OutputSize]);
        });
    }

    // The generated Trainer adds only a constructor to NetworkTrainer, whose code (shared by every network type) is
    // what the warm-up compiles; this one is the same for any network.
    private sealed class ScratchTrainer<TNetwork>(TNetwork network, Optimizer optimizer) : NetworkTrainer<TNetwork>(network, optimizer, seed: 0)
        where TNetwork : GeneratedNetwork<TNetwork>, IGeneratedNetwork<TNetwork>;
}
