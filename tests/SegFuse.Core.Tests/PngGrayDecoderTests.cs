using System.Buffers.Binary;
using System.IO.Compression;
using OpenCvSharp;
using SegFuse.IO;

namespace SegFuse.Core.Tests;

public class PngGrayDecoderTests
{
    [Theory]
    [InlineData(MatType.CV_8U)]
    [InlineData(MatType.CV_16U)]
    public void Decodes_what_OpenCV_writes_to_the_same_samples(int depth)
    {
        var rng = new Random(depth + 1);
        using var mat = new Mat(37, 53, MatType.MakeType(depth, 1));
        for (int y = 0; y < 37; y++)
        {
            for (int x = 0; x < 53; x++)
            {
                int v = (x / 7) + (y / 5 * 3) + (rng.Next(10) == 0 ? rng.Next(40) : 0);
                if (depth == MatType.CV_8U)
                {
                    mat.Set(y, x, (byte)v);
                }
                else
                {
                    mat.Set(y, x, (ushort)((v * 1000) + (x % 3)));
                }
            }
        }

        string path = Path.Combine(Path.GetTempPath(), $"gray-{Guid.NewGuid():N}.png");
        Assert.True(Cv2.ImWrite(path, mat));
        try
        {
            using var img = PngGrayDecoder.TryDecode(path)!;
            Assert.Equal(53, img.Width);
            Assert.Equal(37, img.Height);
            if (depth == MatType.CV_8U)
            {
                Assert.True(img.Bytes.SequenceEqual(mat.AsSpan<byte>()));
            }
            else
            {
                Assert.True(img.Words.SequenceEqual(mat.AsSpan<ushort>()));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<int, int> FilterCases()
    {
        var data = new TheoryData<int, int>();
        foreach (int bps in new[] { 1, 2 })
        {
            for (int first = 0; first < 5; first++)
            {
                data.Add(bps, first);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Every_row_filter_is_reversed(int bytesPerSample, int firstFilter)
    {
        // Rows filtered None, Sub, Up, Average, Paeth in turn by the encoder below, starting with firstFilter
        // (so the first row, which has no row above, meets each filter too).
        int w = 19, h = 10;
        var rng = new Random(3);
        var samples = new byte[h, w * bytesPerSample];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w * bytesPerSample; x++)
            {
                samples[y, x] = (byte)rng.Next(256);
            }
        }

        byte[] png = EncodeGray(samples, w, h, bytesPerSample, colorType: 0, firstFilter);
        using var img = PngGrayDecoder.TryDecode(png, "test.png")!;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int expected = bytesPerSample == 1 ? samples[y, x] : (samples[y, 2 * x] << 8) | samples[y, (2 * x) + 1];
                int actual = bytesPerSample == 1 ? img.Bytes[(y * w) + x] : img.Words[(y * w) + x];
                Assert.Equal(expected, actual);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Vectorised_sub_filter_equals_the_scalar_loop(int bytesPerSample)
    {
        var rng = new Random(bytesPerSample);
        for (int length = bytesPerSample; length < 200; length += bytesPerSample)
        {
            var src = new byte[length];
            rng.NextBytes(src);
            var simd = new byte[length];
            var scalar = new byte[length];
            PngGrayDecoder.UnfilterSub(src, simd, bytesPerSample, allowSimd: true);
            PngGrayDecoder.UnfilterSub(src, scalar, bytesPerSample, allowSimd: false);
            Assert.Equal(scalar, simd);

            // And the scalar loop is the filter's definition: cur[i] = src[i] + cur[i - bpp].
            for (int i = 0; i < length; i++)
            {
                Assert.Equal((byte)(src[i] + (i >= bytesPerSample ? scalar[i - bytesPerSample] : 0)), scalar[i]);
            }
        }
    }

    [Fact]
    public void Palette_pngs_give_their_indices_as_PIL_does()
    {
        var samples = new byte[2, 3] { { 0, 5, 20 }, { 255, 7, 7 } };
        byte[] png = EncodeGray(samples, 3, 2, 1, colorType: 3);
        using var img = PngGrayDecoder.TryDecode(png, "voc.png")!;
        Assert.Equal(new byte[] { 0, 5, 20, 255, 7, 7 }, img.Bytes.ToArray());
    }

    [Fact]
    public void Colour_pngs_are_left_to_OpenCV()
    {
        using var mat = new Mat(4, 4, MatType.CV_8UC3, Scalar.All(9));
        Cv2.ImEncode(".png", mat, out byte[] png);
        Assert.Null(PngGrayDecoder.TryDecode(png, "rgb.png"));
    }

    [Fact]
    public void A_truncated_png_is_an_input_error()
    {
        using var mat = new Mat(64, 64, MatType.CV_8UC1);
        Cv2.Randu(mat, Scalar.All(0), Scalar.All(255));
        Cv2.ImEncode(".png", mat, out byte[] png);
        var e = Assert.Throws<SegFuseInputException>(() => PngGrayDecoder.TryDecode(png.AsSpan(0, png.Length / 2), "cut.png"));
        Assert.Equal("cut.png", e.Subject);
        Assert.Contains("corrupt PNG", e.Reason, StringComparison.Ordinal);
    }

    /// <summary>A plain PNG encoder for the test: row y uses filter (y + firstFilter) % 5.</summary>
    private static byte[] EncodeGray(byte[,] samples, int w, int h, int bps, int colorType, int firstFilter = 0)
    {
        int stride = w * bps;
        var raw = new MemoryStream();
        for (int y = 0; y < h; y++)
        {
            int filter = (y + firstFilter) % 5;
            raw.WriteByte((byte)filter);
            for (int i = 0; i < stride; i++)
            {
                int x = samples[y, i];
                int a = i >= bps ? samples[y, i - bps] : 0;
                int b = y > 0 ? samples[y - 1, i] : 0;
                int c = i >= bps && y > 0 ? samples[y - 1, i - bps] : 0;
                int p = a + b - c;
                int paeth = Math.Abs(p - a) <= Math.Abs(p - b) && Math.Abs(p - a) <= Math.Abs(p - c) ? a : (Math.Abs(p - b) <= Math.Abs(p - c) ? b : c);
                int predictor = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => paeth };
                raw.WriteByte((byte)(x - predictor));
            }
        }

        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true))
        {
            raw.Position = 0;
            raw.CopyTo(zs);
        }

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)(bps * 8);
        ihdr[9] = (byte)colorType;
        Chunk(png, "IHDR", ihdr);
        if (colorType == 3)
        {
            Chunk(png, "PLTE", new byte[256 * 3]);
        }

        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        s.Write(System.Text.Encoding.ASCII.GetBytes(type));
        s.Write(data);
        s.Write(new byte[4]); // CRC is not checked by the decoder (zlib's Adler-32 guards the data).
    }
}
