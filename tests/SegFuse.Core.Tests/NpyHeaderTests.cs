using SegFuse.IO;

namespace SegFuse.Core.Tests;

public class NpyHeaderTests
{
    [Fact]
    public void A_formatted_header_is_padded_to_64_bytes_ends_with_a_newline_and_reads_back()
    {
        byte[] h = NpyHeader.Format("<f2", [19, 720, 1280]);
        Assert.Equal(0, h.Length % 64);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, h[..8]);
        Assert.Equal(h.Length - 10, h[8] | (h[9] << 8));
        string dict = System.Text.Encoding.ASCII.GetString(h, 10, h.Length - 10);
        Assert.StartsWith("{'descr': '<f2', 'fortran_order': False, 'shape': (19, 720, 1280), }", dict, StringComparison.Ordinal);
        Assert.EndsWith(" \n", dict, StringComparison.Ordinal);
        Assert.Contains("(5,)", System.Text.Encoding.ASCII.GetString(NpyHeader.Format("<f2", [5])), StringComparison.Ordinal);

        using var stream = new MemoryStream(h);
        var read = NpyHeader.Read(stream, "h.npy");
        Assert.True(read.IsFloat16);
        Assert.False(read.FortranOrder);
        Assert.Equal([19, 720, 1280], read.Shape);
        Assert.Equal(h.Length, read.DataOffset);
    }
}
