using OpenCvSharp;
using SegFuse.Labels;

namespace SegFuse.Media.Rendering;

/// <summary>Paints label maps in a label set's palette, as 8-bit BGR images (what the competition scores).</summary>
public sealed class LabelColorizer
{
    private readonly uint[] _lut = new uint[ushort.MaxValue + 1];

    /// <summary>Prepares the palette of <paramref name="set"/>; an id that is not in the set is painted black.</summary>
    public LabelColorizer(LabelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        Set = set;
        foreach (var c in set.Classes)
        {
            _lut[c.Id] = (uint)(c.Color.B | (c.Color.G << 8) | (c.Color.R << 16));
        }
    }

    /// <summary>The label set whose palette is used.</summary>
    public LabelSet Set { get; }

    /// <summary>Paints <paramref name="map"/> into <paramref name="bgr"/>, which is (re)allocated to the map's size as <c>CV_8UC3</c> when needed.</summary>
    /// <remarks>Does not take ownership of <paramref name="bgr"/>; rows are painted in parallel.</remarks>
    public void Colorize(LabelMap map, Mat bgr)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(bgr);
        bgr.Create(map.Height, map.Width, MatType.CV_8UC3);
        unsafe
        {
            var op = new ColorizeRows(map, (byte*)bgr.Data, bgr.Step(), _lut);
            RowParallel.For(map.Height, in op);
        }
    }

    private readonly unsafe struct ColorizeRows(LabelMap map, byte* dst, long step, uint[] lut) : IRowOperation
    {
        public void Invoke(int y)
        {
            ReadOnlySpan<ushort> src = map.GetRowSpan(y);
            byte* row = dst + (y * step);
            for (int x = 0; x < src.Length; x++)
            {
                uint c = lut[src[x]];
                row[0] = (byte)c;
                row[1] = (byte)(c >> 8);
                row[2] = (byte)(c >> 16);
                row += 3;
            }
        }
    }
}
