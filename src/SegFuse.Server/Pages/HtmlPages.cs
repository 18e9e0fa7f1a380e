using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using SegFuse.Server.Api;

namespace SegFuse.Server.Pages;

/// <summary>
/// Server-rendered pages, readable without JavaScript: the competition list and a competition's leaderboard
/// (per-class IoU in a &lt;details&gt; element), with the signed-in team's own submission history.
/// </summary>
internal static class HtmlPages
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1d2330;background:#fafbfc}
        h1{margin-bottom:.2rem}h2{margin-top:2rem}
        .meta{color:#556;margin-top:0}
        table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px #0001}
        th,td{padding:.45rem .6rem;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
        th{background:#eef1f5;font-weight:600}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        tr.first>td{font-weight:600}
        details summary{cursor:pointer;color:#2457a6}
        details table{margin-top:.4rem;box-shadow:none;width:auto}
        details td{padding:.15rem .5rem;font-weight:400}
        .stale{color:#a15c00}.failed{color:#b00020}.scored{color:#106b2a}.queued,.scoring{color:#2457a6}
        code{background:#eef1f5;padding:.1rem .3rem;border-radius:3px}
        form.inline{display:inline}.signed{margin:1rem 0}
        .note{color:#556;font-size:.9rem}
        """;

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string CompetitionList(IReadOnlyList<CompetitionListItem> items)
    {
        var sb = Begin("SegFuse competitions", refreshSeconds: null);
        sb.Append("<h1>SegFuse competitions</h1>\n<p class=\"meta\">Video semantic segmentation challenges scored with a dataset-wide Jaccard index (cityscapesScripts rules).</p>\n");
        if (items.Count == 0)
        {
            sb.Append("<p>No competitions yet. The host creates one with <code>segfuse competition create --data DIR --name NAME --gt GT_DIR --labels cityscapes-trainids</code>, or starts the server with <code>--demo</code>.</p>\n");
        }
        else
        {
            sb.Append("<table>\n<thead><tr><th>Competition</th><th>Label set</th><th class=\"num\">Scored frames</th><th>Deadline</th><th class=\"num\">Teams</th><th class=\"num\">Submissions</th><th>Leader</th></tr></thead>\n<tbody>\n");
            foreach (var c in items)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/competitions/{c.Id}\">{E(c.Name)}</a></td><td>{E(c.LabelSet)}</td><td class=\"num\">{c.ScoredFrames}</td><td>{Deadline(c.Deadline, c.Closed)}</td><td class=\"num\">{c.Teams}</td><td class=\"num\">{c.Submissions}</td><td>{(c.Leader is null ? "—" : $"{E(c.Leader)} ({Score(c.LeaderScore)})")}</td></tr>\n");
            }

            sb.Append("</tbody>\n</table>\n");
        }

        sb.Append("<p class=\"note\">JSON: <a href=\"/api/competitions\">/api/competitions</a></p>\n");
        return End(sb);
    }

    public static string Competition(CompetitionInfo info, LeaderboardInfo board, string? team, IReadOnlyList<SubmissionInfo>? history, string? baseUrl)
    {
        bool pending = history?.Any(s => s.Status is "queued" or "scoring") == true;
        var sb = Begin($"{info.Name} — SegFuse", pending ? 5 : null);
        sb.Append(CultureInfo.InvariantCulture, $"<p><a href=\"/\">← all competitions</a></p>\n<h1>{E(info.Name)}</h1>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">Label set <b>{E(info.LabelSet)}</b> · {info.ScoredFrames.Count} scored frames of a {info.VideoFrames}-frame test video ({info.Width}×{info.Height}) · deadline {Deadline(info.Deadline, info.Closed)} · {info.DailyLimit} submissions per team per day (UTC) · uploads up to {info.MaxUploadBytes / (1024.0 * 1024):0.#} MiB</p>\n");

        string metric = info.Metric == "score" ? "ADE20K score ((pixel accuracy + mIoU) / 2)" : "mean class IoU";
        string split = board.Split == "private"
            ? "<b>private</b> split (the scored frames outside the public split): the deadline has passed"
            : info.PublicFraction >= 1
                ? "<b>public</b> split (all scored frames)"
                : $"<b>public</b> split ({Percent(info.PublicFraction)} of the scored frames) until the deadline; the private split decides the final ranking";
        sb.Append(CultureInfo.InvariantCulture, $"<h2>Leaderboard</h2>\n<p class=\"note\">Ranked by {metric} on the {split}. Each team ranks with the submission it selected, else its best public score; failed submissions never rank. Scores from scorer <code>{E(board.ScorerVersion)}</code> on ground truth <code>{E(board.GtHash[..12])}</code>.");
        if (board.StaleSubmissions > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" <span class=\"stale\">{board.StaleSubmissions} scored submission(s) carry an older scorer version or ground truth until the host runs <code>segfuse competition rescore</code>.</span>");
        }

        sb.Append("</p>\n");
        if (board.Rows.Count == 0)
        {
            sb.Append("<p>No scored submissions yet.</p>\n");
        }
        else
        {
            sb.Append("<table id=\"leaderboard\">\n<thead><tr><th class=\"num\">Rank</th><th>Team</th><th class=\"num\">Score</th><th class=\"num\">Submissions</th><th>Last submission</th><th>Per-class IoU</th></tr></thead>\n<tbody>\n");
            foreach (var r in board.Rows)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr class=\"{(r.Rank == 1 ? "first" : string.Empty)}\"><td class=\"num\">{r.Rank}</td><td class=\"team\">{E(r.Team)}{(r.Selected ? " <span class=\"note\">(selected)</span>" : string.Empty)}</td><td class=\"num score\">{Score(r.Score)}{(r.Stale ? $" <span class=\"stale\" title=\"scorer {E(r.ScorerVersion)}\">(stale)</span>" : string.Empty)}</td><td class=\"num\">{r.Submissions}</td><td>{Time(r.LastSubmissionAt)}</td><td>");
                AppendClassTable(sb, r.ClassIou);
                sb.Append("</td></tr>\n");
            }

            sb.Append("</tbody>\n</table>\n");
        }

        sb.Append("<h2>Your submissions</h2>\n");
        if (team is null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<form method=\"post\" action=\"/competitions/{info.Id}/team\"><label>Team token <input type=\"password\" name=\"token\" autocomplete=\"off\" size=\"50\" required></label> <button type=\"submit\">Show my submissions</button></form>\n<p class=\"note\">The token is kept in a cookie for this site only.</p>\n");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"<div class=\"signed\">Signed in as <b>{E(team)}</b>. <form class=\"inline\" method=\"post\" action=\"/competitions/{info.Id}/signout\"><button type=\"submit\">Sign out</button></form>{(pending ? " <span class=\"note\">(this page refreshes every 5 s while a submission waits)</span>" : string.Empty)}</div>\n");
            AppendHistory(sb, info, history ?? []);
        }

        string server = baseUrl ?? "http://127.0.0.1:5080";
        sb.Append(CultureInfo.InvariantCulture, $"<h2>How to submit</h2>\n<p>A zip of label PNGs (one per scored frame, named by frame index, e.g. <code>000000.png</code>, single-channel {E(info.LabelSet)} ids){(info.AcceptsVideos ? " or a palette-coloured video of all frames" : string.Empty)}:</p>\n<pre><code>segfuse submit --server {E(server)} --token TOKEN --competition {info.Id} predictions.zip --wait</code></pre>\n<p>Check a file first without spending a submission: add <code>--check</code>. JSON: <a href=\"/api/competitions/{info.Id}\">metadata</a> · <a href=\"/api/competitions/{info.Id}/leaderboard\">leaderboard</a>.</p>\n");
        return End(sb);
    }

    public static string Error(int status, string message)
    {
        var sb = Begin($"{status} — SegFuse", null);
        sb.Append(CultureInfo.InvariantCulture, $"<h1>{status}</h1>\n<p>{E(message)}</p>\n<p><a href=\"/\">All competitions</a></p>\n");
        return End(sb);
    }

    private static void AppendHistory(StringBuilder sb, CompetitionInfo info, IReadOnlyList<SubmissionInfo> history)
    {
        if (history.Count == 0)
        {
            sb.Append("<p>No submissions yet.</p>\n");
            return;
        }

        sb.Append(CultureInfo.InvariantCulture, $"<table id=\"history\">\n<thead><tr><th class=\"num\">#</th><th>Received</th><th>File</th><th>Status</th><th class=\"num\">Public score</th>{(info.Closed ? "<th class=\"num\">Private score</th>" : string.Empty)}<th>Per-class IoU (public)</th><th></th></tr></thead>\n<tbody>\n");
        foreach (var s in history.Reverse())
        {
            string status = s.Status switch
            {
                "queued" => $"queued, position {s.QueuePosition}",
                "scoring" when s.Progress is { } p => $"scoring: {E(p.Stage ?? string.Empty)} {p.Done}/{p.Total}",
                "failed" when s.Failure is { } f => $"failed: {E(f.Message)}{(f.Kind == "server" ? " <span class=\"note\">(server-side; not counted against your limit)</span>" : string.Empty)}",
                _ => s.Status,
            };
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"num\">{s.Id}</td><td>{Time(s.CreatedAt)}</td><td>{E(s.Source ?? s.Kind)}</td><td class=\"{E(s.Status)}\">{status}</td><td class=\"num\">{Score(s.PublicScore)}{(s.Stale ? " <span class=\"stale\">(stale)</span>" : string.Empty)}</td>");
            if (info.Closed)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{Score(s.PrivateScore)}</td>");
            }

            sb.Append("<td>");
            if (s.PublicClassIou is { } iou)
            {
                AppendClassTable(sb, iou);
            }

            sb.Append("</td><td>");
            if (s.Status == "scored" && !s.Selected && !info.Closed)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<form class=\"inline\" method=\"post\" action=\"/competitions/{info.Id}/submissions/{s.Id}/select\"><button type=\"submit\">Use for leaderboard</button></form>");
            }
            else if (s.Selected)
            {
                sb.Append("selected");
            }

            sb.Append("</td></tr>\n");
        }

        sb.Append("</tbody>\n</table>\n");
    }

    private static void AppendClassTable(StringBuilder sb, IReadOnlyDictionary<string, double?> iou)
    {
        sb.Append("<details><summary>per-class IoU</summary><table>");
        foreach (var (name, v) in iou)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td class=\"num\">{Score(v)}</td></tr>");
        }

        sb.Append("</table></details>");
    }

    private static StringBuilder Begin(string title, int? refreshSeconds)
    {
        var sb = new StringBuilder(8192);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        if (refreshSeconds is int s)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{s}\">\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<title>{E(title)}</title>\n<style>{Style}</style>\n</head>\n<body>\n");
        return sb;
    }

    private static string End(StringBuilder sb)
    {
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static string E(string s) => Html.Encode(s);

    private static string Score(double? v) => v is double d ? d.ToString("0.0000", CultureInfo.InvariantCulture) : "—";

    private static string Percent(double f) => (f * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";

    private static string Deadline(DateTimeOffset? d, bool closed) =>
        d is null ? "none" : $"{Time(d.Value)}{(closed ? " (closed)" : string.Empty)}";
}
