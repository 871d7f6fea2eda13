using Xunit;

// The tests build the same projects (src/CnnGen, samples/LeNet.Aot) in child processes: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
