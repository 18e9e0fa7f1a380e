using System.CommandLine;
using System.Globalization;
using System.Text;
using SegFuse.Fusion;
using SegFuse.Fusion.Tuning;
using SegFuse.IO;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse tune</c>: searches fusion parameters on a validation split with the scorer.</summary>
internal static class TuneCommand
{
    public static Command Create(CliConsole console)
    {
        var shared = new FusionCliOptions();
        var gt = new Option<DirectoryInfo>("--gt") { Description = "Ground-truth label PNGs named by frame index.", Required = true };
        var gtEncoding = new Option<LabelEncoding>("--gt-encoding") { Description = "How the ground truth is stored: ids, trainids or color.", DefaultValueFactory = _ => LabelEncoding.Ids };
        var split = new Option<FileInfo?>("--split") { Description = "Split file (frame,split rows, e.g. the sample's split.csv); without it every frame with ground truth is used." };
        var splitName = new Option<string>("--split-name") { Description = "The split to tune on.", DefaultValueFactory = _ => "val" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of coordinate search.", DefaultValueFactory = _ => 2 };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the parameters (JSON) for 'segfuse fuse --params'.", Required = true };
        var command = new Command("tune", "Search the fusion method's parameters on a validation split to maximise the dataset-wide mIoU, print the per-class table before and after, and write them for 'segfuse fuse --params'.");
        shared.AddTo(command);
        foreach (var o in new Option[] { gt, gtEncoding, split, splitName, rounds, output })
        {
            command.Options.Add(o);
        }

        command.SetGuardedAction(console, (parse, ct) =>
        {
            var start = shared.Parameters(parse);
            var inputs = shared.Inputs(parse);
            int roundCount = parse.GetValue(rounds) is int r and >= 1 and <= 10 ? r : throw new SegFuseInputException("--rounds", "must be 1..10");
            string outPath = parse.GetValue(output)!.FullName;
            string? outDir = Path.GetDirectoryName(outPath);
            if (outDir is not null && !Directory.Exists(outDir))
            {
                throw new SegFuseInputException("--out", $"folder {outDir} does not exist");
            }

            var options = new TuneOptions
            {
                GroundTruth = parse.GetValue(gt)!.FullName,
                GroundTruthEncoding = parse.GetValue(gtEncoding),
                SplitFile = parse.GetValue(split)?.FullName,
                SplitName = parse.GetValue(splitName)!,
                Rounds = roundCount,
                Workers = shared.Workers(parse),
            };
            var result = ParameterTuner.Tune(inputs, start, options, line => console.Error.WriteLine(line), ct);
            ParameterTuner.Save(result, options, outPath);
            console.Out.Write(Table(result));
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tuned {result.Best.Method.Name()} on {result.Frames.Count} frames in {result.Trials.Count} evaluations ({result.Seconds:0.0} s): mIoU per-frame {FusionCliOptions.Percent(result.PerFrame.AverageClassIou)}, default {FusionCliOptions.Percent(result.Default.AverageClassIou)}, tuned {FusionCliOptions.Percent(result.Tuned.AverageClassIou)} → {outPath}"));
            return 0;
        });
        return command;
    }

    /// <summary>Per-class IoU: per-frame, default parameters, tuned parameters.</summary>
    internal static string Table(TuneResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"class",-16} {"per-frame",9} {"default",9} {"tuned",9} {"change",8}");
        for (int i = 0; i < result.PerFrame.Classes.Count; i++)
        {
            var set = result.PerFrame.Set;
            if (set.Classes[i].IgnoreInEval)
            {
                continue;
            }

            double a = result.PerFrame.Classes[i].Iou, b = result.Default.Classes[i].Iou, c = result.Tuned.Classes[i].Iou;
            if (double.IsNaN(a) && double.IsNaN(c))
            {
                continue;
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"{set.Classes[i].Name,-16} {Format(a),9} {Format(b),9} {Format(c),9} {Delta(c - a),8}");
        }

        sb.AppendLine(new string('-', 55));
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"mIoU",-16} {Format(result.PerFrame.AverageClassIou),9} {Format(result.Default.AverageClassIou),9} {Format(result.Tuned.AverageClassIou),9} {Delta(result.Tuned.AverageClassIou - result.PerFrame.AverageClassIou),8}");
        return sb.ToString();
    }

    private static string Format(double v) => double.IsNaN(v) ? "nan" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Delta(double d) => double.IsNaN(d) ? "" : d.ToString("+0.000;-0.000", CultureInfo.InvariantCulture);
}
