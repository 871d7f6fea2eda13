using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace CnnGen.PackageTests;

/// <summary>
/// The main job, samples/LeNet (training, ScottPlot's PNG plot, Spectre.Console, System.CommandLine), also publishes
/// with Native AOT without a trim or AOT warning, and the native executable trains.
/// </summary>
public sealed class TrainingSampleAotTests
{
    [Fact]
    public void The_training_sample_publishes_natively_without_a_trim_or_AOT_warning_and_trains()
    {
        using TempFolder temp = DotNet.CreateTempFolder("cnngen-lenet-aot");
        string project = Path.Combine(DotNet.RepoRoot, "samples", "LeNet", "LeNet.csproj");
        ProcessResult publish = DotNet.Run(DotNet.RepoRoot, null, "publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", temp.Combine("publish"));
        Assert.True(publish.ExitCode == 0, publish.ToString());
        Assert.DoesNotMatch(@"warning IL[23]\d{3}", publish.Output);
        Assert.DoesNotMatch(@"(?m)warning [A-Z]+\d+", publish.Output);

        ProcessResult run = DotNet.Exec(temp.Combine("publish", "LeNet"), temp.Path, null, "--epochs", "1", "--out", temp.Combine("out"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("reloaded weights: 2000/2000 predictions agree", run.Output);
        Match accuracy = Regex.Match(run.Output, @"test accuracy: (0\.\d+)");
        Assert.True(accuracy.Success, run.Output);
        Assert.InRange(double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture), 0.85, 1.0);
        Assert.True(new FileInfo(temp.Combine("out", "lenet5.safetensors")).Length > 240_000);
        Assert.True(File.Exists(temp.Combine("out", "lenet5-training.png")));
    }
}
