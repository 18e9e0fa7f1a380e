using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using SegFuse.Server.Client;
using SegFuse.Server.Tests.Support;
using Xunit.Abstractions;

namespace SegFuse.Server.Tests;

/// <summary>
/// The issue's load test against <c>segfuse serve</c> run as a child process on 127.0.0.1: 30 concurrent submissions
/// of small palette videos (16 frames of 160×96, rendered like segfuse render does) from 10 teams under a daily limit of 2, then a SIGKILL while the queue is still being worked through, a restart,
/// and every accepted submission scored exactly once.
/// </summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Teams = 10;
    private const int PerTeam = 3;
    private const int DailyLimit = 2;

    [Fact]
    public async Task Thirty_concurrent_video_submissions_then_a_kill_mid_queue_and_a_restart_lose_nothing()
    {
        using var h = new Harness(frames: 16, publicFraction: 0.3, dailyLimit: DailyLimit, width: 160, height: 96, maxUploadBytes: 32L << 20);
        var tokens = Enumerable.Range(0, Teams).Select(i => h.Store.AddTeam(h.CompetitionId, $"team-{i:D2}")).ToArray();
        var videos = Enumerable.Range(0, Teams).Select(i => h.PredictionVideo($"team-{i}", 0.02 + (0.05 * i), i)).ToArray();

        using var first = ChildServer.Start(h.DataDir, "--scoring-workers", "1");
        var clock = Stopwatch.StartNew();
        var uri = new Uri(first.Url + "/");
        var attempts = Enumerable.Range(0, Teams * PerTeam).Select(async k =>
        {
            int team = k % Teams;
            using var client = new SegFuseServerClient(uri, tokens[team]);
            try
            {
                var s = await client.SubmitFileAsync(h.CompetitionId, videos[team]);
                return (Team: team, Id: (long?)s.Id, Status: HttpStatusCode.Accepted, Code: "accepted");
            }
            catch (SegFuseServerException e)
            {
                return (Team: team, Id: (long?)null, Status: e.Status ?? 0, Code: e.Code);
            }
        }).ToArray();
        var results = await Task.WhenAll(attempts);
        output.WriteLine($"30 submissions answered in {clock.Elapsed.TotalSeconds:0.00} s");

        // Every request was accepted or refused by the rules: exactly DailyLimit accepted per team, the rest 429.
        foreach (var team in results.GroupBy(r => r.Team))
        {
            Assert.Equal(DailyLimit, team.Count(r => r.Status == HttpStatusCode.Accepted));
            Assert.All(team.Where(r => r.Status != HttpStatusCode.Accepted), r =>
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
                Assert.Equal("daily_limit", r.Code);
            });
        }

        var accepted = results.Where(r => r.Id is not null).Select(r => r.Id!.Value).ToHashSet();
        Assert.Equal(Teams * DailyLimit, accepted.Count);
        Assert.Equal(accepted.Count, h.Count("SELECT COUNT(*) FROM submissions"));

        // Kill the server (SIGKILL) while one submission is being scored and others still wait.
        long? interrupted = null;
        while (interrupted is null)
        {
            var (scored, queued, scoring) = States(h);
            if (scoring is long id && scored >= 1 && queued >= 1)
            {
                first.Kill();
                interrupted = id;
                output.WriteLine($"killed with {scored} scored, {queued} queued, submission {id} scoring, at {clock.Elapsed.TotalSeconds:0.00} s");
            }
            else
            {
                Assert.True(queued > 0 || scoring is not null, $"the queue drained before the kill could happen ({scored} scored); make the load heavier");
                await Task.Delay(5);
            }
        }

        Assert.Equal("scoring", Status(h, interrupted.Value)); // the crash left it mid-scoring

        using var second = ChildServer.Start(h.DataDir, "--scoring-workers", "1");
        Assert.Contains("1 interrupted submission(s) queued again", second.Output, StringComparison.Ordinal);
        var deadline = Stopwatch.StartNew();
        while (h.Count("SELECT COUNT(*) FROM submissions WHERE status IN ('queued', 'scoring')") > 0)
        {
            // A bound for a loaded machine: the point is that every submission ends scored, not how fast.
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(12), "the restarted server did not finish the queue within 12 minutes: " + second.Output);
            await Task.Delay(50);
        }

        output.WriteLine($"all scored at {clock.Elapsed.TotalSeconds:0.00} s");
        var times = (first.Output + second.Output).Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"scored .* public in ([0-9.]+) s"))
            .Where(m => m.Success)
            .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        output.WriteLine($"scoring time per video: median {times.Order().ElementAt(times.Count / 2):0.00} s, max {times.Max():0.00} s ({times.Count} completed scorings)");

        // Every accepted submission scored, exactly one score row each, none failed; only the interrupted one ran twice.
        using var c = h.Db();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT s.id, s.status, s.attempts, (SELECT COUNT(*) FROM scores sc WHERE sc.submission_id = s.id) FROM submissions s";
        using var r = cmd.ExecuteReader();
        int rows = 0;
        while (r.Read())
        {
            rows++;
            long id = r.GetInt64(0);
            Assert.Contains(id, accepted);
            Assert.Equal("scored", r.GetString(1));
            Assert.Equal(1, r.GetInt64(3));
            Assert.Equal(id == interrupted ? 2 : 1, r.GetInt64(2));
        }

        Assert.Equal(accepted.Count, rows);

        // And the leaderboard ranks all ten teams by their public score. The public split is a random ~5 of the 16 frames,
        // so teams whose noise differs by one step (0.05) can swap places on it; teams three steps apart cannot.
        using var anyone = new SegFuseServerClient(new Uri(second.Url + "/"), null);
        var board = await anyone.GetLeaderboardAsync(h.CompetitionId);
        Assert.Equal(Teams, board.Rows.Count);
        Assert.Equal(Enumerable.Range(1, Teams), board.Rows.Select(x => x.Rank));
        var scores = board.Rows.Select(x => x.Score!.Value).ToList();
        Assert.Equal(scores.OrderDescending(), scores);
        var rankOf = board.Rows.ToDictionary(x => x.Team, x => x.Rank);
        for (int i = 0; i + 3 < Teams; i++)
        {
            Assert.True(rankOf[$"team-{i:D2}"] < rankOf[$"team-{i + 3:D2}"], $"team-{i:D2} (noise {0.02 + (0.05 * i):0.00}) ranks below team-{i + 3:D2}");
        }
    }

    private static (long Scored, long Queued, long? Scoring) States(Harness h)
    {
        using var c = h.Db();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM submissions WHERE status = 'scored'), (SELECT COUNT(*) FROM submissions WHERE status = 'queued'), (SELECT MIN(id) FROM submissions WHERE status = 'scoring')";
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2));
    }

    private static string Status(Harness h, long id)
    {
        using var c = h.Db();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT status FROM submissions WHERE id = {id}";
        return (string)cmd.ExecuteScalar()!;
    }
}
