using OpenCvSharp;
using ScottPlot;
using SegFuse.IO;
using SegFuse.Media.Decoding;

namespace SegFuse.Cli.Demo;

/// <summary>The demo's pictures: the per-class IoU bar chart, the per-frame mIoU plot (ScottPlot) and a still of the side-by-side video.</summary>
internal static class DemoCharts
{
    private static readonly ScottPlot.Color PerFrameColor = ScottPlot.Color.FromHex("#9a9a9a");
    private static readonly ScottPlot.Color FusedColor = ScottPlot.Color.FromHex("#1f77b4");

    /// <summary>Per-class IoU on the test split, per-frame beside fused, for the classes present in the test frames.</summary>
    public static void WritePerClass(DemoResult result, string path)
    {
        var plot = new Plot();
        var set = result.PerFrame.Report.Set;
        var bars = new List<Bar>();
        var ticks = new List<(double Position, string Label)>();
        int slot = 0;
        for (int i = 0; i < set.Classes.Count; i++)
        {
            double a = result.PerFrame.Report.Classes[i].Iou, b = result.Fused.Report.Classes[i].Iou;
            if (set.Classes[i].IgnoreInEval || (double.IsNaN(a) && double.IsNaN(b)))
            {
                continue;
            }

            double x = slot * 3;
            bars.Add(new Bar { Position = x, Value = Value(a) * 100, FillColor = PerFrameColor, Size = 1 });
            bars.Add(new Bar { Position = x + 1, Value = Value(b) * 100, FillColor = FusedColor, Size = 1 });
            ticks.Add((x + 0.5, set.Classes[i].Name));
            slot++;
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select(t => t.Position).ToArray(), ticks.Select(t => t.Label).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Axes.SetLimits(-1, (slot * 3) - 1, 0, 115); // room above the bars for the legend
        plot.YLabel("IoU (%)");
        plot.Title(string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"Per-class IoU on the test split: per-frame mIoU {result.PerFrame.Report.AverageClassIou * 100:0.0}, fused {result.Fused.Report.AverageClassIou * 100:0.0}"));
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "per-frame", FillColor = PerFrameColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "fused", FillColor = FusedColor });
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        Save(plot, path, 1000, 520);
    }

    /// <summary>Each test frame's own mIoU over time, per-frame and fused (and the tiny model's, when it ran).</summary>
    public static void WriteOverTime(DemoResult result, string path)
    {
        var plot = new Plot();
        double[] xs = result.PerFrame.Frames.Select(f => (double)f).ToArray();
        void Line(SplitScore score, string label, ScottPlot.Color color, bool dashed)
        {
            var line = plot.Add.ScatterLine(xs, score.FrameMiou.Select(v => Value(v) * 100).ToArray());
            line.LegendText = label;
            line.Color = color;
            line.LineWidth = 2;
            if (dashed)
            {
                line.LinePattern = LinePattern.Dashed;
            }
        }

        Line(result.PerFrame, "per-frame", PerFrameColor, dashed: false);
        Line(result.Fused, "fused", FusedColor, dashed: false);
        if (result.Tiny is { } tiny)
        {
            Line(tiny.PerFrame, "tiny model", ScottPlot.Color.FromHex("#e3a857"), dashed: true);
            Line(tiny.Fused, "tiny model fused", ScottPlot.Color.FromHex("#c0392b"), dashed: true);
        }

        plot.Axes.SetLimitsY(0, 115);
        plot.XLabel("frame");
        plot.YLabel("mIoU of the frame (%)");
        plot.Title("Per-frame mIoU over the test split");
        plot.Legend.Alignment = Alignment.UpperRight;
        plot.ShowLegend();
        Save(plot, path, 1000, 420);
    }

    /// <summary>Decodes frame <paramref name="index"/> of <paramref name="video"/> and writes it as a PNG at most 1920 pixels wide.</summary>
    public static void WriteStill(string video, int index, string path)
    {
        using var source = VideoFrameSource.Open(video);
        while (source.TryRead(out var frame))
        {
            if (frame.Index != index)
            {
                continue;
            }

            using var scaled = new Mat();
            double f = Math.Min(1, 1920.0 / frame.Image.Width);
            Cv2.Resize(frame.Image, scaled, new OpenCvSharp.Size((int)Math.Round(frame.Image.Width * f), (int)Math.Round(frame.Image.Height * f)), 0, 0, InterpolationFlags.Area);
            Cv2.ImEncode(".png", scaled, out byte[] png, new ImageEncodingParam(ImwriteFlags.PngCompression, 9));
            AtomicFile.Write(path, s => s.Write(png));
            return;
        }

        throw new SegFuseInputException(video, $"has no frame {index}");
    }

    private static double Value(double v) => double.IsNaN(v) ? 0 : v;

    private static void Save(Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }
}
