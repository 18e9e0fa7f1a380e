using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using SegFuse.Server.Competitions;
using SegFuse.Server.Storage;

namespace SegFuse.Server.Api;

/// <summary>A team, identified by its token.</summary>
/// <param name="TeamId">Team id.</param>
/// <param name="CompetitionId">The competition the team belongs to.</param>
/// <param name="Name">Team name.</param>
internal sealed record TeamIdentity(long TeamId, long CompetitionId, string Name);

/// <summary>
/// Finds the team of a request: <c>Authorization: Bearer &lt;token&gt;</c> for the API, or the team cookie the
/// leaderboard page's sign-in form sets. Only the token's SHA-256 is looked up.
/// </summary>
internal static class TeamAuth
{
    public const string CookieName = "segfuse_team";

    /// <summary>The bearer token's team; 401 when missing or unknown, 403 when it is another competition's.</summary>
    public static TeamIdentity RequireBearer(HttpContext ctx, SqliteConnection c, long competitionId)
    {
        string? header = ctx.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
            throw new ApiException(StatusCodes.Status401Unauthorized, "missing_token", "send the team token as 'Authorization: Bearer <token>'");
        }

        var team = Find(c, header["Bearer ".Length..].Trim());
        if (team is null)
        {
            ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            throw new ApiException(StatusCodes.Status401Unauthorized, "invalid_token", "the token is not a team token of this server");
        }

        if (competitionId > 0 && team.CompetitionId != competitionId)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "wrong_competition", $"the token's team is registered for competition {team.CompetitionId}, not {competitionId}");
        }

        return team;
    }

    /// <summary>The team of the page cookie, if it is a team of <paramref name="competitionId"/>.</summary>
    public static TeamIdentity? FromCookie(HttpContext ctx, SqliteConnection c, long competitionId) =>
        ctx.Request.Cookies.TryGetValue(CookieName, out var token) && Find(c, token) is { } t && t.CompetitionId == competitionId ? t : null;

    public static TeamIdentity? Find(SqliteConnection c, string? token)
    {
        if (!TeamTokens.LooksValid(token))
        {
            return null;
        }

        using var cmd = c.Command("SELECT id, competition_id, name FROM teams WHERE token_hash = $h", ("$h", TeamTokens.Hash(token!)));
        using var r = cmd.ExecuteReader();
        return r.Read() ? new TeamIdentity(r.GetInt64(0), r.GetInt64(1), r.GetString(2)) : null;
    }
}
