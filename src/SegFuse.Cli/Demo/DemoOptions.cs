using SegFuse.Synthetic;

namespace SegFuse.Cli.Demo;

/// <summary>What <c>segfuse demo</c> runs on and where it writes.</summary>
internal sealed record DemoOptions
{
    /// <summary>The output folder (new, empty, or an earlier demo's).</summary>
    public required string OutDir { get; init; }

    /// <summary>The synthetic sample to make (or reuse when one with these options is already there).</summary>
    public SyntheticOptions Sample { get; init; } = new();

    /// <summary>Whether to run issue 8's path: fit the tiny ONNX model, segment the video with it, fuse and score its output.</summary>
    public bool Tiny { get; init; } = true;

    /// <summary>x264 preset of the palette submission video (YouTube's bit rate, GOP and profile either way).</summary>
    public string Preset { get; init; } = "veryfast";

    /// <summary>x264 preset of the side-by-side video (three panels wide, for viewing only).</summary>
    public string ViewPreset { get; init; } = "superfast";

    /// <summary>
    /// The tuning grid: a deliberately small coordinate search (one round) so the demo stays within its time budget;
    /// <c>segfuse tune</c> searches the full grid.
    /// </summary>
    public static IReadOnlyDictionary<string, double[]> TuneGrid { get; } = new Dictionary<string, double[]>(StringComparer.Ordinal)
    {
        ["decay"] = [0.88, 0.96],
    };

    /// <summary>Warm-up frames read before the validation split in each tuning evaluation.</summary>
    public const int TuneWarmUp = 8;

    /// <summary>
    /// The tiny model sees the frames at 1/this of their size (<c>segment --input-size</c>); its labels are upsampled
    /// back to the frame size. At 720p this keeps <c>segment</c> to a fraction of the demo's time.
    /// </summary>
    public const int SegmentDownscale = 2;
}
