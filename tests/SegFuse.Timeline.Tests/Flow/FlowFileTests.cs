using System.Runtime.InteropServices;
using SegFuse.Timeline.Flow;

namespace SegFuse.Timeline.Tests.Flow;

public sealed class FlowFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static FlowField RandomField(int width, int height, int seed, float range = 40f)
    {
        var rng = new Random(seed);
        var field = new FlowField(width, height);
        var span = field.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)((rng.NextDouble() * 2) - 1) * range;
        }

        // A few awkward values that must survive bit for bit.
        span[0] = -0f;
        span[1] = float.Epsilon;
        span[2] = 1e-30f;
        span[3] = -123456.789f;
        return field;
    }

    private static FlowField KittiField(int width, int height, int seed)
    {
        // KITTI stores multiples of 1/64 within ±512 px; a field of such values must come back exactly.
        var rng = new Random(seed);
        var field = new FlowField(width, height);
        var span = field.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (rng.Next(0, 65536) - 32768) / 64f;
        }

        var mask = field.ValidMask;
        for (int p = 0; p < mask.Length; p++)
        {
            mask[p] = (byte)(rng.Next(5) == 0 ? 0 : 1);
        }

        return field;
    }

    private static void AssertBitIdentical(FlowField expected, FlowField actual)
    {
        Assert.Equal(expected.Width, actual.Width);
        Assert.Equal(expected.Height, actual.Height);
        Assert.True(MemoryMarshal.AsBytes(expected.Span).SequenceEqual(MemoryMarshal.AsBytes(actual.Span)), "flow vectors differ in their bits");
    }

    [Theory]
    [InlineData("f.flo")]
    [InlineData("f.npy")]
    public void Written_then_read_is_bit_identical(string name)
    {
        var field = RandomField(37, 23, seed: 1);
        FlowFile.Write(_dir.File(name), field);
        var back = FlowFile.Read(_dir.File(name));
        AssertBitIdentical(field, back);
        Assert.False(back.HasValidMask);
        Assert.Equal((37, 23), FlowFile.ReadSize(_dir.File(name)));
    }

    [Fact]
    public void Kitti_png_round_trip_keeps_vectors_and_valid_mask()
    {
        var field = KittiField(41, 17, seed: 2);
        string path = _dir.File("f.png");
        FlowFile.Write(path, field);
        var back = FlowFile.Read(path);
        AssertBitIdentical(field, back);
        Assert.True(back.HasValidMask);
        Assert.True(field.ValidMask.SequenceEqual(back.ValidMask));
        Assert.Equal((41, 17), FlowFile.ReadSize(path));

        // And a field read from KITTI is written back to the same pixels.
        string again = _dir.File("g.png");
        FlowFile.Write(again, back);
        var third = FlowFile.Read(again);
        AssertBitIdentical(back, third);
        Assert.True(back.ValidMask.SequenceEqual(third.ValidMask));
    }

    [Fact]
    public void Kitti_quantises_to_one_64th_of_a_pixel()
    {
        var field = RandomField(8, 4, seed: 3, range: 100);
        string path = _dir.File("q.png");
        FlowFile.Write(path, field);
        var back = FlowFile.Read(path);
        for (int i = 4; i < field.Span.Length; i++)
        {
            Assert.InRange(Math.Abs(back.Span[i] - field.Span[i]), 0, (0.5 / 64) + 1e-6);
        }
    }

    [Theory]
    [InlineData("m.flo")]
    [InlineData("m.npy")]
    public void Invalid_vectors_go_through_flo_and_npy_as_middlebury_unknown(string name)
    {
        var field = KittiField(9, 7, seed: 4);
        FlowFile.Write(_dir.File(name), field);
        var back = FlowFile.Read(_dir.File(name));
        Assert.True(back.HasValidMask);
        Assert.True(field.ValidMask.SequenceEqual(back.ValidMask));
        for (int y = 0; y < 7; y++)
        {
            for (int x = 0; x < 9; x++)
            {
                if (field.IsValid(x, y))
                {
                    Assert.Equal(field[x, y], back[x, y]);
                }
                else
                {
                    Assert.Equal((FlowField.UnknownValue, FlowField.UnknownValue), back[x, y]);
                }
            }
        }
    }

    [Fact]
    public void Flo_written_by_segfuse_is_read_by_opencv_readOpticalFlow()
    {
        var field = RandomField(33, 19, seed: 5);
        string flo = _dir.File("segfuse.flo");
        string npy = _dir.File("opencv.npy");
        FlowFile.Write(flo, field);

        // OpenCV reads the .flo; NumPy (not SegFuse's writer) saves what OpenCV read.
        string shape = PythonOpenCv.Run(
            "import sys, cv2, numpy as np\nf = cv2.readOpticalFlow(sys.argv[1])\nassert f is not None and f.size > 0, 'OpenCV could not read it'\nnp.save(sys.argv[2], np.ascontiguousarray(f, dtype='<f4'))\nprint(f.shape, f.dtype)",
            flo,
            npy);
        Assert.Equal("(19, 33, 2) float32", shape.Trim());
        AssertBitIdentical(field, FlowFile.Read(npy));
    }

    [Fact]
    public void Flo_written_by_opencv_writeOpticalFlow_is_read_by_segfuse()
    {
        string flo = _dir.File("opencv.flo");
        string npy = _dir.File("numpy.npy");
        PythonOpenCv.Run(
            "import sys, cv2, numpy as np\nrng = np.random.default_rng(7)\nf = (rng.standard_normal((21, 45, 2)) * 30).astype(np.float32)\nassert cv2.writeOpticalFlow(sys.argv[1], f)\nnp.save(sys.argv[2], f)",
            flo,
            npy);
        var fromOpenCv = FlowFile.Read(flo);
        var fromNumPy = FlowFile.Read(npy);
        Assert.Equal(45, fromOpenCv.Width);
        Assert.Equal(21, fromOpenCv.Height);
        AssertBitIdentical(fromNumPy, fromOpenCv);
        Assert.Contains(fromOpenCv.Span.ToArray(), v => Math.Abs(v) > 1);
    }

    [Fact]
    public void Flo_with_wrong_magic_is_an_input_error_naming_the_file()
    {
        string path = _dir.File("bad.flo");
        var field = RandomField(4, 3, seed: 6);
        FlowFile.Write(path, field);
        var bytes = File.ReadAllBytes(path);
        bytes[0] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SegFuseInputException>(() => FlowFile.Read(path));
        Assert.Equal(path, e.Subject);
        Assert.Contains("magic", e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(50)]
    public void Short_flo_is_an_input_error(int keep)
    {
        string path = _dir.File("short.flo");
        FlowFile.Write(path, RandomField(4, 3, seed: 7));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..keep]);
        var e = Assert.Throws<SegFuseInputException>(() => FlowFile.Read(path));
        Assert.Equal(path, e.Subject);
        Assert.Contains("truncated", e.Reason, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<SegFuseInputException>(() => FlowFile.ReadSize(path)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_with_the_wrong_dtype_or_shape_is_an_input_error()
    {
        string f8 = _dir.File("f8.npy");
        string chw = _dir.File("chw.npy");
        PythonOpenCv.Run(
            "import sys, numpy as np\nnp.save(sys.argv[1], np.zeros((3, 4, 2)))\nnp.save(sys.argv[2], np.zeros((2, 3, 4), dtype=np.float32))",
            f8,
            chw);
        Assert.Contains("float32", Assert.Throws<SegFuseInputException>(() => FlowFile.Read(f8)).Reason, StringComparison.Ordinal);
        Assert.Contains("shape", Assert.Throws<SegFuseInputException>(() => FlowFile.Read(chw)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_eight_bit_png_is_not_kitti_flow()
    {
        string path = _dir.File("eight.png");
        using (var mat = new OpenCvSharp.Mat(4, 4, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(9)))
        {
            OpenCvSharp.Cv2.ImWrite(path, mat);
        }

        Assert.Contains("16-bit", Assert.Throws<SegFuseInputException>(() => FlowFile.Read(path)).Reason, StringComparison.Ordinal);
        Assert.Contains("16-bit", Assert.Throws<SegFuseInputException>(() => FlowFile.ReadSize(path)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Resize_scales_the_vectors_with_the_size()
    {
        var field = new FlowField(20, 10);
        var span = field.Span;
        for (int i = 0; i < span.Length; i += 2)
        {
            span[i] = 3f;
            span[i + 1] = -1.5f;
        }

        var big = field.Resize(40, 30);
        Assert.Equal(40, big.Width);
        Assert.Equal(30, big.Height);
        for (int y = 0; y < 30; y++)
        {
            for (int x = 0; x < 40; x++)
            {
                var (u, v) = big[x, y];
                Assert.Equal(6f, u, 4);
                Assert.Equal(-4.5f, v, 4);
            }
        }
    }
}
