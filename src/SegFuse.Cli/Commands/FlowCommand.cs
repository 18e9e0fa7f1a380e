using System.CommandLine;
using System.Globalization;
using OpenCvSharp;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse flow</c>: dense optical flow for every frame of a video, for users without FlowNet2 output.</summary>
internal static class FlowCommand
{
    public static Command Create(CliConsole console)
    {
        var video = new Option<FileInfo>("--video") { Description = "The video.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the flow files, one per frame: 000123.flo (named by the frame the field belongs to).", Required = true };
        var direction = new Option<string>("--direction") { Description = "backward (frame t into t-1: frames 1..N-1) or forward (frame t into t+1: frames 0..N-2).", Required = true };
        var method = new Option<string>("--method") { Description = "farneback (OpenCV video module), sparse-to-dense (optflow) or tvl1 (superres Dual TV-L1, slow).", DefaultValueFactory = _ => "farneback" };
        var downscale = new Option<int>("--downscale") { Description = "Compute at 1/N resolution (1 or 2) and scale the field back up; 2 is about 4x faster.", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "flo (Middlebury), kitti (16-bit PNG) or npy (float32 HxWx2).", DefaultValueFactory = _ => "flo" };
        var workers = new Option<int>("--workers") { Description = "Threads computing flow (decoding and writing run on their own threads).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var decoder = DecoderOption.Create();
        var command = new Command("flow", "Compute dense optical flow for every frame of a video with OpenCV (Farneback, sparse-to-dense or Dual TV-L1) and write one flow file per frame.")
        {
            video, output, direction, method, downscale, format, workers, decoder,
        };

        command.SetGuardedAction(console, (parse, ct) =>
        {
            var options = new FlowPipelineOptions
            {
                Direction = FlowDirections.Parse(parse.GetValue(direction)!, "--direction"),
                Method = ParseMethod(parse.GetValue(method)!),
                Downscale = parse.GetValue(downscale) is int d and >= 1 and <= 8 ? d : throw new SegFuseInputException("--downscale", "must be 1..8 (1 = full resolution, 2 = half)"),
                Format = ParseFormat(parse.GetValue(format)!),
                Workers = parse.GetValue(workers) is int w and >= 1 ? w : throw new SegFuseInputException("--workers", "must be at least 1"),
            };
            using var source = VideoFrameSource.Open(parse.GetValue(video)!.FullName, decoder: DecoderOption.Parse(parse.GetValue(decoder)));
            string outDir = CliPaths.PrepareOutputFolder(parse.GetValue(output)!.FullName, "--out");
            int total = Math.Max(0, (source.Info.ClaimedFrameCount ?? 1) - 1);
            (int Frames, int Fields) result;
            double seconds;
            using (var bar = console.Progress("flow", total, "fields"))
            {
                result = FlowPipeline.Run(Frames(source), outDir, options, bar, ct);
                bar.Total = result.Fields;
                seconds = bar.Elapsed;
            }

            console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"flow: {result.Fields} {options.Direction.Name()} fields for {result.Frames} frames ({MethodName(options.Method)}, downscale {options.Downscale}, {source.Info.Width}x{source.Info.Height}) in {seconds:0.0} s, {result.Fields / Math.Max(seconds, 1e-9):0.0} fields/s → {outDir}"));
            return 0;
        });
        return command;
    }

    /// <summary>The decoded frames, each borrowed until the next is read.</summary>
    internal static IEnumerable<Mat> Frames(VideoFrameSource source)
    {
        while (source.TryRead(out var frame))
        {
            yield return frame.Image;
        }
    }

    internal static FlowMethod ParseMethod(string text) => text.Trim().ToLowerInvariant() switch
    {
        "farneback" => FlowMethod.Farneback,
        "sparse-to-dense" or "sparsetodense" => FlowMethod.SparseToDense,
        "tvl1" or "tv-l1" => FlowMethod.TvL1,
        _ => throw new SegFuseInputException("--method", $"'{text}' is not a flow method (farneback, sparse-to-dense or tvl1)"),
    };

    internal static string MethodName(FlowMethod method) => method switch
    {
        FlowMethod.Farneback => "farneback",
        FlowMethod.SparseToDense => "sparse-to-dense",
        _ => "tvl1",
    };

    private static FlowFormat ParseFormat(string text) => text.Trim().ToLowerInvariant() switch
    {
        "flo" => FlowFormat.Flo,
        "kitti" or "png" => FlowFormat.Kitti,
        "npy" => FlowFormat.Npy,
        _ => throw new SegFuseInputException("--format", $"'{text}' is not a flow format (flo, kitti or npy)"),
    };
}
