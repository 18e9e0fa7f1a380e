using System.Globalization;
using System.Text.Json;

namespace SegFuse.Media.Tools;

/// <summary>
/// What <c>ffprobe</c> says about the first video stream of a file and its container: the facts OpenCV does not
/// expose (pixel format, profile, colour tags, the stream's start time, whether the frame count is exact).
/// </summary>
public sealed record VideoProbe
{
    /// <summary>Codec name as ffprobe gives it, e.g. <c>h264</c>.</summary>
    public string? Codec { get; init; }

    /// <summary>Codec profile, e.g. <c>High</c>.</summary>
    public string? Profile { get; init; }

    /// <summary>Pixel format, e.g. <c>yuv420p</c>.</summary>
    public string? PixelFormat { get; init; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; init; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; }

    /// <summary>The stream's base frame rate (<c>r_frame_rate</c>), frames per second; null when unknown.</summary>
    public double? FrameRate { get; init; }

    /// <summary>The stream's average frame rate (<c>avg_frame_rate</c>); null when unknown.</summary>
    public double? AverageFrameRate { get; init; }

    /// <summary>The frame count stored in the container (<c>nb_frames</c>, exact in MP4/MOV); null when the container has none.</summary>
    public long? FrameCount { get; init; }

    /// <summary>The stream's first presentation time in seconds (<c>start_time</c>); null when unknown.</summary>
    public double? StartTime { get; init; }

    /// <summary>Stream duration in seconds, else the container's; null when unknown.</summary>
    public double? Duration { get; init; }

    /// <summary>Colour matrix tag (<c>color_space</c>, e.g. <c>bt709</c>); null when untagged.</summary>
    public string? ColorSpace { get; init; }

    /// <summary>Colour range tag: <c>tv</c> (limited) or <c>pc</c> (full); null when untagged.</summary>
    public string? ColorRange { get; init; }

    /// <summary>Colour primaries tag; null when untagged.</summary>
    public string? ColorPrimaries { get; init; }

    /// <summary>Transfer characteristics tag; null when untagged.</summary>
    public string? ColorTransfer { get; init; }

    /// <summary>The container format names, e.g. <c>mov,mp4,m4a,3gp,3g2,mj2</c>.</summary>
    public string? FormatName { get; init; }

    /// <summary>Whether the file has an audio stream.</summary>
    public bool HasAudio { get; init; }

    /// <summary>Runs ffprobe on <paramref name="path"/>.</summary>
    /// <exception cref="SegFuseInputException">ffprobe is missing, or the file has no readable video stream.</exception>
    public static VideoProbe Run(string path)
    {
        using var process = FfmpegTools.Start(
            FfmpegTools.Ffprobe,
            ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", path],
            redirectStdin: false);
        var stderrTask = process.StandardError.ReadToEndAsync();
        string json = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string stderr = stderrTask.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new SegFuseInputException(path, $"not a readable video ({FirstLine(stderr)})");
        }

        return Parse(json) ?? throw new SegFuseInputException(path, "has no video stream (no video frames)");
    }

    /// <summary>Runs ffprobe when it is on PATH; null when it is not or cannot read the file.</summary>
    public static VideoProbe? TryRun(string path)
    {
        if (FfmpegTools.Find("ffprobe") is null)
        {
            return null;
        }

        try
        {
            return Run(path);
        }
        catch (SegFuseInputException)
        {
            return null;
        }
    }

    internal static VideoProbe? Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        JsonElement? video = null;
        bool audio = false;
        if (root.TryGetProperty("streams", out var streams))
        {
            foreach (var s in streams.EnumerateArray())
            {
                string? type = Str(s, "codec_type");
                if (type == "video" && video is null && !IsAttachedPicture(s))
                {
                    video = s;
                }
                else if (type == "audio")
                {
                    audio = true;
                }
            }
        }

        if (video is not { } v)
        {
            return null;
        }

        root.TryGetProperty("format", out var format);
        double? duration = Num(v, "duration");
        if (duration is null && format.ValueKind == JsonValueKind.Object)
        {
            duration = Num(format, "duration");
        }

        return new VideoProbe
        {
            Codec = Str(v, "codec_name"),
            Profile = Str(v, "profile"),
            PixelFormat = Str(v, "pix_fmt"),
            Width = (int)(Num(v, "width") ?? 0),
            Height = (int)(Num(v, "height") ?? 0),
            FrameRate = Rate(Str(v, "r_frame_rate")),
            AverageFrameRate = Rate(Str(v, "avg_frame_rate")),
            FrameCount = Num(v, "nb_frames") is double n && n > 0 ? (long)n : null,
            StartTime = Num(v, "start_time"),
            Duration = duration,
            ColorSpace = Tag(Str(v, "color_space")),
            ColorRange = Tag(Str(v, "color_range")),
            ColorPrimaries = Tag(Str(v, "color_primaries")),
            ColorTransfer = Tag(Str(v, "color_transfer")),
            FormatName = format.ValueKind == JsonValueKind.Object ? Str(format, "format_name") : null,
            HasAudio = audio,
        };
    }

    private static bool IsAttachedPicture(JsonElement s) =>
        s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.ValueKind == JsonValueKind.Number && a.GetInt32() == 1;

    private static string? Tag(string? value) => value is null or "unknown" or "unspecified" ? null : value;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) ? p.ValueKind == JsonValueKind.String ? p.GetString() : p.ToString() : null;

    private static double? Num(JsonElement e, string name)
    {
        string? s = Str(e, name);
        return s is not null && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : null;
    }

    private static double? Rate(string? r)
    {
        if (r is null)
        {
            return null;
        }

        int slash = r.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return double.TryParse(r, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : null;
        }

        return double.TryParse(r.AsSpan(0, slash), NumberStyles.Float, CultureInfo.InvariantCulture, out double num)
            && double.TryParse(r.AsSpan(slash + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double den)
            && num > 0 && den > 0 ? num / den : null;
    }

    private static string FirstLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "ffprobe failed";
        int colon = line.LastIndexOf(": ", StringComparison.Ordinal);
        return colon >= 0 ? line[(colon + 2)..] : line;
    }
}
