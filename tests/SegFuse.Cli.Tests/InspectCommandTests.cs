using System.Text.Json;
using SegFuse.Media.Tests.Support;

namespace SegFuse.Cli.Tests;

public class InspectCommandTests
{
    [Fact]
    public void Inspect_reports_counts_timestamps_and_format_and_writes_json()
    {
        using var dir = new TempDir();
        string video = MediaFixtures.WriteFootage(dir.Combine("drive.mp4"), 20, 96, 64, 25);

        var r = CliRunner.Run("inspect", video, "--json", dir.Combine("info.json"));

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("size          96x64", r.Out, StringComparison.Ordinal);
        Assert.Contains("fps           25", r.Out, StringComparison.Ordinal);
        Assert.Contains("frames        20 counted, 20 claimed (stored in the container)", r.Out, StringComparison.Ordinal);
        Assert.Contains("duration      0.8 s", r.Out, StringComparison.Ordinal);
        Assert.Contains("codec         h264 (High", r.Out, StringComparison.Ordinal);
        Assert.Contains("pixel format  yuv420p", r.Out, StringComparison.Ordinal);
        Assert.Contains("timestamps    container", r.Out, StringComparison.Ordinal);
        Assert.Contains("first / last  0 s / 0.76 s", r.Out, StringComparison.Ordinal);
        Assert.Contains("monotonic     yes", r.Out, StringComparison.Ordinal);
        Assert.Contains("evenly spaced yes (intervals 40..40 ms, median 40 ms)", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", r.Error, StringComparison.Ordinal);

        using var json = JsonDocument.Parse(File.ReadAllText(dir.Combine("info.json")));
        var root = json.RootElement;
        Assert.Equal(20, root.GetProperty("framesCounted").GetInt32());
        Assert.Equal(20, root.GetProperty("framesClaimed").GetInt32());
        Assert.Equal(96, root.GetProperty("width").GetInt32());
        Assert.Equal("yuv420p", root.GetProperty("pixelFormat").GetString());
        Assert.Equal("container", root.GetProperty("timestampSource").GetString());
        Assert.True(root.GetProperty("monotonic").GetBoolean());
        Assert.False(root.GetProperty("variableFrameRate").GetBoolean());
        Assert.Equal(0.76, root.GetProperty("lastTimestamp").GetDouble(), 6);
    }

    [Fact]
    public void Unwritable_json_is_one_line_with_exit_2()
    {
        using var dir = new TempDir();
        string video = MediaFixtures.WriteFootage(dir.Combine("drive.mp4"), 5, 64, 48, 25);
        string json = Path.Combine(dir.Combine("drive.mp4"), "info.json");

        var r = CliRunner.Run("inspect", video, "--json", json);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {json}: cannot write the JSON", r.Error.Trim().Split('\n').Last(), StringComparison.Ordinal);
    }

    [Fact]
    public void Variable_frame_rate_is_flagged()
    {
        using var dir = new TempDir();
        string video = dir.Combine("vfr.mp4");
        // Frames 0..9 every 40 ms, then every 80 ms.
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "20", "-vf", "setpts='if(lt(N,10),N/25,(10+2*(N-10))/25)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", video);

        var r = CliRunner.Run("inspect", video, "--json", "-");

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("evenly spaced no (intervals 40..80 ms", r.Out, StringComparison.Ordinal);
        Assert.Contains($"warning: {video}: variable frame rate", r.Error, StringComparison.Ordinal);
        Assert.Contains("\"variableFrameRate\": true", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Stream_without_timestamps_says_they_come_from_the_frame_rate()
    {
        using var dir = new TempDir();
        string video = dir.Combine("raw.h264");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "10", "-c:v", "libx264", video);

        var r = CliRunner.Run("inspect", video);

        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("timestamps    none in the container: frame index / fps", r.Out, StringComparison.Ordinal);
        Assert.Contains("frames        10 counted, none claimed", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_non_video_and_truncated_files_are_one_line_with_exit_2()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("inspect", dir.Combine("none.mp4"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"error: {dir.Combine("none.mp4")}: no such file", r.Error.Trim());

        File.WriteAllText(dir.Combine("text.mp4"), "hello, not a video");
        r = CliRunner.Run("inspect", dir.Combine("text.mp4"));
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith($"error: {dir.Combine("text.mp4")}: not a readable video", r.Error.Trim(), StringComparison.Ordinal);

        string full = dir.Combine("full.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=160x96:rate=25", "-frames:v", "40", "-c:v", "libx264", "-movflags", "+faststart", full);
        byte[] bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(dir.Combine("cut.mp4"), bytes.AsSpan(0, bytes.Length * 2 / 3).ToArray());
        r = CliRunner.Run("inspect", dir.Combine("cut.mp4"));
        Assert.Equal(2, r.ExitCode);
        string last = r.Error.Trim().Split('\n').Last();
        Assert.Matches($"^error: {System.Text.RegularExpressions.Regex.Escape(dir.Combine("cut.mp4"))}: truncated or corrupt: decoding stopped after \\d+ of the 40 frames the container lists, at [0-9.]+ s \\(frame \\d+\\)$", last);

        string zero = dir.Combine("zero.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "0", "-c:v", "libx264", zero);
        r = CliRunner.Run("inspect", zero);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no video frames", r.Error, StringComparison.Ordinal);
    }
}
