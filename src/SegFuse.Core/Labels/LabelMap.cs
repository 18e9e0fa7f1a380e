using System.Diagnostics;

namespace SegFuse.Labels;

/// <summary>
/// A 2D map of label ids, one <see cref="ushort"/> per pixel, stored row after row.
/// </summary>
/// <remarks>
/// Rows are contiguous: <see cref="GetRowSpan"/> gives row y, <see cref="Span"/> the whole map.
/// Arguments are checked in the public factories; the per-pixel paths only assert in Debug builds.
/// </remarks>
public sealed class LabelMap
{
    private readonly ushort[] _data;

    /// <summary>Creates a map of <paramref name="width"/> × <paramref name="height"/> pixels, every pixel <paramref name="fill"/>.</summary>
    public LabelMap(int width, int height, ushort fill = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        _data = GC.AllocateUninitializedArray<ushort>(checked(width * height));
        _data.AsSpan().Fill(fill);
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Elements between the starts of two rows (equal to <see cref="Width"/>).</summary>
    public int RowStride => Width;

    /// <summary>Every pixel, row after row.</summary>
    public Span<ushort> Span => _data;

    /// <summary>The label at (x, y).</summary>
    public ushort this[int x, int y]
    {
        get
        {
            Debug.Assert((uint)x < (uint)Width && (uint)y < (uint)Height, "pixel outside the map");
            return _data[(y * Width) + x];
        }

        set
        {
            Debug.Assert((uint)x < (uint)Width && (uint)y < (uint)Height, "pixel outside the map");
            _data[(y * Width) + x] = value;
        }
    }

    /// <summary>Row <paramref name="y"/>.</summary>
    public Span<ushort> GetRowSpan(int y)
    {
        Debug.Assert((uint)y < (uint)Height, "row outside the map");
        return _data.AsSpan(y * Width, Width);
    }

    /// <summary>A deep copy.</summary>
    public LabelMap Clone()
    {
        var copy = new LabelMap(Width, Height);
        _data.AsSpan().CopyTo(copy._data);
        return copy;
    }

    /// <summary>Whether both maps have the same size.</summary>
    public bool SameSize(LabelMap other) => other.Width == Width && other.Height == Height;
}
