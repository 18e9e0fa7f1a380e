using Xunit.Abstractions;

namespace SegFuse.Synthetic.Tests;

/// <summary>
/// The flow is exact: following it from a frame into its neighbour lands on the same surface point, so labels and
/// colours carried along it agree, and forward and backward flow undo each other wherever the point is visible.
/// </summary>
public class FlowExactnessTests(ITestOutputHelper output)
{
    // Three windows of the drive: waiting with pedestrians and the pan, accelerating, and the right turn.
    public static TheoryData<double> Starts => new() { 0.5, 3.5, 7.0 };

    [Theory]
    [MemberData(nameof(Starts))]
    public void Warping_previous_labels_by_backward_flow_reproduces_the_labels_on_visible_pixels(double start)
    {
        var frames = Fixtures.Generate(Fixtures.Small(start));
        long visible = 0, agree = 0, total = 0;
        for (int t = 1; t < frames.Count; t++)
        {
            var cur = frames[t];
            var prev = frames[t - 1];
            int w = cur.Width, h = cur.Height;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int i = (y * w) + x;
                    total++;
                    if (cur.OccBw[i] != 0)
                    {
                        continue;
                    }

                    int sx = (int)MathF.Round(x + cur.Bw[2 * i]), sy = (int)MathF.Round(y + cur.Bw[(2 * i) + 1]);
                    visible++;
                    if (prev.Gt[(sy * w) + sx] == cur.Gt[i])
                    {
                        agree++;
                    }
                }
            }
        }

        double visibleShare = (double)visible / total, agreement = (double)agree / visible;
        output.WriteLine($"start {start}: visible {visibleShare:P2}, label agreement {agreement:P3}");
        Assert.True(agreement >= 0.99, $"labels agree on {agreement:P3} of visible pixels");
        Assert.True(visibleShare > 0.6, $"only {visibleShare:P1} of pixels are visible in the previous frame");
    }

    [Theory]
    [MemberData(nameof(Starts))]
    public void Colours_carried_by_backward_flow_match(double start)
    {
        var frames = Fixtures.Generate(Fixtures.Small(start));
        var diffs = new List<float>();
        for (int t = 1; t < frames.Count; t++)
        {
            var cur = frames[t];
            var prev = frames[t - 1];
            int w = cur.Width, h = cur.Height;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int i = (y * w) + x;
                    if (cur.OccBw[i] != 0)
                    {
                        continue;
                    }

                    float sx = x + cur.Bw[2 * i], sy = y + cur.Bw[(2 * i) + 1];
                    float d = 0;
                    for (int c = 0; c < 3; c++)
                    {
                        d += MathF.Abs(Fixtures.Bilinear(prev.Bgr, w, h, 3, c, sx, sy) - cur.Bgr[(3 * i) + c]);
                    }

                    diffs.Add(d / 3);
                }
            }
        }

        diffs.Sort();
        float median = diffs[diffs.Count / 2], p90 = diffs[(int)(diffs.Count * 0.9)];
        double mean = diffs.Average();
        output.WriteLine($"start {start}: colour difference per channel: median {median:0.00}, mean {mean:0.00}, 90th percentile {p90:0.00}");
        Assert.True(median < 3f, $"median colour difference {median}");
        Assert.True(mean < 6.0, $"mean colour difference {mean}");
    }

    [Theory]
    [MemberData(nameof(Starts))]
    public void Forward_and_backward_flow_are_consistent_on_visible_pixels(double start)
    {
        var frames = Fixtures.Generate(Fixtures.Small(start));
        long visible = 0, consistent = 0;
        for (int t = 1; t < frames.Count; t++)
        {
            var cur = frames[t];
            var prev = frames[t - 1];
            int w = cur.Width, h = cur.Height;
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int i = (y * w) + x;
                    if (cur.OccBw[i] != 0)
                    {
                        continue;
                    }

                    float bu = cur.Bw[2 * i], bv = cur.Bw[(2 * i) + 1];
                    int sx = (int)MathF.Round(x + bu), sy = (int)MathF.Round(y + bv);
                    int j = (sy * w) + sx;

                    // The forward flow of the previous frame at the nearest pixel, corrected by the local gradient
                    // of the sub-pixel offset, takes the point back to x.
                    float fu = Fixtures.BilinearFlow(prev.Fw, w, h, 0, x + bu, y + bv);
                    float fv = Fixtures.BilinearFlow(prev.Fw, w, h, 1, x + bu, y + bv);
                    float eu = bu + fu, ev = bv + fv;
                    visible++;
                    if ((eu * eu) + (ev * ev) < 0.25f || prev.OccFw[j] != 0)
                    {
                        consistent++;
                    }
                }
            }
        }

        double share = (double)consistent / visible;
        output.WriteLine($"start {start}: |w_b + w_f| < 0.5 px on {share:P3} of visible pixels");
        Assert.True(share >= 0.97, $"forward/backward consistent on {share:P3}");
    }

    [Fact]
    public void First_frame_has_no_backward_flow_and_last_no_forward_flow()
    {
        var frames = Fixtures.Generate(Fixtures.Small(1.0, frames: 4));
        Assert.Empty(frames[0].Bw);
        Assert.Empty(frames[0].OccBw);
        Assert.Equal(160 * 96 * 2, frames[0].Fw.Length);
        Assert.Equal(160 * 96 * 2, frames[3].Bw.Length);
        Assert.Empty(frames[3].Fw);
        Assert.Empty(frames[3].OccFw);
    }

    [Fact]
    public void Occlusion_marks_pixels_that_leave_the_image()
    {
        // During the turn the view sweeps sideways: pixels at the leading edge leave the image towards the previous frame.
        var frames = Fixtures.Generate(Fixtures.Small(7.5, frames: 6));
        var f = frames[3];
        int w = f.Width, h = f.Height, outside = 0, marked = 0;
        for (int i = 0; i < w * h; i++)
        {
            float x = (i % w) + f.Bw[2 * i], y = (i / w) + f.Bw[(2 * i) + 1];
            if (x < -0.5f || y < -0.5f || x > w - 0.5f || y > h - 0.5f)
            {
                outside++;
                marked += f.OccBw[i];
            }
        }

        output.WriteLine($"{outside} pixels leave the image, {marked} marked");
        Assert.True(outside > 0);
        Assert.Equal(outside, marked);
    }
}
