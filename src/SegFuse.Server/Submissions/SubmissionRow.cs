using Microsoft.Data.Sqlite;
using SegFuse.Server.Storage;

namespace SegFuse.Server.Submissions;

/// <summary>Submission states, as stored and shown.</summary>
internal static class SubmissionStatus
{
    public const string Queued = "queued";
    public const string Scoring = "scoring";
    public const string Scored = "scored";
    public const string Failed = "failed";
}

/// <summary>Why a submission failed: the competitor's input (counts against the daily limit) or the server (does not).</summary>
internal static class FailureKind
{
    public const string Input = "input";
    public const string Server = "server";
}

/// <summary>Submission kinds.</summary>
internal static class SubmissionKinds
{
    public const string Zip = "zip";
    public const string Video = "video";
    public const string Url = "url";
}

/// <summary>A submission as stored.</summary>
internal sealed record SubmissionRow
{
    public const string Columns =
        "s.id, s.competition_id, s.team_id, t.name AS team_name, s.created_at, s.kind, s.file_name, s.original_name, s.source_url, s.encoding, " +
        "s.size_bytes, s.status, s.stage, s.progress_done, s.progress_total, s.error, s.error_kind, s.counts, s.attempts, s.started_at, s.finished_at, s.selected";

    public const string From = "submissions s JOIN teams t ON t.id = s.team_id";

    public required long Id { get; init; }

    public required long CompetitionId { get; init; }

    public required long TeamId { get; init; }

    public required string TeamName { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string Kind { get; init; }

    /// <summary>The server-chosen file name under the submission's folder (null until a URL is fetched).</summary>
    public string? FileName { get; init; }

    public string? OriginalName { get; init; }

    public string? SourceUrl { get; init; }

    public required string Encoding { get; init; }

    public long SizeBytes { get; init; }

    public required string Status { get; init; }

    public string? Stage { get; init; }

    public long ProgressDone { get; init; }

    public long ProgressTotal { get; init; }

    public string? Error { get; init; }

    public string? ErrorKind { get; init; }

    public bool Counts { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public bool Selected { get; init; }

    public static SubmissionRow Read(SqliteDataReader r) => new()
    {
        Id = r.Long("id"),
        CompetitionId = r.Long("competition_id"),
        TeamId = r.Long("team_id"),
        TeamName = r.Text("team_name"),
        CreatedAt = r.Time("created_at"),
        Kind = r.Text("kind"),
        FileName = r.NullableString("file_name"),
        OriginalName = r.NullableString("original_name"),
        SourceUrl = r.NullableString("source_url"),
        Encoding = r.Text("encoding"),
        SizeBytes = r.Long("size_bytes"),
        Status = r.Text("status"),
        Stage = r.NullableString("stage"),
        ProgressDone = r.Long("progress_done"),
        ProgressTotal = r.Long("progress_total"),
        Error = r.NullableString("error"),
        ErrorKind = r.NullableString("error_kind"),
        Counts = r.Long("counts") != 0,
        Attempts = (int)r.Long("attempts"),
        StartedAt = r.NullableTime("started_at"),
        FinishedAt = r.NullableTime("finished_at"),
        Selected = r.Long("selected") != 0,
    };

    public static SubmissionRow? Load(SqliteConnection c, long id)
    {
        using var cmd = c.Command($"SELECT {Columns} FROM {From} WHERE s.id = $id", ("$id", id));
        using var r = cmd.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    public static List<SubmissionRow> LoadMany(SqliteConnection c, string where, params (string, object?)[] args)
    {
        using var cmd = c.Command($"SELECT {Columns} FROM {From} WHERE {where} ORDER BY s.id", args);
        using var r = cmd.ExecuteReader();
        var list = new List<SubmissionRow>();
        while (r.Read())
        {
            list.Add(Read(r));
        }

        return list;
    }

    /// <summary>1 + the queued submissions ahead of this one (any competition: one queue serves them all); null unless queued.</summary>
    public static int? QueuePosition(SqliteConnection c, SubmissionRow s) =>
        s.Status != SubmissionStatus.Queued ? null
        : (int)(long)c.Scalar("SELECT COUNT(*) FROM submissions WHERE status = 'queued' AND id < $id", ("$id", s.Id))! + 1;
}

/// <summary>A stored score row of a submission: the figures under one scorer version and ground-truth hash.</summary>
internal sealed record ScoreRow(long SubmissionId, string ScorerVersion, string GtHash, double? PublicScore, double? PrivateScore, double? AllScore, string PublicJson, string? PrivateJson, DateTimeOffset ScoredAt)
{
    public const string Columns = "submission_id, scorer_version, gt_hash, public_score, private_score, all_score, public_json, private_json, scored_at";

    public static ScoreRow Read(SqliteDataReader r) => new(
        r.Long("submission_id"),
        r.Text("scorer_version"),
        r.Text("gt_hash"),
        r.NullableDouble("public_score"),
        r.NullableDouble("private_score"),
        r.NullableDouble("all_score"),
        r.Text("public_json"),
        r.NullableString("private_json"),
        r.Time("scored_at"));

    /// <summary>Every score row of the competition's submissions, newest first per submission.</summary>
    public static Dictionary<long, List<ScoreRow>> ForCompetition(SqliteConnection c, long competitionId)
    {
        using var cmd = c.Command(
            $"SELECT {Columns.Replace("submission_id", "sc.submission_id", StringComparison.Ordinal)} FROM scores sc JOIN submissions s ON s.id = sc.submission_id WHERE s.competition_id = $c ORDER BY sc.scored_at DESC",
            ("$c", competitionId));
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, List<ScoreRow>>();
        while (r.Read())
        {
            var row = Read(r);
            if (!map.TryGetValue(row.SubmissionId, out var list))
            {
                map[row.SubmissionId] = list = [];
            }

            list.Add(row);
        }

        return map;
    }
}
