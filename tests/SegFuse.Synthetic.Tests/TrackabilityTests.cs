using OpenCvSharp;
using SegFuse.Timeline.Flow;
using Xunit.Abstractions;

namespace SegFuse.Synthetic.Tests;

/// <summary>
/// The textures give a standard flow method something to track: Farnebäck (SegFuse's own estimator) on the rendered
/// frames recovers the exact flow while driving straight. (In the sharp part of the right turn it loses the near road and
/// large uniform car bodies, as it does on real footage; that case is not asserted here.)
/// </summary>
public class TrackabilityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(3.5)]
    public void Farneback_recovers_the_exact_flow_on_most_visible_pixels(double start)
    {
        var frames = Fixtures.Generate(new SyntheticOptions { Width = 640, Height = 360, Frames = 4, Seed = 1, StartSeconds = start });
        using var estimator = new FlowEstimator(FlowMethod.Farneback);
        var field = new FlowField(640, 360);
        var errors = new List<float>();
        var zero = new List<float>();
        using var from = new Mat();
        using var to = new Mat();
        for (int t = 1; t < frames.Count; t++)
        {
            Grey(frames[t], from);
            Grey(frames[t - 1], to);
            estimator.Compute(from, to, field);
            var est = field.Span;
            var exact = frames[t].Bw;
            for (int i = 0; i < 640 * 360; i++)
            {
                if (frames[t].OccBw[i] != 0 || float.IsInfinity(frames[t].Depth[i]))
                {
                    continue;
                }

                float du = est[2 * i] - exact[2 * i], dv = est[(2 * i) + 1] - exact[(2 * i) + 1];
                errors.Add(MathF.Sqrt((du * du) + (dv * dv)));
                zero.Add(MathF.Sqrt((exact[2 * i] * exact[2 * i]) + (exact[(2 * i) + 1] * exact[(2 * i) + 1])));
            }
        }

        errors.Sort();
        zero.Sort();
        float median = errors[errors.Count / 2], zeroMedian = zero[zero.Count / 2];
        double within1 = errors.Count(e => e < 1f) / (double)errors.Count;
        output.WriteLine($"start {start}: Farnebäck end-point error median {median:0.00} px (zero flow: {zeroMedian:0.00} px), {within1:P1} within 1 px");
        Assert.True(median < 0.5f, $"median EPE {median}");
        Assert.True(median < zeroMedian / 2, "Farnebäck must do much better than assuming no motion");
        Assert.True(within1 > 0.65, $"{within1:P1} within 1 px");
    }

    private static void Grey(FrameCopy f, Mat grey)
    {
        using var bgr = Mat.FromPixelData(f.Height, f.Width, MatType.CV_8UC3, f.Bgr);
        Cv2.CvtColor(bgr, grey, ColorConversionCodes.BGR2GRAY);
    }
}
