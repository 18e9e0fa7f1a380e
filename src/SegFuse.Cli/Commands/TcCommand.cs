using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using SegFuse.Fusion.Metrics;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse tc</c>: temporal consistency of a labelled video.</summary>
internal static class TcCommand
{
    public static Command Create(CliConsole console)
    {
        var pred = new Option<DirectoryInfo>("--pred") { Description = "Per-frame label PNGs named by frame index.", Required = true };
        var encoding = new Option<LabelEncoding>("--pred-encoding") { Description = "How the labels are stored: ids, trainids or color.", DefaultValueFactory = _ => LabelEncoding.Ids };
        var labels = new Option<string>("--labels") { Description = "Label set: cityscapes, cityscapes-trainids, ade20k, voc, or a JSON file.", DefaultValueFactory = _ => "cityscapes" };
        var flow = new Option<DirectoryInfo>("--flow") { Description = "Flow files named by frame index.", Required = true };
        var direction = new Option<string>("--flow-direction") { Description = "backward (compare each frame with the previous one) or forward (with the next).", Required = true };
        var other = new Option<DirectoryInfo?>("--flow-other") { Description = "Optional flow of the other direction: the masked variant then also requires forward-backward consistency." };
        var scale = new Option<string>("--flow-scale") { Description = "Flow of another size: none (error), auto or a factor.", DefaultValueFactory = _ => "none" };
        var video = new Option<FileInfo?>("--video") { Description = "Optional video: the masked variant then also requires the photometric check." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON." };
        var command = new Command("tc", "Temporal consistency: the dataset-wide IoU between each frame's labels and its neighbour's labels warped into it along the flow, over reliable pixels (masked) and over all pixels (unmasked, as ETC computes it).")
        {
            pred, encoding, labels, flow, direction, other, scale, video, json,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var inputs = new TcInputs
            {
                Predictions = parse.GetValue(pred)!.FullName,
                PredictionEncoding = parse.GetValue(encoding),
                Labels = LabelSet.Load(parse.GetValue(labels)!),
                Flow = parse.GetValue(flow)!.FullName,
                FlowDirection = FlowDirections.Parse(parse.GetValue(direction)!),
                FlowOther = parse.GetValue(other)?.FullName,
                FlowScale = FlowScale.Parse(parse.GetValue(scale)!),
                Video = parse.GetValue(video)?.FullName,
            };
            TcResult result;
            using (var bar = new DeferredProgress(console, "tc", "pairs"))
            {
                result = TemporalConsistency.Measure(inputs, bar, bar.Start, ct);
            }

            for (int i = 0; i < result.Unmasked.Classes.Count; i++)
            {
                var c = result.Unmasked.Classes[i];
                if (!double.IsNaN(c.Iou))
                {
                    double m = result.Masked?.Classes[i].Iou ?? double.NaN;
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Name,-16} masked {FusionCliOptions.Percent(m),6}  unmasked {FusionCliOptions.Percent(c.Iou),6}"));
                }
            }

            string mask = (inputs.FlowOther is null ? "in frame" : "in frame, consistent") + (inputs.Video is null ? string.Empty : ", photometric");
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TC masked   {FusionCliOptions.Percent(result.MaskedTc)}  (reliable pixels: {mask}; {result.ReliableFraction * 100:0.0}% of pixels)"));
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TC unmasked {FusionCliOptions.Percent(result.Tc)}  (all pixels, {result.Pairs} frame pairs)"));
            if (parse.GetValue(json) is { } file)
            {
                var node = new JsonObject
                {
                    ["tc"] = double.IsNaN(result.Tc) ? null : result.Tc,
                    ["tcMasked"] = double.IsNaN(result.MaskedTc) ? null : result.MaskedTc,
                    ["reliableFraction"] = result.ReliableFraction,
                    ["pairs"] = result.Pairs,
                };
                AtomicFile.WriteAllText(file.FullName, node.ToJsonString() + "\n");
            }

            return 0;
        });
        return command;
    }
}
