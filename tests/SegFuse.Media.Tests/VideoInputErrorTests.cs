using OpenCvSharp;
using SegFuse.Media.Decoding;
using SegFuse.Media.Encoding;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Media.Tests;

public class VideoInputErrorTests
{
    private static int ReadAll(VideoFrameSource source)
    {
        int n = 0;
        while (source.TryRead(out _))
        {
            n++;
        }

        return n;
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        var e = Assert.Throws<SegFuseInputException>(() => VideoFrameSource.Open("/no/such/video.mp4"));
        Assert.Equal("/no/such/video.mp4", e.Subject);
        Assert.Equal("no such file", e.Reason);
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Text_file_is_not_a_video(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = dir.File("notes.mp4");
        File.WriteAllText(path, "this is not a video, just some text\n");
        var e = Assert.Throws<SegFuseInputException>(() => VideoFrameSource.Open(path, decoder: decoder));
        Assert.Equal(path, e.Subject);
        Assert.Contains("not a readable video", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_file_and_folder_are_rejected()
    {
        using var dir = new TempDir();
        string path = dir.File("empty.mp4");
        File.WriteAllBytes(path, []);
        Assert.Contains("empty", Assert.Throws<SegFuseInputException>(() => VideoFrameSource.Open(path)).Reason, StringComparison.Ordinal);
        Assert.Contains("folder", Assert.Throws<SegFuseInputException>(() => VideoFrameSource.Open(dir.Path)).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Zero_frame_video_says_it_has_no_frames(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = dir.File("zero.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "0", "-c:v", "libx264", path);
        var e = Assert.Throws<SegFuseInputException>(() =>
        {
            using var source = VideoFrameSource.Open(path, decoder: decoder);
            ReadAll(source);
        });
        Assert.Equal(path, e.Subject);
        Assert.Contains("no video frames", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Truncated_mp4_says_how_many_frames_were_read_and_where_it_stopped(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string full = dir.File("full.mp4");
        using (var writer = H264VideoWriter.Create(full, 160, 96, 25))
        {
            using var frame = new Mat(96, 160, MatType.CV_8UC3);
            for (int i = 0; i < 50; i++)
            {
                SyntheticFrames.Draw(frame, i);
                writer.Write(frame);
            }

            writer.Complete();
        }

        // Faststart puts the index first, so a cut file still opens and its frames decode up to the cut.
        byte[] bytes = File.ReadAllBytes(full);
        string cut = dir.File("cut.mp4");
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        using var source = VideoFrameSource.Open(cut, decoder: decoder);
        int read = 0;
        var e = Assert.Throws<SegFuseInputException>(() =>
        {
            while (source.TryRead(out _))
            {
                read++;
            }
        });
        Assert.Equal(cut, e.Subject);
        Assert.InRange(read, 1, 49);
        Assert.Contains($"after {read} of the 50 frames", e.Reason, StringComparison.Ordinal);
        Assert.Contains(" s (frame ", e.Reason, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Unwritable_output_is_bad_input_and_leaves_nothing()
    {
        using var dir = new TempDir();
        string blocker = dir.File("file.txt");
        File.WriteAllText(blocker, "x");
        string path = Path.Combine(blocker, "out.mp4");
        var e = Assert.Throws<SegFuseInputException>(() => H264VideoWriter.Create(path, 64, 48, 25));
        Assert.Equal(path, e.Subject);
        Assert.Contains("cannot write", e.Reason, StringComparison.Ordinal);
        Assert.Equal(["file.txt"], dir.Files());
    }
}
