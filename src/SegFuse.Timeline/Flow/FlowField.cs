using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OpenCvSharp;

namespace SegFuse.Timeline.Flow;

/// <summary>
/// A dense optical flow field: one displacement (u, v) in pixels per pixel, plus an optional validity mask.
/// </summary>
/// <remarks>
/// <para>
/// Layout: rows are contiguous and each row holds <see cref="Width"/> interleaved pairs
/// <c>u0, v0, u1, v1, …</c> as <see cref="float"/> (the layout of OpenCV's <c>CV_32FC2</c>, of Middlebury
/// <c>.flo</c> and of <c>.npy</c> H×W×2), so <see cref="GetRowSpan"/> returns <c>2 × Width</c> floats and
/// <see cref="RowStride"/> is <c>2 × Width</c>. u is the horizontal (x) displacement, v the vertical (y) one.
/// </para>
/// <para>
/// Meaning: for a backward field of frame t, pixel (x, y) of frame t is seen at (x + u, y + v) in frame t − 1;
/// for a forward field, at (x + u, y + v) in frame t + 1 (see <see cref="FlowDirection"/>).
/// </para>
/// <para>
/// Validity: a field may carry a mask (<see cref="HasValidMask"/>), one byte per pixel, non-zero = valid. KITTI
/// PNGs store it in their third channel; <c>.flo</c> and <c>.npy</c> have none, and follow Middlebury's rule that a
/// vector with a component that is not finite or whose magnitude exceeds <see cref="UnknownThreshold"/> is unknown.
/// A field without a mask is valid everywhere.
/// </para>
/// </remarks>
public sealed class FlowField
{
    /// <summary>The value Middlebury's tools write for an unknown vector component (1e10).</summary>
    public const float UnknownValue = 1e10f;

    /// <summary>A component whose magnitude exceeds this (1e9) marks the vector unknown (Middlebury's <c>UNKNOWN_FLOW_THRESH</c>).</summary>
    public const float UnknownThreshold = 1e9f;

    private readonly float[] _data;
    private byte[]? _valid;

    /// <summary>Creates a field of <paramref name="width"/> × <paramref name="height"/> zero vectors, without a mask.</summary>
    public FlowField(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        _data = new float[checked(width * height * 2)];
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Floats between the starts of two rows (2 × <see cref="Width"/>: u and v of each pixel).</summary>
    public int RowStride => Width * 2;

    /// <summary>Every vector, row after row, as interleaved u, v.</summary>
    public Span<float> Span => _data;

    /// <summary>Whether the field carries a validity mask; without one every vector is valid.</summary>
    public bool HasValidMask => _valid is not null;

    /// <summary>The displacement at (x, y).</summary>
    public (float U, float V) this[int x, int y]
    {
        get
        {
            Debug.Assert((uint)x < (uint)Width && (uint)y < (uint)Height, "pixel outside the field");
            int i = ((y * Width) + x) * 2;
            return (_data[i], _data[i + 1]);
        }

        set
        {
            Debug.Assert((uint)x < (uint)Width && (uint)y < (uint)Height, "pixel outside the field");
            int i = ((y * Width) + x) * 2;
            _data[i] = value.U;
            _data[i + 1] = value.V;
        }
    }

    /// <summary>Row <paramref name="y"/>: <c>2 × Width</c> floats, u and v of each pixel in turn.</summary>
    public Span<float> GetRowSpan(int y)
    {
        Debug.Assert((uint)y < (uint)Height, "row outside the field");
        return _data.AsSpan(y * RowStride, RowStride);
    }

    /// <summary>The mask of row <paramref name="y"/> (<see cref="Width"/> bytes, non-zero = valid), created all-valid when the field has none.</summary>
    public Span<byte> GetValidRowSpan(int y)
    {
        Debug.Assert((uint)y < (uint)Height, "row outside the field");
        return EnsureValidMask().AsSpan(y * Width, Width);
    }

    /// <summary>Whether the vector at (x, y) is valid (always true without a mask).</summary>
    public bool IsValid(int x, int y)
    {
        Debug.Assert((uint)x < (uint)Width && (uint)y < (uint)Height, "pixel outside the field");
        return _valid is null || _valid[(y * Width) + x] != 0;
    }

    /// <summary>The whole mask (non-zero = valid), created all-valid when the field has none.</summary>
    public Span<byte> ValidMask => EnsureValidMask();

    /// <summary>Drops the mask: every vector becomes valid.</summary>
    public void ClearValidMask() => _valid = null;

    /// <summary>Whether both fields have the same size.</summary>
    public bool SameSize(FlowField other) => other.Width == Width && other.Height == Height;

    /// <summary>A deep copy, mask included.</summary>
    public FlowField Clone()
    {
        var copy = new FlowField(Width, Height);
        _data.AsSpan().CopyTo(copy._data);
        copy._valid = (byte[]?)_valid?.Clone();
        return copy;
    }

    /// <summary>
    /// Resamples the field to <paramref name="width"/> × <paramref name="height"/> (bilinear) and scales the vectors
    /// with it: u by <c>width / Width</c>, v by <c>height / Height</c>. The mask, if any, is resampled by nearest neighbour.
    /// </summary>
    /// <returns>A new field; this one is unchanged. The same size returns a copy.</returns>
    public FlowField Resize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width == Width && height == Height)
        {
            return Clone();
        }

        var result = new FlowField(width, height);
        using (var src = WrapAsMat())
        using (var dst = result.WrapAsMat())
        {
            Cv2.Resize(src, dst, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        }

        float sx = (float)width / Width, sy = (float)height / Height;
        var data = result._data.AsSpan();
        for (int i = 0; i < data.Length; i += 2)
        {
            data[i] *= sx;
            data[i + 1] *= sy;
        }

        if (_valid is not null)
        {
            result._valid = new byte[width * height];
            using var srcMask = Mat.FromPixelData(Height, Width, MatType.CV_8UC1, _valid);
            using var dstMask = Mat.FromPixelData(height, width, MatType.CV_8UC1, result._valid);
            Cv2.Resize(srcMask, dstMask, new Size(width, height), 0, 0, InterpolationFlags.Nearest);
        }

        return result;
    }

    /// <summary>Copies a <c>CV_32FC2</c> matrix (any continuity) into a new field without a mask.</summary>
    /// <exception cref="ArgumentException">The matrix is not <c>CV_32FC2</c> or is empty.</exception>
    public static FlowField FromMat(Mat flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.Empty() || flow.Type() != MatType.CV_32FC2)
        {
            throw new ArgumentException($"a flow matrix is CV_32FC2, not {flow.Type()}", nameof(flow));
        }

        var field = new FlowField(flow.Width, flow.Height);
        field.CopyFrom(flow);
        return field;
    }

    /// <summary>Copies a <c>CV_32FC2</c> matrix of this field's size into the field (the mask is left as it is).</summary>
    public void CopyFrom(Mat flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.Type() != MatType.CV_32FC2 || flow.Width != Width || flow.Height != Height)
        {
            throw new ArgumentException($"expected a {Width}x{Height} CV_32FC2 matrix, got {flow.Width}x{flow.Height} {flow.Type()}", nameof(flow));
        }

        if (flow.IsContinuous())
        {
            flow.AsSpan<float>().CopyTo(_data);
            return;
        }

        using var dst = WrapAsMat();
        flow.CopyTo(dst);
    }

    /// <summary>
    /// A <c>CV_32FC2</c> header over this field's own memory, for OpenCV calls that read or write the field in place.
    /// </summary>
    /// <remarks>
    /// Does not transfer ownership: the matrix borrows the field's array, must not outlive the field, and must be
    /// disposed by the caller. The array is pinned by OpenCvSharp for the matrix's lifetime.
    /// </remarks>
    public Mat WrapAsMat() => Mat.FromPixelData(Height, Width, MatType.CV_32FC2, _data);

    /// <summary>Sets the mask from Middlebury's unknown-vector rule: invalid where a component is not finite or exceeds <see cref="UnknownThreshold"/>. Leaves no mask when every vector is known.</summary>
    internal void MarkUnknownVectors()
    {
        var data = _data.AsSpan();
        if (AllKnown(data))
        {
            // The usual case, checked eight floats at a time; the per-pixel loop below only runs when a vector is unknown.
            _valid = null;
            return;
        }

        byte[]? mask = null;
        for (int p = 0; p < Width * Height; p++)
        {
            float u = data[p * 2], v = data[(p * 2) + 1];
            if (IsUnknown(u) || IsUnknown(v))
            {
                if (mask is null)
                {
                    mask = new byte[Width * Height];
                    mask.AsSpan().Fill(1);
                }

                mask[p] = 0;
            }
        }

        _valid = mask;
    }

    private static bool IsUnknown(float c) => !float.IsFinite(c) || MathF.Abs(c) > UnknownThreshold;

    /// <summary>
    /// Whether no component is unknown: |c| ≤ <see cref="UnknownThreshold"/> holds for every finite known component
    /// and fails for NaN (every comparison with NaN is false) and for ±∞, which is <see cref="IsUnknown"/> negated.
    /// </summary>
    private static bool AllKnown(ReadOnlySpan<float> data)
    {
        int i = 0;
        ref float first = ref MemoryMarshal.GetReference(data);
        if (Vector256.IsHardwareAccelerated)
        {
            var limit = Vector256.Create(UnknownThreshold);
            for (; i + 8 <= data.Length; i += 8)
            {
                var c = Vector256.LoadUnsafe(ref first, (nuint)i);
                if (!Vector256.LessThanOrEqualAll(Vector256.Abs(c), limit))
                {
                    return false;
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var limit = Vector128.Create(UnknownThreshold);
            for (; i + 4 <= data.Length; i += 4)
            {
                var c = Vector128.LoadUnsafe(ref first, (nuint)i);
                if (!Vector128.LessThanOrEqualAll(Vector128.Abs(c), limit))
                {
                    return false;
                }
            }
        }

        for (; i < data.Length; i++)
        {
            if (!(MathF.Abs(data[i]) <= UnknownThreshold))
            {
                return false;
            }
        }

        return true;
    }

    private byte[] EnsureValidMask()
    {
        if (_valid is null)
        {
            _valid = new byte[Width * Height];
            _valid.AsSpan().Fill(1);
        }

        return _valid;
    }
}
