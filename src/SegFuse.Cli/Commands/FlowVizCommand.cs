using System.CommandLine;
using System.Globalization;
using OpenCvSharp;
using SegFuse.Media.Encoding;
using SegFuse.Timeline.Flow;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse flow-viz</c>: a folder of flow fields as a colour-wheel H.264 video, to check flow by eye.</summary>
internal static class FlowVizCommand
{
    public static Command Create(CliConsole console)
    {
        var flow = new Option<DirectoryInfo>("--flow") { Description = "Folder of flow fields (.flo, KITTI .png or .npy), one per frame.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "The MP4 to write (H.264).", Required = true };
        var fps = new Option<double>("--fps") { Description = "Frame rate of the video.", DefaultValueFactory = _ => 30 };
        var maxFlow = new Option<double?>("--max-flow") { Description = "Vector length (px) drawn at full saturation; default: the longest vector of the whole folder (one extra pass)." };
        var command = new Command("flow-viz", "Draw a folder of flow fields with the Middlebury colour wheel (hue = direction, saturation = length, black = invalid) into an H.264 video.")
        {
            flow, output, fps, maxFlow,
        };

        command.SetGuardedAction(console, (parse, ct) =>
        {
            string dir = parse.GetValue(flow)!.FullName;
            double rate = parse.GetValue(fps);
            if (!(rate > 0 && rate <= 1000))
            {
                throw new SegFuseInputException("--fps", "must be a positive frame rate");
            }

            string outPath = CliPaths.PrepareOutputFile(parse.GetValue(output)!.FullName, "--out");
            var folder = FlowFolder.Open(dir, FlowDirection.Backward);
            var frames = folder.Frames.ToArray();

            float max;
            if (parse.GetValue(maxFlow) is double m)
            {
                max = m > 0 ? (float)m : throw new SegFuseInputException("--max-flow", "must be a positive length in pixels");
            }
            else
            {
                max = 0;
                using var scan = console.Progress("flow-viz scan", frames.Length);
                foreach (int i in frames)
                {
                    ct.ThrowIfCancellationRequested();
                    max = Math.Max(max, FlowColor.MaxMagnitude(FlowFile.Read(folder.PathOf(i)!)));
                    scan.Increment();
                }
            }

            var (width, height) = FlowFile.ReadSize(folder.PathOf(frames[0])!);
            using var writer = H264VideoWriter.Create(outPath, width, height, rate);
            using var bgr = new Mat();
            using (var bar = console.Progress("flow-viz", frames.Length))
            {
                foreach (int i in frames)
                {
                    ct.ThrowIfCancellationRequested();
                    string path = folder.PathOf(i)!;
                    var field = FlowFile.Read(path);
                    if (field.Width != width || field.Height != height)
                    {
                        throw new SegFuseInputException(path, $"is {field.Width}x{field.Height}, the first field ({Path.GetFileName(folder.PathOf(frames[0]))}) is {width}x{height}");
                    }

                    FlowColor.Render(field, max, bgr);
                    writer.Write(bgr, ct);
                    bar.Increment();
                }
            }

            writer.Complete(ct);
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flow-viz: {frames.Length} fields ({frames[0]}..{frames[^1]}), full saturation at {max:0.##} px → {outPath}"));
            return 0;
        });
        return command;
    }
}
