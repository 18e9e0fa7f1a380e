using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SegFuse.Server.Competitions;
using SegFuse.Server.Pages;
using SegFuse.Server.Storage;
using SegFuse.Server.Submissions;

namespace SegFuse.Server.Api;

/// <summary>The routes: HTML pages for people, JSON under <c>/api</c> for programs. No route serves a file from disk.</summary>
internal static class Endpoints
{
    public static void Map(WebApplication app, Database db, ServerOptions options, SubmissionIntake intake)
    {
        var clock = options.Clock;

        app.MapGet("/healthz", () => Results.Text("ok\n"));

        app.MapGet("/", () =>
        {
            using var c = db.Connect();
            return Results.Content(HtmlPages.CompetitionList(ListItems(c, clock.GetUtcNow())), "text/html; charset=utf-8");
        });

        app.MapGet("/competitions/{id:long}", (HttpContext ctx, long id) =>
        {
            using var c = db.Connect();
            if (Competition.Load(c, id) is not { } comp)
            {
                return Results.Content(HtmlPages.Error(404, $"competition {id} does not exist"), "text/html; charset=utf-8", statusCode: 404);
            }

            var now = clock.GetUtcNow();
            var frames = CompetitionFrame.Load(c, id);
            var info = Views.Info(c, comp, frames, now, options);
            var board = Views.Leaderboard(c, comp, now);
            var team = TeamAuth.FromCookie(ctx, c, id);
            var history = team is null ? null : History(c, comp, team.TeamId, now);
            string baseUrl = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
            return Results.Content(HtmlPages.Competition(info, board, team?.Name, history, baseUrl), "text/html; charset=utf-8");
        });

        app.MapPost("/competitions/{id:long}/team", async (HttpContext ctx, long id) =>
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
            string token = form["token"].ToString().Trim();
            using var c = db.Connect();
            if (TeamAuth.Find(c, token) is not { } team || team.CompetitionId != id)
            {
                return Results.Content(HtmlPages.Error(401, "That is not a team token of this competition."), "text/html; charset=utf-8", statusCode: 401);
            }

            ctx.Response.Cookies.Append(TeamAuth.CookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = ctx.Request.IsHttps,
                Path = "/",
                MaxAge = TimeSpan.FromDays(30),
            });
            return Results.Redirect($"/competitions/{id}#history", permanent: false, preserveMethod: false);
        });

        app.MapPost("/competitions/{id:long}/signout", (HttpContext ctx, long id) =>
        {
            ctx.Response.Cookies.Delete(TeamAuth.CookieName, new CookieOptions { Path = "/" });
            return Results.Redirect($"/competitions/{id}");
        });

        app.MapPost("/competitions/{id:long}/submissions/{sid:long}/select", (HttpContext ctx, long id, long sid) =>
        {
            using var c = db.Connect();
            var team = TeamAuth.FromCookie(ctx, c, id);
            if (team is null)
            {
                return Results.Content(HtmlPages.Error(401, "Sign in with your team token first."), "text/html; charset=utf-8", statusCode: 401);
            }

            Select(c, team, sid, clock.GetUtcNow());
            return Results.Redirect($"/competitions/{id}#history");
        });

        var api = app.MapGroup("/api");

        api.MapGet("/competitions", () =>
        {
            using var c = db.Connect();
            return Results.Json(ListItems(c, clock.GetUtcNow()));
        });

        api.MapGet("/competitions/{id:long}", (long id) =>
        {
            using var c = db.Connect();
            var comp = Competition.Load(c, id) ?? throw ApiException.NotFound($"competition {id}");
            return Results.Json(Views.Info(c, comp, CompetitionFrame.Load(c, id), clock.GetUtcNow(), options));
        });

        api.MapGet("/competitions/{id:long}/leaderboard", (long id) =>
        {
            using var c = db.Connect();
            var comp = Competition.Load(c, id) ?? throw ApiException.NotFound($"competition {id}");
            return Results.Json(Views.Leaderboard(c, comp, clock.GetUtcNow()));
        });

        api.MapPost("/competitions/{id:long}/submissions", (HttpContext ctx, long id) => intake.HandleAsync(ctx, id));

        api.MapGet("/competitions/{id:long}/submissions", (HttpContext ctx, long id) =>
        {
            using var c = db.Connect();
            var comp = Competition.Load(c, id) ?? throw ApiException.NotFound($"competition {id}");
            var team = TeamAuth.RequireBearer(ctx, c, id);
            return Results.Json(History(c, comp, team.TeamId, clock.GetUtcNow()));
        });

        api.MapGet("/submissions/{sid:long}", (HttpContext ctx, long sid) =>
        {
            using var c = db.Connect();
            var (row, comp) = OwnSubmission(ctx, c, sid);
            var scores = ScoreRow.ForCompetition(c, comp.Id).GetValueOrDefault(sid);
            return Results.Json(Views.Submission(c, row, comp, scores, clock.GetUtcNow()));
        });

        api.MapPost("/submissions/{sid:long}/select", (HttpContext ctx, long sid) =>
        {
            using var c = db.Connect();
            var (row, comp) = OwnSubmission(ctx, c, sid);
            Select(c, new TeamIdentity(row.TeamId, row.CompetitionId, row.TeamName), sid, clock.GetUtcNow());
            var scores = ScoreRow.ForCompetition(c, comp.Id).GetValueOrDefault(sid);
            return Results.Json(Views.Submission(c, SubmissionRow.Load(c, sid)!, comp, scores, clock.GetUtcNow()));
        });
    }

    /// <summary>A submission of the bearer's team; any other id is "not found", so ids of other teams' submissions reveal nothing.</summary>
    private static (SubmissionRow Row, Competition Competition) OwnSubmission(HttpContext ctx, Microsoft.Data.Sqlite.SqliteConnection c, long sid)
    {
        var team = TeamAuth.RequireBearer(ctx, c, 0);
        var row = SubmissionRow.Load(c, sid);
        if (row is null || row.TeamId != team.TeamId)
        {
            throw ApiException.NotFound($"submission {sid} of team '{team.Name}'");
        }

        return (row, Competition.Load(c, row.CompetitionId)!);
    }

    /// <summary>Makes <paramref name="sid"/> the team's leaderboard entry (one per team); only scored submissions before the deadline.</summary>
    private static void Select(Microsoft.Data.Sqlite.SqliteConnection c, TeamIdentity team, long sid, DateTimeOffset now)
    {
        var row = SubmissionRow.Load(c, sid);
        if (row is null || row.TeamId != team.TeamId)
        {
            throw ApiException.NotFound($"submission {sid} of team '{team.Name}'");
        }

        if (row.Status != SubmissionStatus.Scored)
        {
            throw new ApiException(StatusCodes.Status409Conflict, "not_scored", $"submission {sid} is {row.Status}; only scored submissions can be selected");
        }

        if (Competition.Load(c, row.CompetitionId)!.IsClosed(now))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "deadline_passed", "selections are final after the deadline");
        }

        using var tx = c.BeginTransaction(deferred: false);
        c.Execute("UPDATE submissions SET selected = 0 WHERE team_id = $t", ("$t", team.TeamId));
        c.Execute("UPDATE submissions SET selected = 1 WHERE id = $id", ("$id", sid));
        tx.Commit();
    }

    private static List<SubmissionInfo> History(Microsoft.Data.Sqlite.SqliteConnection c, Competition comp, long teamId, DateTimeOffset now)
    {
        var scores = ScoreRow.ForCompetition(c, comp.Id);
        return SubmissionRow.LoadMany(c, "s.team_id = $t", ("$t", teamId))
            .Select(s => Views.Submission(c, s, comp, scores.GetValueOrDefault(s.Id), now))
            .ToList();
    }

    private static List<CompetitionListItem> ListItems(Microsoft.Data.Sqlite.SqliteConnection c, DateTimeOffset now)
    {
        var list = new List<CompetitionListItem>();
        foreach (var comp in Competition.LoadAll(c))
        {
            var board = Views.Leaderboard(c, comp, now);
            int frames = (int)(long)c.Scalar("SELECT COUNT(*) FROM competition_frames WHERE competition_id = $c", ("$c", comp.Id))!;
            int teams = (int)(long)c.Scalar("SELECT COUNT(*) FROM teams WHERE competition_id = $c", ("$c", comp.Id))!;
            int subs = (int)(long)c.Scalar("SELECT COUNT(*) FROM submissions WHERE competition_id = $c", ("$c", comp.Id))!;
            var leader = board.Rows.FirstOrDefault();
            list.Add(new CompetitionListItem(comp.Id, comp.Name, comp.LabelSetName, frames, comp.Deadline, comp.IsClosed(now), teams, subs, leader?.Team, leader?.Score));
        }

        return list;
    }
}
