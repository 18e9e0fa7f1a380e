namespace SegFuse.Server;

/// <summary>How <see cref="CompetitionServer"/> runs.</summary>
public sealed record ServerOptions
{
    /// <summary>The data folder: database, hidden ground truth, submissions.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Addresses to listen on; port 0 picks a free port (see <see cref="CompetitionServer.Urls"/>).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5080"];

    /// <summary>
    /// The command that fetches a submitted video URL, e.g. <c>yt-dlp -f mp4 -o {out} {url}</c>: split into arguments
    /// like a shell would (quotes group) but run without a shell; <c>{url}</c> and <c>{out}</c> are replaced by the URL and
    /// the server-chosen output file. Null: URL submissions are refused.
    /// </summary>
    public string? FetchCommand { get; init; }

    /// <summary>How long a fetch may run.</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Submissions scored at the same time; 0 accepts submissions but scores none (maintenance).</summary>
    public int ScoringWorkers { get; init; } = 1;

    /// <summary>Threads one scoring job decodes frames with.</summary>
    public int ScoringThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Where the server writes its log lines (start, submissions accepted, scored, failed); null = nowhere.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>The clock (deadlines, daily limits); tests move it.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
