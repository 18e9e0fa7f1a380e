using System.Globalization;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;

namespace SegFuse.Cli.Demo;

/// <summary>Scores of label maps on a subset of frames (a split): the dataset-wide figures and each frame's own mIoU.</summary>
/// <param name="Report">The dataset-wide score: every frame's counts summed, then averaged over classes.</param>
/// <param name="Frames">The frames scored, ascending.</param>
/// <param name="FrameMiou">Each frame's own mIoU (classes absent from the frame skipped), for the plot over time.</param>
internal sealed record SplitScore(ScoreReport Report, IReadOnlyList<int> Frames, IReadOnlyList<double> FrameMiou);

/// <summary>
/// Scores per-frame label folders on chosen frames with the Core scorer: each frame is decoded and counted into its own
/// <see cref="JaccardAccumulator"/> (rows of work in parallel), and the frames' accumulators are merged into the
/// dataset-wide one. Merging adds integer counts, so the total equals scoring all frames into one accumulator.
/// </summary>
internal static class SplitScorer
{
    public static SplitScore Score(string gtDir, string predDir, IReadOnlyList<int> frames, LabelSet set, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var gt = FrameFiles.List(gtDir, ".png");
        var pred = FrameFiles.List(predDir, ".png");
        var pairs = new List<FramePair>(frames.Count);
        foreach (int t in frames)
        {
            if (!gt.TryGetValue(t, out var g))
            {
                throw new SegFuseInputException(gtDir, $"no ground truth for frame {t}");
            }

            if (!pred.TryGetValue(t, out var p))
            {
                throw new SegFuseInputException(predDir, $"no label map for frame {t}");
            }

            pairs.Add(new FramePair(t.ToString("D6", CultureInfo.InvariantCulture), g, p, null));
        }

        var parts = new JaccardAccumulator[pairs.Count];
        long done = 0;
        try
        {
            Parallel.For(
                0,
                pairs.Count,
                new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                i =>
                {
                    var acc = new JaccardAccumulator(set);
                    DatasetScorer.AddPair(acc, pairs[i], LabelEncoding.Ids);
                    parts[i] = acc;
                    progress?.Report(Interlocked.Increment(ref done));
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is SegFuseInputException) is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }

        var total = new JaccardAccumulator(set);
        var perFrame = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            total.Merge(parts[i]);
            perFrame[i] = ScoreReport.From(parts[i]).AverageClassIou;
        }

        return new SplitScore(ScoreReport.From(total), frames.ToArray(), perFrame);
    }
}
