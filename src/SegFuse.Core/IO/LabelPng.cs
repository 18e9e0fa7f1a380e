using OpenCvSharp;
using SegFuse.Labels;

namespace SegFuse.IO;

/// <summary>How label ids are stored in a PNG.</summary>
public enum LabelEncoding
{
    /// <summary>Single channel, the label set's ids.</summary>
    Ids,

    /// <summary>Single channel, Cityscapes train ids (0..18, 255 = ignore), mapped to the set's ids on reading.</summary>
    TrainIds,

    /// <summary>RGB in the label set's palette; an unknown colour is an error.</summary>
    Color,
}

/// <summary>Reads and writes label maps as 8- or 16-bit single-channel PNGs, or as colour PNGs through a palette.</summary>
public static class LabelPng
{
    // The id lookup table per label set, built once (a frame loop then allocates nothing for it).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<LabelSet, int[]> IdLuts = new();

    /// <summary>Reads a PNG as it is stored (any depth and channel count).</summary>
    /// <remarks>The caller owns the returned <see cref="Mat"/> and must dispose it.</remarks>
    /// <exception cref="SegFuseInputException">Missing, unreadable or corrupt file.</exception>
    public static Mat ReadRaw(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        var mat = Cv2.ImRead(path, ImreadModes.Unchanged);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new SegFuseInputException(path, "not a readable image (corrupt or not a PNG)");
        }

        return mat;
    }

    /// <summary>Reads a label map stored in <paramref name="encoding"/> and returns it in the ids of <paramref name="set"/>.</summary>
    /// <exception cref="SegFuseInputException">Unreadable file, wrong channel count or depth, unknown colour, id outside the set.</exception>
    public static LabelMap Read(string path, LabelSet set, LabelEncoding encoding = LabelEncoding.Ids)
    {
        using var mat = ReadRaw(path);
        return FromMat(mat, path, set, encoding);
    }

    /// <summary>
    /// As <see cref="Read(string, LabelSet, LabelEncoding)"/>, but fills <paramref name="reuse"/> when it has the image's
    /// size (a frame loop then allocates no map per frame); otherwise returns a new map.
    /// </summary>
    /// <remarks>Does not take ownership of <paramref name="reuse"/>; it is overwritten even when the file turns out to be bad.</remarks>
    public static LabelMap Read(string path, LabelSet set, LabelEncoding encoding, LabelMap? reuse)
    {
        using var mat = ReadRaw(path);
        return encoding == LabelEncoding.Color ? FromColorMat(mat, path, set, reuse) : FromIdMat(mat, path, set, encoding, reuse);
    }

    /// <summary>Converts a decoded PNG into a label map of <paramref name="set"/>'s ids; <paramref name="path"/> names it in errors.</summary>
    public static LabelMap FromMat(Mat mat, string path, LabelSet set, LabelEncoding encoding)
    {
        return encoding == LabelEncoding.Color ? FromColorMat(mat, path, set) : FromIdMat(mat, path, set, encoding);
    }

    /// <summary>Writes <paramref name="map"/> as a single-channel PNG (8-bit when every id fits, else 16-bit), atomically.</summary>
    public static void Write(string path, LabelMap map)
    {
        bool wide = false;
        foreach (ushort v in map.Span)
        {
            if (v > byte.MaxValue)
            {
                wide = true;
                break;
            }
        }

        using var mat = new Mat(map.Height, map.Width, wide ? MatType.CV_16UC1 : MatType.CV_8UC1);
        if (wide)
        {
            map.Span.CopyTo(mat.AsSpan<ushort>());
        }
        else
        {
            var dst = mat.AsSpan<byte>();
            var src = map.Span;
            for (int i = 0; i < src.Length; i++)
            {
                dst[i] = (byte)src[i];
            }
        }

        WriteMat(path, mat);
    }

    /// <summary>Writes an image with OpenCV to a temporary name and renames it into place.</summary>
    public static void WriteMat(string path, Mat mat)
    {
        using var file = new AtomicFile(path);
        if (!Cv2.ImWrite(file.TempPath, mat))
        {
            throw new IOException($"{path}: OpenCV could not write the image");
        }

        file.Commit();
    }

    /// <summary>Renders <paramref name="map"/> in <paramref name="set"/>'s palette as a BGR image.</summary>
    /// <remarks>The caller owns the returned <see cref="Mat"/>.</remarks>
    public static Mat ToColorMat(LabelMap map, LabelSet set)
    {
        var lut = new byte[(set.MaxId + 1) * 3];
        foreach (var c in set.Classes)
        {
            lut[c.Id * 3] = c.Color.B;
            lut[(c.Id * 3) + 1] = c.Color.G;
            lut[(c.Id * 3) + 2] = c.Color.R;
        }

        var mat = new Mat(map.Height, map.Width, MatType.CV_8UC3);
        var dst = mat.AsSpan<byte>();
        var src = map.Span;
        for (int i = 0; i < src.Length; i++)
        {
            int id = Math.Min((int)src[i], set.MaxId) * 3;
            dst[i * 3] = lut[id];
            dst[(i * 3) + 1] = lut[id + 1];
            dst[(i * 3) + 2] = lut[id + 2];
        }

        return mat;
    }

    private static LabelMap FromIdMat(Mat mat, string path, LabelSet set, LabelEncoding encoding, LabelMap? reuse = null)
    {
        if (mat.Channels() != 1)
        {
            throw new SegFuseInputException(path, $"has {mat.Channels()} channels where a single-channel label map of ids is expected (use --pred-encoding color for colour PNGs)");
        }

        var depth = mat.Depth();
        if (depth != MatType.CV_8U && depth != MatType.CV_16U)
        {
            throw new SegFuseInputException(path, "label maps must be 8- or 16-bit PNGs");
        }

        int[] lut = encoding == LabelEncoding.TrainIds ? set.TrainIdLookup() ?? IdLuts.GetValue(set, IdLut) : IdLuts.GetValue(set, IdLut);
        var map = reuse is not null && reuse.Width == mat.Width && reuse.Height == mat.Height ? reuse : new LabelMap(mat.Width, mat.Height);
        using var contiguous = mat.IsContinuous() ? null : mat.Clone();
        var src = contiguous ?? mat;
        var dst = map.Span;
        if (depth == MatType.CV_8U)
        {
            Convert(src.AsSpan<byte>(), dst, lut, path, mat.Width);
        }
        else
        {
            Convert(src.AsSpan<ushort>(), dst, lut, path, mat.Width);
        }

        return map;
    }

    private static void Convert<T>(ReadOnlySpan<T> src, Span<ushort> dst, int[] lut, string path, int width)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        for (int i = 0; i < src.Length; i++)
        {
            int v = int.CreateTruncating(src[i]);
            int id = v < lut.Length ? lut[v] : -1;
            if (id < 0)
            {
                throw new SegFuseInputException(path, $"label {v} at pixel ({i % width},{i / width}) is not in the label set");
            }

            dst[i] = (ushort)id;
        }
    }

    private static int[] IdLut(LabelSet set)
    {
        var lut = new int[set.MaxId + 1];
        for (int i = 0; i < lut.Length; i++)
        {
            lut[i] = set.Contains(i) ? i : -1;
        }

        return lut;
    }

    private static LabelMap FromColorMat(Mat mat, string path, LabelSet set, LabelMap? reuse = null)
    {
        if (mat.Channels() < 3 || mat.Depth() != MatType.CV_8U)
        {
            throw new SegFuseInputException(path, "a colour label map must be an 8-bit RGB PNG");
        }

        int channels = mat.Channels();
        var map = reuse is not null && reuse.Width == mat.Width && reuse.Height == mat.Height ? reuse : new LabelMap(mat.Width, mat.Height);
        using var contiguous = mat.IsContinuous() ? null : mat.Clone();
        var src = (contiguous ?? mat).AsSpan<byte>();
        var dst = map.Span;
        int lastPacked = -1, lastId = 0;
        for (int i = 0; i < dst.Length; i++)
        {
            int o = i * channels;
            int packed = (src[o + 2] << 16) | (src[o + 1] << 8) | src[o];
            if (packed != lastPacked)
            {
                if (!set.TryGetIdByColor(new Rgb(src[o + 2], src[o + 1], src[o]), out lastId))
                {
                    throw new SegFuseInputException(path, $"colour ({src[o + 2]},{src[o + 1]},{src[o]}) at pixel ({i % mat.Width},{i / mat.Width}) is not in the {set.Name} palette");
                }

                lastPacked = packed;
            }

            dst[i] = (ushort)lastId;
        }

        return map;
    }
}
