using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Server.Intake;

/// <summary>
/// What a competition accepts, from its public metadata: the same object drives the server's intake checks
/// and <c>segfuse submit --check</c>, so a competitor finds a broken submission before spending one on it.
/// </summary>
public sealed record SubmissionRules
{
    /// <summary>Frames a submitted video must have (the test video's length); zip entries must have indices below it.</summary>
    public required int VideoFrames { get; init; }

    /// <summary>Frame width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Frame height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>The frame indices that have ground truth; a zip must hold a PNG for each.</summary>
    public required IReadOnlyList<int> ScoredFrames { get; init; }

    /// <summary>The key of each scored frame (same order): the frame index as 6 digits, or <c>city_seq_frame</c> for Cityscapes ground truth, whose zip entries may be named by key.</summary>
    public required IReadOnlyList<string> FrameKeys { get; init; }

    /// <summary>The competition's label set.</summary>
    public required LabelSet Labels { get; init; }

    /// <summary>The largest upload accepted, in bytes.</summary>
    public required long MaxUploadBytes { get; init; }

    /// <summary>Whether frame keys are Cityscapes names rather than indices.</summary>
    internal bool KeyedByName => FrameKeys.Count > 0 && FrameKeys.Select((k, i) => k != FrameFiles.NameOf(ScoredFrames[i], ".png")[..^4]).Any(x => x);
}

/// <summary>What kind of file a submission is, judged by its first bytes (never by its name).</summary>
public enum SubmissionKind
{
    /// <summary>A zip archive of label PNGs, one per frame.</summary>
    Zip,

    /// <summary>A palette-coloured video.</summary>
    Video,
}
