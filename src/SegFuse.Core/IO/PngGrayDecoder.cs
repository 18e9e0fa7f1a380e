using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SegFuse.IO;

/// <summary>
/// A single-channel image decoded from a PNG: 8-bit samples in <see cref="Bytes"/> or 16-bit samples in
/// <see cref="Words"/>, row after row without padding. Its buffer is rented from the shared pool and
/// returned on <see cref="Dispose"/>.
/// </summary>
internal sealed class GrayImage : IDisposable
{
    private byte[]? _buffer;

    public GrayImage(int width, int height, int bytesPerSample, byte[] buffer)
    {
        Width = width;
        Height = height;
        BytesPerSample = bytesPerSample;
        _buffer = buffer;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>1 for 8-bit samples, 2 for 16-bit.</summary>
    public int BytesPerSample { get; }

    /// <summary>The 8-bit samples (valid when <see cref="BytesPerSample"/> is 1).</summary>
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Width * Height);

    /// <summary>The 16-bit samples in machine order (valid when <see cref="BytesPerSample"/> is 2).</summary>
    public ReadOnlySpan<ushort> Words => MemoryMarshal.Cast<byte, ushort>(Buffer.AsSpan(0, Width * Height * 2));

    private byte[] Buffer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            return _buffer;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}

/// <summary>
/// Decodes the PNGs label maps are stored in — 8- or 16-bit greyscale, or 8-bit palette indices, not
/// interlaced — straight to their sample values. It exists for speed: the scorer reads two or three
/// PNGs per frame, and .NET's zlib inflates them about twice as fast as the libpng/zlib that OpenCV
/// links here (measured in tools/bench-score.sh). Palette PNGs give their indices, as PIL (and so
/// cityscapesScripts) reads them. Any other kind of PNG is left to OpenCV (<see cref="TryDecode(string)"/>
/// returns null).
/// </summary>
internal static class PngGrayDecoder
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes <paramref name="path"/>, or returns null when it is a PNG of another kind (colour, interlaced, low bit depth).</summary>
    /// <exception cref="SegFuseInputException">Missing file, not a PNG, or a corrupt or truncated one.</exception>
    public static GrayImage? TryDecode(string path)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new SegFuseInputException(path, "no such file", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new SegFuseInputException(path, "no such file", e);
        }

        return TryDecode(file, path);
    }

    /// <summary>Decodes PNG bytes; <paramref name="name"/> names them in errors.</summary>
    public static GrayImage? TryDecode(ReadOnlySpan<byte> png, string name)
    {
        if (png.Length < 8 + 25 || !png[..8].SequenceEqual(Signature))
        {
            throw new SegFuseInputException(name, "not a readable image (corrupt or not a PNG)");
        }

        int pos = 8;
        int width = 0, height = 0, bitDepth = 0, colorType = -1;
        byte[]? idat = null;
        int idatLength = 0;
        try
        {
            while (pos + 8 <= png.Length)
            {
                int length = BinaryPrimitives.ReadInt32BigEndian(png[pos..]);
                uint type = BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 4)..]);
                if (length < 0 || pos + 12 + length > png.Length)
                {
                    throw new SegFuseInputException(name, "corrupt PNG: a chunk runs past the end of the file (truncated?)");
                }

                var data = png.Slice(pos + 8, length);
                switch (type)
                {
                    case 0x49484452: // IHDR
                        width = BinaryPrimitives.ReadInt32BigEndian(data);
                        height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                        bitDepth = data[8];
                        colorType = data[9];
                        bool supported = data[12] == 0 && ((colorType == 0 && bitDepth is 8 or 16) || (colorType == 3 && bitDepth == 8));
                        if (!supported)
                        {
                            return null;
                        }

                        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue / 2)
                        {
                            throw new SegFuseInputException(name, $"corrupt PNG: size {width}x{height}");
                        }

                        idat = ArrayPool<byte>.Shared.Rent(Math.Max(png.Length, 1024));
                        break;
                    case 0x49444154: // IDAT
                        if (idat is null)
                        {
                            throw new SegFuseInputException(name, "corrupt PNG: image data before the header");
                        }

                        data.CopyTo(idat.AsSpan(idatLength));
                        idatLength += length;
                        break;
                    case 0x49454E44: // IEND
                        pos = png.Length;
                        continue;
                }

                pos += 12 + length;
            }

            if (idat is null || idatLength == 0)
            {
                throw new SegFuseInputException(name, "corrupt PNG: no image data");
            }

            return Inflate(idat, idatLength, width, height, bitDepth / 8, name);
        }
        finally
        {
            if (idat is not null)
            {
                ArrayPool<byte>.Shared.Return(idat);
            }
        }
    }

    private static GrayImage Inflate(byte[] idat, int idatLength, int width, int height, int bps, string name)
    {
        int stride = width * bps;
        int rawLength = checked((stride + 1) * height);
        byte[] raw = ArrayPool<byte>.Shared.Rent(rawLength);
        byte[] pixels = ArrayPool<byte>.Shared.Rent(stride * height);
        bool ok = false;
        try
        {
            using (var input = new MemoryStream(idat, 0, idatLength, writable: false))
            using (var z = new ZLibStream(input, CompressionMode.Decompress))
            {
                try
                {
                    z.ReadExactly(raw, 0, rawLength);
                }
                catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
                {
                    throw new SegFuseInputException(name, "corrupt PNG: the image data does not inflate to the full image (truncated or damaged)", e);
                }
            }

            Unfilter(raw, pixels, width, height, bps, name);
            if (bps == 2)
            {
                // PNG stores 16-bit samples big-endian.
                var words = MemoryMarshal.Cast<byte, ushort>(pixels.AsSpan(0, stride * height));
                if (BitConverter.IsLittleEndian)
                {
                    BinaryPrimitives.ReverseEndianness(words, words);
                }
            }

            ok = true;
            return new GrayImage(width, height, bps, pixels);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            if (!ok)
            {
                ArrayPool<byte>.Shared.Return(pixels);
            }
        }
    }

    /// <summary>Reverses the PNG row filters (None, Sub, Up, Average, Paeth) into <paramref name="dst"/>.</summary>
    private static void Unfilter(byte[] raw, byte[] dst, int width, int height, int bps, string name)
    {
        int stride = width * bps;
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            var src = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var cur = dst.AsSpan(y * stride, stride);
            var prev = y > 0 ? dst.AsSpan((y - 1) * stride, stride) : default;
            switch (filter)
            {
                case 0:
                    src.CopyTo(cur);
                    break;
                case 1:
                    UnfilterSub(src, cur, bps);
                    break;
                case 2:
                    if (y == 0)
                    {
                        src.CopyTo(cur);
                    }
                    else
                    {
                        AddRows(src, prev, cur);
                    }

                    break;
                case 3:
                    UnfilterAverage(src, prev, cur, bps, y > 0);
                    break;
                case 4:
                    UnfilterPaeth(src, prev, cur, bps, y > 0);
                    break;
                default:
                    throw new SegFuseInputException(name, $"corrupt PNG: unknown row filter {filter} in row {y}");
            }
        }
    }

    // The left-neighbour filters are serial: each byte needs the one decoded bpp bytes before it. The
    // loops keep those neighbours in locals, so a byte waits for an add, not for a store to be read back.

    /// <summary>Sub: cur[i] = src[i] + cur[i - bpp].</summary>
    internal static void UnfilterSub(ReadOnlySpan<byte> src, Span<byte> cur, int bps, bool allowSimd = true)
    {
        int i = 0;
        if (allowSimd && Ssse3.IsSupported && src.Length >= 16)
        {
            i = UnfilterSubSsse3(src, cur, bps);
        }

        // Scalar (and the tail after the vectors): the running left neighbours live in locals.
        if (bps == 1)
        {
            byte a = i > 0 ? cur[i - 1] : (byte)0;
            for (; i < src.Length; i++)
            {
                a = (byte)(src[i] + a);
                cur[i] = a;
            }

            return;
        }

        byte a0 = i > 0 ? cur[i - 2] : (byte)0, a1 = i > 0 ? cur[i - 1] : (byte)0;
        for (; i + 1 < src.Length; i += 2)
        {
            a0 = (byte)(src[i] + a0);
            a1 = (byte)(src[i + 1] + a1);
            cur[i] = a0;
            cur[i + 1] = a1;
        }
    }

    /// <summary>
    /// Sub as a running sum, 16 bytes a step: within a vector, log-step prefix sums (add the vector
    /// shifted by 1, 2, 4, 8 bytes — or 2, 4, 8 for 16-bit samples, whose high and low bytes run as two
    /// separate sums); then add the carry, the last decoded sample broadcast to every lane. Returns how many
    /// bytes were done.
    /// </summary>
    private static int UnfilterSubSsse3(ReadOnlySpan<byte> src, Span<byte> cur, int bps)
    {
        // pshufb masks that broadcast the last byte (8-bit) or the last byte pair (16-bit) of a vector.
        var broadcast = bps == 1
            ? Vector128.Create((byte)15)
            : Vector128.Create((byte)14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15, 14, 15);
        var carry = Vector128<byte>.Zero;
        int i = 0;
        for (; i <= src.Length - 16; i += 16)
        {
            var v = Vector128.Create(src[i..]);
            if (bps == 1)
            {
                v = Sse2.Add(v, Sse2.ShiftLeftLogical128BitLane(v, 1));
            }

            v = Sse2.Add(v, Sse2.ShiftLeftLogical128BitLane(v, 2));
            v = Sse2.Add(v, Sse2.ShiftLeftLogical128BitLane(v, 4));
            v = Sse2.Add(v, Sse2.ShiftLeftLogical128BitLane(v, 8));
            v = Sse2.Add(v, carry);
            v.CopyTo(cur[i..]);
            carry = Ssse3.Shuffle(v, broadcast);
        }

        return i;
    }

    /// <summary>Average: cur[i] = src[i] + (cur[i - bpp] + prev[i]) / 2.</summary>
    private static void UnfilterAverage(ReadOnlySpan<byte> src, ReadOnlySpan<byte> prev, Span<byte> cur, int bps, bool hasPrev)
    {
        for (int i = 0; i < src.Length; i++)
        {
            int a = i >= bps ? cur[i - bps] : 0;
            int b = hasPrev ? prev[i] : 0;
            cur[i] = (byte)(src[i] + ((a + b) >> 1));
        }
    }

    /// <summary>Paeth: cur[i] = src[i] + the one of left, up, up-left nearest to left + up − up-left.</summary>
    private static void UnfilterPaeth(ReadOnlySpan<byte> src, ReadOnlySpan<byte> prev, Span<byte> cur, int bps, bool hasPrev)
    {
        if (!hasPrev)
        {
            // With no row above, Paeth picks the left neighbour: the same as Sub.
            UnfilterSub(src, cur, bps);
            return;
        }

        if (bps == 1)
        {
            int a = 0, c = 0;
            for (int i = 0; i < src.Length; i++)
            {
                int b = prev[i];
                int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - c - c);
                int pred = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
                a = (byte)(src[i] + pred);
                cur[i] = (byte)a;
                c = b;
            }

            return;
        }

        for (int i = 0; i < src.Length; i++)
        {
            int a = i >= bps ? cur[i - bps] : 0;
            int b = prev[i];
            int c = i >= bps ? prev[i - bps] : 0;
            int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - c - c);
            int pred = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
            cur[i] = (byte)(src[i] + pred);
        }
    }

    /// <summary>cur = src + prev, bytewise, vectorised.</summary>
    private static void AddRows(ReadOnlySpan<byte> src, ReadOnlySpan<byte> prev, Span<byte> cur)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // 32 bytes a step; byte addition wraps like the PNG filter's modulo 256.
            for (; i <= src.Length - 32; i += 32)
            {
                var v = Vector256.Create(src[i..]) + Vector256.Create(prev[i..]);
                v.CopyTo(cur[i..]);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= src.Length - 16; i += 16)
            {
                var v = Vector128.Create(src[i..]) + Vector128.Create(prev[i..]);
                v.CopyTo(cur[i..]);
            }
        }

        // Scalar tail.
        for (; i < src.Length; i++)
        {
            cur[i] = (byte)(src[i] + prev[i]);
        }
    }
}
