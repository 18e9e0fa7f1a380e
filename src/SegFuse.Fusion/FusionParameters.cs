using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SegFuse.IO;

namespace SegFuse.Fusion;

/// <summary>
/// The knobs of temporal fusion. The defaults work without tuning; <c>segfuse tune</c> searches them on a validation
/// split and writes them as JSON (<see cref="Save"/>), which <c>segfuse fuse --params</c> reads back (<see cref="Load"/>).
/// </summary>
public sealed record FusionParameters
{
    /// <summary>The fusion method.</summary>
    public FusionMethod Method { get; init; } = FusionMethod.Offline;

    /// <summary>Fraction of a frame's evidence carried to its neighbour when the warp is fully reliable (0 … 0.98). Higher = longer memory.</summary>
    public double Decay { get; init; } = 0.93;

    /// <summary>Weight of a per-frame label on a pixel whose 4-neighbours disagree with it (a label border, where per-frame labels jitter), relative to 1 inside regions.</summary>
    public double BoundaryWeight { get; init; } = 1;

    /// <summary>Grey-level difference between a pixel and its warped neighbour below which the warp is fully trusted; at twice this, not at all.</summary>
    public double PhotoTolerance { get; init; } = 12;

    /// <summary>Extra tolerance per grey level of local image gradient (sub-pixel flow errors show as differences on edges).</summary>
    public double PhotoGradient { get; init; }

    /// <summary>Whether to apply the forward-backward consistency test when flow is given in both directions.</summary>
    public bool Consistency { get; init; } = true;

    /// <summary>Reliability factor on motion boundaries (where the flow's gradient is large against its magnitude).</summary>
    public double MotionBoundaryWeight { get; init; } = 1;

    /// <summary>
    /// Disocclusion fill: a pixel whose warp is rejected (typically a surface just uncovered by a moving object) takes
    /// this fraction of the evidence carried into the nearest pixel of its row that moves the same way and lies on the
    /// same visible surface (no image edge between them). 0 = off.
    /// </summary>
    public double DisocclusionFill { get; init; } = 0.5;

    /// <summary>
    /// Label hysteresis: a pixel keeps the label its neighbouring frame's fused labels give it (carried along a reliable
    /// warp) while that class's evidence is at least 1 − this of the strongest class's. 0 = plain arg-max.
    /// </summary>
    public double Hysteresis { get; init; } = 0.1;

    /// <summary>
    /// A frame where more than this fraction of in-frame pixels fail the photometric or consistency test is a cut:
    /// nothing is carried across it. From a third of this fraction up, the whole frame's carried evidence is trusted
    /// less and less.
    /// </summary>
    public double CutFraction { get; init; } = 0.3;

    /// <summary>
    /// Agreement between a frame's labels and the evidence carried into it (over reliable pixels) at or below which the
    /// frame is treated as a failed prediction and weighted <see cref="MinFrameWeight"/>.
    /// </summary>
    public double FailureLow { get; init; } = 0.5;

    /// <summary>Agreement at or above which a frame has full weight (linear between <see cref="FailureLow"/> and this).</summary>
    public double FailureHigh { get; init; } = 0.7;

    /// <summary>Weight of a frame judged failed.</summary>
    public double MinFrameWeight { get; init; } = 0.15;

    /// <summary>Telemetry: the decay is raised to the power 1 + gain × speed / (10 m/s), so evidence fades faster when driving fast. 0 = no effect.</summary>
    public double SpeedGain { get; init; }

    /// <summary>Telemetry: the decay is raised to the power 1 + gain × |steering| / (10°), so evidence fades faster in turns. 0 = no effect.</summary>
    public double SteeringGain { get; init; }

    /// <summary>Offline: frames per chunk of the anti-causal pass (chunks are aligned to multiples of this in frame numbers). Memory holds Window + Lookahead frames.</summary>
    public int Window { get; init; } = 16;

    /// <summary>Offline: frames of look-ahead after each chunk; the anti-causal pass starts there (evidence from further ahead is below Decay^Lookahead).</summary>
    public int Lookahead { get; init; } = 16;

    /// <summary>
    /// Frames read before a slice (<c>--range</c>) to warm the causal pass up: enough for the evidence of older frames
    /// to fall below 0.2 % (Decay^WarmUp ≤ 0.002), at least <see cref="Lookahead"/>.
    /// </summary>
    public int WarmUp => Decay <= 0 ? Lookahead : Math.Clamp((int)Math.Ceiling(Math.Log(0.002) / Math.Log(Decay)), Lookahead, 400);

    /// <summary>
    /// The frames a slice <paramref name="start"/>..<paramref name="end"/>−1 of a video of <paramref name="frames"/>
    /// frames must read so that its fused labels match a whole run: <see cref="WarmUp"/> frames before it and, offline,
    /// up to the top of the look-ahead of the chunk holding its last frame.
    /// </summary>
    public (int First, int Last) ContextOf(int start, int end, int frames)
    {
        int first = Math.Max(0, start - WarmUp);
        int last = Method == FusionMethod.Offline ? Math.Min(frames - 1, ((((end - 1) / Window) + 1) * Window) + Lookahead - 1) : end - 1;
        return (first, last);
    }

    /// <summary>Checks every value's range.</summary>
    /// <exception cref="SegFuseInputException">A value out of range; <paramref name="subject"/> names the file or option.</exception>
    public void Validate(string subject = "--params")
    {
        Check(Decay is >= 0 and <= 0.98, "decay must be within 0 … 0.98");
        Check(BoundaryWeight is >= 0 and <= 1, "boundaryWeight must be within 0 … 1");
        Check(PhotoTolerance is > 0 and <= 255, "photoTolerance must be within (0, 255]");
        Check(PhotoGradient is >= 0 and <= 10, "photoGradient must be within 0 … 10");
        Check(MotionBoundaryWeight is >= 0 and <= 1, "motionBoundaryWeight must be within 0 … 1");
        Check(DisocclusionFill is >= 0 and <= 1, "disocclusionFill must be within 0 … 1");
        Check(Hysteresis is >= 0 and <= 0.5, "hysteresis must be within 0 … 0.5");
        Check(CutFraction is > 0 and <= 1, "cutFraction must be within (0, 1]");
        Check(FailureLow is >= 0 and <= 1 && FailureHigh is >= 0 and <= 1 && FailureLow < FailureHigh, "failureLow < failureHigh, both within 0 … 1");
        Check(MinFrameWeight is > 0 and <= 1, "minFrameWeight must be within (0, 1]");
        Check(SpeedGain is >= 0 and <= 100 && SteeringGain is >= 0 and <= 100, "speedGain and steeringGain must be within 0 … 100");
        Check(Window is >= 1 and <= 1000, "window must be within 1 … 1000 frames");
        Check(Lookahead is >= 0 and <= 1000, "lookahead must be within 0 … 1000 frames");

        void Check(bool ok, string reason)
        {
            if (!ok)
            {
                throw new SegFuseInputException(subject, reason);
            }
        }
    }

    /// <summary>The parameters as the JSON object <see cref="Load"/> reads.</summary>
    public JsonObject ToJson() => new()
    {
        ["method"] = Method.Name(),
        ["decay"] = Decay,
        ["boundaryWeight"] = BoundaryWeight,
        ["photoTolerance"] = PhotoTolerance,
        ["photoGradient"] = PhotoGradient,
        ["consistency"] = Consistency,
        ["motionBoundaryWeight"] = MotionBoundaryWeight,
        ["disocclusionFill"] = DisocclusionFill,
        ["hysteresis"] = Hysteresis,
        ["cutFraction"] = CutFraction,
        ["failureLow"] = FailureLow,
        ["failureHigh"] = FailureHigh,
        ["minFrameWeight"] = MinFrameWeight,
        ["speedGain"] = SpeedGain,
        ["steeringGain"] = SteeringGain,
        ["window"] = Window,
        ["lookahead"] = Lookahead,
    };

    /// <summary>Writes the parameters to <paramref name="path"/> as indented JSON, atomically; <paramref name="extra"/> keys (e.g. the tuning scores) are added under <c>"tuning"</c>.</summary>
    public void Save(string path, JsonObject? extra = null)
    {
        var json = ToJson();
        if (extra is not null)
        {
            json["tuning"] = extra;
        }

        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads parameters written by <see cref="Save"/>; keys left out keep their defaults, unknown keys are an error.</summary>
    /// <exception cref="SegFuseInputException">Missing or unreadable file, bad JSON, unknown key, value of the wrong type or range.</exception>
    public static FusionParameters Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new SegFuseInputException(path, $"not valid JSON: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }

        if (root is not JsonObject obj)
        {
            throw new SegFuseInputException(path, "a parameter file is a JSON object such as {\"method\": \"offline\", \"decay\": 0.85}");
        }

        var p = new FusionParameters();
        foreach (var (key, node) in obj)
        {
            p = key switch
            {
                "method" => p with { Method = FusionMethods.Parse(String(node, key), path) },
                "decay" => p with { Decay = Number(node, key) },
                "boundaryWeight" => p with { BoundaryWeight = Number(node, key) },
                "photoTolerance" => p with { PhotoTolerance = Number(node, key) },
                "photoGradient" => p with { PhotoGradient = Number(node, key) },
                "consistency" => p with { Consistency = Bool(node, key) },
                "motionBoundaryWeight" => p with { MotionBoundaryWeight = Number(node, key) },
                "disocclusionFill" => p with { DisocclusionFill = Number(node, key) },
                "hysteresis" => p with { Hysteresis = Number(node, key) },
                "cutFraction" => p with { CutFraction = Number(node, key) },
                "failureLow" => p with { FailureLow = Number(node, key) },
                "failureHigh" => p with { FailureHigh = Number(node, key) },
                "minFrameWeight" => p with { MinFrameWeight = Number(node, key) },
                "speedGain" => p with { SpeedGain = Number(node, key) },
                "steeringGain" => p with { SteeringGain = Number(node, key) },
                "window" => p with { Window = Integer(node, key) },
                "lookahead" => p with { Lookahead = Integer(node, key) },
                "tuning" => p,
                _ => throw new SegFuseInputException(path, $"unknown parameter '{key}' (known: {string.Join(", ", new FusionParameters().ToJson().Select(kv => kv.Key))})"),
            };
        }

        p.Validate(path);
        return p;

        double Number(JsonNode? node, string key) => node is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d)
            ? d
            : throw new SegFuseInputException(path, $"'{key}' must be a number");

        int Integer(JsonNode? node, string key) => node is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue
            ? (int)d
            : throw new SegFuseInputException(path, $"'{key}' must be an integer");

        bool Bool(JsonNode? node, string key) => node is JsonValue v && v.TryGetValue(out bool b)
            ? b
            : throw new SegFuseInputException(path, $"'{key}' must be true or false");

        string String(JsonNode? node, string key) => node is JsonValue v && v.TryGetValue(out string? s)
            ? s
            : throw new SegFuseInputException(path, $"'{key}' must be a string");
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Method.Name()} decay={Decay} boundary={BoundaryWeight} photo={PhotoTolerance}+{PhotoGradient}g consistency={Consistency} mb={MotionBoundaryWeight} fill={DisocclusionFill} hysteresis={Hysteresis} cut={CutFraction} failure={FailureLow}..{FailureHigh}->{MinFrameWeight} speed={SpeedGain} steer={SteeringGain} window={Window}+{Lookahead}");
}
