using System.Diagnostics;
using OpenCvSharp;
using SegFuse.Labels;
using SegFuse.Media.Encoding;
using SegFuse.Media.Palette;
using SegFuse.Media.Rendering;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Media.Tests;

/// <summary>
/// Ground truth → palette render (YouTube preset) → decode, on driving-like 1280×720 sequences that were not used to tune
/// the decoder (seed 41; the decoder was tuned on seeds 3, 7 and 21).
/// </summary>

public sealed class PaletteRoundTripFixture : IDisposable
{
    public const int Width = 1280, Height = 720, Frames = 24;

    public PaletteRoundTripFixture()
    {
        Set = LabelSet.Load("cityscapes-trainids");
        Truth = Enumerable.Range(0, Frames).Select(i => DrivingScene.Draw(Width, Height, i * 5, seed: 41)).ToList();
        var colorizer = new LabelColorizer(Set);
        using var bgr = new Mat();
        using (var writer = H264VideoWriter.Create(Rendered, Width, Height, 30))
        {
            foreach (var map in Truth)
            {
                colorizer.Colorize(map, bgr);
                writer.Write(bgr);
            }

            writer.Complete();
        }

        // What YouTube's re-encode does to it, approximately: a second H.264 pass at 1.5 Mbit/s.
        Ffmpeg.Run("-i", Rendered, "-c:v", "libx264", "-b:v", "1500k", "-maxrate", "1500k", "-bufsize", "3000k", Reencoded);
    }

    internal TempDir Dir { get; } = new();

    public LabelSet Set { get; }

    internal List<Labels.LabelMap> Truth { get; }

    public string Rendered => Dir.File("submission.mp4");

    public string Reencoded => Dir.File("reencoded-1500k.mp4");

    public void Dispose() => Dir.Dispose();
}

public class PaletteRoundTripTests(PaletteRoundTripFixture fx) : IClassFixture<PaletteRoundTripFixture>
{
    private static Miou Score(PaletteRoundTripFixture fx, string video, out HashSet<int> predicted, out string matrix)
    {
        var miou = new Miou();
        predicted = [];
        using var decoder = PaletteVideoDecoder.Open(video, fx.Set);
        while (decoder.TryRead(out var map))
        {
            miou.Add(fx.Truth[decoder.FramesRead - 1], map);
            foreach (ushort id in map.Span)
            {
                predicted.Add(id);
            }
        }

        Assert.Equal(PaletteRoundTripFixture.Frames, decoder.FramesRead);
        matrix = decoder.ColorMatrix!;
        return miou;
    }

    [Fact]
    public void Rendered_submission_decodes_to_at_least_0_995_miou_and_invents_no_class()
    {
        var miou = Score(fx, fx.Rendered, out var predicted, out string matrix);

        Assert.True(miou.Mean >= 0.995, $"mIoU {miou.Mean:0.00000}: {miou.Describe()}");
        Assert.Equal("bt709", matrix);
        var truth = fx.Truth.SelectMany(m => m.Span.ToArray()).Select(v => (int)v).ToHashSet();
        Assert.Empty(predicted.Except(truth));
    }

    [Fact]
    public void Reencoded_at_1_5_mbit_decodes_to_at_least_0_98_miou()
    {
        var miou = Score(fx, fx.Reencoded, out _, out _);

        Assert.True(miou.Mean >= 0.98, $"mIoU {miou.Mean:0.00000}: {miou.Describe()}");
    }

    [Fact]
    public void Nearest_colour_decoding_of_the_same_video_is_far_worse()
    {
        // The problem the decoder solves: nearest palette colour on BGR frames (what a naive scorer does).
        var miou = new Miou();
        var palette = fx.Set.Classes.Select(c => (c.Id, c.Color)).ToArray();
        using var source = Decoding.VideoFrameSource.Open(fx.Rendered);
        while (source.TryRead(out var frame))
        {
            var map = new Labels.LabelMap(frame.Image.Width, frame.Image.Height);
            var rows = frame.Image.AsRows<Vec3b>();
            for (int y = 0; y < map.Height; y++)
            {
                var row = rows[y];
                var dst = map.GetRowSpan(y);
                for (int x = 0; x < map.Width; x++)
                {
                    var p = row[x];
                    dst[x] = (ushort)palette.MinBy(c => Sq(c.Color.B - p.Item0) + Sq(c.Color.G - p.Item1) + Sq(c.Color.R - p.Item2)).Id;
                }
            }

            miou.Add(fx.Truth[frame.Index], map);
        }

        var robust = Score(fx, fx.Rendered, out _, out _);
        Assert.True(miou.Mean < robust.Mean - 0.02, $"nearest colour {miou.Mean:0.0000} vs robust {robust.Mean:0.0000}");

        static int Sq(int v) => v * v;
    }
}

public class PaletteDecoderTests
{
    [Fact]
    public void Untagged_bt601_render_is_detected_and_decoded()
    {
        using var dir = new TempDir();
        var set = LabelSet.Load("cityscapes-trainids");
        var truth = Enumerable.Range(0, 4).Select(i => DrivingScene.Draw(640, 360, i * 15, seed: 4)).ToList();
        string raw = dir.File("frames.bgr");
        var colorizer = new LabelColorizer(set);
        using (var file = File.Create(raw))
        using (var bgr = new Mat())
        {
            foreach (var map in truth)
            {
                colorizer.Colorize(map, bgr);
                file.Write(bgr.AsSpan<byte>());
            }
        }

        // ffmpeg's default RGB → YUV conversion (BT.601), no colour tags, high quality.
        string video = dir.File("bt601.mp4");
        Ffmpeg.Run("-f", "rawvideo", "-pix_fmt", "bgr24", "-video_size", "640x360", "-framerate", "25", "-i", raw, "-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p", video);

        Miou Decode(string? matrix, out string used)
        {
            var miou = new Miou();
            using var decoder = PaletteVideoDecoder.Open(video, set, matrix);
            while (decoder.TryRead(out var map))
            {
                miou.Add(truth[decoder.FramesRead - 1], map);
            }

            Assert.Equal(4, decoder.FramesRead);
            used = decoder.ColorMatrix!;
            return miou;
        }

        var detected = Decode(null, out string used);
        var wrong = Decode("bt709", out _);
        Assert.Equal("bt601", used);
        Assert.True(detected.Mean > wrong.Mean + 0.02, $"bt601 {detected.Mean:0.0000} vs forced bt709 {wrong.Mean:0.0000}");
        Assert.True(detected.Mean >= 0.9, $"mIoU {detected.Mean:0.0000}: {detected.Describe()}");
    }

    [Fact]
    public void Odd_sized_labels_round_trip_through_the_padded_video()
    {
        using var dir = new TempDir();
        var set = LabelSet.Load("cityscapes-trainids");
        var truth = DrivingScene.Draw(641, 361, 30, seed: 9);
        string video = dir.File("odd.mp4");
        using (var writer = H264VideoWriter.Create(video, 641, 361, 30))
        using (var bgr = new Mat())
        {
            new LabelColorizer(set).Colorize(truth, bgr);
            writer.Write(bgr);
            writer.Complete();
        }

        using var decoder = PaletteVideoDecoder.Open(video, set);
        Assert.Equal(642, decoder.Width);
        Assert.Equal(362, decoder.Height);
        Assert.True(decoder.TryRead(out var map));
        var cropped = new Labels.LabelMap(641, 361);
        for (int y = 0; y < 361; y++)
        {
            map.GetRowSpan(y)[..641].CopyTo(cropped.GetRowSpan(y));
        }

        var miou = new Miou();
        miou.Add(truth, cropped);
        Assert.True(miou.Mean >= 0.9, $"mIoU {miou.Mean:0.0000}: {miou.Describe()}");

        // The padding repeats the last row and column, so it decodes like its neighbours.
        int same = 0;
        for (int x = 0; x < 641; x++)
        {
            same += map[x, 361] == map[x, 360] ? 1 : 0;
        }

        Assert.True(same >= 620, $"{same} of 641 padded pixels match the row above");
        Assert.False(decoder.TryRead(out _));
    }

    [Fact]
    public void Bad_videos_are_reported_with_the_file_and_reason()
    {
        using var dir = new TempDir();
        var set = LabelSet.Load("cityscapes-trainids");
        var e = Assert.Throws<SegFuseInputException>(() => PaletteVideoDecoder.Open(dir.File("none.mp4"), set));
        Assert.Equal("no such file", e.Reason);

        File.WriteAllText(dir.File("text.mp4"), "not a video at all");
        e = Assert.Throws<SegFuseInputException>(() => PaletteVideoDecoder.Open(dir.File("text.mp4"), set));
        Assert.Equal(dir.File("text.mp4"), e.Subject);
        Assert.Contains("not a readable video", e.Reason, StringComparison.Ordinal);

        string full = dir.File("full.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=160x96:rate=25", "-frames:v", "40", "-c:v", "libx264", "-movflags", "+faststart", full);
        byte[] bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(dir.File("cut.mp4"), bytes.AsSpan(0, bytes.Length * 3 / 4).ToArray());
        e = Assert.Throws<SegFuseInputException>(() =>
        {
            using var d = PaletteVideoDecoder.Open(dir.File("cut.mp4"), set);
            while (d.TryRead(out _))
            {
            }
        });
        Assert.Matches(@"^truncated or corrupt: decoding stopped after \d+ of the 40 frames the container lists, at about [0-9.]+ s \(frame \d+\)$", e.Reason);
    }
}
