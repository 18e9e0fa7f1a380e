using System.Globalization;

namespace SegFuse.Media.Encoding;

/// <summary>
/// How <see cref="H264VideoWriter"/> encodes: libx264, High profile, yuv420p, constant frame rate, closed GOP,
/// BT.709 tags. <see cref="YouTube"/> gives YouTube's recommended upload settings for a frame size and rate.
/// </summary>
public sealed record H264EncoderSettings
{
    /// <summary>Average bit rate in bits per second (x264 ABR; the VBV allows peaks of 1.5× over a 2 s buffer).</summary>
    public required long BitRate { get; init; }

    /// <summary>Frames from one keyframe to the next; every GOP is closed.</summary>
    public required int GopLength { get; init; }

    /// <summary>Most B-frames in a row.</summary>
    public int BFrames { get; init; } = 2;

    /// <summary>x264 speed preset (<c>ultrafast</c> … <c>veryslow</c>); slower presets give better quality at the same bit rate.</summary>
    public string Preset { get; init; } = "medium";

    /// <summary>
    /// YouTube's recommended upload settings: H.264 High, yuv420p, CFR, closed GOP of half the frame rate, 2 B-frames,
    /// faststart, BT.709, and the bit rate of YouTube's SDR table for the frame size (by the shorter side: 360p 1,
    /// 480p 2.5, 720p 5, 1080p 8, 1440p 16, 2160p 40 Mbit/s), × 1.5 for high frame rates (above 30 fps).
    /// </summary>
    public static H264EncoderSettings YouTube(int width, int height, double fps) => new()
    {
        BitRate = YouTubeBitRate(width, height, fps),
        GopLength = Math.Max(1, (int)Math.Round(fps / 2, MidpointRounding.AwayFromZero)),
    };

    /// <summary>YouTube's recommended SDR upload bit rate (bits/s) for a frame size and rate. Frames below 360p get the 360p rate.</summary>
    public static long YouTubeBitRate(int width, int height, double fps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int lines = Math.Min(width, height);
        double mbit = lines switch
        {
            <= 360 => 1,
            <= 480 => 2.5,
            <= 720 => 5,
            <= 1080 => 8,
            <= 1440 => 16,
            _ => 40,
        };
        if (fps > 30.5)
        {
            mbit *= 1.5;
        }

        return (long)(mbit * 1_000_000);
    }

    /// <summary>The frame rate as the exact rational ffmpeg expects: 30 → "30/1", 29.97 → "30000/1001".</summary>
    public static string FrameRateArgument(double fps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fps);
        double rounded = Math.Round(fps);
        if (Math.Abs(fps - rounded) < 1e-6)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(long)rounded}/1");
        }

        double ntsc = Math.Round(fps * 1.001);
        if (Math.Abs((ntsc / 1.001) - fps) < 1e-3)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(long)(ntsc * 1000)}/1001");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{(long)Math.Round(fps * 1000)}/1000");
    }
}
