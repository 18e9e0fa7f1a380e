using System.Buffers.Binary;
using System.Text;
using SegFuse.Fusion.Evidence;
using SegFuse.Fusion.IO;
using SegFuse.Fusion.Tests.Support;
using SegFuse.IO;

namespace SegFuse.Fusion.Tests.Core;

/// <summary>Per-class score files (.npy C×H×W) read through the shared <see cref="NpyHeader"/> parser.</summary>
public class ScoreFileTests
{
    // Three channels (classes 4, 7, 9) over a 2x1 image, channel-major: pixel 0 favours channel 1, pixel 1 channel 2.
    private static readonly float[] Probabilities = [0.2f, 0.1f, 0.7f, 0.3f, 0.1f, 0.6f];
    private static readonly byte[] Classes = [4, 7, 9];

    [Fact]
    public void Float32_probabilities_give_the_two_best_classes_with_their_probabilities()
    {
        using var tmp = new TempDir();
        string path = Write(tmp, "p.npy", NpyHeader.Format("<f4", [3, 1, 2]), Float32(Probabilities));
        Assert.Equal((3, 1, 2), ScoreFile.ReadShape(path));
        var obs = new uint[2];
        ScoreFile.ReadTop2(path, Classes, 2, 1, obs);
        Assert.Equal(EvidenceOps.Pack4(7, Q(0.7f), 4, Q(0.2f)), obs[0]);
        Assert.Equal(EvidenceOps.Pack4(9, Q(0.6f), 7, Q(0.3f)), obs[1]);
    }

    [Fact]
    public void Float16_logits_go_through_a_softmax()
    {
        using var tmp = new TempDir();
        float[] logits = [0f, 2f, 0f, 0f, 0f, 0f];
        var bytes = new byte[logits.Length * 2];
        for (int i = 0; i < logits.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)logits[i]);
        }

        string path = Write(tmp, "l.npy", NpyHeader.Format("<f2", [3, 1, 2]), bytes);
        var obs = new uint[2];
        ScoreFile.ReadTop2(path, Classes, 2, 1, obs);

        // Pixel 0: softmax(0, 0, 0) = 1/3 each, the first channels win the tie. Pixel 1: e²/(e² + 2) and 1/(e² + 2).
        Assert.Equal(EvidenceOps.Pack4(4, 85, 7, 85), obs[0]);
        float e2 = MathF.Exp(2);
        Assert.Equal(EvidenceOps.Pack4(4, Q(e2 / (e2 + 2)), 7, Q(1 / (e2 + 2))), obs[1]);
    }

    [Fact]
    public void A_version_2_header_is_read()
    {
        using var tmp = new TempDir();
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1, 2), }";
        string padded = dict.PadRight(64 - 12 - 1) + "\n";
        var header = new byte[12 + padded.Length];
        NpyHeader.Format("<f4", [1]).AsSpan(0, 6).CopyTo(header);
        header[6] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)padded.Length);
        Encoding.ASCII.GetBytes(padded, header.AsSpan(12));
        string path = Write(tmp, "v2.npy", header, Float32(Probabilities));
        var obs = new uint[2];
        ScoreFile.ReadTop2(path, Classes, 2, 1, obs);
        Assert.Equal(7, (int)(obs[0] & 0xFF));
        Assert.Equal(9, (int)(obs[1] & 0xFF));
    }

    [Theory]
    [InlineData("<f8", false, "float16 or float32")]
    [InlineData("<f4", true, "C order")]
    [InlineData("<f4", false, "shape")]
    public void Wrong_dtype_order_or_rank_is_an_input_error_naming_the_file(string descr, bool fortran, string reason)
    {
        using var tmp = new TempDir();
        string shape = reason == "shape" ? "(6,)" : "(3, 1, 2)";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        string padded = dict.PadRight(64 - 10 - 1) + "\n";
        var header = new byte[10 + padded.Length];
        NpyHeader.Format("<f4", [1]).AsSpan(0, 8).CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)padded.Length);
        Encoding.ASCII.GetBytes(padded, header.AsSpan(10));
        string path = Write(tmp, "bad.npy", header, new byte[48]);
        var e = Assert.Throws<SegFuseInputException>(() => ScoreFile.ReadShape(path));
        Assert.Equal(path, e.Subject);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_a_npy_and_a_truncated_file_are_input_errors()
    {
        using var tmp = new TempDir();
        string text = Write(tmp, "text.npy", Encoding.ASCII.GetBytes("hello, world"), []);
        Assert.Contains("not a NumPy", Assert.Throws<SegFuseInputException>(() => ScoreFile.ReadShape(text)).Reason, StringComparison.Ordinal);

        string shortData = Write(tmp, "short.npy", NpyHeader.Format("<f4", [3, 1, 2]), Float32(Probabilities)[..20]);
        var obs = new uint[2];
        Assert.Contains("truncated", Assert.Throws<SegFuseInputException>(() => ScoreFile.ReadTop2(shortData, Classes, 2, 1, obs)).Reason, StringComparison.Ordinal);

        var header = NpyHeader.Format("<f4", [3, 1, 2]);
        string shortHeader = Write(tmp, "short-header.npy", header[..40], []);
        Assert.Contains("truncated", Assert.Throws<SegFuseInputException>(() => ScoreFile.ReadShape(shortHeader)).Reason, StringComparison.Ordinal);
    }

    private static uint Q(float p) => (uint)MathF.Round(p * 255);

    private static byte[] Float32(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    private static string Write(TempDir tmp, string name, byte[] header, byte[] data)
    {
        string path = Path.Combine(tmp.Path, name);
        File.WriteAllBytes(path, [.. header, .. data]);
        return path;
    }
}
