using SegFuse.Fusion;
using SegFuse.Fusion.Metrics;
using SegFuse.Scoring;

namespace SegFuse.Cli.Demo;

/// <summary>One stage of the demo and how long it took.</summary>
/// <param name="Name">Stage name as the progress bars show it.</param>
/// <param name="Seconds">Wall-clock seconds.</param>
/// <param name="Note">What the stage did, one short phrase.</param>
internal sealed record DemoStage(string Name, double Seconds, string Note);

/// <summary>The tiny-model path (issue 8): the model's own labels and the fused ones, scored on the test split.</summary>
/// <param name="PerFrame">The model's label maps on the test split.</param>
/// <param name="Fused">The fused label maps on the test split.</param>
/// <param name="TrainFrames">Frames the model was fitted on.</param>
/// <param name="SegmentFps">Frames per second of <c>segment</c> over the whole video.</param>
internal sealed record TinyResult(SplitScore PerFrame, SplitScore Fused, int TrainFrames, double SegmentFps);

/// <summary>Every figure the demo measured: what report.md, summary.json and the final table show.</summary>
internal sealed record DemoResult
{
    public required DemoOptions Options { get; init; }

    /// <summary>Whether the sample was made by this run (false: an earlier one was reused).</summary>
    public required bool SampleMade { get; init; }

    public required int ValFrames { get; init; }

    public required FusionParameters Parameters { get; init; }

    /// <summary>Tuning on the validation split: per-frame, default parameters, tuned (dataset-wide mIoU).</summary>
    public required (double PerFrame, double Default, double Tuned, int Evaluations) Tuning { get; init; }

    public required SplitScore PerFrame { get; init; }

    public required SplitScore Fused { get; init; }

    public required TcResult PerFrameTc { get; init; }

    public required TcResult FusedTc { get; init; }

    /// <summary>The palette submission video decoded and scored on the test frames.</summary>
    public required ScoreReport PaletteVideo { get; init; }

    public TinyResult? Tiny { get; init; }

    public required IReadOnlyList<DemoStage> Stages { get; init; }

    public required double TotalSeconds { get; init; }

    /// <summary>The machine's 1-minute load average at the start and at the end (Linux; NaN elsewhere).</summary>
    public required (double Start, double End) Load { get; init; }
}
