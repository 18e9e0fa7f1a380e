using SegFuse.Scoring;

namespace SegFuse.Server.Competitions;

/// <summary>What <see cref="CompetitionStore.Create"/> needs to set up a competition.</summary>
public sealed record CompetitionSpec
{
    /// <summary>The competition's name, unique on the server.</summary>
    public required string Name { get; init; }

    /// <summary>The hidden ground-truth folder; it is copied into the data folder.</summary>
    public required string GroundTruth { get; init; }

    /// <summary>A built-in label set name or a label-set JSON file.</summary>
    public required string Labels { get; init; }

    /// <summary>How the ground-truth folder is laid out.</summary>
    public DatasetLayout Layout { get; init; } = DatasetLayout.Frames;

    /// <summary>Frames of the test video (a submitted video must have exactly this many); default: the last ground-truth frame index + 1.</summary>
    public int? VideoFrames { get; init; }

    /// <summary>Share of the scored frames on the public leaderboard (0 &lt; f ≤ 1); the rest decide the private leaderboard.</summary>
    public double PublicFraction { get; init; } = 0.3;

    /// <summary>When submissions close and the leaderboard switches to the private split; null = never.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Submissions per team per UTC day (failures for server-side reasons do not count).</summary>
    public int DailyLimit { get; init; } = 5;

    /// <summary>Largest upload accepted, in bytes.</summary>
    public long MaxUploadBytes { get; init; } = 256L << 20;

    /// <summary>Import Cityscapes instance maps for iIoU when the layout and label set have them.</summary>
    public bool Instances { get; init; } = true;
}

/// <summary>A line of <see cref="CompetitionStore.List"/>.</summary>
/// <param name="Id">The competition id.</param>
/// <param name="Name">Its name.</param>
/// <param name="LabelSet">Label set name.</param>
/// <param name="ScoredFrames">Frames with ground truth.</param>
/// <param name="Deadline">Deadline, or null.</param>
/// <param name="Teams">Teams registered.</param>
/// <param name="Submissions">Submissions received.</param>
/// <param name="GtHash">Hash of the current ground truth.</param>
public sealed record CompetitionSummary(long Id, string Name, string LabelSet, int ScoredFrames, DateTimeOffset? Deadline, int Teams, int Submissions, string GtHash);

/// <summary>What <see cref="CompetitionStore.Rescore"/> did.</summary>
/// <param name="Rescored">Submissions scored again.</param>
/// <param name="Failed">Submissions that could not be scored (id and reason); their earlier scores stay.</param>
/// <param name="GtHash">The ground-truth hash the new scores carry.</param>
/// <param name="ScorerVersion">The scorer version the new scores carry.</param>
/// <param name="GroundTruthChanged">Whether a new ground truth replaced the old one.</param>
public sealed record RescoreSummary(int Rescored, IReadOnlyList<(long Id, string Reason)> Failed, string GtHash, string ScorerVersion, bool GroundTruthChanged);
