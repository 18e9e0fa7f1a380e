using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Fusion.IO;

/// <summary>Writes fused label maps in the encoding the per-frame predictions came in (ids, train ids or palette colour), atomically.</summary>
internal sealed class LabelOutput(LabelSet set, LabelEncoding encoding)
{
    private readonly ushort[]? _toTrainId = encoding == LabelEncoding.TrainIds ? TrainIdTable(set) : null;

    /// <summary>Writes <paramref name="map"/> (ids of the set) to <paramref name="path"/>.</summary>
    public void Write(string path, LabelMap map)
    {
        if (encoding == LabelEncoding.Color)
        {
            using var mat = LabelPng.ToColorMat(map, set);
            LabelPng.WriteMat(path, mat);
            return;
        }

        if (_toTrainId is { } lut)
        {
            var span = map.Span;
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = lut[span[i]];
            }
        }

        LabelPng.Write(path, map);
    }

    /// <summary>Id → stored train id (255 for labels without one); null when the set's ids are its train ids.</summary>
    private static ushort[]? TrainIdTable(LabelSet set)
    {
        if (!set.Classes.Any(c => c.TrainId is >= 0 and < 255))
        {
            return null;
        }

        var lut = new ushort[set.MaxId + 1];
        Array.Fill(lut, (ushort)255);
        foreach (var c in set.Classes)
        {
            if (c.TrainId is int t and >= 0 and < 255)
            {
                lut[c.Id] = (ushort)t;
            }
        }

        return lut;
    }
}
