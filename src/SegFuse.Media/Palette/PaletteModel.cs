using SegFuse.Labels;

namespace SegFuse.Media.Palette;

/// <summary>
/// A label set's palette as limited-range Y'CbCr under one colour matrix: one entry per distinct colour (a colour that
/// several ids share decodes to the id the label set picks for it), and a lookup table from quantised Y'CbCr to the
/// nearest entry.
/// </summary>
internal sealed class PaletteModel
{
    /// <summary>Quantisation of the lookup table: 128 steps per channel.</summary>
    private const int Shift = 1;
    private const int Steps = 256 >> Shift;

    private PaletteModel(string matrix, float[] y, float[] u, float[] v, ushort[] ids)
    {
        Matrix = matrix;
        Y = y;
        U = u;
        V = v;
        Ids = ids;
        Nearest = new short[Steps * Steps * Steps];
        for (int qy = 0; qy < Steps; qy++)
        {
            for (int qu = 0; qu < Steps; qu++)
            {
                for (int qv = 0; qv < Steps; qv++)
                {
                    float fy = (qy << Shift) + 0.5f, fu = (qu << Shift) + 0.5f, fv = (qv << Shift) + 0.5f;
                    Nearest[(((qy * Steps) + qu) * Steps) + qv] = (short)NearestExact(fy, fu, fv, out _);
                }
            }
        }
    }

    /// <summary>The colour matrix the entries are computed with: <c>bt709</c> or <c>bt601</c>.</summary>
    public string Matrix { get; }

    /// <summary>Number of entries.</summary>
    public int Count => Ids.Length;

    /// <summary>Luma of each entry (16..235).</summary>
    public float[] Y { get; }

    /// <summary>Cb of each entry (16..240).</summary>
    public float[] U { get; }

    /// <summary>Cr of each entry (16..240).</summary>
    public float[] V { get; }

    /// <summary>The label id each entry decodes to.</summary>
    public ushort[] Ids { get; }

    /// <summary>Nearest entry of each quantised (Y, Cb, Cr), for <see cref="NearestQuantized"/>.</summary>
    public short[] Nearest { get; }

    public static PaletteModel Create(LabelSet set, string matrix)
    {
        (double kr, double kb) = matrix == "bt601" ? (0.299, 0.114) : (0.2126, 0.0722);
        double kg = 1 - kr - kb;
        var seen = new HashSet<int>();
        List<float> y = [], u = [], v = [];
        List<ushort> ids = [];
        foreach (var c in set.Classes)
        {
            if (!seen.Add(c.Color.Packed))
            {
                continue;
            }

            int id = set.TryGetIdByColor(c.Color, out int chosen) ? chosen : c.Id;
            double r = c.Color.R, g = c.Color.G, b = c.Color.B;
            double luma = (kr * r) + (kg * g) + (kb * b);
            y.Add((float)(16 + (219 * luma / 255)));
            u.Add((float)(128 + (224 * (b - luma) / (255 * 2 * (1 - kb)))));
            v.Add((float)(128 + (224 * (r - luma) / (255 * 2 * (1 - kr)))));
            ids.Add((ushort)id);
        }

        if (ids.Count > short.MaxValue)
        {
            throw new SegFuseInputException(set.Name, $"has {ids.Count} distinct colours; palette decoding handles at most {short.MaxValue}");
        }

        return new PaletteModel(matrix, [.. y], [.. u], [.. v], [.. ids]);
    }

    /// <summary>The nearest entry to (y, u, v) from the lookup table.</summary>
    public int NearestQuantized(int y, int u, int v) => Nearest[((((y >> Shift) * Steps) + (u >> Shift)) * Steps) + (v >> Shift)];

    /// <summary>Squared distance of (y, u, v) to entry <paramref name="k"/>.</summary>
    public float Distance2(int k, float y, float u, float v)
    {
        float dy = y - Y[k], du = u - U[k], dv = v - V[k];
        return (dy * dy) + (du * du) + (dv * dv);
    }

    /// <summary>The nearest entry by exhaustive search.</summary>
    public int NearestExact(float y, float u, float v, out float distance2)
    {
        int best = 0;
        distance2 = float.MaxValue;
        for (int k = 0; k < Ids.Length; k++)
        {
            float d = Distance2(k, y, u, v);
            if (d < distance2)
            {
                distance2 = d;
                best = k;
            }
        }

        return best;
    }
}
