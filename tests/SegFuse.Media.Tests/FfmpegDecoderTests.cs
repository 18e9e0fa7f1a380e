using OpenCvSharp;
using SegFuse.Media.Decoding;
using SegFuse.Media.Encoding;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Media.Tests;

/// <summary>The system-ffmpeg decoder behaves like the OpenCV one: same frames, same timestamps, same errors.</summary>
public class FfmpegDecoderTests
{
    private static string WriteSynthetic(TempDir dir, int frames)
    {
        string path = dir.File("clip.mp4");
        using var writer = H264VideoWriter.Create(path, 160, 96, 25);
        using var frame = new Mat(96, 160, MatType.CV_8UC3);
        for (int i = 0; i < frames; i++)
        {
            SyntheticFrames.Draw(frame, i);
            writer.Write(frame);
        }

        writer.Complete();
        return path;
    }

    [Fact]
    public void Frames_and_timestamps_match_the_opencv_decoder()
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, 30);
        using var ffmpeg = VideoFrameSource.Open(path, decoder: VideoDecoder.Ffmpeg);
        using var opencv = VideoFrameSource.Open(path, decoder: VideoDecoder.OpenCv);
        Assert.Equal(30, ffmpeg.Info.ClaimedFrameCount);
        Assert.Equal(opencv.Info.Width, ffmpeg.Info.Width);
        Assert.Equal("h264", ffmpeg.Info.Codec);
        using var expected = new Mat(96, 160, MatType.CV_8UC3);
        while (ffmpeg.TryRead(out var a))
        {
            Assert.True(opencv.TryRead(out var b));
            Assert.Equal(b.Index, a.Index);
            Assert.Equal(b.Timestamp, a.Timestamp, 6);
            Assert.Equal(a.Index / 25.0, a.Timestamp, 6);
            Assert.True(SyntheticFrames.MeanAbsDiff(a.Image, b.Image) < 1.5);
            SyntheticFrames.Draw(expected, a.Index);
            Assert.True(SyntheticFrames.MeanAbsDiff(expected, a.Image) < 4);
        }

        Assert.False(opencv.TryRead(out _));
        Assert.Equal(30, ffmpeg.FramesRead);
        Assert.Equal(TimestampSource.Container, ffmpeg.TimestampSource);
    }

    [Fact]
    public void Container_start_time_and_missing_timestamps_are_handled_like_opencv()
    {
        using var dir = new TempDir();
        string offset = dir.File("offset.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "10", "-c:v", "libx264", "-output_ts_offset", "2", offset);
        var expected = Ffmpeg.FrameTimes(offset);
        using (var source = VideoFrameSource.Open(offset, decoder: VideoDecoder.Ffmpeg))
        {
            var times = new List<double>();
            while (source.TryRead(out var f))
            {
                times.Add(f.Timestamp);
            }

            Assert.Equal(expected.Count, times.Count);
            for (int i = 0; i < times.Count; i++)
            {
                Assert.Equal(expected[i], times[i], 3);
            }
        }

        string raw = dir.File("raw.h264");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=96x64:rate=20", "-frames:v", "12", "-c:v", "libx264", raw);
        using var rawSource = VideoFrameSource.Open(raw, decoder: VideoDecoder.Ffmpeg);
        int n = 0;
        while (rawSource.TryRead(out var f))
        {
            Assert.Equal(rawSource.Info.StartTime + (f.Index / rawSource.Info.Fps), f.Timestamp, 6);
            n++;
        }

        Assert.Equal(12, n);
        Assert.Equal(TimestampSource.FrameRate, rawSource.TimestampSource);
    }

    [Fact]
    public void Truncated_and_non_video_files_are_reported()
    {
        using var dir = new TempDir();
        string full = WriteSynthetic(dir, 50);
        byte[] bytes = File.ReadAllBytes(full);
        string cut = dir.File("cut.mp4");
        File.WriteAllBytes(cut, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        using var source = VideoFrameSource.Open(cut, decoder: VideoDecoder.Ffmpeg);
        var e = Assert.Throws<SegFuseInputException>(() =>
        {
            while (source.TryRead(out _))
            {
            }
        });
        Assert.Equal(cut, e.Subject);
        Assert.Contains("truncated or corrupt: decoding stopped after", e.Reason, StringComparison.Ordinal);

        File.WriteAllText(dir.File("text.mp4"), "not a video");
        e = Assert.Throws<SegFuseInputException>(() => VideoFrameSource.Open(dir.File("text.mp4"), decoder: VideoDecoder.Ffmpeg));
        Assert.Contains("not a readable video", e.Reason, StringComparison.Ordinal);
    }
}
