using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;

namespace SegFuse.Server.Intake;

/// <summary>What <see cref="SubmissionCheck.Run"/> found.</summary>
/// <param name="Kind">Zip or video.</param>
/// <param name="FramesChecked">Scored frames decoded and checked.</param>
/// <param name="IgnoredFrames">Frames present that have no ground truth.</param>
/// <param name="Bytes">File size.</param>
public sealed record CheckReport(SubmissionKind Kind, int FramesChecked, int IgnoredFrames, long Bytes);

/// <summary>
/// The checks a submission must pass, run locally (<c>segfuse submit --check</c>): the server's intake checks (size
/// limit, archive structure, frame set and size) and then every scored frame decoded by the scorer's own reader
/// against the label set, so that a file that passes here is not refused or failed for its format by the server.
/// </summary>
public static class SubmissionCheck
{
    /// <summary>Checks <paramref name="path"/> against <paramref name="rules"/>.</summary>
    /// <param name="path">A zip of label PNGs or a palette video.</param>
    /// <param name="rules">The competition's rules (from its public metadata).</param>
    /// <param name="encoding">How a zip's PNGs store labels (videos are in the set's palette).</param>
    /// <param name="framesDir">When given, the label PNGs the server would score are left there (000123.png), so that
    /// <c>segfuse score</c> on them gives the server's figures for the same ground truth.</param>
    /// <param name="progress">Frames checked.</param>
    /// <param name="cancellationToken">Stops between frames.</param>
    /// <exception cref="SegFuseInputException">The first problem found, naming the file or entry.</exception>
    public static CheckReport Run(string path, SubmissionRules rules, LabelEncoding encoding, string? framesDir = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        long size = new FileInfo(path).Length;
        string display = Path.GetFileName(path);
        if (size > rules.MaxUploadBytes)
        {
            throw new SegFuseInputException(path, $"is {size} bytes, over the competition's limit of {rules.MaxUploadBytes} bytes");
        }

        if (size == 0)
        {
            throw new SegFuseInputException(path, "is empty");
        }

        string work = Path.Combine(Path.GetTempPath(), "segfuse-check-" + Guid.NewGuid().ToString("N"));
        try
        {
            string target = framesDir ?? work;
            if (!ZipSubmission.LooksLikeZip(path))
            {
                VideoSubmission.Inspect(path, display, rules);
                var decoded = VideoSubmission.DecodeTo(path, display, rules, target, progress, cancellationToken);
                return new CheckReport(SubmissionKind.Video, decoded.Count, rules.VideoFrames - decoded.Count, size);
            }

            var zip = ZipSubmission.Inspect(path, display, rules, encoding);
            var files = zip.ExtractTo(target, display, null, cancellationToken);
            Directory.CreateDirectory(work);
            CheckFrames(files, rules, encoding, f => $"{display}: entry '{zip.Entries[f]}'", work, progress, cancellationToken);
            return new CheckReport(SubmissionKind.Zip, files.Count, zip.IgnoredEntries, size);
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>
    /// Reads every frame the way the scorer does (<see cref="DatasetScorer.AddPair"/>) against a blank ground truth of
    /// the competition's size, so that ids outside the label set, wrong sizes and unreadable PNGs are found.
    /// </summary>
    internal static void CheckFrames(IReadOnlyDictionary<int, string> files, SubmissionRules rules, LabelEncoding encoding, Func<int, string> name, string work, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var set = rules.Labels;
        int blankId = set.Classes.FirstOrDefault(c => c.IgnoreInEval)?.Id ?? set.Classes[0].Id;
        string blank = Path.Combine(work, ".blank-ground-truth.png");
        LabelPng.Write(blank, new LabelMap(rules.Width, rules.Height, (ushort)blankId));
        var acc = new JaccardAccumulator(set);
        long done = 0;
        foreach (var (index, file) in files.OrderBy(f => f.Key))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                DatasetScorer.AddPair(acc, new FramePair(FrameFiles.NameOf(index, ".png"), blank, file, null), encoding);
            }
            catch (SegFuseInputException e)
            {
                throw new SegFuseInputException(name(index), e.Reason, e);
            }
            catch (OpenCvSharp.OpenCVException e)
            {
                throw new SegFuseInputException(name(index), $"cannot be decoded ({e.Message})", e);
            }

            progress?.Report(++done);
        }
    }
}
