using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Cli.Tests;

public class RenderCommandTests
{
    [Fact]
    public void Palette_render_has_one_frame_per_label_map_in_the_youtube_preset()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("labels"), 12, 160, 96);
        string output = dir.Combine("sub.mp4");

        var r = CliRunner.Run("render", "--labels", dir.Combine("labels"), "--labels-set", "cityscapes-trainids", "--out", output);

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.StartsWith($"wrote {output}: 12 frames, 160x96, 30 fps", r.LastLine, StringComparison.Ordinal);
        var s = Ffmpeg.VideoStream(output);
        Assert.Equal("High", s.GetProperty("profile").GetString());
        Assert.Equal("yuv420p", s.GetProperty("pix_fmt").GetString());
        Assert.Equal("12", s.GetProperty("nb_read_frames").GetString());
        Assert.Equal("30/1", s.GetProperty("avg_frame_rate").GetString());
        Assert.Equal(["labels", "sub.mp4"], Entries(dir));
        Assert.Contains("render: 12/12 frames", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlay_takes_the_footage_frame_rate_and_adds_a_legend()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("labels"), 8, 160, 96);
        string video = MediaFixtures.WriteFootage(dir.Combine("drive.mp4"), 10, 320, 192, 25);
        string output = dir.Combine("overlay.mp4");

        var r = CliRunner.Run("render", "--labels", dir.Combine("labels"), "--mode", "overlay", "--video", video, "--alpha", "0.4", "--legend", "--out", output);

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("footage is 320x192, the label maps 160x96", r.Error, StringComparison.Ordinal);
        var s = Ffmpeg.VideoStream(output);
        Assert.Equal("25/1", s.GetProperty("avg_frame_rate").GetString());
        Assert.Equal("8", s.GetProperty("nb_read_frames").GetString());
        Assert.Equal(160, s.GetProperty("width").GetInt32());
        Assert.True(s.GetProperty("height").GetInt32() > 96, "the legend strip adds rows under the frame");
    }

    [Fact]
    public void Side_by_side_puts_footage_prediction_and_second_prediction_in_a_row()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("before"), 6, 128, 72, seed: 1);
        MediaFixtures.WriteLabels(dir.Combine("after"), 6, 128, 72, seed: 2);
        string video = MediaFixtures.WriteFootage(dir.Combine("drive.mp4"), 6, 128, 72, 25);
        string output = dir.Combine("sbs.mp4");

        var r = CliRunner.Run("render", "--labels", dir.Combine("before"), "--compare", dir.Combine("after"), "--mode", "side-by-side", "--video", video, "--fps", "10", "--out", output);

        Assert.True(r.ExitCode == 0, r.Error);
        var s = Ffmpeg.VideoStream(output);
        Assert.Equal(384, s.GetProperty("width").GetInt32());
        Assert.Equal(72, s.GetProperty("height").GetInt32());
        Assert.Equal("10/1", s.GetProperty("avg_frame_rate").GetString());
        Assert.Equal("6", s.GetProperty("nb_read_frames").GetString());
    }

    [Fact]
    public void Label_maps_of_differing_sizes_are_an_error_naming_the_file_and_leave_no_output()
    {
        using var dir = new TempDir();
        string labels = dir.Combine("labels");
        MediaFixtures.WriteLabels(labels, 4, 160, 96);
        string odd = Path.Combine(labels, "000004.png");
        LabelPng.Write(odd, DrivingScene.Draw(128, 96, 4));
        string output = dir.Combine("sub.mp4");

        var r = CliRunner.Run("render", "--labels", labels, "--out", output);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {odd}: is 128x96 where 000000.png is 160x96; every label map must have one size", r.Error.Trim().Split('\n').Last());
        Assert.Equal(["labels"], Entries(dir));
    }

    [Fact]
    public void Label_id_outside_the_set_is_an_error_naming_the_file()
    {
        using var dir = new TempDir();
        string labels = dir.Combine("labels");
        MediaFixtures.WriteLabels(labels, 3, 64, 48);
        var bad = DrivingScene.Draw(64, 48, 9);
        bad[5, 7] = 40;
        string badFile = Path.Combine(labels, "000003.png");
        LabelPng.Write(badFile, bad);

        var r = CliRunner.Run("render", "--labels", labels, "--out", dir.Combine("sub.mp4"));

        Assert.Equal(2, r.ExitCode);
        string last = r.Error.Trim().Split('\n').Last();
        Assert.StartsWith($"error: {badFile}: label 40 at pixel (5,7) is not in the label set", last, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("sub.mp4")));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("--mode", "overlay", "error: --video: overlay mode needs the footage (--video SRC)")]
    [InlineData("--legend", null, "error: --legend: palette mode renders only label colours")]
    [InlineData("--alpha", "1.5", "error: --alpha: must be between 0 and 1, got 1.5")]
    [InlineData("--labels-set", "nope", "error: --labels-set: unknown label set 'nope'")]
    public void Bad_options_are_one_line_with_exit_2(string option, string? value, string expected)
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("labels"), 2, 64, 48);
        var args = new List<string> { "render", "--labels", dir.Combine("labels"), "--out", dir.Combine("o.mp4"), option };
        if (value is not null)
        {
            args.Add(value);
        }

        var r = CliRunner.Run([.. args]);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(expected, r.Error.Trim().Split('\n').Last(), StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("o.mp4")));
    }

    [Fact]
    public void Missing_labels_folder_and_unwritable_output_are_bad_input()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("render", "--labels", dir.Combine("nothing"), "--out", dir.Combine("o.mp4"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {dir.Combine("nothing")}: no such folder", r.Error.Trim());

        MediaFixtures.WriteLabels(dir.Combine("labels"), 2, 64, 48);
        File.WriteAllText(dir.Combine("file.txt"), "x");
        string output = Path.Combine(dir.Combine("file.txt"), "o.mp4");
        r = CliRunner.Run("render", "--labels", dir.Combine("labels"), "--out", output);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {output}: cannot write the output", r.Error.Trim().Split('\n').Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_leaves_no_output()
    {
        using var dir = new TempDir();
        MediaFixtures.WriteLabels(dir.Combine("labels"), 40, 160, 96);
        string output = dir.Combine("sub.mp4");
        using var cts = new CancellationTokenSource();
        // Cancel as soon as the progress shows the first tenth done (progress lines go to the error writer).
        var error = new CancelOnWrite(cts, "render: ");
        int code = await SegFuseCli.RunAsync(["render", "--labels", dir.Combine("labels"), "--out", output], new CliConsole(new StringWriter(), error, isTerminal: false), cts.Token);

        Assert.Equal(SegFuseCli.ExitCancelled, code);
        Assert.Contains("cancelled", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["labels"], Entries(dir));
    }

    private static string[] Entries(TempDir dir) =>
        Directory.GetFileSystemEntries(dir.Path).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal).ToArray();

    private sealed class CancelOnWrite(CancellationTokenSource cts, string trigger) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.StartsWith(trigger, StringComparison.Ordinal))
            {
                cts.Cancel();
            }
        }
    }
}
