using Microsoft.Data.Sqlite;
using SegFuse.Server.Storage;

namespace SegFuse.Server.Scoring;

/// <summary>Writes score rows: one per (submission, scorer version, ground-truth hash).</summary>
internal static class ScoreStore
{
    /// <summary>
    /// Stores <paramref name="score"/> under the current scorer version and <paramref name="gtHash"/>. With
    /// <paramref name="replace"/> false a second row for the same version and hash is an error (a submission is
    /// never scored twice by the queue); rescoring replaces it.
    /// </summary>
    public static void Save(SqliteConnection c, long submissionId, ScoreSet score, string gtHash, DateTimeOffset now, bool replace)
    {
        // Commands created on c join its open transaction, if any.
        c.Execute(
            (replace ? "INSERT OR REPLACE" : "INSERT") +
            """
             INTO scores (submission_id, scorer_version, gt_hash, public_score, private_score, all_score, public_json, private_json, all_json, scored_at)
            VALUES ($id, $v, $h, $pub, $priv, $all, $pubJson, $privJson, $allJson, $now)
            """,
            ("$id", submissionId),
            ("$v", ScorerVersion.Current),
            ("$h", gtHash),
            ("$pub", score.PublicScore),
            ("$priv", score.PrivateScore),
            ("$all", score.AllScore),
            ("$pubJson", score.PublicJson),
            ("$privJson", score.PrivateJson),
            ("$allJson", score.AllJson),
            ("$now", Sql.FormatTime(now)));
    }
}
