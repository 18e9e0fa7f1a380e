using System.CommandLine;
using System.Globalization;
using SegFuse.Inference;
using SegFuse.Inference.Segment;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse segment</c>: per-frame label maps (and scores) from an ONNX model over a video.</summary>
internal static class SegmentCommand
{
    public static Command Create(CliConsole console)
    {
        var video = new Option<FileInfo>("--video") { Description = "The video to segment.", Required = true };
        var model = new Option<FileInfo>("--model") { Description = "The ONNX model: one float NCHW image input (3 channels, fixed or dynamic batch/height/width), output per-class scores [N,C,h,w] or labels [N,h,w].", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the label maps 000123.png (ids of --labels), named by frame index.", Required = true };
        var labels = new Option<string?>("--labels") { Description = $"Label set of the model's classes: cityscapes-trainids, cityscapes, ade20k, voc or a JSON file. Default: the model's '{ModelMetadataKeys.Labels}' metadata, else cityscapes-trainids." };
        var inputSize = new Option<string?>("--input-size") { Description = "WxH fed to a model with a dynamic input size (default: the frame size). Frames are resized bilinearly; outputs are upsampled back to the frame size." };
        var mean = new Option<string?>("--mean") { Description = $"Per-channel mean r,g,b in 0..255 units (default: the model's '{ModelMetadataKeys.Mean}' metadata, else ImageNet's 123.675,116.28,103.53)." };
        var std = new Option<string?>("--std") { Description = $"Per-channel standard deviation r,g,b in 0..255 units (default: '{ModelMetadataKeys.Std}' metadata, else 58.395,57.12,57.375). Plain pixel/255 is --mean 0,0,0 --std 255,255,255." };
        var rgb = new Option<bool>("--rgb") { Description = "The model takes RGB planes (default, unless its metadata says bgr)." };
        var bgr = new Option<bool>("--bgr") { Description = "The model takes BGR planes." };
        var scores = new Option<DirectoryInfo?>("--scores") { Description = "Also write per-class scores: softmax of the output at frame size, float16 .npy of shape (C, H, W), 000123.npy." };
        var device = new Option<InferenceDevice>("--device") { Description = "cpu, or cuda (needs a build with -p:OrtGpu=true).", DefaultValueFactory = _ => InferenceDevice.Cpu };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime intra-op threads (default: one per core but one, leaving a core to decoding and writing; 0: ONNX Runtime's own default)." };
        var batch = new Option<int?>("--batch") { Description = "Frames per inference run (default: the model's fixed batch size, else 1)." };
        video.AcceptLegalFilePathsOnly();
        model.AcceptLegalFilePathsOnly();
        output.AcceptLegalFilePathsOnly();
        scores.AcceptLegalFilePathsOnly();

        var command = new Command("segment", "Segment a video frame by frame with an ONNX model (ONNX Runtime): label maps at full resolution, optionally per-class scores for fusion.")
        {
            video, model, output, labels, inputSize, mean, std, rgb, bgr, scores, device, threads, batch,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            if (parse.GetValue(rgb) && parse.GetValue(bgr))
            {
                throw new SegFuseInputException("--rgb/--bgr", "give one channel order, not both");
            }

            var options = new SegmentOptions
            {
                VideoPath = parse.GetValue(video)!.FullName,
                ModelPath = parse.GetValue(model)!.FullName,
                OutputDirectory = parse.GetValue(output)!.FullName,
                Labels = parse.GetValue(labels),
                InputSize = parse.GetValue(inputSize) is { } size ? SegmentOptions.ParseSize(size, "--input-size") : null,
                Mean = parse.GetValue(mean) is { } m ? SegmentOptions.ParseRgb(m, "--mean") : null,
                Std = parse.GetValue(std) is { } s ? SegmentOptions.ParseRgb(s, "--std") : null,
                Channels = parse.GetValue(bgr) ? ChannelOrder.Bgr : parse.GetValue(rgb) ? ChannelOrder.Rgb : null,
                ScoresDirectory = parse.GetValue(scores)?.FullName,
                Device = parse.GetValue(device),
                Threads = parse.GetValue(threads),
                Batch = parse.GetValue(batch),
            };

            using var segmenter = VideoSegmenter.Open(options);
            foreach (string warning in segmenter.Warnings)
            {
                console.Warn(warning);
            }

            console.Error.WriteLine($"segment: {segmenter.Description}");
            SegmentSummary summary;
            using (var bar = console.Progress("segment", segmenter.FrameCountHint))
            {
                summary = segmenter.Run(bar, ct);
                bar.Total = summary.Frames;
                bar.Report(summary.Frames);
            }

            console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"segment: {summary.Frames} frames in {summary.Seconds:0.00} s ({summary.FramesPerSecond:0.0} fps); inside session.Run {summary.RunSeconds:0.00} s ({1 - summary.ShareOutsideRun:P0} of wall time); decode {summary.DecodeSeconds:0.00} s, pre-process {summary.PreprocessSeconds:0.00} s, post-process {summary.PostprocessSeconds:0.00} s, write {summary.WriteSeconds:0.00} s (on their own threads, overlapping Run)"));
            console.Out.WriteLine(options.ScoresDirectory is null ? options.OutputDirectory : $"{options.OutputDirectory} {options.ScoresDirectory}");
            return 0;
        });
        return command;
    }
}
