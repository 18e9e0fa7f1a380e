using System.CommandLine;
using System.Globalization;
using SegFuse.Inference.Tiny;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse model-tiny</c>: fits the tiny per-pixel model on a sample folder and writes it as ONNX.</summary>
internal static class ModelTinyCommand
{
    public static Command Create(CliConsole console)
    {
        var defaults = new TinyModelOptions();
        var sample = new Option<DirectoryInfo>("--sample") { Description = "A folder in the sample layout: video.mp4, gt/NNNNNN.png (Cityscapes train ids) and optionally split.csv (frame,split; the train split is fitted on, other splits are evaluated).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The ONNX model to write.", Required = true };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units (channels of the 3x3 convolution).", DefaultValueFactory = _ => defaults.Hidden };
        var samples = new Option<int>("--samples") { Description = "Training pixels sampled over the train frames.", DefaultValueFactory = _ => defaults.Samples };
        var steps = new Option<int>("--steps") { Description = "Gradient steps (Adam, mini-batches of 512 pixels).", DefaultValueFactory = _ => defaults.Steps };
        var seed = new Option<int>("--seed") { Description = "Seed of the pixel sampling and the initial weights; equal seeds give byte-identical models.", DefaultValueFactory = _ => defaults.Seed };
        sample.AcceptLegalFilePathsOnly();
        output.AcceptLegalFilePathsOnly();

        var command = new Command("model-tiny", "Fit SegFuse's tiny per-pixel segmentation model (3x3 conv on normalised RGB plus pixel position, ReLU, 1x1 conv to the 19 Cityscapes train-id classes) on a sample folder and write it as an ONNX model for 'segfuse segment'.")
        {
            sample, output, hidden, samples, steps, seed,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var options = defaults with
            {
                Hidden = parse.GetValue(hidden),
                Samples = parse.GetValue(samples),
                Steps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
            };
            var job = TinyModelJob.Open(parse.GetValue(sample)!.FullName, options);
            string outPath = parse.GetValue(output)!.FullName;
            TinyModelReport report;
            using (var bar = console.Progress("model-tiny", job.Work, "steps"))
            {
                report = job.Run(outPath, bar, ct);
            }

            var o = console.Out;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model-tiny: fitted on {report.TrainFrames} train frames ({report.Samples} sampled pixels), {options.Hidden} hidden units, {options.Steps} steps, seed {options.Seed}, in {report.Seconds:0.0} s"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train frames: mIoU {report.TrainMeanIoU * 100:0.0}"));
            o.WriteLine(report.HeldOutMeanIoU is double miou
                ? string.Create(CultureInfo.InvariantCulture, $"held-out ({report.HeldOutSplits}, {report.HeldOutFrames} frames): mIoU {miou * 100:0.0}, pixel accuracy {report.HeldOutPixelAccuracy * 100:0.0}")
                : "held-out: none (no split.csv, or no frame outside the train split)");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {outPath} ({report.ModelBytes} bytes)"));
            return 0;
        });
        return command;
    }
}
