using System.Buffers.Binary;

namespace SegFuse.Server.Intake;

/// <summary>The IHDR facts of a PNG, read from its first 29 bytes without decoding it.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="BitDepth">Bits per sample.</param>
/// <param name="ColorType">0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.</param>
internal readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType)
{
    public const int Length = 29;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Whether the samples are label ids (one channel: grey or palette indices).</summary>
    public bool IsSingleChannel => ColorType is 0 or 3;

    /// <summary>Whether the image is colour (RGB or RGBA, 8-bit).</summary>
    public bool IsColor => ColorType is 2 or 6;

    /// <summary>Parses the header; null when <paramref name="head"/> is not the start of a PNG.</summary>
    public static PngHeader? TryParse(ReadOnlySpan<byte> head)
    {
        if (head.Length < Length || !head[..8].SequenceEqual(Signature) || !head.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return null;
        }

        int width = BinaryPrimitives.ReadInt32BigEndian(head.Slice(16, 4));
        int height = BinaryPrimitives.ReadInt32BigEndian(head.Slice(20, 4));
        if (width <= 0 || height <= 0)
        {
            return null;
        }

        return new PngHeader(width, height, head[24], head[25]);
    }

    /// <summary>Reads the header from the start of <paramref name="stream"/>; null when it is not a PNG.</summary>
    public static PngHeader? TryRead(Stream stream)
    {
        Span<byte> head = stackalloc byte[Length];
        int read = 0;
        while (read < Length)
        {
            int n = stream.Read(head[read..]);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return TryParse(head);
    }

    /// <summary>Reads the header of the file at <paramref name="path"/>; null when it is not a PNG.</summary>
    public static PngHeader? TryRead(string path)
    {
        using var s = File.OpenRead(path);
        return TryRead(s);
    }
}
