using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SegFuse.Server.Api;

/// <summary>An error answer: a stable machine-readable code and one human-readable line.</summary>
/// <param name="Error">The code, e.g. <c>invalid_token</c>, <c>daily_limit</c>, <c>invalid_submission</c>.</param>
/// <param name="Message">What is wrong, naming the file or entry.</param>
public sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message);

/// <summary>A competition's public metadata: what a submission must look like.</summary>
public sealed record CompetitionInfo
{
    /// <summary>The id.</summary>
    public required long Id { get; init; }

    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>Label set name.</summary>
    public required string LabelSet { get; init; }

    /// <summary>The label set itself (ids, names, colours), as <c>LabelSet.ToJson</c> writes it.</summary>
    public required JsonObject Labels { get; init; }

    /// <summary>Frames a submitted video must have.</summary>
    public required int VideoFrames { get; init; }

    /// <summary>Frame width.</summary>
    public required int Width { get; init; }

    /// <summary>Frame height.</summary>
    public required int Height { get; init; }

    /// <summary>The frame indices that are scored (have hidden ground truth).</summary>
    public required IReadOnlyList<int> ScoredFrames { get; init; }

    /// <summary>The key of each scored frame (same order).</summary>
    public required IReadOnlyList<string> FrameKeys { get; init; }

    /// <summary>Share of scored frames on the public leaderboard.</summary>
    public required double PublicFraction { get; init; }

    /// <summary>When submissions close; null = never.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Whether the deadline has passed.</summary>
    public required bool Closed { get; init; }

    /// <summary>Which split the leaderboard shows now: <c>public</c> or <c>private</c>.</summary>
    public required string LeaderboardSplit { get; init; }

    /// <summary>Submissions per team per UTC day.</summary>
    public required int DailyLimit { get; init; }

    /// <summary>Largest upload, in bytes.</summary>
    public required long MaxUploadBytes { get; init; }

    /// <summary>Whether the server fetches video URLs.</summary>
    public required bool AcceptsUrls { get; init; }

    /// <summary>Whether video files are accepted (zip files always are).</summary>
    public required bool AcceptsVideos { get; init; }

    /// <summary>The scorer version new scores carry.</summary>
    public required string ScorerVersion { get; init; }

    /// <summary>Hash of the ground truth new scores are computed against.</summary>
    public required string GtHash { get; init; }

    /// <summary>Which figure ranks: <c>averageScoreClasses</c> (mIoU) or <c>score</c> (ADE20K).</summary>
    public required string Metric { get; init; }
}

/// <summary>A line of the competition list.</summary>
/// <param name="Id">Id.</param>
/// <param name="Name">Name.</param>
/// <param name="LabelSet">Label set name.</param>
/// <param name="ScoredFrames">Frames with ground truth.</param>
/// <param name="Deadline">Deadline or null.</param>
/// <param name="Closed">Whether the deadline passed.</param>
/// <param name="Teams">Registered teams.</param>
/// <param name="Submissions">Submissions received.</param>
/// <param name="Leader">The first team on the leaderboard now, or null.</param>
/// <param name="LeaderScore">Its score.</param>
public sealed record CompetitionListItem(long Id, string Name, string LabelSet, int ScoredFrames, DateTimeOffset? Deadline, bool Closed, int Teams, int Submissions, string? Leader, double? LeaderScore);

/// <summary>Scoring progress of a submission.</summary>
/// <param name="Stage">fetching, unpacking, decoding or scoring.</param>
/// <param name="Done">Items done.</param>
/// <param name="Total">Items in all.</param>
public sealed record ProgressInfo(string? Stage, long Done, long Total);

/// <summary>Why a submission failed.</summary>
/// <param name="Kind"><c>input</c> (the submission's fault; it counts against the daily limit) or <c>server</c> (it does not).</param>
/// <param name="Message">The reason, e.g. a frame count mismatch or an unreadable video.</param>
public sealed record FailureInfo(string Kind, string Message);

/// <summary>A submission as its team sees it.</summary>
public sealed record SubmissionInfo
{
    /// <summary>Id.</summary>
    public required long Id { get; init; }

    /// <summary>Competition id.</summary>
    public required long CompetitionId { get; init; }

    /// <summary>Team name.</summary>
    public required string Team { get; init; }

    /// <summary>When it was received.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary><c>zip</c>, <c>video</c> or <c>url</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The uploaded file's name as sent (display only) or the URL.</summary>
    public string? Source { get; init; }

    /// <summary><c>queued</c>, <c>scoring</c>, <c>scored</c> or <c>failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>1 = next to be scored; null unless queued.</summary>
    public int? QueuePosition { get; init; }

    /// <summary>Progress while scoring.</summary>
    public ProgressInfo? Progress { get; init; }

    /// <summary>Score on the public split.</summary>
    public double? PublicScore { get; init; }

    /// <summary>Score on the private split (shown after the deadline only).</summary>
    public double? PrivateScore { get; init; }

    /// <summary>Per-class IoU on the public split (evaluated classes; null where undefined).</summary>
    public IReadOnlyDictionary<string, double?>? PublicClassIou { get; init; }

    /// <summary>The scorer version of the score shown.</summary>
    public string? ScorerVersion { get; init; }

    /// <summary>The ground-truth hash of the score shown.</summary>
    public string? GtHash { get; init; }

    /// <summary>Whether the score shown is from an older scorer or ground truth.</summary>
    public bool Stale { get; init; }

    /// <summary>Why it failed.</summary>
    public FailureInfo? Failure { get; init; }

    /// <summary>Whether it counts against the daily limit.</summary>
    public required bool CountsAgainstLimit { get; init; }

    /// <summary>Whether the team selected it for the leaderboard.</summary>
    public required bool Selected { get; init; }

    /// <summary>Times the scorer started on it (more than 1 after a restart interrupted it).</summary>
    public required int Attempts { get; init; }

    /// <summary>When scoring last started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When scoring ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>A leaderboard row: a team's ranked submission.</summary>
public sealed record LeaderboardRow
{
    /// <summary>1-based rank.</summary>
    public required int Rank { get; init; }

    /// <summary>Team name.</summary>
    public required string Team { get; init; }

    /// <summary>The score on the split shown.</summary>
    public double? Score { get; init; }

    /// <summary>Submissions the team made.</summary>
    public required int Submissions { get; init; }

    /// <summary>When the team last submitted.</summary>
    public required DateTimeOffset LastSubmissionAt { get; init; }

    /// <summary>Whether the ranked submission is one the team selected (else its best).</summary>
    public required bool Selected { get; init; }

    /// <summary>Per-class IoU on the split shown.</summary>
    public required IReadOnlyDictionary<string, double?> ClassIou { get; init; }

    /// <summary>Whether the score is from an older scorer or ground truth.</summary>
    public required bool Stale { get; init; }

    /// <summary>The scorer version of this score.</summary>
    public required string ScorerVersion { get; init; }
}

/// <summary>A competition's leaderboard.</summary>
public sealed record LeaderboardInfo
{
    /// <summary>Competition id.</summary>
    public required long CompetitionId { get; init; }

    /// <summary>Competition name.</summary>
    public required string Competition { get; init; }

    /// <summary><c>public</c> before the deadline, <c>private</c> after it.</summary>
    public required string Split { get; init; }

    /// <summary>The figure ranked.</summary>
    public required string Metric { get; init; }

    /// <summary>Scorer version of current scores.</summary>
    public required string ScorerVersion { get; init; }

    /// <summary>Ground-truth hash of current scores.</summary>
    public required string GtHash { get; init; }

    /// <summary>Scored submissions whose newest score is from an older scorer version or ground truth.</summary>
    public required int StaleSubmissions { get; init; }

    /// <summary>Ranked teams, best first.</summary>
    public required IReadOnlyList<LeaderboardRow> Rows { get; init; }

    /// <summary>When the board was computed.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }
}
