using System.Globalization;
using OpenCvSharp;
using SegFuse.Media.Decoding;
using SegFuse.Media.Encoding;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Media.Tests;

public class VideoRoundTripTests
{
    private static string WriteSynthetic(TempDir dir, string name, int width, int height, double fps, int frames, H264EncoderSettings? settings = null)
    {
        string path = dir.File(name);
        using var writer = H264VideoWriter.Create(path, width, height, fps, settings);
        using var frame = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < frames; i++)
        {
            SyntheticFrames.Draw(frame, i);
            writer.Write(frame);
        }

        writer.Complete();
        return path;
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Written_video_reads_back_with_every_frame_its_timestamp_and_close_pixels(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, "clip.mp4", 160, 96, 25, 36);

        using var source = VideoFrameSource.Open(path, decoder: decoder);
        Assert.Equal(160, source.Info.Width);
        Assert.Equal(96, source.Info.Height);
        Assert.Equal(25, source.Info.Fps, 6);
        Assert.Equal(36, source.Info.ClaimedFrameCount);
        Assert.True(source.Info.ClaimedFrameCountIsExact);
        Assert.Equal("h264", source.Info.Codec);

        using var expected = new Mat(96, 160, MatType.CV_8UC3);
        var worst = 0.0;
        var buffers = new HashSet<Mat>(ReferenceEqualityComparer.Instance);
        while (source.TryRead(out var frame))
        {
            Assert.Equal(source.FramesRead - 1, frame.Index);
            Assert.Equal(frame.Index / 25.0, frame.Timestamp, 6);
            buffers.Add(frame.Image);
            SyntheticFrames.Draw(expected, frame.Index);
            worst = Math.Max(worst, SyntheticFrames.MeanAbsDiff(expected, frame.Image));
        }

        Assert.Equal(36, source.FramesRead);
        Assert.InRange(buffers.Count, 1, 3); // a ring of three reused buffers, whatever the length
        Assert.Equal(TimestampSource.Container, source.TimestampSource);
        Assert.Equal(0, source.FilledTimestamps);
        Assert.Equal(decoder, source.Decoder);
        Assert.True(worst < 4, $"mean absolute difference {worst:0.00} per channel value");
        Assert.False(source.TryRead(out _));
    }

    [Fact]
    public void Ffprobe_shows_the_youtube_preset_high_yuv420p_exact_count_cfr_bt709_closed_gop_and_faststart()
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, "yt.mp4", 320, 180, 30, 45);

        var s = Ffmpeg.VideoStream(path);
        Assert.Equal("h264", s.GetProperty("codec_name").GetString());
        Assert.Equal("High", s.GetProperty("profile").GetString());
        Assert.Equal("yuv420p", s.GetProperty("pix_fmt").GetString());
        Assert.Equal("45", s.GetProperty("nb_frames").GetString());
        Assert.Equal("45", s.GetProperty("nb_read_frames").GetString());
        Assert.Equal("30/1", s.GetProperty("r_frame_rate").GetString());
        Assert.Equal("30/1", s.GetProperty("avg_frame_rate").GetString());
        Assert.Equal("bt709", s.GetProperty("color_space").GetString());
        Assert.Equal("bt709", s.GetProperty("color_primaries").GetString());
        Assert.Equal("bt709", s.GetProperty("color_transfer").GetString());
        Assert.Equal("tv", s.GetProperty("color_range").GetString());
        Assert.Equal(2, s.GetProperty("has_b_frames").GetInt32());

        // Constant frame rate: every frame exactly 1/30 s after the one before.
        var times = Ffmpeg.FrameTimes(path);
        Assert.Equal(45, times.Count);
        for (int i = 0; i < times.Count; i++)
        {
            Assert.Equal(i / 30.0, times[i], 3);
        }

        // Closed GOP of half the frame rate: a keyframe (I) every 15 frames, B-frames in between.
        var types = Ffmpeg.FrameTypes(path);
        for (int i = 0; i < types.Count; i++)
        {
            Assert.Equal(i % 15 == 0, types[i].Key);
        }

        Assert.Contains(types, t => t.Type == "B");

        // Faststart: the moov box comes before mdat. No audio stream.
        var boxes = Ffmpeg.TopLevelBoxes(path);
        Assert.True(boxes.IndexOf("moov") >= 0 && boxes.IndexOf("moov") < boxes.IndexOf("mdat"), string.Join(",", boxes));
        Assert.Equal("video", Ffmpeg.Probe("-show_entries", "stream=codec_type", "-of", "csv=p=0", path).Trim());
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Bt709_frames_match_what_the_ffmpeg_cli_decodes(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, "c.mp4", 128, 72, 25, 3);
        byte[] raw = RawBgr(path);
        using var source = VideoFrameSource.Open(path, decoder: decoder);
        Assert.Equal("bt709", source.Info.ColorMatrix);
        Assert.True(source.TryRead(out var frame));
        using var reference = new Mat(72, 128, MatType.CV_8UC3);
        raw.AsSpan(0, 128 * 72 * 3).CopyTo(reference.AsSpan<byte>());
        double diff = SyntheticFrames.MeanAbsDiff(reference, frame.Image);
        Assert.True(diff < 1.5, $"mean absolute difference to ffmpeg's decode {diff:0.00}");
    }

    private static byte[] RawBgr(string path)
    {
        var info = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "bgr24", "-" })
        {
            info.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(info)!;
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        return ms.ToArray();
    }

    [Fact]
    public void Auto_takes_the_ffmpeg_pipe_when_it_can_and_opencv_for_a_scan()
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, "auto.mp4", 64, 48, 25, 3);
        using (var source = VideoFrameSource.Open(path))
        {
            Assert.Equal(VideoDecoder.Ffmpeg, source.Decoder);
        }

        // A timestamp scan (no read-ahead) skips frames without converting them, which only OpenCV can.
        using (var scan = VideoFrameSource.Open(path, probe: true, readAhead: false))
        {
            Assert.Equal(VideoDecoder.OpenCv, scan.Decoder);
            Assert.True(scan.TrySkip(out int index, out double t));
            Assert.Equal((0, 0.0), (index, t));
        }

        Assert.Equal(VideoDecoder.OpenCv, VideoFrameSource.Resolve(VideoDecoder.Auto, probe: false));
        Assert.Equal(VideoDecoder.OpenCv, VideoFrameSource.Resolve(VideoDecoder.OpenCv));
    }

    [Fact]
    public void YouTube_bit_rates_follow_the_table()
    {
        Assert.Equal(5_000_000, H264EncoderSettings.YouTubeBitRate(1280, 720, 30));
        Assert.Equal(7_500_000, H264EncoderSettings.YouTubeBitRate(1280, 720, 60));
        Assert.Equal(8_000_000, H264EncoderSettings.YouTubeBitRate(1920, 1080, 25));
        Assert.Equal(12_000_000, H264EncoderSettings.YouTubeBitRate(1920, 1080, 50));
        Assert.Equal(2_500_000, H264EncoderSettings.YouTubeBitRate(854, 480, 24));
        Assert.Equal(1_000_000, H264EncoderSettings.YouTubeBitRate(64, 48, 30));
        Assert.Equal(16_000_000, H264EncoderSettings.YouTubeBitRate(2560, 1440, 30));
        Assert.Equal(15, H264EncoderSettings.YouTube(1280, 720, 30).GopLength);
        Assert.Equal(12, H264EncoderSettings.YouTube(1280, 720, 24).GopLength);
        Assert.Equal("30000/1001", H264EncoderSettings.FrameRateArgument(30000 / 1001.0));
        Assert.Equal("25/1", H264EncoderSettings.FrameRateArgument(25));
        Assert.Equal("12500/1000", H264EncoderSettings.FrameRateArgument(12.5));
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Ntsc_rate_is_kept_exactly(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, "ntsc.mp4", 64, 48, 30000 / 1001.0, 10);
        var s = Ffmpeg.VideoStream(path);
        Assert.Equal("30000/1001", s.GetProperty("r_frame_rate").GetString());
        using var source = VideoFrameSource.Open(path, decoder: decoder);
        Assert.Equal(30000 / 1001.0, source.Info.Fps, 4);
        var last = 0.0;
        while (source.TryRead(out var f))
        {
            last = f.Timestamp;
        }

        Assert.Equal(9 * 1001 / 30000.0, last, 4);
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Odd_sized_frames_are_padded_by_repeating_the_edge(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = WriteSynthetic(dir, "odd.mp4", 63, 47, 25, 6);
        using var source = VideoFrameSource.Open(path, decoder: decoder);
        Assert.Equal(64, source.Info.Width);
        Assert.Equal(48, source.Info.Height);
        using var expected = new Mat(47, 63, MatType.CV_8UC3);
        while (source.TryRead(out var f))
        {
            SyntheticFrames.Draw(expected, f.Index);
            using var crop = new Mat(f.Image, new Rect(0, 0, 63, 47));
            Assert.True(SyntheticFrames.MeanAbsDiff(expected, crop) < 5);
        }

        Assert.Equal(6, source.FramesRead);
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Raw_h264_without_timestamps_falls_back_to_index_over_fps(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = dir.File("raw.h264");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=96x64:rate=20", "-frames:v", "12", "-c:v", "libx264", path);

        using var source = VideoFrameSource.Open(path, decoder: decoder);
        Assert.Null(source.Info.ClaimedFrameCount);
        var times = new List<double>();
        while (source.TryRead(out var f))
        {
            times.Add(f.Timestamp);
        }

        Assert.Equal(12, times.Count);
        Assert.Equal(TimestampSource.FrameRate, source.TimestampSource);
        for (int i = 0; i < times.Count; i++)
        {
            Assert.Equal(source.Info.StartTime + (i / source.Info.Fps), times[i], 6);
        }
    }

    [Theory]
    [InlineData(VideoDecoder.OpenCv)]
    [InlineData(VideoDecoder.Ffmpeg)]
    public void Container_start_time_is_kept_not_forced_to_zero(VideoDecoder decoder)
    {
        using var dir = new TempDir();
        string path = dir.File("offset.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "10", "-c:v", "libx264", "-output_ts_offset", "2", path);
        var expected = Ffmpeg.FrameTimes(path);

        using var source = VideoFrameSource.Open(path, decoder: decoder);
        var times = new List<double>();
        while (source.TryRead(out var f))
        {
            times.Add(f.Timestamp);
        }

        Assert.Equal(TimestampSource.Container, source.TimestampSource);
        Assert.Equal(expected.Count, times.Count);
        for (int i = 0; i < times.Count; i++)
        {
            Assert.Equal(expected[i], times[i], 3);
        }

        Assert.True(times[0] >= 1.99, times[0].ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Disposing_an_unfinished_writer_leaves_no_file()
    {
        using var dir = new TempDir();
        string path = dir.File("partial.mp4");
        using (var writer = H264VideoWriter.Create(path, 64, 48, 25))
        {
            using var frame = new Mat(48, 64, MatType.CV_8UC3, Scalar.All(128));
            for (int i = 0; i < 5; i++)
            {
                writer.Write(frame);
            }
        }

        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Writer_rejects_a_frame_of_the_wrong_size_and_leaves_nothing()
    {
        using var dir = new TempDir();
        using (var writer = H264VideoWriter.Create(dir.File("x.mp4"), 64, 48, 25))
        {
            using var frame = new Mat(40, 64, MatType.CV_8UC3);
            Assert.Throws<ArgumentException>(() => writer.Write(frame));
        }

        Assert.Empty(dir.Files());
    }
}
