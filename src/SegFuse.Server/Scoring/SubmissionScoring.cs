using SegFuse.IO;
using SegFuse.Scoring;
using SegFuse.Server.Competitions;

namespace SegFuse.Server.Scoring;

/// <summary>The figures of one submission: public split, private split and all frames, each as the CLI's result JSON.</summary>
internal sealed record ScoreSet(double? PublicScore, double? PrivateScore, double? AllScore, string PublicJson, string? PrivateJson, string AllJson);

/// <summary>
/// Scores a submission's label PNGs against a competition's hidden ground truth with the CLI's scorer:
/// <see cref="DatasetScorer"/> fills a <see cref="JaccardAccumulator"/> per split, <see cref="ScoreReport"/> computes
/// the figures and <see cref="ScoreJson"/> writes them, so a score here equals <c>segfuse score</c> on the same files.
/// </summary>
internal static class SubmissionScoring
{
    /// <summary>Scores <paramref name="predictions"/> (frame index → PNG) for every ground-truth frame of the competition.</summary>
    /// <exception cref="SegFuseInputException">A prediction is missing, unreadable, of the wrong size, or holds an id outside the set.</exception>
    public static ScoreSet Score(
        Competition competition,
        IReadOnlyList<CompetitionFrame> frames,
        string gtDir,
        string? instanceDir,
        IReadOnlyDictionary<int, string> predictions,
        LabelEncoding encoding,
        IProgress<long>? progress,
        int workers,
        CancellationToken cancellationToken)
    {
        var set = competition.Labels;
        var publicPairs = new List<FramePair>();
        var privatePairs = new List<FramePair>();
        foreach (var f in frames)
        {
            if (!predictions.TryGetValue(f.Index, out var pred))
            {
                throw new SegFuseInputException($"frame {f.Index}", "the submission has no prediction for this frame");
            }

            string name = FrameFiles.NameOf(f.Index, ".png");
            string? inst = competition.HasInstances && instanceDir is not null ? Path.Combine(instanceDir, name) : null;
            (f.Public ? publicPairs : privatePairs).Add(new FramePair(f.Key, Path.Combine(gtDir, name), pred, inst));
        }

        long offset = 0;
        var shifted = progress is null ? null : new Progress(progress, () => offset);
        var pub = DatasetScorer.Score(publicPairs, set, encoding, shifted, cancellationToken, workers, competition.HasInstances);
        offset = publicPairs.Count;
        var priv = DatasetScorer.Score(privatePairs, set, encoding, shifted, cancellationToken, workers, competition.HasInstances);
        var all = new JaccardAccumulator(set);
        all.Merge(pub);
        all.Merge(priv);

        var pubReport = ScoreReport.From(pub);
        var allReport = ScoreReport.From(all);
        var privReport = privatePairs.Count > 0 ? ScoreReport.From(priv) : null;
        return new ScoreSet(
            Headline(pubReport),
            privReport is null ? null : Headline(privReport),
            Headline(allReport),
            ScoreJson.Result(pubReport),
            privReport is null ? null : ScoreJson.Result(privReport),
            ScoreJson.Result(allReport));
    }

    /// <summary>The figure a leaderboard ranks by: ADE20K's challenge score, else the mean class IoU; null when undefined.</summary>
    public static double? Headline(ScoreReport report)
    {
        double v = report.ChallengeScore ?? report.AverageClassIou;
        return double.IsFinite(v) ? v : null;
    }

    /// <summary>Which result key holds the headline figure for a label set's rules.</summary>
    public static string HeadlineKey(Labels.LabelSet set) => set.Rules == Labels.ScoringRules.Ade20k ? "score" : "averageScoreClasses";

    private sealed class Progress(IProgress<long> inner, Func<long> offset) : IProgress<long>
    {
        public void Report(long value) => inner.Report(offset() + value);
    }
}
