using System.Globalization;
using System.Text;
using SegFuse.Labels;

namespace SegFuse.Scoring;

/// <summary>Per-class tables of a report: plain text for the terminal and Markdown for files.</summary>
public static class ScoreTables
{
    /// <summary>A fixed-width text table: evaluated classes, categories and averages.</summary>
    public static string Text(ScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        bool inst = report.Accumulator.HasInstanceStats;
        sb.AppendLine(inst ? $"{"class",-16} {"IoU",8} {"iIoU",8}" : $"{"class",-16} {"IoU",8}");
        foreach (var c in Evaluated(report))
        {
            sb.AppendLine(inst ? $"{c.Name,-16} {ScoreJson.Format(c.Iou),8} {ScoreJson.Format(c.InstIou),8}" : $"{c.Name,-16} {ScoreJson.Format(c.Iou),8}");
        }

        sb.AppendLine(new string('-', inst ? 34 : 25));
        sb.AppendLine(inst ? $"{"Score Average",-16} {ScoreJson.Format(report.AverageClassIou),8} {ScoreJson.Format(report.AverageClassInstIou),8}" : $"{"Score Average",-16} {ScoreJson.Format(report.AverageClassIou),8}");
        if (report.Categories.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(inst ? $"{"category",-16} {"IoU",8} {"iIoU",8}" : $"{"category",-16} {"IoU",8}");
            foreach (var c in report.Categories.Where(c => !double.IsNaN(c.Iou) || !double.IsNaN(c.InstIou)))
            {
                sb.AppendLine(inst ? $"{c.Name,-16} {ScoreJson.Format(c.Iou),8} {ScoreJson.Format(c.InstIou),8}" : $"{c.Name,-16} {ScoreJson.Format(c.Iou),8}");
            }

            sb.AppendLine(new string('-', inst ? 34 : 25));
            sb.AppendLine(inst ? $"{"Score Average",-16} {ScoreJson.Format(report.AverageCategoryIou),8} {ScoreJson.Format(report.AverageCategoryInstIou),8}" : $"{"Score Average",-16} {ScoreJson.Format(report.AverageCategoryIou),8}");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"pixel accuracy {ScoreJson.Format(report.PixelAccuracy)}, mean class accuracy {ScoreJson.Format(report.MeanClassAccuracy)}, {report.Accumulator.Frames} frames, {report.Accumulator.Pixels} pixels");
        if (report.ChallengeScore is double s)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"ADE20K challenge score (pixel accuracy + mIoU) / 2 = {ScoreJson.Format(s)}");
        }

        return sb.ToString();
    }

    /// <summary>A Markdown report: per-class table with the pixel counts, categories, averages.</summary>
    public static string Markdown(ScoreReport report, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# {title ?? "Scores"} ({report.Set.Name})");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{report.Accumulator.Frames} frames, {report.Accumulator.Pixels:N0} pixels; sums over the whole set, then the mean over classes.");
        sb.AppendLine();
        sb.AppendLine("| class | IoU | iIoU | TP | FP | FN |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var c in Evaluated(report))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {ScoreJson.Format(c.Iou)} | {ScoreJson.Format(c.InstIou)} | {c.Tp} | {c.Fp} | {c.Fn} |");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"| **mean** | **{ScoreJson.Format(report.AverageClassIou)}** | **{ScoreJson.Format(report.AverageClassInstIou)}** | | | |");
        if (report.Categories.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| category | IoU | iIoU |");
            sb.AppendLine("|---|---:|---:|");
            foreach (var c in report.Categories.Where(c => !double.IsNaN(c.Iou) || !double.IsNaN(c.InstIou)))
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {ScoreJson.Format(c.Iou)} | {ScoreJson.Format(c.InstIou)} |");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"| **mean** | **{ScoreJson.Format(report.AverageCategoryIou)}** | **{ScoreJson.Format(report.AverageCategoryInstIou)}** |");
        }

        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Pixel accuracy {ScoreJson.Format(report.PixelAccuracy)}; mean class accuracy {ScoreJson.Format(report.MeanClassAccuracy)}.");
        if (report.ChallengeScore is double s)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"ADE20K challenge score (pixel accuracy + mIoU) / 2: **{ScoreJson.Format(s)}**.");
        }

        return sb.ToString();
    }

    private static IEnumerable<ClassScore> Evaluated(ScoreReport report) =>
        report.Classes.Where((_, i) => !report.Set.Classes[i].IgnoreInEval);
}
