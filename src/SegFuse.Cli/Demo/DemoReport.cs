using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SegFuse.Cli.Demo;

/// <summary>report.md, summary.json and the terminal's final table, all from one <see cref="DemoResult"/>.</summary>
internal static class DemoReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A fraction as a percentage with two decimals ("n/a" for NaN), as report.md and the table print it.</summary>
    public static string Pct(double v) => double.IsNaN(v) ? "n/a" : (v * 100).ToString("0.00", Inv);

    private static string Delta(double after, double before) => double.IsNaN(after) || double.IsNaN(before) ? "" : ((after - before) * 100).ToString("+0.00;-0.00;0.00", Inv);

    public static string Markdown(DemoResult r)
    {
        var o = r.Options.Sample;
        var sb = new StringBuilder();
        sb.AppendLine("# SegFuse demo report");
        sb.AppendLine();
        sb.AppendLine(Inv, $"Synthetic driving sample: {o.Frames} frames at {o.Size}, seed {o.Seed} ({(r.SampleMade ? "made by this run" : "reused from an earlier run")}), `sample/`.");
        sb.AppendLine(Inv, $"Splits (split.csv): {r.ValFrames} val frames for tuning, {r.PerFrame.Frames.Count} test frames ({r.PerFrame.Frames[0]}..{r.PerFrame.Frames[^1]}) for every score below.");
        sb.AppendLine("Every figure was measured by this run from the files of the stage before it; nothing is stored.");
        sb.AppendLine();
        sb.AppendLine("## Results on the test split");
        sb.AppendLine();
        sb.AppendLine("| figure | per-frame | fused | change |");
        sb.AppendLine("|---|---:|---:|---:|");
        sb.AppendLine(Inv, $"| mIoU (dataset-wide, %) | {Pct(r.PerFrame.Report.AverageClassIou)} | {Pct(r.Fused.Report.AverageClassIou)} | {Delta(r.Fused.Report.AverageClassIou, r.PerFrame.Report.AverageClassIou)} |");
        sb.AppendLine(Inv, $"| pixel accuracy (%) | {Pct(r.PerFrame.Report.PixelAccuracy)} | {Pct(r.Fused.Report.PixelAccuracy)} | {Delta(r.Fused.Report.PixelAccuracy, r.PerFrame.Report.PixelAccuracy)} |");
        sb.AppendLine(Inv, $"| TC, unmasked (%) | {Pct(r.PerFrameTc.Tc)} | {Pct(r.FusedTc.Tc)} | {Delta(r.FusedTc.Tc, r.PerFrameTc.Tc)} |");
        sb.AppendLine(Inv, $"| TC, masked to reliable flow (%) | {Pct(r.PerFrameTc.MaskedTc)} | {Pct(r.FusedTc.MaskedTc)} | {Delta(r.FusedTc.MaskedTc, r.PerFrameTc.MaskedTc)} |");
        sb.AppendLine();
        sb.AppendLine(Inv, $"The palette submission video (`submission.mp4`), decoded and scored back on the test frames: mIoU **{Pct(r.PaletteVideo.AverageClassIou)}** (fused label maps: {Pct(r.Fused.Report.AverageClassIou)}; difference {Delta(r.PaletteVideo.AverageClassIou, r.Fused.Report.AverageClassIou)} points).");
        sb.AppendLine();
        sb.AppendLine(Inv, $"TC is the dataset-wide IoU between each test frame's labels and the previous frame's labels warped into it along the exact backward flow ({r.FusedTc.Pairs} frame pairs); the masked variant counts only pixels whose flow passes the consistency and photometric checks ({r.FusedTc.ReliableFraction * 100:0.0}% of pixels).");
        sb.AppendLine();
        sb.AppendLine("### Per class (IoU %, test split)");
        sb.AppendLine();
        sb.AppendLine("| class | per-frame | fused | change | palette video |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        var set = r.PerFrame.Report.Set;
        for (int i = 0; i < set.Classes.Count; i++)
        {
            double a = r.PerFrame.Report.Classes[i].Iou, b = r.Fused.Report.Classes[i].Iou;
            if (set.Classes[i].IgnoreInEval || (double.IsNaN(a) && double.IsNaN(b) && double.IsNaN(r.PaletteVideo.Classes[i].Iou)))
            {
                continue;
            }

            sb.AppendLine(Inv, $"| {set.Classes[i].Name} | {Pct(a)} | {Pct(b)} | {Delta(b, a)} | {Pct(r.PaletteVideo.Classes[i].Iou)} |");
        }

        sb.AppendLine(Inv, $"| **mean** | **{Pct(r.PerFrame.Report.AverageClassIou)}** | **{Pct(r.Fused.Report.AverageClassIou)}** | **{Delta(r.Fused.Report.AverageClassIou, r.PerFrame.Report.AverageClassIou)}** | {Pct(r.PaletteVideo.AverageClassIou)} |");
        sb.AppendLine();
        sb.AppendLine("![per-class IoU](per-class-iou.png)");
        sb.AppendLine();
        sb.AppendLine("![per-frame mIoU over time](miou-over-time.png)");
        sb.AppendLine();
        sb.AppendLine("## Fusion parameters");
        sb.AppendLine();
        sb.AppendLine(Inv, $"Tuned on the {r.ValFrames} val frames ({r.Tuning.Evaluations} evaluations of a small grid, one round; `params.json`): val mIoU per-frame {Pct(r.Tuning.PerFrame)}, default parameters {Pct(r.Tuning.Default)}, tuned {Pct(r.Tuning.Tuned)}.");
        sb.AppendLine();
        sb.AppendLine(Inv, $"`{r.Parameters}`");
        sb.AppendLine();
        if (r.Tiny is { } tiny)
        {
            sb.AppendLine("## The tiny ONNX model (segment → fuse → score)");
            sb.AppendLine();
            sb.AppendLine(Inv, $"`segfuse model-tiny`'s model fitted on the {tiny.TrainFrames} train frames (`tiny/model.onnx`), run over the video with ONNX Runtime by `segment` ({tiny.SegmentFps:0.0} frames/s), its labels fused with the same parameters, both scored on the test split:");
            sb.AppendLine();
            sb.AppendLine("| figure | tiny model | tiny model fused | change |");
            sb.AppendLine("|---|---:|---:|---:|");
            sb.AppendLine(Inv, $"| mIoU (%) | {Pct(tiny.PerFrame.Report.AverageClassIou)} | {Pct(tiny.Fused.Report.AverageClassIou)} | {Delta(tiny.Fused.Report.AverageClassIou, tiny.PerFrame.Report.AverageClassIou)} |");
            sb.AppendLine(Inv, $"| pixel accuracy (%) | {Pct(tiny.PerFrame.Report.PixelAccuracy)} | {Pct(tiny.Fused.Report.PixelAccuracy)} | {Delta(tiny.Fused.Report.PixelAccuracy, tiny.PerFrame.Report.PixelAccuracy)} |");
            sb.AppendLine();
            bool raised = tiny.Fused.Report.AverageClassIou > tiny.PerFrame.Report.AverageClassIou;
            sb.AppendLine(raised ? "Fusing the tiny model's output raised its mIoU." : "Fusing the tiny model's output did **not** raise its mIoU on this run.");
            sb.AppendLine();
        }

        sb.AppendLine("## Timings");
        sb.AppendLine();
        sb.AppendLine("| stage | seconds | what |");
        sb.AppendLine("|---|---:|---|");
        foreach (var s in r.Stages)
        {
            sb.AppendLine(Inv, $"| {s.Name} | {s.Seconds:0.0} | {s.Note} |");
        }

        sb.AppendLine(Inv, $"| **total** | **{r.TotalSeconds:0.0}** | load average {Load(r.Load.Start)} at the start, {Load(r.Load.End)} at the end, {Environment.ProcessorCount} cores |");
        sb.AppendLine();
        sb.AppendLine("## Files");
        sb.AppendLine();
        sb.AppendLine("| file | what |");
        sb.AppendLine("|---|---|");
        sb.AppendLine("| `side-by-side.mp4` | footage, per-frame labels, fused labels, with a legend (H.264, YouTube settings) |");
        sb.AppendLine("| `side-by-side.png` | one frame of it from the test split |");
        sb.AppendLine("| `submission.mp4` | the fused labels as a palette video: what a competition scores |");
        sb.AppendLine("| `fused/` | fused label maps, one PNG per frame (Cityscapes train ids) |");
        sb.AppendLine("| `params.json` | the tuned fusion parameters (`segfuse fuse --params`) |");
        sb.AppendLine("| `per-class-iou.png`, `miou-over-time.png` | the charts above |");
        sb.AppendLine("| `summary.json` | the figures of this report |");
        if (r.Tiny is not null)
        {
            sb.AppendLine("| `tiny/` | the tiny ONNX model, its label maps (`labels/`) and their fused test frames (`fused/`) |");
        }

        sb.AppendLine("| `sample/` | the synthetic sample (video, ground truth, predictions, exact flow, telemetry, split) |");
        return sb.ToString();
    }

    public static string Json(DemoResult r)
    {
        var set = r.PerFrame.Report.Set;
        var classes = new JsonArray();
        for (int i = 0; i < set.Classes.Count; i++)
        {
            if (!set.Classes[i].IgnoreInEval)
            {
                classes.Add(new JsonObject
                {
                    ["name"] = set.Classes[i].Name,
                    ["perFrame"] = N(r.PerFrame.Report.Classes[i].Iou),
                    ["fused"] = N(r.Fused.Report.Classes[i].Iou),
                    ["paletteVideo"] = N(r.PaletteVideo.Classes[i].Iou),
                });
            }
        }

        var stages = new JsonObject();
        foreach (var s in r.Stages)
        {
            stages[s.Name] = Math.Round(s.Seconds, 2);
        }

        var root = new JsonObject
        {
            ["perFrameMiou"] = N(r.PerFrame.Report.AverageClassIou),
            ["fusedMiou"] = N(r.Fused.Report.AverageClassIou),
            ["perFrameTc"] = N(r.PerFrameTc.Tc),
            ["fusedTc"] = N(r.FusedTc.Tc),
            ["paletteVideoMiou"] = N(r.PaletteVideo.AverageClassIou),
            ["split"] = "test",
            ["testFrames"] = r.PerFrame.Frames.Count,
            ["perFrameTcMasked"] = N(r.PerFrameTc.MaskedTc),
            ["fusedTcMasked"] = N(r.FusedTc.MaskedTc),
            ["perFramePixelAccuracy"] = N(r.PerFrame.Report.PixelAccuracy),
            ["fusedPixelAccuracy"] = N(r.Fused.Report.PixelAccuracy),
            ["classes"] = classes,
            ["sample"] = new JsonObject
            {
                ["frames"] = r.Options.Sample.Frames,
                ["size"] = r.Options.Sample.Size,
                ["seed"] = r.Options.Sample.Seed,
                ["made"] = r.SampleMade,
            },
            ["tuning"] = new JsonObject
            {
                ["valFrames"] = r.ValFrames,
                ["perFrameMiou"] = N(r.Tuning.PerFrame),
                ["defaultMiou"] = N(r.Tuning.Default),
                ["tunedMiou"] = N(r.Tuning.Tuned),
                ["evaluations"] = r.Tuning.Evaluations,
                ["parameters"] = r.Parameters.ToJson(),
            },
            ["timings"] = stages,
            ["totalSeconds"] = Math.Round(r.TotalSeconds, 2),
            ["loadAverage"] = new JsonObject { ["start"] = N(r.Load.Start), ["end"] = N(r.Load.End) },
            ["cores"] = Environment.ProcessorCount,
        };
        if (r.Tiny is { } tiny)
        {
            root["tiny"] = new JsonObject
            {
                ["perFrameMiou"] = N(tiny.PerFrame.Report.AverageClassIou),
                ["fusedMiou"] = N(tiny.Fused.Report.AverageClassIou),
                ["trainFrames"] = tiny.TrainFrames,
                ["segmentFps"] = Math.Round(tiny.SegmentFps, 2),
            };
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The terminal's final table.</summary>
    public static string Table(DemoResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(Inv, $"{"stage",-22} {"seconds",8}  what");
        foreach (var s in r.Stages)
        {
            sb.AppendLine(Inv, $"{s.Name,-22} {s.Seconds,8:0.0}  {s.Note}");
        }

        sb.AppendLine(Inv, $"{"total",-22} {r.TotalSeconds,8:0.0}  load average {Load(r.Load.Start)} → {Load(r.Load.End)}");
        sb.AppendLine();
        sb.AppendLine(Inv, $"{"test split (%)",-22} {"per-frame",10} {"fused",10} {"change",8}");
        Row("mIoU", r.PerFrame.Report.AverageClassIou, r.Fused.Report.AverageClassIou);
        Row("TC (unmasked)", r.PerFrameTc.Tc, r.FusedTc.Tc);
        Row("TC (masked)", r.PerFrameTc.MaskedTc, r.FusedTc.MaskedTc);
        sb.AppendLine(Inv, $"{"palette video mIoU",-22} {"",10} {Pct(r.PaletteVideo.AverageClassIou),10} {Delta(r.PaletteVideo.AverageClassIou, r.Fused.Report.AverageClassIou),8}  (vs the fused label maps)");
        if (r.Tiny is { } tiny)
        {
            Row("tiny model mIoU", tiny.PerFrame.Report.AverageClassIou, tiny.Fused.Report.AverageClassIou);
        }

        return sb.ToString();

        void Row(string name, double a, double b) => sb.AppendLine(Inv, $"{name,-22} {Pct(a),10} {Pct(b),10} {Delta(b, a),8}");
    }

    private static string Load(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.0", Inv);

    private static JsonValue? N(double v) => double.IsNaN(v) ? null : JsonValue.Create(v);
}
