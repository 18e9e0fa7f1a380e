using System.CommandLine;
using System.Globalization;
using SegFuse.Fusion;
using SegFuse.Fusion.IO;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Telemetry;

namespace SegFuse.Cli.Commands;

/// <summary>The options <c>fuse</c> and <c>tune</c> share: inputs, flow, telemetry, method and parameters.</summary>
internal sealed class FusionCliOptions
{
    private readonly Option<FileInfo> _video = new("--video") { Description = "The video the predictions were made from (photometric check, computed flow).", Required = true };
    private readonly Option<DirectoryInfo> _pred = new("--pred") { Description = "Per-frame label PNGs, one per video frame, named with the frame index (000123.png). The fused maps keep their names and encoding.", Required = true };
    private readonly Option<LabelEncoding> _predEncoding = new("--pred-encoding") { Description = "How the labels are stored: ids, trainids or color.", DefaultValueFactory = _ => LabelEncoding.Ids };
    private readonly Option<DirectoryInfo?> _predScores = new("--pred-scores") { Description = "Optional per-class scores, one .npy (C x H x W, float16 or float32) per frame: used as evidence instead of one-hot labels." };
    private readonly Option<string> _labels = new("--labels") { Description = "Label set: cityscapes, cityscapes-trainids, ade20k, voc, or a JSON file.", DefaultValueFactory = _ => "cityscapes" };
    private readonly Option<DirectoryInfo?> _flow = new("--flow") { Description = "Folder of flow files (.flo, KITTI .png or .npy) named by frame index." };
    private readonly Option<string> _flowDirection = new("--flow-direction") { Description = "Which way --flow points: backward (frame t into t-1) or forward (t into t+1).", DefaultValueFactory = _ => "backward" };
    private readonly Option<DirectoryInfo?> _flowOther = new("--flow-other") { Description = "Optional folder with the other direction's flow: enables the forward-backward consistency test." };
    private readonly Option<string> _flowScale = new("--flow-scale") { Description = "Flow of another size than the frames: none (error), auto (resize, vectors scaled) or a factor.", DefaultValueFactory = _ => "none" };
    private readonly Option<string?> _computeFlow = new("--compute-flow") { Description = "Compute flow in both directions from the video instead of reading files: farneback, sparse-to-dense or tvl1 (slow)." };
    private readonly Option<int> _computeDownscale = new("--compute-downscale") { Description = "Computed flow at 1/N resolution (faster, coarser); 0 = by frame size (the short side / 360: 1 below 540 lines, 2 for 720p, 3 for 1080p).", DefaultValueFactory = _ => 0 };
    private readonly Option<FileInfo?> _telemetry = new("--telemetry") { Description = "Telemetry CSV (a time column and numeric columns); a speed and a steering column modulate how long evidence is carried (see speedGain/steeringGain)." };
    private readonly Option<string?> _timeColumn = new("--time-column") { Description = "The telemetry's time column (default: timestamp, time or t)." };
    private readonly Option<double> _timeOffset = new("--time-offset") { Description = "Seconds added to telemetry times to put them on the video's clock.", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _method = new("--method") { Description = "offline (default: past and future frames, for scoring whole videos) or causal (past frames only, online)." };
    private readonly Option<FileInfo?> _params = new("--params") { Description = "Parameters written by 'segfuse tune' (JSON); --method overrides its method." };
    private readonly Option<int> _workers = new("--workers") { Description = "Threads for the per-row kernels.", DefaultValueFactory = _ => Environment.ProcessorCount };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _video, _pred, _predEncoding, _predScores, _labels, _flow, _flowDirection, _flowOther, _flowScale, _computeFlow, _computeDownscale, _telemetry, _timeColumn, _timeOffset, _method, _params, _workers })
        {
            command.Options.Add(option);
        }
    }

    public int Workers(ParseResult parse) => parse.GetValue(_workers) is int w and >= 1 ? w : throw new SegFuseInputException("--workers", "must be at least 1");

    public FuseInputs Inputs(ParseResult parse)
    {
        int downscale = parse.GetValue(_computeDownscale);
        if (downscale is < 0 or > 8)
        {
            throw new SegFuseInputException("--compute-downscale", "must be 0 (by frame size) or 1..8");
        }

        return new FuseInputs
        {
            Video = parse.GetValue(_video)!.FullName,
            Predictions = parse.GetValue(_pred)!.FullName,
            PredictionEncoding = parse.GetValue(_predEncoding),
            Scores = parse.GetValue(_predScores)?.FullName,
            Labels = LabelSet.Load(parse.GetValue(_labels)!),
            Flow = parse.GetValue(_flow)?.FullName,
            FlowDirection = FlowDirections.Parse(parse.GetValue(_flowDirection)!),
            FlowOther = parse.GetValue(_flowOther)?.FullName,
            FlowScale = FlowScale.Parse(parse.GetValue(_flowScale)!),
            ComputeFlow = parse.GetValue(_computeFlow) is { } m ? ParseFlowMethod(m) : null,
            ComputeDownscale = downscale,
            Telemetry = parse.GetValue(_telemetry)?.FullName,
            TelemetryOptions = new TelemetryOptions { TimeColumn = parse.GetValue(_timeColumn), TimeOffset = parse.GetValue(_timeOffset) },
        };
    }

    public FusionParameters Parameters(ParseResult parse)
    {
        var p = parse.GetValue(_params) is { } file ? FusionParameters.Load(file.FullName) : new FusionParameters();
        if (parse.GetValue(_method) is { } method)
        {
            p = p with { Method = FusionMethods.Parse(method) };
        }

        p.Validate();
        return p;
    }

    public static FlowMethod ParseFlowMethod(string text) => text.Trim().ToLowerInvariant() switch
    {
        "farneback" => FlowMethod.Farneback,
        "sparse-to-dense" or "sparsetodense" => FlowMethod.SparseToDense,
        "tvl1" or "tv-l1" => FlowMethod.TvL1,
        _ => throw new SegFuseInputException("--compute-flow", $"'{text}' is not a flow method (farneback, sparse-to-dense or tvl1)"),
    };

    public static string Percent(double value) => double.IsNaN(value) ? "n/a" : (value * 100).ToString("0.00", CultureInfo.InvariantCulture);
}
