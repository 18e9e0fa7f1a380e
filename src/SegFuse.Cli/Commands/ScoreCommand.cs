using System.CommandLine;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Palette;
using SegFuse.Scoring;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse score</c>: the dataset-wide Jaccard scorer (cityscapesScripts' rules, or ADE20K's).</summary>
internal static class ScoreCommand
{
    public static Command Create(CliConsole console)
    {
        var gt = new Option<DirectoryInfo>("--gt")
        {
            Description = "Ground-truth folder: the Cityscapes layout (<city>/<city>_<seq>_<frame>_gtFine_labelIds.png, searched recursively) or, with --layout frames, one PNG per frame.",
            Required = true,
        };
        var pred = new Option<DirectoryInfo>("--pred")
        {
            Description = "Prediction folder: one PNG per ground-truth frame (Cityscapes: the one file whose name contains <city>_<seq>_<frame>; frames: the same frame index).",
        };
        var predVideo = new Option<FileInfo?>("--pred-video")
        {
            Description = "Instead of --pred: a palette video (a submission rendered by 'segfuse render'); frame i is decoded robustly and scored against ground-truth frame index i (--gt in the per-frame layout).",
        };
        var labels = new Option<string>("--labels")
        {
            Description = "Label set: cityscapes, cityscapes-trainids, ade20k, voc, or a JSON file {name, ignore, classes:[{id,name,color,category?}]}.",
            DefaultValueFactory = _ => "cityscapes",
        };
        var layout = new Option<DatasetLayout>("--layout")
        {
            Description = "How files are paired: cityscapes (by <city>_<seq>_<frame>) or frames (by the frame index in the file names).",
            DefaultValueFactory = _ => DatasetLayout.Cityscapes,
        };
        var encoding = new Option<LabelEncoding>("--pred-encoding")
        {
            Description = "How predictions are stored: ids (the set's ids), trainids (Cityscapes train ids, 255 = ignore) or color (RGB in the set's palette).",
            DefaultValueFactory = _ => LabelEncoding.Ids,
        };
        var noInstances = new Option<bool>("--no-instances")
        {
            Description = "Skip instance-level iIoU (it needs <city>_<seq>_<frame>_gtFine_instanceIds.png beside each ground truth).",
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Score only slice K of N (0-based, e.g. $JOB_COMPLETION_INDEX/8): pairs sorted by key, every N-th. Use with --partial, then 'segfuse merge'.",
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Frames decoded and counted in parallel.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var outputs = new ScoreOutputs();
        var command = new Command("score", "Score label maps against ground truth with a dataset-wide Jaccard accumulator: TP, FP and FN summed over the whole set, then the mean over classes (class and category IoU, instance-weighted iIoU, pixel accuracy), exactly as cityscapesScripts' evalPixelLevelSemanticLabeling computes them; ADE20K's challenge score with --labels ade20k.")
        {
            gt, pred, predVideo, labels, layout, encoding, noInstances, shard, workers,
        };
        outputs.AddTo(command);
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var set = LabelSet.Load(parse.GetValue(labels)!);
            var slice = parse.GetValue(shard) is { } s ? Shard.Parse(s) : (Shard?)null;
            int workerCount = parse.GetValue(workers);
            if (workerCount < 1)
            {
                throw new SegFuseInputException("--workers", "must be at least 1");
            }

            outputs.Validate(parse);
            var video = parse.GetValue(predVideo);
            if ((video is null) == (parse.GetValue(pred) is null))
            {
                throw new SegFuseInputException("--pred", video is null ? "give the prediction folder (--pred DIR) or a submission video (--pred-video FILE)" : "give either --pred or --pred-video, not both");
            }

            if (video is not null)
            {
                if (slice is not null)
                {
                    throw new SegFuseInputException("--shard", "not supported with --pred-video (the video is decoded in one pass)");
                }

                string gtDir = parse.GetValue(gt)!.FullName;
                JaccardAccumulator videoAcc;
                using (var bar = console.Progress("score", FrameFiles.Count(gtDir, ".png")))
                {
                    videoAcc = VideoSubmissionScorer.Score(video.FullName, gtDir, set, bar, console.Warn, ct);
                }

                outputs.Write(parse, console, videoAcc, Enumerable.Range(0, (int)videoAcc.Frames).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)), null);
                return 0;
            }

            var lay = parse.GetValue(layout);
            bool instances = lay == DatasetLayout.Cityscapes && set.HasInstanceClasses && !parse.GetValue(noInstances);
            var pairs = DatasetPairing.Pair(lay, parse.GetValue(gt)!.FullName, parse.GetValue(pred)!.FullName, instances);
            if (slice is Shard sh)
            {
                pairs = sh.Select(pairs);
                console.Error.WriteLine($"shard {sh}: {pairs.Count} frames");
            }

            JaccardAccumulator acc;
            using (var bar = console.Progress("score", pairs.Count))
            {
                acc = DatasetScorer.Score(pairs, set, parse.GetValue(encoding), bar, ct, workerCount, instances);
            }

            outputs.Write(parse, console, acc, pairs.Select(p => p.Key), slice?.ToString());
            return 0;
        });
        return command;
    }
}
