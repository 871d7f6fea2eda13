namespace CnnGen.Generator.Emit;

/// <summary>
/// The attribute on every emitted method that runs per call (layers, <c>Forward</c>, the trainer's stages). Under the
/// JIT, tiered compilation first runs a method as unoptimised tier-0 code and only recompiles it once it has been
/// called often enough (then once more after an instrumented tier for PGO); for vector code tier 0 is 10–20× slower,
/// and a fresh process ran LeNet-5's <c>Forward</c> that way for its first thousands of calls (docs/benchmarks.md,
/// "Time to full speed"). <c>AggressiveOptimization</c> compiles these methods fully optimised on their first call.
/// Native AOT ignores it (everything is optimised ahead of time).
/// </summary>
internal static class Tiering
{
    /// <summary>The attribute line, <c>global::</c>-qualified.</summary>
    public const string Optimized = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";
}
