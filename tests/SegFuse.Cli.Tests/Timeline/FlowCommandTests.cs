using OpenCvSharp;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Tests.Synthetic;
using Xunit.Abstractions;

namespace SegFuse.Cli.Tests.Timeline;

public sealed class FlowCommandTests(PanVideo video, ITestOutputHelper output) : IClassFixture<PanVideo>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Mean endpoint error of every field in <paramref name="dir"/> against the pan's true motion, away from the borders.</summary>
    private static double MeanEndpointError(string dir, FlowDirection direction)
    {
        var folder = FlowFolder.Open(dir, direction);
        return folder.Frames.Average(t => PanSequence.EndpointError(FlowFile.Read(folder.PathOf(t)!), t / PanVideo.Fps, direction.TargetOf(t) / PanVideo.Fps, margin: 16));
    }

    [Theory]
    [InlineData("farneback", 1, 0.25)]
    [InlineData("farneback", 2, 0.25)]
    [InlineData("sparse-to-dense", 1, 0.25)]
    [InlineData("tvl1", 1, 0.25)]
    public void Each_method_recovers_the_known_pan_of_an_h264_video(string method, int downscale, double maxEpe)
    {
        string flow = _dir.Combine("flow");
        var r = CliRunner.Run("flow", "--video", video.ShortVideo, "--out", flow, "--direction", "backward", "--method", method, "--downscale", downscale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => $"flow/{i:D6}.flo"), _dir.Files());
        double epe = MeanEndpointError(flow, FlowDirection.Backward);
        output.WriteLine($"{method} --downscale {downscale}: mean endpoint error {epe:0.000} px over 15 fields of the {PanVideo.Width}x{PanVideo.Height} H.264 pan (true motion 0.7..3.3 px/frame)");
        Assert.InRange(epe, 0, maxEpe);
    }

    [Fact]
    public void Forward_flow_in_npy_and_kitti_is_named_by_the_earlier_frame()
    {
        string npy = _dir.Combine("npy");
        var r = CliRunner.Run("flow", "--video", video.ShortVideo, "--out", npy, "--direction", "forward", "--format", "npy", "--workers", "1");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"npy/{i:D6}.npy"), _dir.Files());
        Assert.InRange(MeanEndpointError(npy, FlowDirection.Forward), 0, 0.25);

        string kitti = _dir.Combine("kitti");
        r = CliRunner.Run("flow", "--video", video.ShortVideo, "--out", kitti, "--direction", "forward", "--format", "kitti", "--downscale", "2");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.InRange(MeanEndpointError(kitti, FlowDirection.Forward), 0, 0.25);
    }

    [Fact]
    public void Flow_viz_draws_the_pan_as_a_red_video()
    {
        string flow = _dir.Combine("flow");
        Assert.Equal(0, CliRunner.Run("flow", "--video", video.ShortVideo, "--out", flow, "--direction", "backward").ExitCode);
        string mp4 = _dir.Combine("viz", "flow.mp4");
        var r = CliRunner.Run("flow-viz", "--flow", flow, "--out", mp4, "--fps", "15", "--max-flow", "4");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(15, PanVideo.ContainerTimes(mp4).Count);

        // The scene moves left, so backward flow points right (+u): red on the Middlebury wheel, at about 60% saturation.
        using var source = VideoFrameSource.Open(mp4);
        Assert.True(source.TryRead(out var frame));
        var c = frame.Image.At<Vec3b>(PanVideo.Height / 2, PanVideo.Width / 2);
        output.WriteLine($"centre pixel BGR {c}");
        Assert.True(c.Item2 > 200 && c.Item1 < 170 && c.Item0 < 170 && Math.Abs(c.Item1 - c.Item0) < 40, $"centre pixel is {c}");
    }
}
