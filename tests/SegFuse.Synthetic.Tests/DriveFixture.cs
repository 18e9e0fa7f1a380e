using SegFuse.Synthetic.Scene;

namespace SegFuse.Synthetic.Tests;

/// <summary>
/// Statistics of whole 10-second drives, gathered in one streaming pass per seed (the frames are not kept), shared
/// by the tests that need a full drive.
/// </summary>
public sealed class DriveFixture
{
    private readonly Dictionary<int, DriveStats> _stats = [];
    private readonly Lock _lock = new();

    public DriveStats For(int seed)
    {
        lock (_lock)
        {
            if (!_stats.TryGetValue(seed, out var s))
            {
                s = DriveStats.Measure(new SyntheticOptions { Width = 224, Height = 126, Frames = 300, Seed = seed });
                _stats[seed] = s;
            }

            return s;
        }
    }
}

public sealed class DriveStats
{
    /// <summary>Confusion matrix over all frames, [gt, pred].</summary>
    public long[,] Confusion { get; } = new long[TrainIds.Count, TrainIds.Count];

    public long[] GtPixels { get; } = new long[TrainIds.Count];

    public List<double> FrameMiou { get; } = [];

    /// <summary>Wrong, visible pixels, and how many of them repeat the previous frame's wrong label at the same surface point.</summary>
    public long Wrong { get; private set; }

    public long Persisted { get; private set; }

    /// <summary>Per frame: thin-structure (pole, sign, light) ground-truth pixels and how many were predicted right.</summary>
    public List<(long Gt, long Hit)> Thin { get; } = [];

    public static DriveStats Measure(SyntheticOptions options)
    {
        var stats = new DriveStats();
        var seq = new SyntheticSequence(options);
        ushort[]? prevPred = null;
        while (seq.TryRead(out var f))
        {
            using (f)
            {
                var gt = f.GroundTruth.Span;
                var pred = f.Prediction.Span;
                var frame = new long[TrainIds.Count, TrainIds.Count];
                long thinGt = 0, thinHit = 0;
                for (int i = 0; i < gt.Length; i++)
                {
                    frame[gt[i], pred[i]]++;
                    stats.GtPixels[gt[i]]++;
                    if (gt[i] is TrainIds.Pole or TrainIds.TrafficSign or TrainIds.TrafficLight)
                    {
                        thinGt++;
                        thinHit += gt[i] == pred[i] ? 1 : 0;
                    }
                }

                for (int a = 0; a < TrainIds.Count; a++)
                {
                    for (int b = 0; b < TrainIds.Count; b++)
                    {
                        stats.Confusion[a, b] += frame[a, b];
                    }
                }

                stats.FrameMiou.Add(Miou(frame));
                stats.Thin.Add((thinGt, thinHit));
                if (prevPred is not null)
                {
                    var bw = f.BackwardFlow;
                    var occ = f.BackwardOcclusion;
                    for (int i = 0; i < gt.Length; i++)
                    {
                        if (occ[i] != 0 || pred[i] == gt[i])
                        {
                            continue;
                        }

                        stats.Wrong++;
                        int x = (int)MathF.Round((i % f.Width) + bw[2 * i]), y = (int)MathF.Round((i / f.Width) + bw[(2 * i) + 1]);
                        if (prevPred[(y * f.Width) + x] == pred[i])
                        {
                            stats.Persisted++;
                        }
                    }
                }

                prevPred = pred.ToArray();
            }
        }

        return stats;
    }

    /// <summary>Mean IoU over the classes present in ground truth or prediction (NaN classes skipped).</summary>
    public static double Miou(long[,] cm) => Iou(cm).Where(v => !double.IsNaN(v)).Average();

    public static double[] Iou(long[,] cm)
    {
        int n = cm.GetLength(0);
        var iou = new double[n];
        for (int c = 0; c < n; c++)
        {
            long tp = cm[c, c], fn = 0, fp = 0;
            for (int k = 0; k < n; k++)
            {
                if (k != c)
                {
                    fn += cm[c, k];
                    fp += cm[k, c];
                }
            }

            iou[c] = tp + fp + fn == 0 ? double.NaN : (double)tp / (tp + fp + fn);
        }

        return iou;
    }
}

[CollectionDefinition("drive")]
public sealed class DriveCollection : ICollectionFixture<DriveFixture>;
