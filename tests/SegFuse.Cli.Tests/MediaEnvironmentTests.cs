using SegFuse.Media.Tests.Support;

namespace SegFuse.Cli.Tests;

/// <summary>Tests that change PATH run alone (PATH is process-wide).</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public class MediaEnvironmentTests
{
    [Fact]
    public void Render_without_ffmpeg_on_path_says_how_to_install_it()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("labels"), 2, 64, 48);
        string? path = Environment.GetEnvironmentVariable("PATH");
        CliRunner.Result r;
        try
        {
            Environment.SetEnvironmentVariable("PATH", dir.Combine("labels"));
            r = CliRunner.Run("render", "--labels", dir.Combine("labels"), "--out", dir.Combine("o.mp4"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: ffmpeg: not found on PATH; install it (Debian/Ubuntu: apt-get install ffmpeg)", r.Error.Trim().Split('\n').Last());
        Assert.False(File.Exists(dir.Combine("o.mp4")));
    }
}
