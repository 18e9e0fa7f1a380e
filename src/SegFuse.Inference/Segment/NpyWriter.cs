using System.Runtime.InteropServices;
using SegFuse.IO;

namespace SegFuse.Inference.Segment;

/// <summary>Writes arrays as NumPy <c>.npy</c> files (format version 1.0, little-endian, C order).</summary>
internal static class NpyWriter
{
    /// <summary>Writes <paramref name="data"/> as a float16 array of <paramref name="shape"/>, atomically.</summary>
    public static void WriteFloat16(string path, ReadOnlySpan<Half> data, params int[] shape)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count != data.Length)
        {
            throw new ArgumentException($"{data.Length} values do not fill the shape ({string.Join(", ", shape)})");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the .npy writer assumes a little-endian machine");
        }

        byte[] header = NpyHeader.Format("<f2", shape);
        using var file = new AtomicFile(path);
        using (var stream = file.OpenWrite())
        {
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(data));
        }

        file.Commit();
    }
}
