using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OpenCvSharp;
using SegFuse.IO;

namespace SegFuse.Timeline.Flow;

/// <summary>The file formats of optical flow fields that SegFuse reads and writes.</summary>
public enum FlowFormat
{
    /// <summary>Middlebury <c>.flo</c>: float32 202021.25 ("PIEH"), int32 width, int32 height, then float32 u, v per pixel, row after row, little-endian.</summary>
    Flo,

    /// <summary>KITTI 16-bit RGB PNG: R = u·64 + 2^15, G = v·64 + 2^15, B = valid (non-zero). Vectors are quantised to 1/64 px within ±512 px.</summary>
    Kitti,

    /// <summary>NumPy <c>.npy</c>, little-endian float32, C order, shape (H, W, 2) holding u, v.</summary>
    Npy,
}

/// <summary>
/// Reads and writes flow fields as Middlebury <c>.flo</c>, KITTI 16-bit PNG or <c>.npy</c>; the format follows the extension
/// (<c>.flo</c>, <c>.png</c>, <c>.npy</c>).
/// </summary>
/// <remarks>
/// <para>Round trips are exact: a field written and read back in the same format has the same float bits, except that
/// KITTI stores 1/64 px steps (a field read from a KITTI PNG is written back identically) and that <c>.flo</c>/<c>.npy</c>
/// store an invalid vector (mask 0) as Middlebury's unknown value 1e10, which reads back as invalid.</para>
/// <para>Reading <c>.flo</c>/<c>.npy</c> marks vectors with a non-finite component or a component beyond 1e9 invalid (Middlebury's rule).</para>
/// </remarks>
public static class FlowFile
{
    /// <summary>The float that opens a <c>.flo</c> file (bytes "PIEH").</summary>
    public const float FloMagic = 202021.25f;

    private const int FloHeaderBytes = 12;
    private const int KittiZero = 1 << 15;
    private const float KittiScale = 64f;

    /// <summary>The file extension of <paramref name="format"/>, with the dot.</summary>
    public static string ExtensionOf(FlowFormat format) => format switch
    {
        FlowFormat.Flo => ".flo",
        FlowFormat.Kitti => ".png",
        FlowFormat.Npy => ".npy",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Every extension a flow file may have: <c>.flo</c>, <c>.png</c>, <c>.npy</c>.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".flo", ".png", ".npy"];

    /// <summary>The format of <paramref name="path"/> from its extension, or null for an extension that is not a flow format.</summary>
    public static FlowFormat? TryGetFormat(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".flo" => FlowFormat.Flo,
        ".png" => FlowFormat.Kitti,
        ".npy" => FlowFormat.Npy,
        _ => null,
    };

    /// <summary>Reads a flow field in the format its extension names.</summary>
    /// <exception cref="SegFuseInputException">Missing file, unknown extension, corrupt or truncated content.</exception>
    public static FlowField Read(string path) => Read(path, null);

    /// <summary>
    /// As <see cref="Read(string)"/>, but reads a <c>.flo</c> or <c>.npy</c> field into <paramref name="reuse"/> when it
    /// has the file's size (a frame loop then allocates no field per frame); otherwise returns a new field.
    /// </summary>
    /// <remarks>Does not take ownership of <paramref name="reuse"/>; its vectors and mask are overwritten, also when the file turns out to be bad.</remarks>
    /// <exception cref="SegFuseInputException">Missing file, unknown extension, corrupt or truncated content.</exception>
    public static FlowField Read(string path, FlowField? reuse)
    {
        var format = TryGetFormat(path) ?? throw new SegFuseInputException(path, "not a flow file (expected .flo, .png or .npy)");
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        try
        {
            return format switch
            {
                FlowFormat.Flo => ReadFlo(path, reuse),
                FlowFormat.Kitti => ReadKitti(path),
                _ => ReadNpy(path, reuse),
            };
        }
        catch (IOException e) when (e is not EndOfStreamException)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }
    }

    /// <summary>
    /// The size of the field in <paramref name="path"/> from its header alone (the <c>.flo</c> header, the <c>.npy</c>
    /// header, the PNG IHDR chunk), without reading the vectors. The rest of the file is checked when it is read.
    /// </summary>
    /// <exception cref="SegFuseInputException">Missing file, unknown extension, corrupt header.</exception>
    public static (int Width, int Height) ReadSize(string path)
    {
        var format = TryGetFormat(path) ?? throw new SegFuseInputException(path, "not a flow file (expected .flo, .png or .npy)");
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        if (format == FlowFormat.Npy)
        {
            var (w, h, offset) = ReadNpyHeader(stream, path);
            CheckLength(path, stream.Length, offset, w, h, ".npy");
            return (w, h);
        }

        if (format == FlowFormat.Flo)
        {
            var (w, h) = ReadFloHeader(stream, path);
            CheckLength(path, stream.Length, FloHeaderBytes, w, h, ".flo");
            return (w, h);
        }

        // PNG: 8-byte signature, then the IHDR chunk: length (4), "IHDR", width (4, big-endian), height (4), bit depth, colour type.
        Span<byte> png = stackalloc byte[26];
        if (stream.Length < png.Length)
        {
            throw new SegFuseInputException(path, "not a readable PNG (corrupt or truncated)");
        }

        stream.ReadExactly(png);
        if (png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G' || png[12] != (byte)'I' || png[13] != (byte)'H')
        {
            throw new SegFuseInputException(path, "not a readable PNG (corrupt or truncated)");
        }

        int width = BinaryPrimitives.ReadInt32BigEndian(png[16..]);
        int height = BinaryPrimitives.ReadInt32BigEndian(png[20..]);
        if (png[24] != 16 || png[25] != 2)
        {
            throw new SegFuseInputException(path, $"a KITTI flow PNG is 16-bit RGB, this one has bit depth {png[24]} and colour type {png[25]}");
        }

        return (width, height);
    }

    /// <summary>Writes <paramref name="field"/> in the format <paramref name="path"/>'s extension names, atomically.</summary>
    /// <exception cref="ArgumentException">The extension is not a flow format.</exception>
    public static void Write(string path, FlowField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        var format = TryGetFormat(path) ?? throw new ArgumentException($"{path}: not a flow file extension (.flo, .png or .npy)", nameof(path));
        switch (format)
        {
            case FlowFormat.Flo:
                AtomicFile.Write(path, s => WriteFlo(s, field));
                break;
            case FlowFormat.Kitti:
                WriteKitti(path, field);
                break;
            default:
                AtomicFile.Write(path, s => WriteNpy(s, field));
                break;
        }
    }

    /// <summary>
    /// As <see cref="Write"/>, but straight to <paramref name="path"/> without a temporary name, for a caller that
    /// writes into a staging folder of its own (which makes the whole set atomic): one rename less per file.
    /// </summary>
    internal static void WriteStaged(string path, FlowField field)
    {
        var format = TryGetFormat(path) ?? throw new ArgumentException($"{path}: not a flow file extension (.flo, .png or .npy)", nameof(path));
        if (format == FlowFormat.Kitti)
        {
            WriteKitti(path, field);
            return;
        }

        // Unbuffered (the body is one large write), and the file's blocks reserved at once.
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            PreallocationSize = FloHeaderBytes + (8L * field.Width * field.Height),
        });
        if (format == FlowFormat.Flo)
        {
            WriteFlo(stream, field);
        }
        else
        {
            WriteNpy(stream, field);
        }
    }

    /// <summary>Writes <paramref name="field"/> as Middlebury <c>.flo</c> to <paramref name="stream"/>.</summary>
    public static void WriteFlo(Stream stream, FlowField field)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(field);
        Span<byte> header = stackalloc byte[FloHeaderBytes];
        BinaryPrimitives.WriteSingleLittleEndian(header, FloMagic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], field.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], field.Height);
        stream.Write(header);
        WriteVectors(stream, field);
    }

    /// <summary>Writes <paramref name="field"/> as a little-endian float32 (H, W, 2) <c>.npy</c> (format version 1.0) to <paramref name="stream"/>.</summary>
    public static void WriteNpy(Stream stream, FlowField field)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(field);
        stream.Write(NpyHeader.Format("<f4", [field.Height, field.Width, 2]));
        WriteVectors(stream, field);
    }

    private static void WriteVectors(Stream stream, FlowField field)
    {
        if (!field.HasValidMask && BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(field.Span));
            return;
        }

        // Row by row through a pooled buffer: invalid vectors become the unknown value, and big-endian hosts swap bytes.
        byte[] row = ArrayPool<byte>.Shared.Rent(field.RowStride * sizeof(float));
        try
        {
            for (int y = 0; y < field.Height; y++)
            {
                var src = field.GetRowSpan(y);
                var mask = field.HasValidMask ? field.GetValidRowSpan(y) : default;
                var dst = row.AsSpan(0, field.RowStride * sizeof(float));
                for (int i = 0; i < src.Length; i++)
                {
                    float value = mask.IsEmpty || mask[i >> 1] != 0 ? src[i] : FlowField.UnknownValue;
                    BinaryPrimitives.WriteSingleLittleEndian(dst[(i * sizeof(float))..], value);
                }

                stream.Write(dst);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(row);
        }
    }

    private static void ReadVectors(Stream stream, FlowField field)
    {
        var bytes = MemoryMarshal.AsBytes(field.Span);
        stream.ReadExactly(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(field.Span);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }

        field.MarkUnknownVectors();
    }

    private static FlowField ReadFlo(string path, FlowField? reuse)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (width, height) = ReadFloHeader(stream, path);
        CheckLength(path, stream.Length, FloHeaderBytes, width, height, ".flo");

        var field = reuse is not null && reuse.Width == width && reuse.Height == height ? reuse : new FlowField(width, height);
        ReadVectors(stream, field);
        return field;
    }

    private static void CheckLength(string path, long length, long dataOffset, int width, int height, string kind)
    {
        long expected = dataOffset + ((long)width * height * 2 * sizeof(float));
        if (length != expected)
        {
            throw new SegFuseInputException(path, length < expected
                ? $"truncated {kind}: {length} bytes where a {width}x{height} field needs {expected}"
                : $"corrupt {kind}: {length} bytes where a {width}x{height} field has {expected}");
        }
    }

    private static (int Width, int Height) ReadFloHeader(Stream stream, string path)
    {
        long length = stream.Length;
        if (length < FloHeaderBytes)
        {
            throw new SegFuseInputException(path, $"truncated .flo: {length} bytes, shorter than the 12-byte header");
        }

        Span<byte> header = stackalloc byte[FloHeaderBytes];
        stream.ReadExactly(header);
        float magic = BinaryPrimitives.ReadSingleLittleEndian(header);
        if (magic != FloMagic)
        {
            throw new SegFuseInputException(path, $"not a Middlebury .flo file: the magic number is {magic.ToString(CultureInfo.InvariantCulture)} (bytes '{Printable(header[..4])}'), expected 202021.25 ('PIEH')");
        }

        int width = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue / 2)
        {
            throw new SegFuseInputException(path, $"corrupt .flo: impossible size {width}x{height}");
        }

        return (width, height);
    }

    private static FlowField ReadNpy(string path, FlowField? reuse)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (width, height, dataOffset) = ReadNpyHeader(stream, path);
        CheckLength(path, stream.Length, dataOffset, width, height, ".npy");

        var field = reuse is not null && reuse.Width == width && reuse.Height == height ? reuse : new FlowField(width, height);
        ReadVectors(stream, field);
        return field;
    }

    private static (int Width, int Height, long DataOffset) ReadNpyHeader(Stream stream, string path)
    {
        var header = NpyHeader.Read(stream, path);
        if (!header.IsFloat32)
        {
            throw new SegFuseInputException(path, $"a flow .npy holds little-endian float32 ('<f4'), not '{header.Descr}'");
        }

        if (header.FortranOrder)
        {
            throw new SegFuseInputException(path, "a flow .npy must be in C order (fortran_order is True)");
        }

        var shape = header.Shape;
        if (shape.Count != 3 || shape[2] != 2 || shape[0] <= 0 || shape[1] <= 0)
        {
            throw new SegFuseInputException(path, $"a flow .npy has shape (H, W, 2), not ({header.ShapeText})");
        }

        return (shape[1], shape[0], header.DataOffset);
    }

    private static FlowField ReadKitti(string path)
    {
        using var mat = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (mat.Empty())
        {
            throw new SegFuseInputException(path, "not a readable PNG (corrupt or truncated)");
        }

        if (mat.Type() != MatType.CV_16UC3)
        {
            throw new SegFuseInputException(path, $"a KITTI flow PNG is 16-bit with 3 channels, this one is {mat.Depth() switch { 0 => 8, 2 => 16, _ => mat.ElemSize1() * 8 }}-bit with {mat.Channels()}");
        }

        using var contiguous = mat.IsContinuous() ? null : mat.Clone();
        var src = (contiguous ?? mat).AsSpan<ushort>();
        var field = new FlowField(mat.Width, mat.Height);
        var dst = field.Span;
        var mask = field.ValidMask;
        bool anyInvalid = false;
        for (int p = 0; p < mask.Length; p++)
        {
            // OpenCV decodes to B, G, R: B = valid, G = v, R = u.
            ushort b = src[p * 3], g = src[(p * 3) + 1], r = src[(p * 3) + 2];
            dst[p * 2] = (r - KittiZero) / KittiScale;
            dst[(p * 2) + 1] = (g - KittiZero) / KittiScale;
            bool valid = b != 0;
            mask[p] = valid ? (byte)1 : (byte)0;
            anyInvalid |= !valid;
        }

        if (!anyInvalid)
        {
            field.ClearValidMask();
        }

        return field;
    }

    private static void WriteKitti(string path, FlowField field)
    {
        using var mat = new Mat(field.Height, field.Width, MatType.CV_16UC3);
        var dst = mat.AsSpan<ushort>();
        var src = field.Span;
        bool masked = field.HasValidMask;
        var mask = masked ? field.ValidMask : default;
        for (int p = 0; p < field.Width * field.Height; p++)
        {
            float u = src[p * 2], v = src[(p * 2) + 1];
            bool valid = (!masked || mask[p] != 0) && float.IsFinite(u) && float.IsFinite(v);
            dst[p * 3] = valid ? (ushort)1 : (ushort)0;
            dst[(p * 3) + 1] = ToKitti(v);
            dst[(p * 3) + 2] = ToKitti(u);
        }

        using var file = new AtomicFile(path);
        if (!Cv2.ImWrite(file.TempPath, mat))
        {
            throw new IOException($"{path}: OpenCV could not write the PNG");
        }

        file.Commit();
    }

    private static ushort ToKitti(float c)
    {
        if (!float.IsFinite(c))
        {
            return KittiZero;
        }

        double k = Math.Round((c * (double)KittiScale) + KittiZero, MidpointRounding.ToEven);
        return (ushort)Math.Clamp(k, 0, ushort.MaxValue);
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        }

        return sb.ToString();
    }
}
