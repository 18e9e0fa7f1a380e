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

    [Fact]
    public void Auto_decoder_falls_back_to_opencv_without_ffmpeg_on_path()
    {
        using var dir = new TempDir();
        string video = dir.File("clip.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "5", "-c:v", "libx264", video);
        string? path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            Environment.SetEnvironmentVariable("PATH", Path.Combine(dir.Path, "empty"));
            using var source = Decoding.VideoFrameSource.Open(video);
            Assert.Equal(Decoding.VideoDecoder.OpenCv, source.Decoder);
            int n = 0;
            while (source.TryRead(out var f))
            {
                Assert.Equal(n++ / 25.0, f.Timestamp, 6);
            }

            Assert.Equal(5, n);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }
}
