namespace SegFuse.Server.Scoring;

/// <summary>
/// The version recorded with every score. Bump it whenever a change to the scorer (SegFuse.Core's
/// JaccardAccumulator / ScoreReport, the PNG or video decoding used for submissions) can change a figure;
/// the leaderboard then marks older scores as stale until <c>segfuse competition rescore</c> runs.
/// </summary>
public static class ScorerVersion
{
    /// <summary>The current scorer version.</summary>
    public const string Current = "segfuse-jaccard/1";
}
