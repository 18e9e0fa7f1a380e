using SegFuse.Media.Encoding;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Media.Tests;

/// <summary>Tests that change PATH run alone (PATH is process-wide).</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public class FfmpegMissingTests
{
    [Fact]
    public void Writer_without_ffmpeg_on_path_says_how_to_install_it_and_leaves_nothing()
    {
        using var dir = new TempDir();
        string? path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            Environment.SetEnvironmentVariable("PATH", dir.Path);
            var e = Assert.Throws<SegFuseInputException>(() => H264VideoWriter.Create(dir.File("out.mp4"), 64, 48, 25));
            Assert.Equal("ffmpeg", e.Subject);
            Assert.Contains("apt-get install ffmpeg", e.Reason, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }

        Assert.Empty(dir.Files());
    }
}
