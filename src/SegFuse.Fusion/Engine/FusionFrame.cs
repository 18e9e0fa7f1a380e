using SegFuse.Labels;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Engine;

/// <summary>Everything the fusion engine needs of one frame. Frames are pushed in index order.</summary>
internal sealed class FusionFrame
{
    /// <summary>0-based frame index.</summary>
    public required int Index { get; init; }

    /// <summary>The per-frame labels (ids of the label set); null when <see cref="Scores"/> is given.</summary>
    public LabelMap? Labels { get; init; }

    /// <summary>Per-class scores reduced to the two best classes per pixel (<see cref="Evidence.EvidenceOps.Pack4"/>, class indices, probability × 255).</summary>
    public uint[]? Scores { get; init; }

    /// <summary>The video frame as 8-bit grey, row after row (width × height); null without video (no photometric check).</summary>
    public byte[]? Grey { get; init; }

    /// <summary>Backward flow of this frame (into the previous frame); null when not given.</summary>
    public FlowField? Backward { get; init; }

    /// <summary>Forward flow of this frame (into the next frame); null when not given.</summary>
    public FlowField? Forward { get; init; }

    /// <summary>Speed in m/s from telemetry, NaN without.</summary>
    public double Speed { get; init; } = double.NaN;

    /// <summary>Steering angle in degrees from telemetry, NaN without.</summary>
    public double Steering { get; init; } = double.NaN;

    /// <summary>Whether the fused labels of this frame are wanted (false for warm-up and look-ahead frames of a slice, and frames already written).</summary>
    public bool Emit { get; init; } = true;
}

/// <summary>What the engine saw, for the run's summary.</summary>
internal sealed class FusionStats
{
    /// <summary>Frames pushed.</summary>
    public int Frames { get; set; }

    /// <summary>Frames treated as cuts (nothing carried into them).</summary>
    public int Cuts { get; set; }

    /// <summary>Frames whose own labels were down-weighted as a failed prediction.</summary>
    public int DownWeighted { get; set; }

    /// <summary>Sum over frames of the fraction of pixels with evidence carried in (for the mean).</summary>
    public double CarriedFractionSum { get; set; }

    /// <summary>Frame weight of each frame, by index (for diagnostics and tests).</summary>
    public Dictionary<int, double> FrameWeights { get; } = [];

    /// <summary>Agreement of each frame's labels with the evidence carried into it, by index (frames with too little carried evidence are absent).</summary>
    public Dictionary<int, double> Agreements { get; } = [];

    /// <summary>Fraction of in-frame pixels that failed the reliability tests when carried into each frame, by index.</summary>
    public Dictionary<int, double> FailedFractions { get; } = [];

    /// <summary>Indices of the frames treated as cuts.</summary>
    public List<int> CutFrames { get; } = [];
}
