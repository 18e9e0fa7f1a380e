using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SegFuse.Media.Tests.Support;

/// <summary>Runs the real ffmpeg / ffprobe CLI for fixtures and independent checks.</summary>
internal static class Ffmpeg
{
    public static string Run(params string[] args) => Exec("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. args]);

    public static string Probe(params string[] args) => Exec("ffprobe", ["-v", "error", .. args]);

    /// <summary>ffprobe's JSON for the first video stream.</summary>
    public static JsonElement VideoStream(string file)
    {
        string json = Probe("-select_streams", "v:0", "-count_frames", "-show_streams", "-print_format", "json", file);
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("streams")[0].Clone();
    }

    /// <summary>Per frame: picture type (I/P/B) and key flag, in presentation order.</summary>
    public static List<(string Type, bool Key)> FrameTypes(string file)
    {
        string csv = Probe("-select_streams", "v:0", "-show_entries", "frame=pict_type,key_frame", "-of", "csv=p=0", file);
        return csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(','))
            .Select(p => (p[1], p[0] == "1"))
            .ToList();
    }

    /// <summary>Presentation times of the frames as ffprobe reads them.</summary>
    public static List<double> FrameTimes(string file)
    {
        string csv = Probe("-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time", "-of", "csv=p=0", file);
        return csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => double.Parse(l.TrimEnd(','), CultureInfo.InvariantCulture))
            .ToList();
    }

    /// <summary>The top-level MP4 boxes in file order, as ffprobe's trace log lists them.</summary>
    public static List<string> TopLevelBoxes(string file)
    {
        string log = Exec("ffprobe", ["-v", "trace", file], captureStderr: true);
        var boxes = new List<string>();
        foreach (var line in log.Split('\n'))
        {
            int t = line.IndexOf("type:'", StringComparison.Ordinal);
            if (t >= 0 && line.Contains("parent:'root'", StringComparison.Ordinal))
            {
                boxes.Add(line.Substring(t + 6, 4));
            }
        }

        return boxes;
    }

    private static string Exec(string exe, string[] args, bool captureStderr = false)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        string stderr = err.GetAwaiter().GetResult();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed: {stderr}");
        }

        return captureStderr ? stderr : output;
    }
}
