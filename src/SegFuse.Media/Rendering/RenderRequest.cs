using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Encoding;

namespace SegFuse.Media.Rendering;

/// <summary>How label maps become a video.</summary>
public enum RenderMode
{
    /// <summary>Every pixel in the label set's palette colour: what the competition scores.</summary>
    Palette,

    /// <summary>The palette blended over the footage (<see cref="RenderRequest.VideoPath"/>, <see cref="RenderRequest.Alpha"/>).</summary>
    Overlay,

    /// <summary>Panels side by side: footage (when given) | prediction | second prediction (when given).</summary>
    SideBySide,
}

/// <summary>What <see cref="LabelVideoRenderer"/> renders.</summary>
public sealed record RenderRequest
{
    /// <summary>Per-frame label PNGs, frame index = last digit run of the name; one output frame per map, in index order.</summary>
    public required string LabelsDir { get; init; }

    /// <summary>The label set whose ids the maps hold and whose palette colours them.</summary>
    public required LabelSet Set { get; init; }

    /// <summary>How the PNGs store labels.</summary>
    public LabelEncoding Encoding { get; init; } = LabelEncoding.Ids;

    /// <summary>The MP4 to write.</summary>
    public required string OutPath { get; init; }

    /// <summary>Rendering mode.</summary>
    public RenderMode Mode { get; init; } = RenderMode.Palette;

    /// <summary>Footage for overlay and side-by-side; label frame i is paired with video frame i.</summary>
    public string? VideoPath { get; init; }

    /// <summary>The decoder of <see cref="VideoPath"/> (default: the ffmpeg pipe when ffmpeg is on PATH, else OpenCV).</summary>
    public Decoding.VideoDecoder Decoder { get; init; } = Decoding.VideoDecoder.Auto;

    /// <summary>A second prediction folder (side-by-side before/after); it must hold the same frame indices.</summary>
    public string? CompareDir { get; init; }

    /// <summary>Weight of the palette over the footage in overlay mode, 0..1.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Adds a strip listing the label colours under the frames (not in palette mode).</summary>
    public bool Legend { get; init; }

    /// <summary>Output frame rate; null = the footage's rate when a video is given, else 30.</summary>
    public double? Fps { get; init; }

    /// <summary>x264 speed preset.</summary>
    public string Preset { get; init; } = "medium";

    /// <summary>
    /// Integer factor by which each output frame is enlarged (nearest neighbour), 1..8. A palette submission of small
    /// frames (below ~720 rows) loses objects of a pixel or two to H.264's 4:2:0 chroma; enlarged ×k, every label pixel
    /// is a k×k block that survives, and a scorer scaling the video back by nearest neighbour samples the block centres.
    /// </summary>
    public int Scale { get; init; } = 1;
}

/// <summary>What a render produced.</summary>
/// <param name="Frames">Frames written.</param>
/// <param name="Width">Output width.</param>
/// <param name="Height">Output height.</param>
/// <param name="Fps">Output frame rate.</param>
/// <param name="BitRate">Target bit rate, bits/s.</param>
/// <param name="Bytes">Size of the written file.</param>
public sealed record RenderResult(int Frames, int Width, int Height, double Fps, long BitRate, long Bytes);
