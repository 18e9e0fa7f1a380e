using OpenCvSharp;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Tests.Synthetic;
using Xunit.Abstractions;

namespace SegFuse.Timeline.Tests.Flow;

public sealed class FlowEstimatorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(FlowMethod.Farneback, 1, 0.1)]
    [InlineData(FlowMethod.Farneback, 2, 0.1)]
    [InlineData(FlowMethod.SparseToDense, 1, 0.1)]
    [InlineData(FlowMethod.TvL1, 1, 0.1)]
    public void Computed_flow_matches_the_known_pan_on_raw_frames(FlowMethod method, int downscale, double maxEpe)
    {
        using var seq = new PanSequence(160, 96, fps: 30);
        using var estimator = new FlowEstimator(method, downscale);
        double total = 0;
        int pairs = 0;
        for (int t = 1; t < 6; t++)
        {
            using var a = seq.Render(t / 30.0);
            using var b = seq.Render((t - 1) / 30.0);
            using var ga = new Mat();
            using var gb = new Mat();
            Cv2.CvtColor(a, ga, ColorConversionCodes.BGR2GRAY);
            Cv2.CvtColor(b, gb, ColorConversionCodes.BGR2GRAY);
            var field = new FlowField(160, 96);
            estimator.Compute(ga, gb, field);
            total += PanSequence.EndpointError(field, t / 30.0, (t - 1) / 30.0, margin: 16);
            pairs++;
        }

        double epe = total / pairs;
        output.WriteLine($"{method} downscale {downscale}: mean EPE {epe:0.000} px (raw frames)");
        Assert.InRange(epe, 0, maxEpe);
    }
}
