using System.CommandLine;
using SegFuse.Cli.Demo;
using SegFuse.Synthetic;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse demo</c>: the whole competition workflow on a synthetic sample, with a report.</summary>
internal static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Output folder (new, empty, or an earlier demo's): report.md, summary.json, charts, videos, fused labels, and the sample it makes or reuses.",
            DefaultValueFactory = _ => new DirectoryInfo("demo-out"),
        };
        output.AcceptLegalFilePathsOnly();
        var frames = new Option<int>("--frames") { Description = "Frames of the synthetic sample (a smaller demo for a quick try or a test).", DefaultValueFactory = _ => 300 };
        var size = new Option<string>("--size") { Description = "Frame size WIDTHxHEIGHT of the sample.", DefaultValueFactory = _ => "1280x720" };
        var seed = new Option<int>("--seed") { Description = "Seed of the sample.", DefaultValueFactory = _ => 1 };
        var noTiny = new Option<bool>("--no-tiny") { Description = "Skip the tiny ONNX model's segment → fuse → score path." };
        var command = new Command(
            "demo",
            "Run the whole workflow on a synthetic driving sample: make (or reuse) the sample, tune fusion on the val split, fuse, score per-frame and fused on the test split (mIoU, TC), render the side-by-side and palette submission videos, score the palette video back, run the tiny ONNX model through segment → fuse → score, and write report.md, summary.json and charts.")
        {
            output, frames, size, seed, noTiny,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            var (width, height) = SyntheticOptions.ParseSize(parse.GetValue(size)!);
            var sample = new SyntheticOptions { Width = width, Height = height, Frames = parse.GetValue(frames), Seed = parse.GetValue(seed) };
            sample.Validate();
            string outDir = parse.GetValue(output)!.FullName;
            DemoRun.Preflight(outDir);
            var options = new DemoOptions { OutDir = outDir, Sample = sample, Tiny = !parse.GetValue(noTiny) };
            var result = new DemoRun(console, options).Run(ct);
            console.Out.Write(DemoReport.Table(result));
            console.Out.WriteLine();
            console.Out.WriteLine($"report: {Path.Combine(outDir, "report.md")} (charts per-class-iou.png, miou-over-time.png; figures summary.json)");
            console.Out.WriteLine($"videos: {Path.Combine(outDir, "side-by-side.mp4")} (footage | per-frame | fused), {Path.Combine(outDir, "submission.mp4")} (palette submission)");
            return 0;
        });
        return command;
    }
}
