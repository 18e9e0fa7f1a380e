using System.Buffers;
using System.Buffers.Binary;
using SegFuse.Fusion.Evidence;
using SegFuse.IO;

namespace SegFuse.Fusion.IO;

/// <summary>
/// Reads per-class scores of one frame: a NumPy <c>.npy</c> array of shape (C, H, W), little-endian float16 or
/// float32, C order (what <c>segfuse segment --scores</c> writes). Each pixel is reduced to its two best classes with
/// their probabilities; scores that are not already probabilities (a value outside [0, 1] or a pixel whose channels do
/// not sum to 1 ± 0.05) are turned into probabilities with a softmax over the channels.
/// </summary>
internal static class ScoreFile
{
    /// <summary>The shape (channels, height, width) of a score file, from its header.</summary>
    /// <exception cref="SegFuseInputException">Missing file, not a .npy, another dtype or rank, Fortran order.</exception>
    public static (int Channels, int Height, int Width) ReadShape(string path)
    {
        using var stream = Open(path);
        var h = ReadHeader(stream, path);
        return (h.Channels, h.Height, h.Width);
    }

    /// <summary>
    /// Reads <paramref name="path"/> and writes each pixel's two best classes (in the observation form of
    /// <see cref="EvidenceOps.Pack4"/>: class indices of <paramref name="channelClasses"/>, probability × 255) into
    /// <paramref name="observations"/> (width × height).
    /// </summary>
    /// <exception cref="SegFuseInputException">Unreadable, truncated, wrong shape or size, non-finite scores.</exception>
    public static void ReadTop2(string path, byte[] channelClasses, int width, int height, uint[] observations)
    {
        using var stream = Open(path);
        var h = ReadHeader(stream, path);
        if (h.Channels != channelClasses.Length)
        {
            throw new SegFuseInputException(path, $"holds {h.Channels} score channels where the other score files hold {channelClasses.Length}");
        }

        if (h.Width != width || h.Height != height)
        {
            throw new SegFuseInputException(path, $"scores are {h.Width}x{h.Height} but the frames are {width}x{height}");
        }

        int n = width * height;
        int elementSize = h.Half ? 2 : 4;
        long expected = h.DataOffset + ((long)h.Channels * n * elementSize);
        if (stream.Length != expected)
        {
            throw new SegFuseInputException(path, $"{(stream.Length < expected ? "truncated" : "corrupt")} .npy: {stream.Length} bytes where a ({h.Channels}, {height}, {width}) array needs {expected}");
        }

        float[] best = ArrayPool<float>.Shared.Rent(n);
        float[] second = ArrayPool<float>.Shared.Rent(n);
        float[] max = ArrayPool<float>.Shared.Rent(n);
        float[] expSum = ArrayPool<float>.Shared.Rent(n);
        float[] rawSum = ArrayPool<float>.Shared.Rent(n);
        byte[] bestClass = ArrayPool<byte>.Shared.Rent(n);
        byte[] secondClass = ArrayPool<byte>.Shared.Rent(n);
        byte[] plane = ArrayPool<byte>.Shared.Rent(n * elementSize);
        float[] values = ArrayPool<float>.Shared.Rent(n);
        try
        {
            bool probabilities = true;
            for (int c = 0; c < h.Channels; c++)
            {
                stream.ReadExactly(plane.AsSpan(0, n * elementSize));
                Decode(plane.AsSpan(0, n * elementSize), values.AsSpan(0, n), h.Half);
                byte cls = channelClasses[c];
                for (int i = 0; i < n; i++)
                {
                    float v = values[i];
                    if (!float.IsFinite(v))
                    {
                        throw new SegFuseInputException(path, $"score {v} (channel {c}, pixel ({i % width},{i / width})) is not a finite number");
                    }

                    if (c == 0)
                    {
                        best[i] = v;
                        bestClass[i] = cls;
                        second[i] = float.NegativeInfinity;
                        secondClass[i] = EvidenceOps.NoClass;
                        max[i] = v;
                        expSum[i] = 1;
                        rawSum[i] = v;
                    }
                    else
                    {
                        if (v > best[i])
                        {
                            second[i] = best[i];
                            secondClass[i] = bestClass[i];
                            best[i] = v;
                            bestClass[i] = cls;
                        }
                        else if (v > second[i])
                        {
                            second[i] = v;
                            secondClass[i] = cls;
                        }

                        // Online softmax normaliser: sum of exp(v − max) with a running max.
                        if (v > max[i])
                        {
                            expSum[i] = (expSum[i] * MathF.Exp(max[i] - v)) + 1;
                            max[i] = v;
                        }
                        else
                        {
                            expSum[i] += MathF.Exp(v - max[i]);
                        }

                        rawSum[i] += v;
                    }

                    probabilities &= v is >= 0 and <= 1;
                }
            }

            for (int i = 0; probabilities && i < n; i++)
            {
                probabilities = MathF.Abs(rawSum[i] - 1) <= 0.05f;
            }

            for (int i = 0; i < n; i++)
            {
                float p0, p1;
                if (probabilities)
                {
                    p0 = best[i];
                    p1 = second[i] > 0 ? second[i] : 0;
                }
                else
                {
                    p0 = MathF.Exp(best[i] - max[i]) / expSum[i];
                    p1 = float.IsNegativeInfinity(second[i]) ? 0 : MathF.Exp(second[i] - max[i]) / expSum[i];
                }

                uint q0 = (uint)Math.Clamp(MathF.Round(p0 * 255), 1, 255), q1 = (uint)Math.Clamp(MathF.Round(p1 * 255), 0, 255);
                observations[i] = EvidenceOps.Pack4(bestClass[i], q0, q1 > 0 ? secondClass[i] : EvidenceOps.NoClass, q1);
            }
        }
        catch (EndOfStreamException e)
        {
            throw new SegFuseInputException(path, "truncated .npy", e);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(best);
            ArrayPool<float>.Shared.Return(second);
            ArrayPool<float>.Shared.Return(max);
            ArrayPool<float>.Shared.Return(expSum);
            ArrayPool<float>.Shared.Return(rawSum);
            ArrayPool<byte>.Shared.Return(bestClass);
            ArrayPool<byte>.Shared.Return(secondClass);
            ArrayPool<byte>.Shared.Return(plane);
            ArrayPool<float>.Shared.Return(values);
        }
    }

    private static void Decode(ReadOnlySpan<byte> bytes, Span<float> values, bool half)
    {
        if (half)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
            }
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            }
        }
    }

    private static FileStream Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegFuseInputException(path, $"cannot read: {e.Message}", e);
        }
    }

    private static Header ReadHeader(Stream stream, string path)
    {
        var header = NpyHeader.Read(stream, path);
        bool half = header.IsFloat16;
        if (!half && !header.IsFloat32)
        {
            throw new SegFuseInputException(path, $"scores must be little-endian float16 or float32 ('<f2' or '<f4'), not '{header.Descr}'");
        }

        if (header.FortranOrder)
        {
            throw new SegFuseInputException(path, "scores must be in C order (fortran_order is True)");
        }

        var shape = header.Shape;
        if (shape.Count != 3 || shape[0] < 1 || shape[1] < 1 || shape[2] < 1)
        {
            throw new SegFuseInputException(path, $"scores have shape (C, H, W), not ({header.ShapeText})");
        }

        return new Header(shape[0], shape[1], shape[2], half, header.DataOffset);
    }

    private readonly record struct Header(int Channels, int Height, int Width, bool Half, long DataOffset);
}
