using System.Collections.Concurrent;
using SegFuse.Labels;

namespace SegFuse.Fusion.Engine;

/// <summary>
/// Label maps of one size for the engine's fused output, given back by whoever consumed them (the writer thread, once
/// a map is written), so that a run allocates a handful of maps instead of one per frame. Thread-safe.
/// </summary>
/// <remarks>A rented map holds the labels of an earlier frame: the engine overwrites every pixel.</remarks>
internal sealed class LabelMapPool(int width, int height)
{
    private readonly ConcurrentQueue<LabelMap> _free = new();

    /// <summary>A map of the pool's size, reused when one was returned.</summary>
    public LabelMap Rent() => _free.TryDequeue(out var map) ? map : new LabelMap(width, height);

    /// <summary>Gives <paramref name="map"/> back; the caller must not use it afterwards. Maps of another size are dropped.</summary>
    public void Return(LabelMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.Width == width && map.Height == height)
        {
            _free.Enqueue(map);
        }
    }
}
