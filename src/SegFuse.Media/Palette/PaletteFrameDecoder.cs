using SegFuse.Labels;
using SegFuse.Media.Rendering;

namespace SegFuse.Media.Palette;

/// <summary>
/// Turns one Y'CbCr 4:2:0 frame of a palette video back into labels. See <see cref="PaletteVideoDecoder"/> for the method.
/// Buffers are allocated once per frame size and reused.
/// </summary>
internal sealed class PaletteFrameDecoder
{
    // Tuned on synthetic 1280x720 driving sequences rendered at 5 Mbit/s and re-encoded at 1.5 Mbit/s (see docs/media.md).
    private const float ConfidentDistance2 = 64;   // (Y, Cb, Cr) within 8 levels of one entry...
    private const int ConfidentLumaSpread = 8;     // ...and every luma of the 4x4 area feeding its chroma sample within 8 of it.
    private const float LumaWeight = 2;            // luma is full resolution: it counts twice as much as chroma.
    private const float LumaMixPenalty = 0.5f;     // cost of explaining blurred luma by a neighbour, per unit of mix²·ΔY².
    private const float ChromaMixPenalty = 0.05f;  // the same for chroma, which 4:2:0 smears by design (so much cheaper).
    private const float FarPrior = 40;             // a label seen confidently nearby, but not among the nearest.
    private const float NewPrior = 200;            // a label not seen confidently within SearchRadius.
    private const float UnseenPartnerPrior = 20;   // blending towards a label that is only a naive guess nearby.
    private const int SearchRadius = 6;
    private const int NaiveRadius = 2;
    private const int UnsupportedFraction = 10_000; // a label with (almost) no confident pixel in the frame and under 1/this of its pixels is noise.
    private const int MinConfident = 1;             // confident pixels a label needs in a frame to count as seen.
    private const int SupportRadius = 2;

    private readonly PaletteModel _palette;
    private int _width;
    private int _height;
    private byte[] _u2 = [];
    private byte[] _v2 = [];
    private short[] _confident = [];
    private short[] _naive = [];
    private byte[] _blockMin = [];
    private byte[] _blockMax = [];
    private int[] _entryOfId = [];

    public PaletteFrameDecoder(PaletteModel palette)
    {
        _palette = palette;
    }

    /// <summary>Pixels decided by the neighbourhood model in the last frame (not confident on their own).</summary>
    public long UncertainPixels { get; private set; }

    public void Decode(in YuvFrame frame, LabelMap output)
    {
        if (output.Width != frame.Width || output.Height != frame.Height)
        {
            throw new ArgumentException("the label map must have the frame's size", nameof(output));
        }

        Allocate(frame.Width, frame.Height);
        var pass1 = new Pass1(this, frame.Buffer, frame.UOffset, frame.VOffset);
        RowParallel.For((_height + 1) / 2, in pass1, 16);
        var pass2 = new Pass2(this, frame.Buffer, output);
        RowParallel.For(_height, in pass2, 16);
        RemoveUnsupported(output);
        long uncertain = 0;
        foreach (short c in _confident)
        {
            if (c < 0)
            {
                uncertain++;
            }
        }

        UncertainPixels = uncertain;
    }

    /// <summary>Pixels whose label was replaced in the last frame because that label had no support in the frame.</summary>
    public long UnsupportedPixels { get; private set; }

    /// <summary>
    /// A label that fewer than <see cref="MinConfident"/> pixels of the frame show confidently and that only a handful
    /// of pixels decode to (under 1/<see cref="UnsupportedFraction"/> of the frame) is compression noise on the border of a similar colour (e.g.
    /// <c>train</c> specks inside a <c>bus</c>, whose palette colours differ by a few levels), not an object: its
    /// pixels take the most frequent other label within <see cref="SupportRadius"/>. A few specks of a class that is
    /// absent from the ground truth would otherwise cost the whole class in a dataset-wide mIoU.
    /// </summary>
    private void RemoveUnsupported(LabelMap output)
    {
        UnsupportedPixels = 0;
        int n = _palette.Count;
        var confident = new int[n];
        foreach (short c in _confident)
        {
            if (c >= 0)
            {
                confident[c]++;
            }
        }

        if (_entryOfId.Length == 0)
        {
            _entryOfId = new int[_palette.Ids.Max() + 1];
            for (int k = n - 1; k >= 0; k--)
            {
                _entryOfId[_palette.Ids[k]] = k;
            }
        }

        var entryOfId = _entryOfId;

        var decoded = new long[n];
        var span = output.Span;
        for (int i = 0; i < span.Length; i++)
        {
            decoded[entryOfId[span[i]]]++;
        }

        long limit = Math.Max(1, (long)_width * _height / UnsupportedFraction);
        var unsupported = new bool[n];
        bool any = false;
        for (int k = 0; k < n; k++)
        {
            unsupported[k] = confident[k] < MinConfident && decoded[k] > 0 && decoded[k] < limit;
            any |= unsupported[k];
        }

        if (!any)
        {
            return;
        }

        var votes = new int[n];
        for (int y = 0; y < _height; y++)
        {
            for (int x = 0; x < _width; x++)
            {
                int i = (y * _width) + x;
                if (!unsupported[entryOfId[span[i]]])
                {
                    continue;
                }

                Array.Clear(votes);
                int best = -1;
                for (int yy = Math.Max(0, y - SupportRadius); yy <= Math.Min(_height - 1, y + SupportRadius); yy++)
                {
                    for (int xx = Math.Max(0, x - SupportRadius); xx <= Math.Min(_width - 1, x + SupportRadius); xx++)
                    {
                        int k = entryOfId[span[(yy * _width) + xx]];
                        if (!unsupported[k] && (++votes[k] > (best < 0 ? 0 : votes[best])))
                        {
                            best = k;
                        }
                    }
                }

                if (best >= 0)
                {
                    span[i] = _palette.Ids[best];
                    UnsupportedPixels++;
                }
            }
        }
    }

    /// <summary>Fraction of sampled pixels within 8 levels of a palette entry: how well <paramref name="palette"/> explains a frame.</summary>
    public static double Fit(in YuvFrame frame, PaletteModel palette)
    {
        var y = frame.Y;
        var u = frame.U;
        var v = frame.V;
        int cw = frame.ChromaWidth, hits = 0, samples = 0;
        for (int py = 1; py < frame.Height; py += 4)
        {
            for (int px = 1; px < frame.Width; px += 4)
            {
                int ci = ((py >> 1) * cw) + (px >> 1);
                int k = palette.NearestQuantized(y[(py * frame.Width) + px], u[ci], v[ci]);
                samples++;
                if (palette.Distance2(k, y[(py * frame.Width) + px], u[ci], v[ci]) <= ConfidentDistance2)
                {
                    hits++;
                }
            }
        }

        return samples == 0 ? 0 : (double)hits / samples;
    }

    private void Allocate(int width, int height)
    {
        if (width == _width && height == _height)
        {
            return;
        }

        _width = width;
        _height = height;
        _u2 = new byte[width * height];
        _v2 = new byte[width * height];
        _confident = new short[width * height];
        _naive = new short[width * height];
        int blocks = ((width + 1) / 2) * ((height + 1) / 2);
        _blockMin = new byte[blocks];
        _blockMax = new byte[blocks];
    }

    /// <summary>
    /// Per chroma row (two pixel rows): chroma upsampled to full resolution with centred siting (what swscale's
    /// RGB → 4:2:0 produces), the luma range of the 4×4 area that feeds each chroma sample, each pixel's nearest
    /// entry with that upsampled chroma ("naive"), and the confident pixels: those whose own (Y, block Cb, block Cr)
    /// is close to one entry and whose 4×4 luma area is flat at that entry's luma, so the chroma sample is unmixed.
    /// </summary>
    private readonly struct Pass1(PaletteFrameDecoder d, byte[] buffer, int uOffset, int vOffset) : IRowOperation
    {
        public void Invoke(int by)
        {
            ReadOnlySpan<byte> y = buffer, u = buffer.AsSpan(uOffset), v = buffer.AsSpan(vOffset);
            int w = d._width, h = d._height, cw = (w + 1) / 2, ch = (h + 1) / 2;
            var pal = d._palette;

            // Luma range of the 4x4 area around each 2x2 block of this chroma row.
            int y0 = Math.Max(0, (2 * by) - 1), y1 = Math.Min(h - 1, (2 * by) + 2);
            for (int bx = 0; bx < cw; bx++)
            {
                int x0 = Math.Max(0, (2 * bx) - 1), x1 = Math.Min(w - 1, (2 * bx) + 2);
                int min = 255, max = 0;
                for (int yy = y0; yy <= y1; yy++)
                {
                    int row = yy * w;
                    for (int xx = x0; xx <= x1; xx++)
                    {
                        int l = y[row + xx];
                        min = Math.Min(min, l);
                        max = Math.Max(max, l);
                    }
                }

                d._blockMin[(by * cw) + bx] = (byte)min;
                d._blockMax[(by * cw) + bx] = (byte)max;
            }

            for (int py = 2 * by; py < Math.Min(h, (2 * by) + 2); py++)
            {
                // Centred siting: pixel row py sits between chroma rows (py-1)/2 and (py+1)/2 with weights 3/4, 1/4.
                int near = py >> 1;
                int far = Math.Clamp((py & 1) == 0 ? near - 1 : near + 1, 0, ch - 1);
                int rowNear = near * cw, rowFar = far * cw;
                int row = py * w;
                for (int px = 0; px < w; px++)
                {
                    int cx = px >> 1;
                    int cxFar = Math.Clamp((px & 1) == 0 ? cx - 1 : cx + 1, 0, cw - 1);
                    int uu = ((9 * u[rowNear + cx]) + (3 * u[rowNear + cxFar]) + (3 * u[rowFar + cx]) + u[rowFar + cxFar] + 8) >> 4;
                    int vv = ((9 * v[rowNear + cx]) + (3 * v[rowNear + cxFar]) + (3 * v[rowFar + cx]) + v[rowFar + cxFar] + 8) >> 4;
                    int i = row + px;
                    d._u2[i] = (byte)uu;
                    d._v2[i] = (byte)vv;
                    int luma = y[i];
                    d._naive[i] = (short)pal.NearestQuantized(luma, uu, vv);

                    int ci = rowNear + cx;
                    int k = pal.NearestQuantized(luma, u[ci], v[ci]);
                    float yk = pal.Y[k];
                    bool confident = pal.Distance2(k, luma, u[ci], v[ci]) <= ConfidentDistance2
                        && d._blockMax[ci] - yk <= ConfidentLumaSpread
                        && yk - d._blockMin[ci] <= ConfidentLumaSpread;
                    d._confident[i] = confident ? (short)k : (short)-1;
                }
            }
        }
    }

    /// <summary>
    /// Per pixel row: confident pixels keep their entry; every other pixel takes the entry k that minimises
    /// prior(k) + min over partners j of [luma and chroma explained as k blended towards j, with a penalty that grows
    /// with the share of j]. Candidates k and partners j are the entries seen confidently within 6 px and the naive
    /// entries within 2 px, so a blend of two classes never invents a third class that is not nearby.
    /// </summary>
    private readonly struct Pass2(PaletteFrameDecoder d, byte[] y, LabelMap output) : IRowOperation
    {
        public void Invoke(int py)
        {
            int w = d._width, h = d._height, n = d._palette.Count;
            var pal = d._palette;
            var ids = pal.Ids;
            var outRow = output.GetRowSpan(py);
            Span<float> prior = n <= 256 ? stackalloc float[n] : new float[n];
            Span<short> candidates = stackalloc short[64];
            Span<bool> allowed = n <= 512 ? stackalloc bool[n] : new bool[n];
            for (int px = 0; px < w; px++)
            {
                int i = (py * w) + px;
                int c = d._confident[i];
                if (c >= 0)
                {
                    outRow[px] = ids[c];
                    continue;
                }

                // Priors from confident pixels: free for the labels of the nearest ring (and the next), FarPrior for the rest within the radius.
                prior.Fill(NewPrior);
                allowed.Clear();
                int count = 0;
                int nearestRing = -1;
                for (int r = 1; r <= SearchRadius; r++)
                {
                    int ya = py - r, yb = py + r;
                    for (int yy = Math.Max(0, ya); yy <= Math.Min(h - 1, yb); yy++)
                    {
                        int step = yy == ya || yy == yb ? 1 : 2 * r;
                        int row = yy * w;
                        for (int xx = px - r; xx <= px + r; xx += step)
                        {
                            if ((uint)xx >= (uint)w)
                            {
                                continue;
                            }

                            int l = d._confident[row + xx];
                            if (l < 0)
                            {
                                continue;
                            }

                            if (nearestRing < 0)
                            {
                                nearestRing = r;
                            }

                            float p = r <= nearestRing + 1 ? 0 : FarPrior;
                            if (!allowed[l])
                            {
                                allowed[l] = true;
                                if (count < candidates.Length)
                                {
                                    candidates[count++] = (short)l;
                                }
                            }

                            if (p < prior[l])
                            {
                                prior[l] = p;
                            }
                        }
                    }
                }

                for (int yy = Math.Max(0, py - NaiveRadius); yy <= Math.Min(h - 1, py + NaiveRadius); yy++)
                {
                    int row = yy * w;
                    for (int xx = Math.Max(0, px - NaiveRadius); xx <= Math.Min(w - 1, px + NaiveRadius); xx++)
                    {
                        int l = d._naive[row + xx];
                        if (!allowed[l])
                        {
                            allowed[l] = true;
                            if (count < candidates.Length)
                            {
                                candidates[count++] = (short)l;
                            }
                        }
                    }
                }

                float luma = y[i], cb = d._u2[i], cr = d._v2[i];
                int best = d._naive[i];
                float bestCost = float.MaxValue;
                var cand = candidates[..count];
                foreach (short k in cand)
                {
                    float pk = prior[k];
                    if (pk >= bestCost)
                    {
                        continue;
                    }

                    float dy = luma - pal.Y[k], du = cb - pal.U[k], dv = cr - pal.V[k];
                    float cost = (LumaWeight * dy * dy) + (du * du) + (dv * dv);
                    foreach (short j in cand)
                    {
                        if (j == k)
                        {
                            continue;
                        }

                        // Blend k towards j: t for luma, s for chroma, each the projection clamped to [0, 1].
                        float ly = pal.Y[j] - pal.Y[k];
                        float ly2 = ly * ly;
                        float t = ly2 < 1e-3f ? 0 : Math.Clamp(dy / ly, 0, 1);
                        float ry = dy - (t * ly);
                        float ex = pal.U[j] - pal.U[k], ez = pal.V[j] - pal.V[k];
                        float lc2 = (ex * ex) + (ez * ez);
                        float s = lc2 < 1e-3f ? 0 : Math.Clamp(((du * ex) + (dv * ez)) / lc2, 0, 1);
                        float rx = du - (s * ex), rz = dv - (s * ez);
                        float blended = (LumaWeight * ((ry * ry) + (LumaMixPenalty * t * t * ly2))) + (rx * rx) + (rz * rz) + (ChromaMixPenalty * s * s * lc2)
                            + (prior[j] >= NewPrior ? UnseenPartnerPrior : 0);
                        if (blended < cost)
                        {
                            cost = blended;
                        }
                    }

                    cost += pk;
                    if (cost < bestCost)
                    {
                        bestCost = cost;
                        best = k;
                    }
                }

                outRow[px] = ids[best];
            }
        }
    }
}
