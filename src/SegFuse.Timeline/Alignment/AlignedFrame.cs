using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Timeline.Alignment;

/// <summary>A decoded frame's place on the video's clock: its 0-based decode index and presentation time in seconds.</summary>
/// <param name="Index">0-based decode order.</param>
/// <param name="Timestamp">The container's presentation time in seconds (or index / fps where the container has none).</param>
public readonly record struct FrameTime(int Index, double Timestamp);

/// <summary>
/// Everything the timeline knows about one frame: its time, the telemetry at that time, and the per-frame files that
/// belong to it. Files are named, not loaded; <see cref="ReadFlow()"/> loads the flow field on demand.
/// </summary>
public sealed class AlignedFrame
{
    private readonly FlowFolder? _flowFolder;
    private readonly FlowScale _flowScale;
    private readonly int _frameWidth;
    private readonly int _frameHeight;

    internal AlignedFrame(
        FrameTime time,
        double[] telemetry,
        TelemetryFlags flags,
        string? flowPath,
        string? predictionPath,
        string? groundTruthPath,
        FlowFolder? flowFolder,
        FlowScale flowScale,
        int frameWidth,
        int frameHeight)
    {
        Index = time.Index;
        Timestamp = time.Timestamp;
        Telemetry = telemetry;
        Flags = flags;
        FlowPath = flowPath;
        PredictionPath = predictionPath;
        GroundTruthPath = groundTruthPath;
        _flowFolder = flowFolder;
        _flowScale = flowScale;
        _frameWidth = frameWidth;
        _frameHeight = frameHeight;
    }

    /// <summary>0-based decode index.</summary>
    public int Index { get; }

    /// <summary>Presentation time in seconds.</summary>
    public double Timestamp { get; }

    /// <summary>The telemetry values at <see cref="Timestamp"/>, one per <see cref="TelemetryTable.Columns"/> entry; empty without telemetry.</summary>
    public IReadOnlyList<double> Telemetry { get; }

    /// <summary>Whether the telemetry values were clamped (outside its range) or fall in a gap; both false without telemetry.</summary>
    public TelemetryFlags Flags { get; }

    /// <summary>The frame's flow file (in the folder's direction), or null when there is none.</summary>
    public string? FlowPath { get; }

    /// <summary>The frame's prediction (label map PNG), or null when there is none.</summary>
    public string? PredictionPath { get; }

    /// <summary>The frame's ground truth (label map PNG), or null when there is none.</summary>
    public string? GroundTruthPath { get; }

    /// <summary>
    /// Reads the frame's flow field at the frame size (resized when <c>--flow-scale</c> allows it), or null when the frame has none.
    /// </summary>
    /// <exception cref="SegFuseInputException">Corrupt flow file.</exception>
    public FlowField? ReadFlow() => ReadFlow(null);

    /// <summary>As <see cref="ReadFlow()"/>, reading into <paramref name="reuse"/> when it fits (<see cref="FlowFolder.Read(int, int, int, FlowScale, FlowField?)"/>).</summary>
    /// <remarks>Does not take ownership of <paramref name="reuse"/>; it may be overwritten.</remarks>
    /// <exception cref="SegFuseInputException">Corrupt flow file.</exception>
    public FlowField? ReadFlow(FlowField? reuse) => _flowFolder?.Read(Index, _frameWidth, _frameHeight, _flowScale, reuse);
}
