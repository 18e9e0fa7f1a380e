using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SegFuse.Fusion.Evidence;
using SegFuse.Labels;

namespace SegFuse.Fusion.Engine;

/// <summary>
/// One-hot observations from a label map: weight 255 inside regions, the boundary weight where a 4-neighbour has
/// another label (per-frame labels jitter along borders, so a border pixel's own label is the least certain).
/// </summary>
internal readonly struct LabelObservationOp(LabelMap labels, uint[] observations, ClassMap classes, uint boundaryWeight) : IRowOperation
{
    private readonly LabelMap _labels = labels;
    private readonly uint[] _observations = observations;
    private readonly ClassMap _classes = classes;
    private readonly uint _boundaryWeight = boundaryWeight;

    public void Invoke(int y)
    {
        int w = _labels.Width, h = _labels.Height;
        ReadOnlySpan<ushort> row = _labels.GetRowSpan(y);
        ReadOnlySpan<ushort> up = _labels.GetRowSpan(Math.Max(y - 1, 0));
        ReadOnlySpan<ushort> down = _labels.GetRowSpan(Math.Min(y + 1, h - 1));
        ReadOnlySpan<byte> lut = _classes.IdToIndex;
        var dst = _observations.AsSpan(y * w, w);
        uint inner = EvidenceOps.Pack4(0, 255, EvidenceOps.NoClass, 0), border = EvidenceOps.Pack4(0, _boundaryWeight, EvidenceOps.NoClass, 0);
        if (_boundaryWeight == 255)
        {
            // Borders weigh as much as the inside: no neighbour test.
            for (int x = 0; x < w; x++)
            {
                ushort id = row[x];
                dst[x] = inner | (id < lut.Length ? lut[id] : EvidenceOps.NoClass);
            }

            return;
        }

        ushort left = row[0];
        for (int x = 0; x < w; x++)
        {
            ushort id = row[x];
            ushort right = x < w - 1 ? row[x + 1] : id;
            bool isBorder = up[x] != id || down[x] != id || left != id || right != id;
            left = id;
            uint c = id < lut.Length ? lut[id] : EvidenceOps.NoClass;
            dst[x] = (isBorder ? border : inner) | c;
        }
    }
}

/// <summary>
/// The causal pass's frame check on every fourth row: carries the previous evidence in and counts where the carried
/// arg-max agrees with the frame's own label, among pixels with at least one unit of carried evidence. The frame
/// weight comes from this agreement before the evidence is carried for real. The carried rows are written into the
/// causal pass's destination (<paramref name="carried"/>), which <see cref="CarryObserveOp"/> then does not carry again.
/// </summary>
internal readonly struct AgreementOp(ulong[] previous, uint[] records, uint[] observations, ulong[] carried, int[] total, int[] agree, int width, int height, DisocclusionFill fill) : IRowOperation
{
    private readonly DisocclusionFill _fill = fill;
    private readonly ulong[] _previous = previous;
    private readonly uint[] _records = records;
    private readonly uint[] _observations = observations;
    private readonly ulong[] _carried = carried;
    private readonly int[] _total = total;
    private readonly int[] _agree = agree;
    private readonly int _width = width;
    private readonly int _height = height;

    public void Invoke(int k)
    {
        int w = _width, y = k * 4;
        ReadOnlySpan<uint> obs = _observations.AsSpan(y * w, w);
        Span<ulong> carried = _carried.AsSpan(y * w, w);
        Warp.CarryRow(_previous, _records.AsSpan(y * w, w), y, w, _height, carried, in _fill);
        int total = 0, agree = 0;
        for (int x = 0; x < obs.Length; x++)
        {
            ulong e = carried[x];
            if (EvidenceOps.Weight0(e) >= EvidenceOps.Unit)
            {
                total++;
                agree += EvidenceOps.Class0(e) == (int)(obs[x] & 0xFF) ? 1 : 0;
            }
        }

        _total[k] = total;
        _agree[k] = agree;
    }
}

/// <summary>
/// The causal pass at frame t: S_t = carried S_{t−1} + ω_t O_t. Writes the new state, and the arg-max as label ids
/// (causal output) and/or the quantised evidence (stored for the offline pass). With <c>sampledRowsCarried</c>, every
/// fourth row (0, 4, 8, …) of <c>state</c> already holds the carried evidence (<see cref="AgreementOp"/> wrote it).
/// </summary>
internal readonly struct CarryObserveOp(
    ulong[] previous,
    ulong[] state,
    uint[]? records,
    uint[] observations,
    uint scale,
    LabelMap? output,
    uint[]? stored,
    ClassMap classes,
    int width,
    int height,
    DisocclusionFill fill,
    bool sampledRowsCarried = false,
    LabelHysteresis hysteresis = default) : IRowOperation
{
    private readonly LabelHysteresis _hysteresis = hysteresis;
    private readonly DisocclusionFill _fill = fill;
    private readonly ulong[] _previous = previous;
    private readonly ulong[] _state = state;
    private readonly bool _sampledRowsCarried = sampledRowsCarried;
    private readonly uint[]? _records = records;
    private readonly uint[] _observations = observations;
    private readonly uint _scale = scale;
    private readonly LabelMap? _output = output;
    private readonly uint[]? _stored = stored;
    private readonly ClassMap _classes = classes;
    private readonly int _width = width;
    private readonly int _height = height;

    public void Invoke(int y)
    {
        int w = _width;
        ReadOnlySpan<uint> obs = _observations.AsSpan(y * w, w);
        Span<ulong> state = _state.AsSpan(y * w, w);
        Span<ushort> output = _output is null ? default : _output.GetRowSpan(y);
        Span<uint> stored = _stored is null ? default : _stored.AsSpan(y * w, w);
        ReadOnlySpan<ushort> ids = _classes.IndexToId;
        byte[]? labels = _hysteresis.Labels;
        if (!(_sampledRowsCarried && _records is not null && (y & 3) == 0))
        {
            Warp.CarryRowOrEmpty(_previous, _records, y, w, _height, state, in _fill);
        }

        int x = Avx2.IsSupported && !Warp.ForceScalar ? AddAvx2(y) : 0;
        for (; x < w; x++)
        {
            ulong e = state[x];
            uint o = obs[x];
            e = EvidenceOps.AddObservation(e, o, _scale);
            state[x] = e;
            if (!output.IsEmpty || labels is not null)
            {
                int c = EvidenceOps.Class0(e);
                c = c != EvidenceOps.NoClass ? c : (int)(o & 0xFF);
                if (labels is not null)
                {
                    c = _hysteresis.Pick(c, e, EvidenceOps.Empty, _records, x, y, w, _height);
                    labels[(y * w) + x] = (byte)c;
                }

                if (!output.IsEmpty)
                {
                    output[x] = ids[c];
                }
            }

            if (!stored.IsEmpty)
            {
                stored[x] = EvidenceOps.Quantize(e);
            }
        }
    }

    /// <summary>The loop above on eight pixels per step of the carried row (<see cref="EvidenceVectors"/>); returns where the scalar tail starts.</summary>
    private unsafe int AddAvx2(int y)
    {
        int w = _width, x = 0;
        ReadOnlySpan<ushort> ids = _classes.IndexToId;
        Span<ushort> output = _output is null ? default : _output.GetRowSpan(y);
        byte[]? labels = _hysteresis.Labels;
        var scale = Vector256.Create((int)_scale);
        int* classes = stackalloc int[8];
        fixed (ulong* state = _state)
        fixed (uint* observations = _observations)
        fixed (uint* stored = _stored)
        {
            int row = y * w;
            for (; x + 8 <= w; x += 8)
            {
                int i = row + x;
                EvidenceVectors.Load(state + i, out var lo, out var hi);
                var obs = Avx.LoadVector256((int*)(observations + i));
                EvidenceVectors.AddObservation(ref lo, ref hi, obs, scale);
                EvidenceVectors.Store(state + i, lo, hi);
                if (!output.IsEmpty || labels is not null)
                {
                    var c = EvidenceVectors.ClassOrObserved(lo, obs);
                    Avx.Store(classes, c);
                    if (labels is not null)
                    {
                        int differ = _hysteresis.Differs(c, _records, x, y, w, _height);
                        for (int j = 0; differ != 0; j++, differ >>= 1)
                        {
                            if ((differ & 1) != 0)
                            {
                                classes[j] = _hysteresis.Pick(classes[j], state[i + j], EvidenceOps.Empty, _records, x + j, y, w, _height);
                            }
                        }
                    }

                    LabelHysteresis.WriteEight(classes, labels, i, output, x, ids);
                }

                if (stored is not null)
                {
                    Avx.Store((int*)(stored + i), EvidenceVectors.Quantize(lo, hi));
                }
            }
        }

        return x;
    }
}

/// <summary>
/// One step of the offline method's anti-causal pass at frame t: carries B_{t+1} into t along the forward records,
/// writes the fused labels argmax(S_t + carried B) when wanted, and B_t = carried B + ω_t O_t for the next step down.
/// </summary>
internal readonly struct BackwardOp(
    ulong[] next,
    ulong[] current,
    uint[]? records,
    uint[] observations,
    uint scale,
    uint[] causal,
    LabelMap? output,
    ClassMap classes,
    int width,
    DisocclusionFill fill,
    bool storeState,
    LabelHysteresis hysteresis = default) : IRowOperation
{
    private readonly LabelHysteresis _hysteresis = hysteresis;
    private readonly DisocclusionFill _fill = fill;
    private readonly ulong[] _next = next;
    private readonly ulong[] _current = current;
    private readonly uint[]? _records = records;
    private readonly uint[] _observations = observations;
    private readonly uint _scale = scale;
    private readonly uint[] _causal = causal;
    private readonly LabelMap? _output = output;
    private readonly ClassMap _classes = classes;
    private readonly int _width = width;
    private readonly bool _storeState = storeState;

    public void Invoke(int y)
    {
        int w = _width, h = _next.Length / w;
        ReadOnlySpan<uint> obs = _observations.AsSpan(y * w, w);
        ReadOnlySpan<uint> causal = _causal.AsSpan(y * w, w);
        Span<ulong> cur = _current.AsSpan(y * w, w);
        Span<ushort> output = _output is null ? default : _output.GetRowSpan(y);
        ReadOnlySpan<ushort> ids = _classes.IndexToId;
        Warp.CarryRowOrEmpty(_next, _records, y, w, h, cur, in _fill);

        var labels = _hysteresis.Labels is null ? default : _hysteresis.Labels.AsSpan(y * w, w);
        int x = Avx2.IsSupported && !Warp.ForceScalar ? PickAndAddAvx2(y) : 0;
        for (; x < w; x++)
        {
            ulong b = cur[x];
            if (!output.IsEmpty || !labels.IsEmpty)
            {
                ulong a = EvidenceOps.Dequantize(causal[x]);
                int c = EvidenceOps.ArgMaxOfSum(a, b);
                if (c == EvidenceOps.NoClass)
                {
                    c = (int)(obs[x] & 0xFF);
                }

                if (!labels.IsEmpty)
                {
                    c = _hysteresis.Pick(c, a, b, _records, x, y, w, h);
                    labels[x] = (byte)c;
                }

                if (!output.IsEmpty)
                {
                    output[x] = ids[c];
                }
            }

            if (_storeState)
            {
                cur[x] = EvidenceOps.AddObservation(b, obs[x], _scale);
            }
        }
    }

    /// <summary>The loop above on eight pixels per step of the carried row (<see cref="EvidenceVectors"/>); returns where the scalar tail starts.</summary>
    private unsafe int PickAndAddAvx2(int y)
    {
        int w = _width, h = _next.Length / w, x = 0;
        ReadOnlySpan<ushort> ids = _classes.IndexToId;
        Span<ushort> output = _output is null ? default : _output.GetRowSpan(y);
        byte[]? labels = _hysteresis.Labels;
        var scale = Vector256.Create((int)_scale);
        int* classes = stackalloc int[8];
        fixed (ulong* current = _current)
        fixed (uint* observations = _observations)
        fixed (uint* causal = _causal)
        {
            int row = y * w;
            for (; x + 8 <= w; x += 8)
            {
                int i = row + x;
                EvidenceVectors.Load(current + i, out var lo, out var hi);
                var obs = Avx.LoadVector256((int*)(observations + i));
                if (!output.IsEmpty || labels is not null)
                {
                    var c = EvidenceVectors.ClassOrObserved(EvidenceVectors.ArgMaxOfSum(Avx.LoadVector256((int*)(causal + i)), lo, hi), obs);
                    Avx.Store(classes, c);
                    if (labels is not null)
                    {
                        int differ = _hysteresis.Differs(c, _records, x, y, w, h);
                        for (int j = 0; differ != 0; j++, differ >>= 1)
                        {
                            if ((differ & 1) != 0)
                            {
                                classes[j] = _hysteresis.Pick(classes[j], EvidenceOps.Dequantize(causal[i + j]), current[i + j], _records, x + j, y, w, h);
                            }
                        }
                    }

                    LabelHysteresis.WriteEight(classes, labels, i, output, x, ids);
                }

                if (_storeState)
                {
                    EvidenceVectors.AddObservation(ref lo, ref hi, obs, scale);
                    EvidenceVectors.Store(current + i, lo, hi);
                }
            }
        }

        return x;
    }
}

/// <summary>
/// Label hysteresis (<see cref="FusionParameters.Hysteresis"/>): the fused class of the frame fused just before
/// (<see cref="Reference"/>: frame t−1 in the causal pass, t+1 in the anti-causal pass), carried into a pixel of frame t
/// along the warp record between them, is kept while its evidence is at least <see cref="Keep"/> / 65536 of the
/// strongest class's. <see cref="Labels"/> receives frame t's classes; null: no hysteresis. Without a reference (the
/// first frame of a pass, after a cut) or where the record's weight is below <see cref="MinWeight"/> (a warp not fully
/// trusted), the arg-max stands.
/// </summary>
internal readonly record struct LabelHysteresis(byte[]? Labels, byte[]? Reference, uint Keep, uint MinWeight = 1)
{
    /// <summary>The class to emit at (x, y) given the arg-max <paramref name="c"/> of <paramref name="a"/> + <paramref name="b"/>.</summary>
    public int Pick(int c, ulong a, ulong b, uint[]? records, int x, int y, int width, int height)
    {
        if (Reference is null || records is null)
        {
            return c;
        }

        uint r = records[(y * width) + x];
        if (Warp.Weight(r) < MinWeight)
        {
            return c;
        }

        int k = Reference[Warp.NearestIndex(r, x, y, width, height)];
        if (k == c || k == EvidenceOps.NoClass)
        {
            return c;
        }

        ulong best = EvidenceOps.WeightOf(a, c) + EvidenceOps.WeightOf(b, c);
        ulong kept = EvidenceOps.WeightOf(a, k) + EvidenceOps.WeightOf(b, k);
        return kept * 65536 >= best * Keep ? k : c;
    }

    /// <summary>
    /// Writes the eight classes at <paramref name="classes"/>: as class indices into <paramref name="labels"/> from
    /// <paramref name="i"/> (the hysteresis' map; null: none) and as label ids into <paramref name="output"/> (the row)
    /// from <paramref name="x"/> (empty: none).
    /// </summary>
    public static unsafe void WriteEight(int* classes, byte[]? labels, int i, Span<ushort> output, int x, ReadOnlySpan<ushort> ids)
    {
        for (int j = 0; j < 8; j++)
        {
            int k = classes[j];
            if (labels is not null)
            {
                labels[i + j] = (byte)k;
            }

            if (!output.IsEmpty)
            {
                output[x + j] = ids[k];
            }
        }
    }

    /// <summary>
    /// Eight pixels from (<paramref name="x"/>, <paramref name="y"/>) on: a bit per lane whose class in <paramref name="classes"/>
    /// differs from the reference class its record points to (the only lanes <see cref="Pick"/> can change); 0 without a
    /// reference. <see cref="Reference"/> must be padded by 3 bytes (the gather reads 4).
    /// </summary>
    public unsafe int Differs(Vector256<int> classes, uint[]? records, int x, int y, int width, int height)
    {
        if (Reference is null || records is null)
        {
            return 0;
        }

        fixed (uint* rec = &records[(y * width) + x])
        fixed (byte* reference = Reference)
        {
            var r = Avx.LoadVector256((int*)rec);
            var dx = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(r, 19), 19);
            var dy = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(r, 6), 19);
            var half = Vector256.Create(Warp.RecordScale / 2);
            var px = Avx2.Add(Vector256.Create(x * Warp.RecordScale), Avx2.ShiftLeftLogical(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), 5));
            var sx = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.Add(px, dx), half), 5), Vector256<int>.Zero), Vector256.Create(width - 1));
            var sy = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(Avx2.Add(Vector256.Create((y * Warp.RecordScale) + (Warp.RecordScale / 2)), dy), 5), Vector256<int>.Zero), Vector256.Create(height - 1));
            var k = Avx2.And(Avx2.GatherVector256((int*)reference, Avx2.Add(Avx2.MultiplyLow(sy, Vector256.Create(width)), sx), 1), Vector256.Create(0xFF));
            var carried = Avx2.CompareGreaterThan(Avx2.ShiftRightLogical(r, 26), Vector256.Create((int)MinWeight - 1));
            var differ = Avx2.AndNot(Avx2.CompareEqual(k, classes), carried);
            return Avx.MoveMask(differ.AsSingle());
        }
    }
}
