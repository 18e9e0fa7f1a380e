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
        for (int x = 0; x < w; x++)
        {
            ushort id = row[x];
            bool border = up[x] != id || down[x] != id || (x > 0 && row[x - 1] != id) || (x < w - 1 && row[x + 1] != id);
            int c = id < lut.Length ? lut[id] : EvidenceOps.NoClass;
            dst[x] = EvidenceOps.Pack4(c, border ? _boundaryWeight : 255u, EvidenceOps.NoClass, 0);
        }
    }
}

/// <summary>
/// The causal pass's carry: warps the previous evidence into the current frame through the warp records (nearest
/// source pixel, weights scaled by reliability × decay), and counts where the carried arg-max agrees with the frame's
/// own label among pixels with at least one unit of carried evidence.
/// </summary>
internal readonly struct CarryOp(ulong[] previous, ulong[] carried, uint[] records, uint[] observations, int[] total, int[] agree, int width) : IRowOperation
{
    private readonly ulong[] _previous = previous;
    private readonly ulong[] _carried = carried;
    private readonly uint[] _records = records;
    private readonly uint[] _observations = observations;
    private readonly int[] _total = total;
    private readonly int[] _agree = agree;
    private readonly int _width = width;

    public void Invoke(int y)
    {
        int w = _width, h = _previous.Length / w;
        ReadOnlySpan<ulong> prev = _previous;
        ReadOnlySpan<uint> rec = _records.AsSpan(y * w, w);
        ReadOnlySpan<uint> obs = _observations.AsSpan(y * w, w);
        Span<ulong> dst = _carried.AsSpan(y * w, w);
        int total = 0, agree = 0;
        for (int x = 0; x < w; x++)
        {
            ulong e = Warp.Carry(prev, rec[x], x, y, w, h);
            dst[x] = e;
            if (EvidenceOps.Weight0(e) >= EvidenceOps.Unit)
            {
                total++;
                if (EvidenceOps.Class0(e) == (int)(obs[x] & 0xFF))
                {
                    agree++;
                }
            }
        }

        _total[y] = total;
        _agree[y] = agree;
    }
}

/// <summary>
/// Adds the frame's observation (scaled by the frame weight) to the carried evidence, in place; writes the arg-max as
/// label ids (causal output) and/or the quantised evidence (stored for the offline pass).
/// </summary>
internal readonly struct ObserveOp(ulong[] evidence, uint[] observations, uint scale, LabelMap? output, uint[]? stored, ClassMap classes, int width) : IRowOperation
{
    private readonly ulong[] _evidence = evidence;
    private readonly uint[] _observations = observations;
    private readonly uint _scale = scale;
    private readonly LabelMap? _output = output;
    private readonly uint[]? _stored = stored;
    private readonly ClassMap _classes = classes;
    private readonly int _width = width;

    public void Invoke(int y)
    {
        int w = _width;
        Span<ulong> ev = _evidence.AsSpan(y * w, w);
        ReadOnlySpan<uint> obs = _observations.AsSpan(y * w, w);
        Span<ushort> output = _output is null ? default : _output.GetRowSpan(y);
        Span<uint> stored = _stored is null ? default : _stored.AsSpan(y * w, w);
        ReadOnlySpan<ushort> ids = _classes.IndexToId;
        for (int x = 0; x < w; x++)
        {
            ulong e = EvidenceOps.AddObservation(ev[x], obs[x], _scale);
            ev[x] = e;
            if (!output.IsEmpty)
            {
                int c = EvidenceOps.Class0(e);
                output[x] = ids[c != EvidenceOps.NoClass ? c : (int)(obs[x] & 0xFF)];
            }

            if (!stored.IsEmpty)
            {
                stored[x] = EvidenceOps.Quantize(e);
            }
        }
    }
}

/// <summary>
/// One step of the offline method's anti-causal pass at frame t: warps B_{t+1} into t along the forward records,
/// writes the fused labels argmax(S_t + warped B) when wanted, and B_t = warped B + ω_t O_t for the next step down.
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
    bool storeState) : IRowOperation
{
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
        ReadOnlySpan<ulong> next = _next;
        ReadOnlySpan<uint> rec = _records is null ? default : _records.AsSpan(y * w, w);
        ReadOnlySpan<uint> obs = _observations.AsSpan(y * w, w);
        ReadOnlySpan<uint> causal = _causal.AsSpan(y * w, w);
        Span<ulong> cur = _current.AsSpan(y * w, w);
        Span<ushort> output = _output is null ? default : _output.GetRowSpan(y);
        ReadOnlySpan<ushort> ids = _classes.IndexToId;
        for (int x = 0; x < w; x++)
        {
            ulong b = rec.IsEmpty ? EvidenceOps.Empty : Warp.Carry(next, rec[x], x, y, w, h);

            if (!output.IsEmpty)
            {
                int c = EvidenceOps.ArgMaxOfSum(EvidenceOps.Dequantize(causal[x]), b);
                output[x] = ids[c != EvidenceOps.NoClass ? c : (int)(obs[x] & 0xFF)];
            }

            if (_storeState)
            {
                cur[x] = EvidenceOps.AddObservation(b, obs[x], _scale);
            }
        }
    }
}
