using System.Text.RegularExpressions;
using SegFuse.IO;
using SegFuse.Server.Competitions;
using SegFuse.Server.Intake;
using SegFuse.Server.Storage;
using SegFuse.Server.Submissions;

namespace SegFuse.Server.Scoring;

/// <summary>Where scoring of one submission stands: a stage name and work done of total.</summary>
/// <param name="Stage">unpacking, decoding, fetching or scoring.</param>
/// <param name="Done">Items done.</param>
/// <param name="Total">Items in all.</param>
internal readonly record struct StageProgress(string Stage, long Done, long Total);

/// <summary>
/// Turns a stored submission into label PNGs (unpacks a zip, decodes a video) in a work folder and scores them
/// against the competition's ground truth. Used by the scoring worker and by <c>competition rescore</c>.
/// </summary>
internal sealed class SubmissionProcessor(DataFolder data, int scoringThreads)
{
    /// <summary>Scores <paramref name="submission"/>; <paramref name="workDir"/> is emptied first and left for the caller to delete.</summary>
    /// <exception cref="SegFuseInputException">The submission breaks a rule or cannot be decoded (the competitor's fault).</exception>
    public ScoreSet Score(SubmissionRow submission, Competition competition, IReadOnlyList<CompetitionFrame> frames, string workDir, IProgress<StageProgress>? progress, CancellationToken cancellationToken)
    {
        if (Directory.Exists(workDir))
        {
            Directory.Delete(workDir, recursive: true);
        }

        Directory.CreateDirectory(workDir);
        string file = Path.Combine(data.Submission(submission.Id), submission.FileName ?? throw new InvalidOperationException($"submission {submission.Id} has no stored file"));
        var rules = RulesFor(competition, frames);
        var encoding = SubmissionEncoding.Parse(submission.Encoding);
        string display = DisplayName(submission);
        IReadOnlyDictionary<int, string> predictions;
        if (ZipSubmission.LooksLikeZip(file))
        {
            var zip = ZipSubmission.Inspect(file, display, rules, encoding);
            long total = zip.Entries.Count;
            progress?.Report(new StageProgress("unpacking", 0, total));
            predictions = zip.ExtractTo(Path.Combine(workDir, "frames"), display, Stage(progress, "unpacking", total), cancellationToken);
        }
        else
        {
            progress?.Report(new StageProgress("decoding", 0, competition.VideoFrames));
            try
            {
                predictions = VideoSubmission.DecodeTo(file, display, rules, Path.Combine(workDir, "frames"), Stage(progress, "decoding", competition.VideoFrames), cancellationToken);
            }
            catch (SegFuseInputException e) when (e.Subject is "ffmpeg" or "ffprobe")
            {
                throw new InvalidOperationException($"the server cannot decode videos: {e.Message}", e); // the server's fault
            }

            encoding = LabelEncoding.Ids; // the decoder gives the set's ids
        }

        progress?.Report(new StageProgress("scoring", 0, frames.Count));
        try
        {
            return SubmissionScoring.Score(
                competition,
                frames,
                data.GroundTruth(competition.Id, competition.GtHash),
                competition.HasInstances ? data.Instances(competition.Id, competition.GtHash) : null,
                predictions,
                encoding,
                Stage(progress, "scoring", frames.Count),
                scoringThreads,
                cancellationToken);
        }
        catch (SegFuseInputException e) when (IsServerFile(e.Subject))
        {
            // A ground-truth file the server holds is missing or unreadable: the server's fault, not the team's.
            throw new InvalidOperationException($"the competition's ground truth cannot be read: {Redact(e.Message)}", e);
        }
    }

    private bool IsServerFile(string subject) =>
        Path.IsPathFullyQualified(subject) && Path.GetFullPath(subject).StartsWith(data.CompetitionsRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The rules a competition's submissions are checked against.</summary>
    public static SubmissionRules RulesFor(Competition competition, IReadOnlyList<CompetitionFrame> frames) => new()
    {
        VideoFrames = competition.VideoFrames,
        Width = competition.Width,
        Height = competition.Height,
        ScoredFrames = frames.Select(f => f.Index).ToArray(),
        FrameKeys = frames.Select(f => f.Key).ToArray(),
        Labels = competition.Labels,
        MaxUploadBytes = competition.MaxUploadBytes,
    };

    /// <summary>How errors name the submission: its original file name, never a server path.</summary>
    public static string DisplayName(SubmissionRow s) => s.OriginalName ?? s.SourceUrl ?? $"submission {s.Id}";

    /// <summary>Replaces every path under the data folder in <paramref name="message"/> by its file name, so errors shown to teams reveal no server paths.</summary>
    public string Redact(string message)
    {
        string root = Regex.Escape(data.Root.TrimEnd(Path.DirectorySeparatorChar));
        return Regex.Replace(message, root + @"[^\s:'""(),]*", m => Path.GetFileName(m.Value), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static Reporter<long>? Stage(IProgress<StageProgress>? progress, string stage, long total) =>
        progress is null ? null : new Reporter<long>(done => progress.Report(new StageProgress(stage, done, total)));

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
