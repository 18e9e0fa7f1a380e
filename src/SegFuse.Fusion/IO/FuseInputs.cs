using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Fusion.IO;

/// <summary>What a fusion run reads: the video, the per-frame predictions (and optionally scores), flow (files or computed) and telemetry.</summary>
public sealed record FuseInputs
{
    /// <summary>The video the predictions were made from (frames, photometric check, computed flow).</summary>
    public required string Video { get; init; }

    /// <summary>Folder of per-frame label PNGs, one per video frame, named with the frame index.</summary>
    public required string Predictions { get; init; }

    /// <summary>How the predictions are stored; the fused maps are written the same way.</summary>
    public LabelEncoding PredictionEncoding { get; init; } = LabelEncoding.Ids;

    /// <summary>Optional folder of per-class scores (<c>.npy</c> C×H×W float16/float32) used as evidence instead of the labels.</summary>
    public string? Scores { get; init; }

    /// <summary>The label set.</summary>
    public required LabelSet Labels { get; init; }

    /// <summary>Folder of flow files (<c>.flo</c>, KITTI <c>.png</c> or <c>.npy</c>) in <see cref="FlowDirection"/>; null with <see cref="ComputeFlow"/>.</summary>
    public string? Flow { get; init; }

    /// <summary>Which way <see cref="Flow"/> points.</summary>
    public FlowDirection FlowDirection { get; init; } = FlowDirection.Backward;

    /// <summary>Optional folder with the flow of the other direction (enables the forward-backward consistency test).</summary>
    public string? FlowOther { get; init; }

    /// <summary>What to do with flow of another size than the frames.</summary>
    public FlowScale FlowScale { get; init; } = FlowScale.None;

    /// <summary>Compute flow in both directions from the video with this method instead of reading files.</summary>
    public FlowMethod? ComputeFlow { get; init; }

    /// <summary>
    /// Computed flow works at 1/downscale of the frame size; 0 (the default) picks the downscale from the frame size
    /// (<see cref="ComputeDownscaleFor"/>).
    /// </summary>
    public int ComputeDownscale { get; init; }

    /// <summary>
    /// The downscale computed flow uses for frames of <paramref name="width"/> × <paramref name="height"/>:
    /// <see cref="ComputeDownscale"/> when it is set, else the short side / 360 rounded, at least 1 (1 below 540 lines,
    /// 2 for 720p, 3 for 1080p). Farnebäck's fixed 15-pixel window then covers about the same part of the scene at any
    /// resolution; at full resolution on 720p its flow is noisy in the textureless road and sky (on the generator's
    /// 1280×720 sequence, fused with Farnebäck flow: +7.4 mIoU points at full resolution, +8.7 at 1/2).
    /// </summary>
    public int ComputeDownscaleFor(int width, int height) =>
        ComputeDownscale > 0 ? ComputeDownscale : Math.Max(1, (int)Math.Round(Math.Min(width, height) / 360.0, MidpointRounding.AwayFromZero));

    /// <summary>Optional telemetry CSV (speed and steering columns modulate the decay).</summary>
    public string? Telemetry { get; init; }

    /// <summary>How to read <see cref="Telemetry"/>.</summary>
    public TelemetryOptions TelemetryOptions { get; init; } = new();
}
