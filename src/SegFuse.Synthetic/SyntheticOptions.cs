using System.Globalization;

namespace SegFuse.Synthetic;

/// <summary>What synthetic driving sequence to generate.</summary>
public sealed record SyntheticOptions
{
    /// <summary>Image width in pixels (16..8192).</summary>
    public int Width { get; init; } = 1280;

    /// <summary>Image height in pixels (16..8192).</summary>
    public int Height { get; init; } = 720;

    /// <summary>Number of frames (2..100000).</summary>
    public int Frames { get; init; } = 300;

    /// <summary>Seed: the same options give the same sequence, byte for byte.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Frames per second of the video.</summary>
    public double Fps { get; init; } = 30;

    /// <summary>
    /// Where in the drive frame 0 is, in seconds. The drive opens with the car waiting at a zebra while people
    /// cross and the camera pans, then it accelerates, cruises, brakes and turns right at about 6–9 s; tests
    /// that want motion in a few frames start later.
    /// </summary>
    public double StartSeconds { get; init; }

    /// <summary>Nominal telemetry rate, samples per second (timestamps are jittered around it).</summary>
    public double TelemetryRate { get; init; } = 50;

    /// <summary>Size as <c>WIDTHxHEIGHT</c>.</summary>
    public string Size => string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");

    /// <summary>Checks the options; throws <see cref="SegFuseInputException"/> naming the option.</summary>
    public void Validate()
    {
        if (Width is < 16 or > 8192 || Height is < 16 or > 8192)
        {
            throw new SegFuseInputException("--size", $"{Size} is outside 16x16..8192x8192");
        }

        if (Frames is < 2 or > 100_000)
        {
            throw new SegFuseInputException("--frames", $"{Frames} is outside 2..100000");
        }

        if (!(Fps is > 0 and <= 1000))
        {
            throw new SegFuseInputException("--fps", "must be in (0, 1000]");
        }

        if (!(StartSeconds >= 0 && StartSeconds < 100_000))
        {
            throw new SegFuseInputException("--start", "must be in [0, 100000) seconds");
        }

        if (!(TelemetryRate is >= 1 and <= 1000))
        {
            throw new SegFuseInputException("--telemetry-rate", "must be in [1, 1000] samples per second");
        }
    }

    /// <summary>Parses <c>WIDTHxHEIGHT</c> (e.g. <c>1280x720</c>).</summary>
    /// <exception cref="SegFuseInputException">Not of that form.</exception>
    public static (int Width, int Height) ParseSize(string text, string option = "--size")
    {
        var parts = text.Split('x', 'X');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h))
        {
            return (w, h);
        }

        throw new SegFuseInputException(option, $"'{text}' is not WIDTHxHEIGHT (e.g. 1280x720)");
    }
}

/// <summary>One telemetry sample.</summary>
/// <param name="Timestamp">Seconds on the video's clock (frame i is at i / fps).</param>
/// <param name="SpeedMps">Forward speed, m/s.</param>
/// <param name="AccelMps2">Longitudinal acceleration, m/s².</param>
/// <param name="SteeringDeg">Steering-wheel angle, degrees, positive to the left (ISO 8855; steering ratio 15, wheelbase 2.7 m).</param>
public readonly record struct TelemetrySample(double Timestamp, double SpeedMps, double AccelMps2, double SteeringDeg);

/// <summary>Which part of the data set a frame belongs to.</summary>
public enum SplitPart
{
    /// <summary>Training frames (the first half).</summary>
    Train,

    /// <summary>Validation frames (the next fifth): tune fusion parameters here.</summary>
    Val,

    /// <summary>Test frames (the last 30 %): report scores here.</summary>
    Test,
}
