using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using SegFuse.Labels;
using SegFuse.Server.Competitions;
using SegFuse.Server.Scoring;
using SegFuse.Server.Storage;
using SegFuse.Server.Submissions;

namespace SegFuse.Server.Api;

/// <summary>Builds what the JSON endpoints and the HTML pages show from stored rows (one code path for both).</summary>
internal static class Views
{
    /// <summary>The split the leaderboard shows: public until the deadline, private after it (public when every frame is public).</summary>
    public static string Split(SqliteConnection conn, Competition c, DateTimeOffset now) =>
        c.IsClosed(now) && HasPrivateFrames(conn, c) ? "private" : "public";

    public static bool HasPrivateFrames(SqliteConnection conn, Competition c) =>
        (long)conn.Scalar("SELECT COUNT(*) FROM competition_frames WHERE competition_id = $c AND public = 0", ("$c", c.Id))! > 0;

    public static CompetitionInfo Info(SqliteConnection conn, Competition c, IReadOnlyList<CompetitionFrame> frames, DateTimeOffset now, ServerOptions options) => new()
    {
        Id = c.Id,
        Name = c.Name,
        LabelSet = c.LabelSetName,
        Labels = JsonNode.Parse(c.LabelSetJson)!.AsObject(),
        VideoFrames = c.VideoFrames,
        Width = c.Width,
        Height = c.Height,
        ScoredFrames = frames.Select(f => f.Index).ToArray(),
        FrameKeys = frames.Select(f => f.Key).ToArray(),
        PublicFraction = c.PublicFraction,
        Deadline = c.Deadline,
        Closed = c.IsClosed(now),
        LeaderboardSplit = Split(conn, c, now),
        DailyLimit = c.DailyLimit,
        MaxUploadBytes = c.MaxUploadBytes,
        AcceptsUrls = options.FetchCommand is not null,
        AcceptsVideos = true,
        ScorerVersion = ScorerVersion.Current,
        GtHash = c.GtHash,
        Metric = SubmissionScoring.HeadlineKey(c.Labels),
    };

    /// <summary>The score row a submission shows: the one for the current scorer and ground truth, else its newest (stale).</summary>
    public static ScoreRow? ShownScore(Competition c, List<ScoreRow>? rows) =>
        rows is null or [] ? null
        : rows.FirstOrDefault(r => r.ScorerVersion == ScorerVersion.Current && r.GtHash == c.GtHash) ?? rows[0];

    public static bool IsStale(Competition c, ScoreRow row) => row.ScorerVersion != ScorerVersion.Current || row.GtHash != c.GtHash;

    public static SubmissionInfo Submission(SqliteConnection conn, SubmissionRow s, Competition c, List<ScoreRow>? scores, DateTimeOffset now)
    {
        var shown = s.Status == SubmissionStatus.Scored ? ShownScore(c, scores) : null;
        bool closed = c.IsClosed(now);
        return new SubmissionInfo
        {
            Id = s.Id,
            CompetitionId = s.CompetitionId,
            Team = s.TeamName,
            CreatedAt = s.CreatedAt,
            Kind = s.Kind,
            Source = s.OriginalName ?? s.SourceUrl,
            Status = s.Status,
            QueuePosition = SubmissionRow.QueuePosition(conn, s),
            Progress = s.Status == SubmissionStatus.Scoring ? new ProgressInfo(s.Stage, s.ProgressDone, s.ProgressTotal) : null,
            PublicScore = shown?.PublicScore,
            PrivateScore = closed ? shown?.PrivateScore : null,
            PublicClassIou = shown is null ? null : ClassIou(shown.PublicJson, c.Labels),
            ScorerVersion = shown?.ScorerVersion,
            GtHash = shown?.GtHash,
            Stale = shown is not null && IsStale(c, shown),
            Failure = s.Status == SubmissionStatus.Failed ? new FailureInfo(s.ErrorKind ?? FailureKind.Server, s.Error ?? "unknown error") : null,
            CountsAgainstLimit = s.Counts,
            Selected = s.Selected,
            Attempts = s.Attempts,
            StartedAt = s.StartedAt,
            FinishedAt = s.FinishedAt,
        };
    }

    /// <summary>
    /// Each team's entry is the submission it selected, else its best public score (earlier wins a tie); entries are
    /// ranked by the public score before the deadline and by the private score after it. Failed, queued and unscored
    /// submissions never rank.
    /// </summary>
    public static LeaderboardInfo Leaderboard(SqliteConnection conn, Competition c, DateTimeOffset now)
    {
        var subs = SubmissionRow.LoadMany(conn, "s.competition_id = $c", ("$c", c.Id));
        var scores = ScoreRow.ForCompetition(conn, c.Id);
        string split = Split(conn, c, now);
        int stale = 0;
        var entries = new List<(SubmissionRow Entry, ScoreRow Score, double? Shown, string? Json, int Count, DateTimeOffset Last)>();
        foreach (var team in subs.GroupBy(s => s.TeamId))
        {
            var candidates = new List<(SubmissionRow Sub, ScoreRow Score)>();
            foreach (var s in team)
            {
                if (s.Status == SubmissionStatus.Scored && ShownScore(c, scores.GetValueOrDefault(s.Id)) is { } row)
                {
                    candidates.Add((s, row));
                    if (IsStale(c, row))
                    {
                        stale++;
                    }
                }
            }

            if (candidates.Count == 0)
            {
                continue;
            }

            var pick = candidates.Where(x => x.Sub.Selected).OrderByDescending(x => x.Sub.Id).FirstOrDefault();
            if (pick.Sub is null)
            {
                pick = candidates.OrderByDescending(x => x.Score.PublicScore ?? double.NegativeInfinity).ThenBy(x => x.Sub.Id).First();
            }

            bool usePrivate = split == "private" && pick.Score.PrivateJson is not null;
            entries.Add((
                pick.Sub,
                pick.Score,
                usePrivate ? pick.Score.PrivateScore : pick.Score.PublicScore,
                usePrivate ? pick.Score.PrivateJson : pick.Score.PublicJson,
                team.Count(),
                team.Max(s => s.CreatedAt)));
        }

        var rows = entries
            .OrderByDescending(e => e.Shown ?? double.NegativeInfinity)
            .ThenBy(e => e.Entry.Id)
            .Select((e, i) => new LeaderboardRow
            {
                Rank = i + 1,
                Team = e.Entry.TeamName,
                Score = e.Shown,
                Submissions = e.Count,
                LastSubmissionAt = e.Last,
                Selected = e.Entry.Selected,
                ClassIou = e.Json is null ? new Dictionary<string, double?>() : ClassIou(e.Json, c.Labels),
                Stale = IsStale(c, e.Score),
                ScorerVersion = e.Score.ScorerVersion,
            })
            .ToList();

        return new LeaderboardInfo
        {
            CompetitionId = c.Id,
            Competition = c.Name,
            Split = split,
            Metric = SubmissionScoring.HeadlineKey(c.Labels),
            ScorerVersion = ScorerVersion.Current,
            GtHash = c.GtHash,
            StaleSubmissions = stale,
            Rows = rows,
            GeneratedAt = now,
        };
    }

    /// <summary>The evaluated classes' IoU from a result JSON (<c>classScores</c>), in label order.</summary>
    public static IReadOnlyDictionary<string, double?> ClassIou(string resultJson, LabelSet set)
    {
        var scores = JsonNode.Parse(resultJson)?["classScores"]?.AsObject();
        var map = new Dictionary<string, double?>();
        foreach (var cls in set.Evaluated)
        {
            map[cls.Name] = scores?[cls.Name] is JsonValue v && v.TryGetValue(out double d) ? d : null;
        }

        return map;
    }
}
