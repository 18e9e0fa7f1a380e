using System.Buffers.Binary;

namespace SegFuse.Fusion.IO;

/// <summary>Reads a PNG's size from its IHDR chunk without decoding the image.</summary>
internal static class PngHeader
{
    /// <summary>Width and height of the PNG at <paramref name="path"/>.</summary>
    /// <exception cref="SegFuseInputException">Missing, unreadable or not a PNG.</exception>
    public static (int Width, int Height) ReadSize(string path)
    {
        Span<byte> head = stackalloc byte[24];
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64);
            if (stream.Length < head.Length)
            {
                throw new SegFuseInputException(path, "not a readable PNG (too short)");
            }

            stream.ReadExactly(head);
        }
        catch (FileNotFoundException e)
        {
            throw new SegFuseInputException(path, "no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }

        if (head[0] != 0x89 || head[1] != (byte)'P' || head[2] != (byte)'N' || head[3] != (byte)'G' || head[12] != (byte)'I' || head[13] != (byte)'H')
        {
            throw new SegFuseInputException(path, "not a PNG (corrupt or another format)");
        }

        return (BinaryPrimitives.ReadInt32BigEndian(head[16..]), BinaryPrimitives.ReadInt32BigEndian(head[20..]));
    }
}
