using System.CommandLine;
using System.Globalization;
using SegFuse.Synthetic;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse sample</c>: writes a synthetic driving sequence in the SegFuse data set layout.</summary>
internal static class SampleCommand
{
    public static Command Create(CliConsole console)
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder to create (a new or empty folder, or an earlier sample to replace).",
            Required = true,
        };
        output.AcceptLegalFilePathsOnly();
        var frames = new Option<int>("--frames")
        {
            Description = "Number of frames.",
            DefaultValueFactory = _ => 300,
        };
        var size = new Option<string>("--size")
        {
            Description = "Frame size WIDTHxHEIGHT.",
            DefaultValueFactory = _ => "1280x720",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed; the same options give the same files.",
            DefaultValueFactory = _ => 1,
        };
        var fps = new Option<double>("--fps")
        {
            Description = "Frames per second of the video.",
            DefaultValueFactory = _ => 30,
        };
        var start = new Option<double>("--start")
        {
            Description = "Seconds into the drive at which frame 0 is (the drive opens with the car waiting at a zebra; it turns right at about 6-9 s).",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command(
            "sample",
            "Write a synthetic driving sequence: video.mp4 (H.264), telemetry.csv, exact flow in both directions (flow_bw, flow_fw), "
            + "ground truth (gt) and noisy per-frame predictions (pred) as Cityscapes train ids, split.csv and README.txt.")
        {
            output, frames, size, seed, fps, start,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var (width, height) = SyntheticOptions.ParseSize(parse.GetValue(size)!);
            var options = new SyntheticOptions
            {
                Width = width,
                Height = height,
                Frames = parse.GetValue(frames),
                Seed = parse.GetValue(seed),
                Fps = parse.GetValue(fps),
                StartSeconds = parse.GetValue(start),
            };
            options.Validate();
            string dir = parse.GetValue(output)!.FullName;
            SampleSummary summary;
            using (var bar = console.Progress("sample", options.Frames))
            {
                summary = SampleWriter.Write(options, dir, new Progress(bar), cancellationToken: ct);
            }

            var inv = CultureInfo.InvariantCulture;
            console.Out.WriteLine(string.Create(inv, $"wrote {summary.Frames} frames {options.Size} (seed {options.Seed}) in {summary.Seconds:0.0} s ({summary.Frames / summary.Seconds:0.0} frames/s)"));
            console.Out.WriteLine(string.Create(inv, $"per-frame prediction mIoU (all frames): {summary.PredictionMiou:0.000}"));
            console.Out.WriteLine(summary.Directory);
            return 0;
        });
        return command;
    }

    /// <summary>Forwards frame counts to the bar synchronously (System.Progress would post them to the thread pool).</summary>
    private sealed class Progress(ProgressBar bar) : IProgress<int>
    {
        public void Report(int value) => bar.Report(value);
    }
}
