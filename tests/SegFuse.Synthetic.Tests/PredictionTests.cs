using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Synthetic.Scene;
using Xunit.Abstractions;

namespace SegFuse.Synthetic.Tests;

[Collection("drive")]
public class PredictionTests(DriveFixture drive, ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Per_frame_mIoU_is_in_the_band_of_a_plausible_network(int seed)
    {
        // 10 s of drive at a reduced size; the dataset-wide mIoU over all frames, as the scorer computes it.
        var s = drive.For(seed);
        double miou = DriveStats.Miou(s.Confusion);
        var iou = DriveStats.Iou(s.Confusion);
        output.WriteLine($"seed {seed}: mIoU {miou:0.000}; " + string.Join(", ", iou.Select((v, c) => double.IsNaN(v) ? null : $"{c}:{v:0.00}").Where(x => x is not null)));
        Assert.InRange(miou, 0.55, 0.75);
    }

    [Fact]
    public void The_scorer_agrees_with_the_test_s_own_mIoU()
    {
        var acc = new JaccardAccumulator(LabelSet.Load("cityscapes-trainids"));
        var seq = new SyntheticSequence(Fixtures.Small(4.0, frames: 10));
        var cm = new long[TrainIds.Count, TrainIds.Count];
        while (seq.TryRead(out var f))
        {
            using (f)
            {
                acc.Add(f.GroundTruth, f.Prediction);
                var gt = f.GroundTruth.Span;
                var pred = f.Prediction.Span;
                for (int i = 0; i < gt.Length; i++)
                {
                    cm[gt[i], pred[i]]++;
                }
            }
        }

        Assert.Equal(DriveStats.Miou(cm), ScoreReport.From(acc).AverageClassIou, 9);
    }

    [Fact]
    public void Errors_are_transient_persistent_and_sometimes_whole_frame()
    {
        var s = drive.For(1);
        var perFrame = s.FrameMiou;
        output.WriteLine($"per-frame image mIoU: mean {perFrame.Average():0.000}, min {perFrame.Min():0.000}, frames below 0.35: {perFrame.Count(m => m < 0.35)}");

        // A few whole-frame failures, most frames fine.
        Assert.InRange(perFrame.Count(m => m < 0.35), 1, 15);
        Assert.True(perFrame.Count(m => m > 0.5) > 250);

        // Errors that persist (the same wrong label at the same surface point in the previous frame) and errors that are new.
        double share = (double)s.Persisted / s.Wrong;
        output.WriteLine($"{share:P1} of wrong pixels repeat the previous frame's error at the same surface point");
        Assert.InRange(share, 0.2, 0.8);
    }

    [Fact]
    public void Thin_structures_drop_out_for_some_frames()
    {
        var s = drive.For(1);
        int dips = s.Thin.Count(t => t.Gt > 50 && t.Hit < t.Gt * 0.75);
        int frames = s.Thin.Count(t => t.Gt > 50);
        output.WriteLine($"{dips} of {frames} frames with poles, signs or lights miss a quarter or more of their pixels");
        Assert.InRange(dips, frames / 20, frames * 3 / 4);
    }

    [Fact]
    public void Predictions_hold_only_train_ids()
    {
        var frames = Fixtures.Generate(Fixtures.Small(0, frames: 30));
        Assert.All(frames, f => Assert.All(f.Pred, v => Assert.True(v < TrainIds.Count)));
        Assert.All(frames, f => Assert.All(f.Gt, v => Assert.True(v < TrainIds.Count)));
    }
}
