using System.CommandLine;
using System.Globalization;
using System.Text;
using SegFuse.IO;
using SegFuse.Media.Decoding;
using SegFuse.Timeline.Alignment;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse align</c>: one row per decoded frame with its timestamp, telemetry, flow, prediction and GT.</summary>
internal static class AlignCommand
{
    public static Command Create(CliConsole console)
    {
        var video = new Option<FileInfo>("--video") { Description = "The video whose frames define the timeline (frame index = decode order, timestamp = the container's presentation time).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "frames.csv to write: frame,timestamp,<telemetry columns>,extrapolated,gap,flow,pred,gt.", Required = true };
        var tel = new TelemetryOptionSet();
        var flow = new FlowOptionSet(withDirection: true);
        var pred = new Option<DirectoryInfo?>("--pred") { Description = "Folder of per-frame predictions (PNG, frame index = last digit run in the name)." };
        var gt = new Option<DirectoryInfo?>("--gt") { Description = "Folder of per-frame ground truth (PNG by frame index; Cityscapes *_labelIds.png preferred when present)." };
        var decoder = DecoderOption.Create();
        var command = new Command("align", "Align a video's frames with telemetry (interpolated at each frame's timestamp), flow fields, predictions and ground truth, and write frames.csv with a summary.")
        {
            video, output, pred, gt, decoder,
        };
        tel.AddTo(command);
        flow.AddTo(command);

        command.SetGuardedAction(console, (parse, ct) =>
        {
            var telemetry = tel.Load(parse);
            var flowFolder = flow.Open(parse);
            var aligner = new TimelineAligner(new AlignOptions
            {
                Telemetry = telemetry,
                Flow = flowFolder,
                FlowScale = flow.Scale(parse),
                AllowMissingFlow = flow.AllowMissing(parse),
                PredictionDir = parse.GetValue(pred)?.FullName,
                GroundTruthDir = parse.GetValue(gt)?.FullName,
            });
            // Only the timestamps are needed: without read-ahead the source skips frames without converting their pixels.
            using var source = VideoFrameSource.Open(parse.GetValue(video)!.FullName, probe: true, readAhead: false, DecoderOption.Parse(parse.GetValue(decoder)));
            string outPath = CliPaths.PrepareOutputFile(parse.GetValue(output)!.FullName, "--out");
            int rows;
            using (var file = new AtomicFile(outPath))
            {
                using (var writer = new StreamWriter(file.OpenWrite(), new UTF8Encoding(false)))
                using (var bar = console.Progress("align", source.Info.ClaimedFrameCount ?? 0))
                {
                    var frames = aligner.Align(Timestamps(source, bar, ct), source.Info.Width, source.Info.Height, ct);
                    rows = FramesCsv.Write(writer, aligner.TelemetryColumns, frames, telemetry is not null);
                }

                file.Commit();
            }

            var c = CultureInfo.InvariantCulture;
            console.Out.WriteLine(string.Create(c, $"video: {source.Info.Width}x{source.Info.Height}, {source.Info.Fps:0.###} fps, timestamps from {(source.TimestampSource == TimestampSource.Container ? "the container" : "index / fps (the container has none)")}"));
            foreach (var line in aligner.Summary.Lines())
            {
                console.Out.WriteLine(line);
            }

            console.Out.WriteLine($"wrote {rows} rows to {outPath}");
            return 0;
        });
        return command;
    }

    private static IEnumerable<FrameTime> Timestamps(VideoFrameSource source, ProgressBar bar, CancellationToken ct)
    {
        while (source.TrySkip(out int index, out double timestamp))
        {
            ct.ThrowIfCancellationRequested();
            bar.Increment();
            yield return new FrameTime(index, timestamp);
        }
    }
}

/// <summary>The telemetry options shared by commands that read a telemetry CSV.</summary>
internal sealed class TelemetryOptionSet
{
    private readonly Option<FileInfo?> _path = new("--telemetry") { Description = "Telemetry CSV: a header, a time column (timestamp, time or t) and numeric columns, interpolated linearly at each frame's timestamp." };
    private readonly Option<string?> _timeColumn = new("--time-column") { Description = "The telemetry's time column (default: the first of timestamp, time, t)." };
    private readonly Option<string> _timeUnit = new("--time-unit") { Description = "Unit of the time column: s, ms or us.", DefaultValueFactory = _ => "s" };
    private readonly Option<double> _timeOffset = new("--time-offset") { Description = "Seconds added to telemetry times to put them on the video's clock (video time = telemetry time + offset)." };
    private readonly Option<double> _maxGap = new("--max-gap") { Description = "Flag frames between telemetry samples more than this many seconds apart.", DefaultValueFactory = _ => 0.5 };

    public void AddTo(Command command)
    {
        command.Options.Add(_path);
        command.Options.Add(_timeColumn);
        command.Options.Add(_timeUnit);
        command.Options.Add(_timeOffset);
        command.Options.Add(_maxGap);
    }

    public TelemetryTable? Load(ParseResult parse)
    {
        var options = new TelemetryOptions
        {
            TimeColumn = parse.GetValue(_timeColumn),
            TimeUnit = TelemetryOptions.ParseUnit(parse.GetValue(_timeUnit)!),
            TimeOffset = parse.GetValue(_timeOffset),
            MaxGap = parse.GetValue(_maxGap),
        };
        return parse.GetValue(_path) is { } file ? TelemetryTable.Load(file.FullName, options) : null;
    }
}

/// <summary>The flow-folder options shared by commands that read per-frame flow.</summary>
internal sealed class FlowOptionSet
{
    private readonly Option<DirectoryInfo?> _dir = new("--flow") { Description = "Folder of per-frame flow fields (.flo, KITTI .png or .npy) named by the frame they belong to." };
    private readonly Option<string?> _direction = new("--flow-direction") { Description = "What the folder holds: backward (frame t into t-1) or forward (frame t into t+1). Required with --flow." };
    private readonly Option<string> _scale = new("--flow-scale") { Description = "When a field's size differs from the frame size: none (an error), auto (resize to the frame size), or a factor k (fields are 1/k of the frame size). Vectors are scaled with the field.", DefaultValueFactory = _ => "none" };
    private readonly Option<bool> _allowMissing = new("--allow-missing") { Description = "Go on when a frame that should have flow has none (otherwise an error naming the first missing frame)." };
    private readonly bool _withDirection;

    public FlowOptionSet(bool withDirection) => _withDirection = withDirection;

    public void AddTo(Command command)
    {
        command.Options.Add(_dir);
        if (_withDirection)
        {
            command.Options.Add(_direction);
        }

        command.Options.Add(_scale);
        command.Options.Add(_allowMissing);
    }

    public FlowFolder? Open(ParseResult parse)
    {
        var dir = parse.GetValue(_dir);
        string? direction = parse.GetValue(_direction);
        if (dir is null)
        {
            return direction is null ? null : throw new SegFuseInputException("--flow-direction", "given without --flow");
        }

        if (direction is null)
        {
            throw new SegFuseInputException("--flow-direction", "required with --flow: does the folder hold backward or forward flow?");
        }

        return FlowFolder.Open(dir.FullName, FlowDirections.Parse(direction));
    }

    public FlowScale Scale(ParseResult parse) => FlowScale.Parse(parse.GetValue(_scale)!);

    public bool AllowMissing(ParseResult parse) => parse.GetValue(_allowMissing);
}

/// <summary>Checks on output paths, so that a bad one is an input error before any work is done.</summary>
internal static class CliPaths
{
    /// <summary>Creates the parent folder of an output file; a folder in the file's place is an error.</summary>
    public static string PrepareOutputFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new SegFuseInputException(option, $"{path} is a folder; give a file name");
        }

        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null)
        {
            if (File.Exists(parent))
            {
                throw new SegFuseInputException(option, $"{parent} is a file, not a folder");
            }

            Directory.CreateDirectory(parent);
        }

        return path;
    }

    /// <summary>Creates an output folder; a file in its place is an error.</summary>
    public static string PrepareOutputFolder(string path, string option)
    {
        if (File.Exists(path))
        {
            throw new SegFuseInputException(option, $"{path} is a file, not a folder");
        }

        Directory.CreateDirectory(path);
        return path;
    }
}
