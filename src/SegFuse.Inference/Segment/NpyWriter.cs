using System.Runtime.InteropServices;
using System.Text;
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

        byte[] header = Header("<f2", shape);
        using var file = new AtomicFile(path);
        using (var stream = file.OpenWrite())
        {
            stream.Write(header);
            stream.Write(MemoryMarshal.AsBytes(data));
        }

        file.Commit();
    }

    /// <summary>
    /// Magic <c>\x93NUMPY</c>, version 1.0, a little-endian uint16 header length, then the header dict padded with
    /// spaces and ended by a newline so that the data starts at a multiple of 64 bytes.
    /// </summary>
    internal static byte[] Header(string descr, int[] shape)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        const int Prefix = 10; // magic (6) + version (2) + header length (2)
        int total = (Prefix + dict.Length + 1 + 63) / 64 * 64;
        string padded = dict.PadRight(total - Prefix - 1) + "\n";
        var bytes = new byte[total];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", bytes.AsSpan(1));
        bytes[6] = 1;
        bytes[7] = 0;
        bytes[8] = (byte)(padded.Length & 0xFF);
        bytes[9] = (byte)(padded.Length >> 8);
        Encoding.ASCII.GetBytes(padded, bytes.AsSpan(Prefix));
        return bytes;
    }
}
