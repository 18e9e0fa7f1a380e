using System.CommandLine;
using System.Globalization;
using SegFuse.Fusion;
using SegFuse.Fusion.IO;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse fuse</c>: temporal fusion of per-frame predictions along optical flow.</summary>
internal static class FuseCommand
{
    public static Command Create(CliConsole console)
    {
        var shared = new FusionCliOptions();
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: one fused label PNG per frame, with the names and encoding of the predictions.", Required = true };
        var range = new Option<string?>("--range") { Description = "Fuse only frames START:END (END exclusive), reading the context frames around the slice, so that a long video can be fused in parallel slices." };
        var resume = new Option<bool>("--resume") { Description = "Skip frames whose fused map is already in --out (complete files only: outputs are written under a temporary name and renamed)." };
        var command = new Command("fuse", "Fuse per-frame segmentations over time: per-class evidence is carried along the optical flow where the flow is reliable (forward-backward consistency, photometric check, motion boundaries), decayed, and summed with each frame's own labels; the offline method (default) uses past and future frames, the causal one past frames only.");
        shared.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(range);
        command.Options.Add(resume);
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var parameters = shared.Parameters(parse);
            var inputs = shared.Inputs(parse);
            var run = new FuseOutput
            {
                Directory = parse.GetValue(output)!.FullName,
                Range = parse.GetValue(range) is { } r ? FrameRange.Parse(r) : null,
                Resume = parse.GetValue(resume),
                Workers = shared.Workers(parse),
            };
            FuseSummary summary;
            using (var bar = new DeferredProgress(console, "fuse"))
            {
                summary = Fuser.Run(inputs, parameters, run, bar, bar.Start, ct);
            }

            console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"fused {summary.Written} frames ({summary.Skipped} already done, {summary.FramesProcessed} read with context) of {summary.VideoFrames} with method {parameters.Method.Name()} in {summary.Seconds:0.0} s ({summary.FramesProcessed / Math.Max(summary.Seconds, 1e-9):0.0} frames/s); cuts {summary.Cuts}, down-weighted frames {summary.DownWeighted}, evidence carried into {summary.CarriedFraction * 100:0.0}% of pixels → {run.Directory}"));
            return 0;
        });
        return command;
    }
}
