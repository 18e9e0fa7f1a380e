using SegFuse.Fusion.Evidence;
using SegFuse.Fusion.Warping;
using SegFuse.Labels;
using SegFuse.Timeline.Flow;

namespace SegFuse.Fusion.Engine;

/// <summary>
/// Temporal fusion of per-frame segmentations along optical flow. Frames are pushed in order; fused label maps come
/// out through the emit callback in order (the causal method at once, the offline method a window later).
/// </summary>
/// <remarks>
/// <para><b>Evidence.</b> Each frame's labels become per-class evidence (one-hot, weight 1 inside regions and
/// <see cref="FusionParameters.BoundaryWeight"/> on label borders; or the two best class probabilities when scores are
/// given). Each pixel keeps the two strongest classes (<see cref="EvidenceOps"/>).</para>
/// <para><b>Causal pass.</b> S_t(x) = γ r(x) S_{t−1}(x + b_t(x)) + ω_t O_t(x): the previous evidence is warped along the
/// backward flow b_t (nearest pixel), multiplied by the decay γ and the per-pixel reliability r
/// (<see cref="WarpRecordOp"/>), and the frame's own observation O_t is added with the frame weight ω_t. ω_t drops
/// when the frame's labels disagree with the reliably carried evidence far more than usual (a failed prediction).
/// A frame where most pixels fail the reliability tests is a cut: nothing is carried into it.</para>
/// <para><b>Offline.</b> The same recursion runs backwards in time along the forward flow: B_t = γ r B_{t+1}(x + f_t(x)) +
/// ω_t O_t, over chunks of <see cref="FusionParameters.Window"/> frames plus <see cref="FusionParameters.Lookahead"/>
/// frames of look-ahead; the fused label is argmax(S_t + γ r B_{t+1}(x + f_t(x))), each frame's observation counted once.
/// Memory: per frame of the window, 4 bytes of observation, 4 of stored causal evidence, 4 of warp record and 1 of grey
/// image per pixel.</para>
/// <para><b>Disocclusion fill.</b> In every carry, a pixel whose warp was rejected takes part of the evidence of a nearby
/// pixel of its row on the same surface (<see cref="Warp.FillRejected"/>, <see cref="FusionParameters.DisocclusionFill"/>).</para>
/// <para><b>Label hysteresis.</b> The fused class of the frame fused just before (t−1 causal, t+1 in the anti-causal pass),
/// carried along the warp, is kept while its evidence is within <see cref="FusionParameters.Hysteresis"/> of the
/// strongest class's (<see cref="LabelHysteresis"/>): near ties no longer flip from frame to frame.</para>
/// <para>When only one flow direction is given, the other is estimated by inverting it (<see cref="FlowInversion"/>);
/// the consistency test then has nothing independent to test against and is skipped, the photometric test remains.</para>
/// </remarks>
internal sealed class FusionEngine
{
    private readonly int _width;
    private readonly int _height;
    private readonly ClassMap _classes;
    private readonly FusionParameters _p;
    private readonly int _workers;
    private readonly DisocclusionFill _fill;
    private readonly uint _keep;
    private readonly uint _keepMinWeight;
    private readonly Action<int, LabelMap> _emit;
    private readonly LabelMapPool? _outputs;
    private readonly Stack<uint[]> _uintPool = new();
    private readonly Stack<byte[]> _bytePool = new();
    private readonly List<FrameRecord> _records = [];
    private readonly int[] _inFrame;
    private readonly int[] _failed;
    private readonly int[] _inFrameF;
    private readonly int[] _failedF;
    private readonly int[] _agreeTotal;
    private readonly int[] _agree;
    private ulong[] _state;
    private ulong[] _scratch;
    private ulong[] _backA;
    private ulong[] _backB;
    private readonly uint[] _bwRecords;
    private FlowField? _inverse;
    private FlowField? _inversePrev;
    private byte[]? _prevGrey;
    private FlowField? _prevForward;
    private int _prevIndex = -1;
    private bool _hasState;

    // Label hysteresis: the classes of the frame being fused and of the one fused before it (LabelHysteresis).
    private byte[] _labelsA = [];
    private byte[] _labelsB = [];

    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="classes">The label set's class indices.</param>
    /// <param name="parameters">Method and parameters.</param>
    /// <param name="workers">Threads for the per-row kernels.</param>
    /// <param name="emit">Receives each fused map in frame order; the map is the receiver's (give it back to <paramref name="outputs"/> when done, if given).</param>
    /// <param name="outputs">Where fused maps are rented from; null: a new map per frame.</param>
    public FusionEngine(int width, int height, ClassMap classes, FusionParameters parameters, int workers, Action<int, LabelMap> emit, LabelMapPool? outputs = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width > Warp.MaxSide || height > Warp.MaxSide)
        {
            throw new SegFuseInputException("--pred", $"frames of {width}x{height} are larger than fusion handles ({Warp.MaxSide} pixels a side)");
        }

        parameters.Validate();
        _width = width;
        _height = height;
        _classes = classes;
        _p = parameters;
        _workers = Math.Max(1, workers);

        // The fill's search reaches 1/53 of the frame width (24 px at 1280, 12 at 640): an uncovered strip is as wide as
        // the occluder's motion against the background in a frame, which scales with the frame. Each carry adds the
        // grey image of the frame carried into (FillFor).
        _fill = new DisocclusionFill(
            (uint)Math.Round(parameters.DisocclusionFill * EvidenceOps.ScaleOne),
            Math.Max(2, (int)Math.Round(width / 53.0)),
            null,
            (int)Math.Round(parameters.PhotoTolerance));
        _emit = emit;
        _outputs = outputs;
        int n = width * height;
        _state = new ulong[n];
        _scratch = new ulong[n];
        _backA = parameters.Method == FusionMethod.Offline ? new ulong[n] : [];
        _backB = parameters.Method == FusionMethod.Offline ? new ulong[n] : [];
        _bwRecords = new uint[n];
        if (parameters.Hysteresis > 0)
        {
            _keep = (uint)Math.Round((1 - parameters.Hysteresis) * 65536);

            // Only along a warp trusted almost fully (reliability ≥ 0.9): where the flow is doubtful, keeping the
            // neighbour's label would keep a wrong one (random ±20 px backward flow on the 640x360 clip: −0.47 mIoU
            // against the per-frame labels with any carried warp, −0.34 with this; exact flow loses ≤ 0.1 of TC).
            _keepMinWeight = (uint)Math.Max(1, Math.Round(0.9 * Warp.MaxWeight * parameters.Decay));
            _labelsA = new byte[n + 3];
            _labelsB = new byte[n + 3];
        }
        _inFrame = new int[height];
        _failed = new int[height];
        _inFrameF = new int[height];
        _failedF = new int[height];
        _agreeTotal = new int[height];
        _agree = new int[height];
    }

    /// <summary>What the engine saw so far.</summary>
    public FusionStats Stats { get; } = new();

    /// <summary>Frames held for the offline pass (bounded by window + look-ahead + 1).</summary>
    public int HeldFrames => _records.Count;

    /// <summary>Fuses the next frame; emits every frame whose fused labels are complete.</summary>
    public void Push(FusionFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_prevIndex >= 0 && frame.Index != _prevIndex + 1)
        {
            throw new ArgumentException($"frames must be pushed in order: got {frame.Index} after {_prevIndex}", nameof(frame));
        }

        int n = _width * _height;
        uint[] obs = RentUInt();
        BuildObservation(frame, obs);
        byte[]? grey = frame.Grey is null ? null : CopyGrey(frame.Grey);
        bool offline = _p.Method == FusionMethod.Offline;

        // Reliability of the warps between the previous frame and this one, both ways.
        bool carry = false;
        uint[]? forwardRecords = null;
        if (_prevIndex >= 0 && _hasState)
        {
            bool bothGiven = frame.Backward is not null && _prevForward is not null;
            FlowField? back = frame.Backward;
            FlowField? prevForward = _prevForward;
            if (back is null && prevForward is not null)
            {
                _inverse ??= new FlowField(_width, _height);
                FlowInversion.Invert(prevForward, _inverse);
                back = _inverse;
            }
            else if (back is not null && prevForward is null && offline)
            {
                _inversePrev ??= new FlowField(_width, _height);
                FlowInversion.Invert(back, _inversePrev);
                prevForward = _inversePrev;
            }

            if (back is not null)
            {
                CheckFlowSize(back, frame.Index);
                float scale = (float)(Warp.MaxWeight * Decay(frame));
                var settings = new WarpSettings((float)_p.PhotoTolerance, (float)_p.PhotoGradient, (float)_p.MotionBoundaryWeight, scale);
                bool consistency = bothGiven && _p.Consistency;
                var op = new WarpRecordOp(back, consistency ? prevForward : null, grey, _prevGrey, _bwRecords, _inFrame, _failed, settings);
                ParallelRows.For(_height, in op, _workers);
                long inFrame = Sum(_inFrame), failed = Sum(_failed);
                if (offline && prevForward is not null)
                {
                    forwardRecords = RentUInt();
                    var fop = new WarpRecordOp(prevForward, consistency ? back : null, _prevGrey, grey, forwardRecords, _inFrameF, _failedF, settings);
                    ParallelRows.For(_height, in fop, _workers);
                }

                double failedFraction = inFrame > 0 ? (double)failed / inFrame : 1;
                Stats.FailedFractions[frame.Index] = failedFraction;
                bool cut = inFrame == 0 || failed > _p.CutFraction * inFrame;
                if (cut)
                {
                    Stats.Cuts++;
                    Stats.CutFrames.Add(frame.Index);
                    if (forwardRecords is not null)
                    {
                        Array.Clear(forwardRecords);
                    }
                }
                else
                {
                    carry = true;

                    // Between a third of the cut fraction and the cut fraction, trust the whole frame's warps less and
                    // less: where much of the image disagrees, the pixels that happen to agree (flat sky, road) are no
                    // proof. (Exact and Farneback flow fail on under 11 % of the pixels of the generator's frames, a
                    // random ±20 px flow on 10–60 %.)
                    double trust = Math.Clamp((_p.CutFraction - failedFraction) / (_p.CutFraction * 2 / 3), 0, 1);
                    if (trust < 1)
                    {
                        Attenuate(_bwRecords, trust);
                        if (forwardRecords is not null)
                        {
                            Attenuate(forwardRecords, trust);
                        }
                    }
                }
            }
        }

        // Causal pass: judge the frame's own labels against the evidence carried in (every fourth row), then carry and
        // add them in one pass.
        double frameWeight = 1;
        if (carry)
        {
            int sampled = (_height + 3) / 4;
            var check = new AgreementOp(_state, _bwRecords, obs, _scratch, _agreeTotal, _agree, _width, _height, FillFor(grey));
            ParallelRows.For(sampled, in check, _workers);
            long total = Sum(_agreeTotal.AsSpan(0, sampled)), agree = Sum(_agree.AsSpan(0, sampled));
            long sampledPixels = (long)sampled * _width;
            Stats.CarriedFractionSum += (double)total / sampledPixels;
            if (total >= 0.05 * sampledPixels)
            {
                double a = (double)agree / total;
                Stats.Agreements[frame.Index] = a;
                frameWeight = Math.Clamp((a - _p.FailureLow) / (_p.FailureHigh - _p.FailureLow), _p.MinFrameWeight, 1);
                if (frameWeight < 1)
                {
                    Stats.DownWeighted++;
                }
            }
        }

        Stats.Frames++;
        Stats.FrameWeights[frame.Index] = frameWeight;
        uint obsScale = ObservationScale(frameWeight);
        LabelMap? output = !offline && frame.Emit ? RentOutput() : null;
        uint[]? stored = offline ? RentUInt() : null;
        var hysteresis = _keep == 0 || offline ? default : new LabelHysteresis(_labelsA, carry ? _labelsB : null, _keep, _keepMinWeight);
        var step = new CarryObserveOp(_state, _scratch, carry ? _bwRecords : null, obs, obsScale, output, stored, _classes, _width, _height, FillFor(grey), sampledRowsCarried: carry, hysteresis);
        ParallelRows.For(_height, in step, _workers);
        if (hysteresis.Labels is not null)
        {
            (_labelsA, _labelsB) = (_labelsB, _labelsA);
        }

        (_state, _scratch) = (_scratch, _state);
        _hasState = true;

        if (output is not null)
        {
            _emit(frame.Index, output);
        }

        if (offline)
        {
            if (_records.Count > 0)
            {
                var last = _records[^1];
                last.Forward = forwardRecords;
            }
            else if (forwardRecords is not null)
            {
                ReturnUInt(forwardRecords);
            }

            _records.Add(new FrameRecord(frame.Index, obs, stored!, obsScale, frame.Emit, grey));
        }
        else
        {
            ReturnUInt(obs);
        }

        // A grey frame serves the next frame's photometric test and, offline, its frame record (the fill's edge test):
        // it goes back to the pool when both are done, here or in RunChunks.
        if (_prevGrey is not null && !(_records.Count > 0 && _records[0].Index <= _prevIndex))
        {
            _bytePool.Push(_prevGrey);
        }

        _prevGrey = grey;
        _prevForward = frame.Forward;
        _prevIndex = frame.Index;
        if (offline)
        {
            RunChunks(final: false);
        }
    }

    /// <summary>Emits the frames still held (the end of the video or slice).</summary>
    public void Complete()
    {
        if (_p.Method == FusionMethod.Offline)
        {
            RunChunks(final: true);
        }
    }

    private void RunChunks(bool final)
    {
        while (_records.Count > 0)
        {
            // Chunks are aligned to multiples of the window in absolute frame numbers, so that a slice of the video
            // (--range) cuts the anti-causal pass exactly where a whole run does.
            int s = _records[0].Index;
            int e = ((s / _p.Window) + 1) * _p.Window;
            int last = _records[^1].Index;
            int top;
            if (last >= e + _p.Lookahead - 1)
            {
                top = e + _p.Lookahead - 1;
            }
            else if (final)
            {
                top = last;
                e = Math.Min(e, last + 1);
            }
            else
            {
                return;
            }

            // Anti-causal pass from the top of the look-ahead down to the chunk's first frame (skipped when no frame
            // of the chunk is wanted: warm-up frames before a slice).
            ulong[] next = _backA, cur = _backB;
            bool wanted = false;
            for (int k = 0; k < e - s; k++)
            {
                wanted |= _records[k].Emit;
            }

            for (int t = wanted ? top : s - 1; t >= s; t--)
            {
                var rec = _records[t - s];
                bool isTop = t == top;
                LabelMap? output = t < e && rec.Emit ? RentOutput() : null;
                var hysteresis = _keep == 0 ? default : new LabelHysteresis(_labelsA, isTop ? null : _labelsB, _keep, _keepMinWeight);
                var op = new BackwardOp(next, cur, isTop ? null : rec.Forward, rec.Observation, rec.ObservationScale, rec.Causal, output, _classes, _width, FillFor(rec.Grey), storeState: t > s, hysteresis);
                ParallelRows.For(_height, in op, _workers);
                if (output is not null)
                {
                    _emit(t, output);
                }

                (next, cur) = (cur, next);
                (_labelsA, _labelsB) = (_labelsB, _labelsA);
            }

            int done = e - s;
            for (int k = 0; k < done; k++)
            {
                var rec = _records[k];
                ReturnUInt(rec.Observation);
                ReturnUInt(rec.Causal);
                if (rec.Grey is not null && rec.Index != _prevIndex)
                {
                    // The newest frame's grey image is still the next frame's source (Push gives it back then).
                    _bytePool.Push(rec.Grey);
                }

                if (rec.Forward is not null)
                {
                    ReturnUInt(rec.Forward);
                }
            }

            _records.RemoveRange(0, done);
        }
    }

    private double Decay(FusionFrame frame)
    {
        double exponent = 1;
        if (double.IsFinite(frame.Speed))
        {
            exponent += _p.SpeedGain * Math.Abs(frame.Speed) / 10;
        }

        if (double.IsFinite(frame.Steering))
        {
            exponent += _p.SteeringGain * Math.Abs(frame.Steering) / 10;
        }

        return Math.Pow(_p.Decay, exponent);
    }

    /// <summary>
    /// The disocclusion fill for a carry into the frame whose grey image is <paramref name="grey"/>; none without one
    /// (no edge test: filling across edges cost thin classes 4–5 IoU points at 720p).
    /// </summary>
    private DisocclusionFill FillFor(byte[]? grey) => _fill with { Grey = grey };

    private static void Attenuate(uint[] records, double factor)
    {
        for (int i = 0; i < records.Length; i++)
        {
            uint r = records[i];
            uint q = Warp.Weight(r);
            if (q != 0)
            {
                uint scaled = (uint)Math.Round(q * factor);
                records[i] = scaled == 0 ? 0 : (r & 0x03FF_FFFF) | (scaled << 26);
            }
        }
    }

    private static uint ObservationScale(double frameWeight) => (uint)Math.Round(frameWeight * EvidenceOps.Unit * 256.0 / 255.0);

    private void BuildObservation(FusionFrame frame, uint[] obs)
    {
        if (frame.Scores is { } scores)
        {
            if (scores.Length != obs.Length)
            {
                throw new ArgumentException("scores of another size", nameof(frame));
            }

            scores.AsSpan().CopyTo(obs);
            return;
        }

        var labels = frame.Labels ?? throw new ArgumentException($"frame {frame.Index} has neither labels nor scores", nameof(frame));
        if (labels.Width != _width || labels.Height != _height)
        {
            throw new SegFuseInputException($"frame {frame.Index}", $"labels are {labels.Width}x{labels.Height}, the fusion runs at {_width}x{_height}");
        }

        var op = new LabelObservationOp(labels, obs, _classes, (uint)Math.Round(_p.BoundaryWeight * 255));
        ParallelRows.For(_height, in op, _workers);
    }

    private void CheckFlowSize(FlowField flow, int index)
    {
        if (flow.Width != _width || flow.Height != _height)
        {
            throw new SegFuseInputException($"frame {index}", $"flow is {flow.Width}x{flow.Height}, the labels {_width}x{_height}");
        }
    }

    /// <summary>
    /// Copies the frame's grey image into a pooled buffer padded for the vector path's gathers. (A 3×3 blur before the
    /// photometric test was tried and cost 2–3 mIoU points on the generator's sequences: it hides the contrast of thin
    /// structures, so poles and signs lost their carried evidence.)
    /// </summary>
    private byte[] CopyGrey(byte[] grey)
    {
        if (grey.Length < _width * _height)
        {
            throw new ArgumentException("grey frame of another size", nameof(grey));
        }

        byte[] dst = _bytePool.Count > 0 ? _bytePool.Pop() : new byte[(_width * _height) + WarpRecordOp.GreyPadding];
        grey.AsSpan(0, _width * _height).CopyTo(dst);
        return dst;
    }

    private LabelMap RentOutput() => _outputs?.Rent() ?? new LabelMap(_width, _height);

    private uint[] RentUInt() => _uintPool.Count > 0 ? _uintPool.Pop() : new uint[_width * _height];

    private void ReturnUInt(uint[] a) => _uintPool.Push(a);

    private static long Sum(ReadOnlySpan<int> values)
    {
        long s = 0;
        foreach (int v in values)
        {
            s += v;
        }

        return s;
    }

    private sealed class FrameRecord(int index, uint[] observation, uint[] causal, uint observationScale, bool emit, byte[]? grey)
    {
        /// <summary>The frame's grey image (pooled), for the disocclusion fill's edge test.</summary>
        public byte[]? Grey { get; } = grey;

        public int Index { get; } = index;

        public uint[] Observation { get; } = observation;

        public uint[] Causal { get; } = causal;

        public uint ObservationScale { get; } = observationScale;

        public bool Emit { get; } = emit;

        /// <summary>Warp records of this frame's pixels into the next frame (set when the next frame arrives).</summary>
        public uint[]? Forward { get; set; }
    }
}
