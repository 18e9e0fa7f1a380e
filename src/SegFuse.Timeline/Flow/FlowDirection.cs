namespace SegFuse.Timeline.Flow;

/// <summary>Which neighbour a flow field of frame t points to.</summary>
public enum FlowDirection
{
    /// <summary>Backward flow of frame t maps pixel x of frame t to x + f(x) in frame t − 1; frame 0 has none.</summary>
    Backward,

    /// <summary>Forward flow of frame t maps pixel x of frame t to x + f(x) in frame t + 1; the last frame has none.</summary>
    Forward,
}

/// <summary>Helpers for <see cref="FlowDirection"/>.</summary>
public static class FlowDirections
{
    /// <summary>Parses <c>backward</c> or <c>forward</c> (case-insensitive); <paramref name="subject"/> names the option in errors.</summary>
    /// <exception cref="SegFuseInputException">Any other word.</exception>
    public static FlowDirection Parse(string text, string subject = "--flow-direction") => text.Trim().ToLowerInvariant() switch
    {
        "backward" => FlowDirection.Backward,
        "forward" => FlowDirection.Forward,
        _ => throw new SegFuseInputException(subject, $"'{text}' is not a flow direction (backward or forward)"),
    };

    /// <summary>The lower-case name used on the command line and in files.</summary>
    public static string Name(this FlowDirection direction) => direction == FlowDirection.Backward ? "backward" : "forward";

    /// <summary>The frame the flow of <paramref name="frame"/> points to: t − 1 (backward) or t + 1 (forward).</summary>
    public static int TargetOf(this FlowDirection direction, int frame) => direction == FlowDirection.Backward ? frame - 1 : frame + 1;

    /// <summary>
    /// The frames of a video of <paramref name="frameCount"/> frames that have a flow field in <paramref name="direction"/>:
    /// 1..N−1 backward, 0..N−2 forward. Empty (Last &lt; First) for fewer than two frames.
    /// </summary>
    public static (int First, int Last) FramesWithFlow(this FlowDirection direction, int frameCount) =>
        direction == FlowDirection.Backward ? (1, frameCount - 1) : (0, frameCount - 2);
}
