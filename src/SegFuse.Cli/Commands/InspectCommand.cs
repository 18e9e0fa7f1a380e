using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SegFuse.IO;
using SegFuse.Media.Decoding;

namespace SegFuse.Cli.Commands;

/// <summary><c>segfuse inspect VIDEO [--json FILE]</c>: size, fps, frame counts, duration, codec, pixel format, timestamp checks.</summary>
internal static class InspectCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static Command Create(CliConsole console)
    {
        var video = new Argument<string>("VIDEO") { Description = "The video file to inspect." };
        video.AcceptLegalFilePathsOnly();
        var json = new Option<string?>("--json") { Description = "Also write the findings as JSON to FILE ('-' for standard output)." };
        json.AcceptLegalFilePathsOnly();
        var command = new Command("inspect", "Show a video's size, frame rate, frame count (counted and claimed), duration, codec, pixel format and whether its timestamps are monotonic and evenly spaced.")
        {
            video,
            json,
        };
        command.SetGuardedAction(console, (parse, ct) =>
        {
            string path = parse.GetValue(video)!;
            string? jsonPath = parse.GetValue(json);
            VideoInspection report;
            using (var source = VideoFrameSource.Open(path, probe: true, readAhead: false))
            using (var bar = console.Progress("inspect", source.Info.ClaimedFrameCount ?? 0))
            {
                report = VideoInspector.Inspect(source, bar, ct);
                bar.Total = report.FramesCounted;
            }

            Print(console, report);
            if (jsonPath is not null)
            {
                string text = JsonSerializer.Serialize(report, Json) + "\n";
                if (jsonPath == "-")
                {
                    console.Out.Write(text);
                }
                else
                {
                    WriteJson(jsonPath, text);
                }
            }

            return 0;
        });
        return command;
    }

    private static void WriteJson(string path, string text)
    {
        try
        {
            AtomicFile.WriteAllText(path, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegFuseInputException(path, $"cannot write the JSON: {e.Message}", e);
        }
    }

    private static void Print(CliConsole console, VideoInspection r)
    {
        var o = console.Out;
        string F(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);
        o.WriteLine($"file          {r.Path}");
        if (r.Container is not null)
        {
            o.WriteLine($"container     {r.Container}");
        }

        o.WriteLine($"size          {r.Width}x{r.Height}");
        o.WriteLine($"fps           {F(r.Fps)}");
        string claimed = r.FramesClaimed is int c ? $"{c} claimed ({(r.FramesClaimedExact ? "stored in the container" : "estimated from duration × fps")})" : "none claimed";
        o.WriteLine($"frames        {r.FramesCounted} counted, {claimed}");
        string containerDuration = r.ContainerDuration is double d ? $" (container says {F(d)} s)" : string.Empty;
        o.WriteLine($"duration      {F(r.Duration)} s{containerDuration}");
        string codec = r.CodecName is null ? r.Codec : $"{r.CodecName}{(r.Profile is null ? string.Empty : $" ({r.Profile})")}";
        o.WriteLine($"codec         {codec}");
        o.WriteLine($"pixel format  {r.PixelFormat ?? "unknown (ffprobe not on PATH)"}");
        o.WriteLine($"colour matrix {r.ColorMatrix ?? "untagged (decoded as BT.601)"}");
        string source = r.TimestampSource == TimestampSource.Container
            ? r.FilledTimestamps > 0 ? $"container ({r.FilledTimestamps} missing, filled as previous + 1/fps)" : "container"
            : "none in the container: frame index / fps";
        o.WriteLine($"timestamps    {source}");
        o.WriteLine($"first / last  {F(r.FirstTimestamp)} s / {F(r.LastTimestamp)} s");
        o.WriteLine($"monotonic     {(r.Monotonic ? "yes" : $"no (frame {r.FirstNonMonotonicFrame} is not later than the one before)")}");
        string spacing = r.MedianInterval is double m
            ? $"{(r.EvenlySpaced ? "yes" : "no")} (intervals {F(r.MinInterval!.Value * 1000, "0.##")}..{F(r.MaxInterval!.Value * 1000, "0.##")} ms, median {F(m * 1000, "0.##")} ms)"
            : "n/a (one frame)";
        o.WriteLine($"evenly spaced {spacing}");
        if (r.VariableFrameRate)
        {
            console.Warn($"{r.Path}: variable frame rate (timestamps {(r.Monotonic ? "not evenly spaced" : "go backwards")}); align frames by timestamp, not by index / fps");
        }

        if (r.FramesClaimed is int claimedCount && claimedCount != r.FramesCounted && r.FramesClaimedExact)
        {
            console.Warn($"{r.Path}: the container lists {claimedCount} frames but {r.FramesCounted} decode");
        }
    }
}
