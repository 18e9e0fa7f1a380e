using System.Globalization;
using OpenCvSharp;
using SegFuse.IO;

namespace SegFuse.Scoring;

/// <summary>
/// Draws the confusion matrix of the evaluated classes as a PNG heatmap: each row (ground truth) is
/// normalised to sum to 1, so a cell reads "share of this class's pixels predicted as that class";
/// class names label the rows and columns, and cells of 1 % or more show their percentage.
/// </summary>
public static class ConfusionHeatmap
{
    private const int Cell = 34;
    private const int Margin = 150;

    /// <summary>Writes the heatmap of <paramref name="report"/> to <paramref name="path"/> (atomically).</summary>
    public static void Write(ScoreReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        var set = report.Set;
        var acc = report.Accumulator;
        int[] rows = Enumerable.Range(0, set.Classes.Count).Where(i => !set.Classes[i].IgnoreInEval).ToArray();
        int k = rows.Length;
        int size = Margin + (k * Cell) + 20;
        using var img = new Mat(size + 30, size, MatType.CV_8UC3, Scalar.White);
        using var cellMat = new Mat(1, 1, MatType.CV_8UC1);
        using var colored = new Mat();
        var font = HersheyFonts.HersheySimplex;
        for (int r = 0; r < k; r++)
        {
            long rowSum = 0;
            for (int c = 0; c < set.Classes.Count; c++)
            {
                rowSum += acc[rows[r], c];
            }

            for (int c = 0; c < k; c++)
            {
                var rect = new Rect(Margin + (c * Cell), Margin + (r * Cell), Cell - 1, Cell - 1);
                if (rowSum == 0)
                {
                    // No ground-truth pixels of this class: grey, so it does not read as "0 % right".
                    img.Rectangle(rect, new Scalar(225, 225, 225), -1);
                    continue;
                }

                double share = (double)acc[rows[r], rows[c]] / rowSum;
                cellMat.Set(0, 0, (byte)Math.Round(share * 255));
                Cv2.ApplyColorMap(cellMat, colored, ColormapTypes.Viridis);
                var color = colored.Get<Vec3b>(0, 0);
                img.Rectangle(rect, new Scalar(color.Item0, color.Item1, color.Item2), -1);
                if (share >= 0.01)
                {
                    string text = (share * 100).ToString("0", CultureInfo.InvariantCulture);
                    var textColor = share > 0.6 ? Scalar.Black : Scalar.White;
                    img.PutText(text, new Point(rect.X + 5, rect.Y + 22), font, 0.42, textColor, 1, LineTypes.AntiAlias);
                }
            }

            string name = set.Classes[rows[r]].Name;
            img.PutText(Shorten(name), new Point(6, Margin + (r * Cell) + 22), font, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
        }

        // Column names, written vertically: draw on a rotated canvas and copy it in.
        using var header = new Mat(Margin, k * Cell, MatType.CV_8UC3, Scalar.White);
        using var rotated = new Mat();
        using (var canvas = new Mat(k * Cell, Margin, MatType.CV_8UC3, Scalar.White))
        {
            for (int c = 0; c < k; c++)
            {
                canvas.PutText(Shorten(set.Classes[rows[c]].Name), new Point(6, (c * Cell) + 22), font, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
            }

            Cv2.Rotate(canvas, rotated, RotateFlags.Rotate90Counterclockwise);
        }

        // After rotating, the first class is at the left and the text runs bottom-up.
        using (var roi = new Mat(img, new Rect(Margin, 0, k * Cell, Margin)))
        {
            rotated.CopyTo(roi);
        }

        img.PutText("rows: ground truth, columns: prediction, % of the row; grey: no pixels", new Point(6, size + 12), font, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
        img.PutText($"{set.Name}, {acc.Frames} frames", new Point(6, 20), font, 0.45, Scalar.Black, 1, LineTypes.AntiAlias);
        LabelPng.WriteMat(path, img);
    }

    private static string Shorten(string name) => name.Length <= 16 ? name : name[..15] + ".";
}
