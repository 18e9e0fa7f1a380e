using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SegFuse.IO;

/// <summary>
/// The header of a NumPy <c>.npy</c> file (format versions 1.0, 2.0 and 3.0): the dtype string, the memory order and
/// the shape, and where the data starts. One parser for every <c>.npy</c> SegFuse reads (flow fields, per-class scores).
/// </summary>
/// <param name="Descr">The dtype as NumPy writes it, e.g. <c>&lt;f4</c> (little-endian float32).</param>
/// <param name="FortranOrder">Whether the array is stored in Fortran (column-major) order.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar.</param>
/// <param name="DataOffset">Byte offset of the first element from the start of the file.</param>
public sealed partial record NpyHeader(string Descr, bool FortranOrder, IReadOnlyList<int> Shape, long DataOffset)
{
    /// <summary>The magic string that opens every <c>.npy</c> file: <c>\x93NUMPY</c>.</summary>
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Whether <see cref="Descr"/> is little-endian float32 (<c>&lt;f4</c>; <c>=f4</c> and <c>f4</c> count as native = little-endian).</summary>
    public bool IsFloat32 => Descr is "<f4" or "=f4" or "f4";

    /// <summary>Whether <see cref="Descr"/> is little-endian float16 (<c>&lt;f2</c>, <c>=f2</c> or <c>f2</c>).</summary>
    public bool IsFloat16 => Descr is "<f2" or "=f2" or "f2";

    /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The shape as NumPy prints it without the parentheses, e.g. <c>3, 4, 2</c>.</summary>
    public string ShapeText => string.Join(", ", Shape);

    /// <summary>
    /// Reads the header from the start of <paramref name="stream"/> and leaves the stream at <see cref="DataOffset"/>.
    /// </summary>
    /// <param name="stream">A readable, seekable stream positioned at the start of the file.</param>
    /// <param name="path">The file's path, for error messages.</param>
    /// <exception cref="SegFuseInputException">Not a <c>.npy</c> file, an unsupported version, a truncated or corrupt header.</exception>
    public static NpyHeader Read(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long length = stream.Length;

        // Magic (6), version major and minor (2), header length: uint16 in version 1, uint32 in versions 2 and 3.
        Span<byte> pre = stackalloc byte[12];
        if (length < 10)
        {
            throw new SegFuseInputException(path, $"truncated .npy: {length} bytes");
        }

        stream.ReadExactly(pre[..10]);
        if (!pre[..6].SequenceEqual(Magic))
        {
            throw new SegFuseInputException(path, "not a NumPy .npy file (the magic string \\x93NUMPY is missing)");
        }

        int major = pre[6];
        int prefix;
        long headerLength;
        if (major == 1)
        {
            prefix = 10;
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]);
        }
        else if (major is 2 or 3)
        {
            if (length < 12)
            {
                throw new SegFuseInputException(path, $"truncated .npy: {length} bytes");
            }

            stream.ReadExactly(pre[10..12]);
            prefix = 12;
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(pre[8..]);
            if (headerLength > 1 << 20)
            {
                throw new SegFuseInputException(path, $"corrupt .npy: header length {headerLength}");
            }
        }
        else
        {
            throw new SegFuseInputException(path, $"unsupported .npy format version {major}.{pre[7]}");
        }

        if (length < prefix + headerLength)
        {
            throw new SegFuseInputException(path, $"truncated .npy: {length} bytes, the header alone needs {prefix + headerLength}");
        }

        byte[] headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new SegFuseInputException(path, $"corrupt .npy header: {header.Trim()}");
        }

        var dims = new List<int>();
        foreach (var text in shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
            {
                throw new SegFuseInputException(path, $"corrupt .npy header: shape ({shape.Groups[1].Value})");
            }

            dims.Add(d);
        }

        return new NpyHeader(descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims, prefix + headerLength);
    }

    /// <summary>
    /// The bytes of a version 1.0 header for a C-order array of <paramref name="descr"/> and <paramref name="shape"/>:
    /// magic, version, length, then the header dict padded with spaces and ended by a newline so that the data starts
    /// at a multiple of 64 bytes (what <c>numpy.save</c> writes).
    /// </summary>
    /// <param name="descr">The dtype, e.g. <c>&lt;f4</c>.</param>
    /// <param name="shape">The dimensions, outermost first.</param>
    public static byte[] Format(string descr, IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        string dims = shape.Count == 1 ? $"{shape[0].ToString(CultureInfo.InvariantCulture)}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        const int Prefix = 10;
        int total = (Prefix + dict.Length + 1 + 63) / 64 * 64;
        string padded = dict.PadRight(total - Prefix - 1) + "\n";
        var bytes = new byte[total];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)padded.Length);
        Encoding.ASCII.GetBytes(padded, bytes.AsSpan(Prefix));
        return bytes;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
