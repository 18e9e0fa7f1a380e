using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using SegFuse.Server.Competitions;
using SegFuse.Server.Intake;
using SegFuse.Server.Storage;
using SegFuse.Server.Submissions;

namespace SegFuse.Server.Scoring;

/// <summary>
/// The scoring queue: <see cref="ServerOptions.ScoringWorkers"/> loops each claim the oldest queued submission
/// (one atomic UPDATE … RETURNING, with a fresh lease), score it, and store the score and the new state in one
/// transaction that only succeeds while the lease is still theirs. A submission interrupted by a crash stays
/// <c>scoring</c> in the database and is queued again at the next start-up; on a clean stop it is queued at once.
/// </summary>
internal sealed class ScoringWorker : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private readonly Database _db;
    private readonly DataFolder _data;
    private readonly ServerOptions _options;
    private readonly ServerLog _log;
    private readonly SubmissionProcessor _processor;
    private readonly SemaphoreSlim _wake = new(0);

    public ScoringWorker(Database db, DataFolder data, ServerOptions options, ServerLog log)
    {
        _db = db;
        _data = data;
        _options = options;
        _log = log;
        _processor = new SubmissionProcessor(data, Math.Max(1, options.ScoringThreads));
    }

    /// <summary>Tells a waiting loop that a submission was queued.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount < 64)
        {
            _wake.Release();
        }
    }

    /// <summary>Puts submissions that a previous run left in <c>scoring</c> back in the queue; returns how many.</summary>
    public static int RequeueInterrupted(Database db)
    {
        using var c = db.Connect();
        return c.Execute("UPDATE submissions SET status = 'queued', lease = NULL, stage = NULL, progress_done = 0, progress_total = 0 WHERE status = 'scoring'");
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int loops = Math.Max(0, _options.ScoringWorkers);
        return Task.WhenAll(Enumerable.Range(0, loops).Select(_ => Task.Run(() => LoopAsync(stoppingToken), CancellationToken.None)));
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Claimed? job;
            try
            {
                job = Claim();
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                _log.Info($"scoring queue: cannot read the queue: {e.Message}");
                job = null;
            }

            if (job is null)
            {
                try
                {
                    await _wake.WaitAsync(Poll, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Process(job, ct);
        }
    }

    private sealed record Claimed(SubmissionRow Submission, string Lease);

    private Claimed? Claim()
    {
        string lease = Guid.NewGuid().ToString("N");
        using var c = _db.Connect();
        var id = c.Scalar(
            """
            UPDATE submissions
            SET status = 'scoring', lease = $lease, attempts = attempts + 1, started_at = $now, stage = 'starting', progress_done = 0, progress_total = 0
            WHERE id = (SELECT id FROM submissions WHERE status = 'queued' ORDER BY id LIMIT 1) AND status = 'queued'
            RETURNING id
            """,
            ("$lease", lease),
            ("$now", Sql.FormatTime(_options.Clock.GetUtcNow())));
        if (id is not long sid)
        {
            return null;
        }

        return new Claimed(SubmissionRow.Load(c, sid)!, lease);
    }

    private void Process(Claimed job, CancellationToken ct)
    {
        var s = job.Submission;
        var clock = Stopwatch.StartNew();
        string work = _data.SubmissionWork(s.Id);

        // The outcome is written only after the work folder is gone, so a client that sees
        // 'scored' or 'failed' never finds frames of that submission still on disk.
        Action? record = null;
        try
        {
            Competition competition;
            List<CompetitionFrame> frames;
            using (var c = _db.Connect())
            {
                competition = Competition.Load(c, s.CompetitionId)!;
                frames = CompetitionFrame.Load(c, s.CompetitionId);
            }

            var progress = new DbProgress(_db, s.Id, job.Lease);
            if (s.Kind == SubmissionKinds.Url && s.FileName is null)
            {
                s = Fetch(s, competition, job.Lease, progress, ct);
            }

            var score = _processor.Score(s, competition, frames, work, progress, ct);
            record = () => Complete(s, job.Lease, score, competition.GtHash, clock.Elapsed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            using var c = _db.Connect();
            c.Execute("UPDATE submissions SET status = 'queued', lease = NULL, stage = NULL, progress_done = 0, progress_total = 0 WHERE id = $id AND lease = $lease", ("$id", s.Id), ("$lease", job.Lease));
            _log.Info($"submission {s.Id}: scoring stopped by shutdown, queued again");
        }
        catch (SegFuseInputException e)
        {
            record = () => Fail(s, job.Lease, FailureKind.Input, _processor.Redact(e.Message));
        }
#pragma warning disable CA1031 // The worker must survive any failure of one submission and record it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            record = () => Fail(s, job.Lease, FailureKind.Server, $"{e.GetType().Name}: {_processor.Redact(e.Message)}");
        }
        finally
        {
            DataFolder.TryDelete(work);
        }

        try
        {
            record?.Invoke();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // The row keeps its lease; the next start-up queues it again.
            _log.Info($"submission {s.Id}: cannot record the outcome: {e.Message}");
        }
    }

    private SubmissionRow Fetch(SubmissionRow s, Competition competition, string lease, DbProgress progress, CancellationToken ct)
    {
        string command = _options.FetchCommand ?? throw new InvalidOperationException("this server has no --fetch-command to fetch URLs with");
        progress.Report(new StageProgress("fetching", 0, 1));
        string dir = _data.Submission(s.Id);
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, "fetched.part");
        try
        {
            UrlFetcher.Fetch(command, s.SourceUrl!, temp, competition.MaxUploadBytes, _options.FetchTimeout, ct);
            string name = ZipSubmission.LooksLikeZip(temp) ? "submission.zip" : "submission.video";
            File.Move(temp, Path.Combine(dir, name), overwrite: true);
            long size = new FileInfo(Path.Combine(dir, name)).Length;
            using var c = _db.Connect();
            c.Execute("UPDATE submissions SET file_name = $f, size_bytes = $n WHERE id = $id AND lease = $lease", ("$f", name), ("$n", size), ("$id", s.Id), ("$lease", lease));
            return s with { FileName = name, SizeBytes = size };
        }
        finally
        {
            DataFolder.TryDelete(temp);
        }
    }

    private void Complete(SubmissionRow s, string lease, ScoreSet score, string gtHash, TimeSpan took)
    {
        using var c = _db.Connect();
        using var tx = c.BeginTransaction(deferred: false);
        var now = _options.Clock.GetUtcNow();
        int n = c.Execute(
            "UPDATE submissions SET status = 'scored', stage = NULL, progress_done = progress_total, finished_at = $now, lease = NULL, error = NULL, error_kind = NULL WHERE id = $id AND lease = $lease AND status = 'scoring'",
            ("$now", Sql.FormatTime(now)),
            ("$id", s.Id),
            ("$lease", lease));
        if (n != 1)
        {
            tx.Rollback();
            _log.Info($"submission {s.Id}: scored, but its lease was taken over; the result is dropped");
            return;
        }

        ScoreStore.Save(c, s.Id, score, gtHash, now, replace: false);
        tx.Commit();
        _log.Info($"submission {s.Id} ({s.TeamName}): scored {Format(score.PublicScore)} public in {took.TotalSeconds:0.00} s");
    }

    private void Fail(SubmissionRow s, string lease, string kind, string message)
    {
        using var c = _db.Connect();
        c.Execute(
            "UPDATE submissions SET status = 'failed', stage = NULL, error = $e, error_kind = $k, counts = $counts, finished_at = $now, lease = NULL WHERE id = $id AND lease = $lease",
            ("$e", message),
            ("$k", kind),
            ("$counts", kind == FailureKind.Input ? 1 : 0),
            ("$now", Sql.FormatTime(_options.Clock.GetUtcNow())),
            ("$id", s.Id),
            ("$lease", lease));
        _log.Info($"submission {s.Id} ({s.TeamName}): failed ({kind}): {message}");
    }

    private static string Format(double? v) => v is double d ? d.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Writes progress to the submission's row at most five times a second (and at every stage change or end).</summary>
    private sealed class DbProgress(Database db, long id, string lease) : IProgress<StageProgress>
    {
        private readonly Lock _lock = new();
        private readonly Stopwatch _since = Stopwatch.StartNew();
        private string? _stage;

        public void Report(StageProgress value)
        {
            lock (_lock)
            {
                if (value.Stage == _stage && value.Done < value.Total && _since.ElapsedMilliseconds < 200)
                {
                    return;
                }

                _stage = value.Stage;
                _since.Restart();
                using var c = db.Connect();
                c.Execute(
                    "UPDATE submissions SET stage = $s, progress_done = $d, progress_total = $t WHERE id = $id AND lease = $lease",
                    ("$s", value.Stage),
                    ("$d", value.Done),
                    ("$t", value.Total),
                    ("$id", id),
                    ("$lease", lease));
            }
        }
    }
}
