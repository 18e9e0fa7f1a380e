using SegFuse.Labels;
using SegFuse.Scoring;

namespace SegFuse.Core.Tests;

public class AccumulatorTests
{
    private static LabelMap Map(int[,] v)
    {
        var m = new LabelMap(v.GetLength(1), v.GetLength(0));
        for (int y = 0; y < m.Height; y++)
        {
            for (int x = 0; x < m.Width; x++)
            {
                m[x, y] = (ushort)v[y, x];
            }
        }

        return m;
    }

    [Fact]
    public void Ade20k_follows_the_challenge_devkit()
    {
        var set = LabelSet.Load("ade20k");
        var acc = new JaccardAccumulator(set);
        // GT 0 (unlabeled) pixels: predictions there are ignored. Class 3 (sky) is predicted on a 0 pixel only.
        // wall(1): gt 3 px, pred 1 on 2 of them -> tp 2, fn 1 (one predicted 0 = "other"), fp 1 (a building pixel) -> 2/4.
        // building(2): gt 2 px, pred on 1 -> tp 1, fn 1, fp 0 -> 1/2.
        acc.Add(Map(new[,] { { 1, 1, 1, 0 }, { 2, 2, 0, 0 } }), Map(new[,] { { 1, 1, 0, 3 }, { 2, 1, 2, 3 } }));
        var report = ScoreReport.From(acc);
        Assert.Equal(0.5, report.Classes[1].Iou);
        Assert.Equal(0.5, report.Classes[2].Iou);
        // sky (3) only predicted on unlabeled pixels: union 0 -> IoU 0, not NaN; the mean runs over all 150 classes.
        Assert.Equal(0.0, report.Classes[3].Iou);
        Assert.Equal(1.0 / 150, report.AverageClassIou, 15);
        Assert.Equal(3.0 / 5, report.PixelAccuracy);
        Assert.Equal(((3.0 / 5) + (1.0 / 150)) / 2, report.ChallengeScore!.Value, 15);
    }

    [Fact]
    public void Merge_of_split_frames_equals_one_accumulator()
    {
        var set = LabelSet.Load("cityscapes-trainids");
        var rng = new Random(11);
        var frames = Enumerable.Range(0, 9).Select(_ =>
        {
            var gt = new int[6, 7];
            var pred = new int[6, 7];
            for (int y = 0; y < 6; y++)
            {
                for (int x = 0; x < 7; x++)
                {
                    gt[y, x] = rng.Next(20) is var g && g == 19 ? 255 : g;
                    pred[y, x] = rng.Next(3) == 0 ? gt[y, x] : rng.Next(19);
                }
            }

            return (Map(gt), Map(pred));
        }).ToArray();
        var whole = new JaccardAccumulator(set);
        var a = new JaccardAccumulator(set);
        var b = new JaccardAccumulator(set);
        for (int i = 0; i < frames.Length; i++)
        {
            whole.Add(frames[i].Item1, frames[i].Item2);
            (i % 2 == 0 ? a : b).Add(frames[i].Item1, frames[i].Item2);
        }

        b.Merge(a);
        Assert.Equal(ScoreJson.Result(ScoreReport.From(whole)), ScoreJson.Result(ScoreReport.From(b)));
        Assert.Equal(whole.Pixels, b.Pixels);
        Assert.Equal(9, b.Frames);
    }

    [Fact]
    public void Partial_json_round_trips_exactly()
    {
        var set = LabelSet.Load("cityscapes");
        var acc = new JaccardAccumulator(set);
        acc.Add(Map(new[,] { { 7, 26, 26 }, { 24, 0, 11 } }), Map(new[,] { { 7, 26, 27 }, { 24, 7, 0 } }));
        acc.AddInstances<ushort, ushort>(new ushort[] { 7, 26000, 26000, 24001, 0, 11 }, new ushort[] { 7, 26, 27, 24, 7, 0 }, [.. Enumerable.Range(0, 34)], "inst");
        string path = Path.Combine(Path.GetTempPath(), $"partial-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, ScoreJson.Partial(acc, ["a", "b"], "0/1"));
        try
        {
            var (back, keys) = ScoreJson.ReadPartial(path);
            Assert.Equal(["a", "b"], keys);
            Assert.Equal(ScoreJson.Result(ScoreReport.From(acc)), ScoreJson.Result(ScoreReport.From(back)));
            Assert.Equal(2, back.Instances.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_prediction_of_another_size_is_an_input_error()
    {
        var acc = new JaccardAccumulator(LabelSet.Load("voc"));
        var e = Assert.Throws<SegFuseInputException>(() => acc.Add(new LabelMap(4, 4), new LabelMap(4, 5), "gt.png", "pred.png"));
        Assert.Equal("pred.png", e.Subject);
    }
}
