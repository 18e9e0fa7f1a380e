using System.Numerics;
using System.Runtime.InteropServices;
using OpenCvSharp;
using OpenCvSharp.OptFlow;

namespace SegFuse.Timeline.Flow;

/// <summary>The dense optical flow methods OpenCvSharp4 exposes (DIS is not in its native library).</summary>
public enum FlowMethod
{
    /// <summary>Farnebäck's polynomial expansion (video module, <c>calcOpticalFlowFarneback</c>).</summary>
    Farneback,

    /// <summary>PyrLK matches on a grid interpolated to a dense field (optflow module, <c>calcOpticalFlowSparseToDense</c>).</summary>
    SparseToDense,

    /// <summary>Dual TV-L1 (superres module, <c>createOptFlow_DualTVL1</c>, OpenCV's default parameters): by far the slowest of the three.</summary>
    TvL1,
}

/// <summary>
/// Computes dense flow between two grey frames with one <see cref="FlowMethod"/>, optionally at a reduced resolution.
/// One instance per thread: it keeps its scratch matrices (and the TV-L1 solver) between calls.
/// </summary>
/// <remarks>
/// The parameters are fixed and public (<see cref="Farneback"/>, <see cref="SparseToDense"/>, TV-L1 at OpenCV's
/// defaults) so that a benchmark can run the same OpenCV calls. With a downscale d the frames are shrunk by d
/// (area interpolation), the flow is computed there, resized back (bilinear) and its vectors multiplied by the
/// size ratios.
/// </remarks>
public sealed class FlowEstimator : IDisposable
{
    private readonly Mat _smallFrom = new();
    private readonly Mat _smallTo = new();
    private readonly Mat _smallFlow = new();
    private readonly SuperresTvL1? _tvl1;
    private bool _disposed;

    /// <summary>Creates an estimator for <paramref name="method"/> that works at 1/<paramref name="downscale"/> of the frame size.</summary>
    public FlowEstimator(FlowMethod method, int downscale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(downscale, 1);
        Method = method;
        Downscale = downscale;
        if (method == FlowMethod.TvL1)
        {
            _tvl1 = new SuperresTvL1();
        }
    }

    /// <summary>Farnebäck's parameters: pyramid scale 0.5, 5 levels, window 15, 3 iterations, poly_n 5, poly_sigma 1.2, no flags.</summary>
    public static (double PyrScale, int Levels, int WinSize, int Iterations, int PolyN, double PolySigma, OpticalFlowFlags Flags) Farneback { get; } =
        (0.5, 5, 15, 3, 5, 1.2, OpticalFlowFlags.None);

    /// <summary>Sparse-to-dense parameters (OpenCV's defaults): grid step 8, k 128, sigma 0.05, post-processing on, FGS lambda 500, FGS sigma 1.5.</summary>
    public static (int GridStep, int K, float Sigma, bool UsePostProcessing, float FgsLambda, float FgsSigma) SparseToDense { get; } =
        (8, 128, 0.05f, true, 500f, 1.5f);

    /// <summary>The method.</summary>
    public FlowMethod Method { get; }

    /// <summary>The resolution divisor (1 = full resolution).</summary>
    public int Downscale { get; }

    /// <summary>
    /// Computes the flow that maps each pixel x of <paramref name="from"/> to x + f(x) in <paramref name="to"/>, at the
    /// frames' size, into <paramref name="result"/>. For backward flow of frame t pass (t, t − 1); for forward, (t, t + 1).
    /// </summary>
    /// <param name="from">8-bit single-channel frame.</param>
    /// <param name="to">8-bit single-channel frame of the same size.</param>
    /// <param name="result">A field of the frames' size; its mask is cleared.</param>
    public void Compute(Mat from, Mat to, FlowField result)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(result);
        if (from.Type() != MatType.CV_8UC1 || to.Type() != MatType.CV_8UC1 || from.Size() != to.Size())
        {
            throw new ArgumentException("flow is computed between two 8-bit grey frames of one size");
        }

        if (result.Width != from.Width || result.Height != from.Height)
        {
            throw new ArgumentException($"the result is {result.Width}x{result.Height}, the frames {from.Width}x{from.Height}", nameof(result));
        }

        result.ClearValidMask();
        using var target = result.WrapAsMat();
        if (Downscale == 1)
        {
            // OpenCV writes into the field's own memory; should it ever reallocate the output, copy back.
            nint before = target.Data;
            Run(from, to, target);
            if (target.Data != before)
            {
                result.CopyFrom(target);
            }

            return;
        }

        var small = new Size(Math.Max(1, from.Width / Downscale), Math.Max(1, from.Height / Downscale));
        Cv2.Resize(from, _smallFrom, small, 0, 0, InterpolationFlags.Area);
        Cv2.Resize(to, _smallTo, small, 0, 0, InterpolationFlags.Area);
        Run(_smallFrom, _smallTo, _smallFlow);
        Cv2.Resize(_smallFlow, target, from.Size(), 0, 0, InterpolationFlags.Linear);

        // The vectors were measured in small pixels: scale each component by its axis's size ratio.
        ScaleVectors(result.Span, (float)from.Width / small.Width, (float)from.Height / small.Height);
    }

    /// <summary>Multiplies interleaved (u, v) pairs by (<paramref name="sx"/>, <paramref name="sy"/>), a SIMD vector at a time.</summary>
    internal static void ScaleVectors(Span<float> data, float sx, float sy)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<float>.Count)
        {
            // Vector<float>.Count is even, so every vector starts on a u: one (sx, sy, sx, sy, …) factor fits all of them.
            Span<float> pattern = stackalloc float[Vector<float>.Count];
            for (int k = 0; k < pattern.Length; k++)
            {
                pattern[k] = (k & 1) == 0 ? sx : sy;
            }

            var factor = new Vector<float>(pattern);
            var vectors = MemoryMarshal.Cast<float, Vector<float>>(data);
            for (int k = 0; k < vectors.Length; k++)
            {
                vectors[k] *= factor;
            }

            i = vectors.Length * Vector<float>.Count;
        }

        // Scalar tail (and the whole span without SIMD); i is even here.
        for (; i + 1 < data.Length; i += 2)
        {
            data[i] *= sx;
            data[i + 1] *= sy;
        }
    }

    /// <summary>Releases the scratch matrices and the TV-L1 solver.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _smallFrom.Dispose();
        _smallTo.Dispose();
        _smallFlow.Dispose();
        _tvl1?.Dispose();
    }

    private void Run(Mat from, Mat to, Mat flow)
    {
        switch (Method)
        {
            case FlowMethod.Farneback:
                var f = Farneback;
                Cv2.CalcOpticalFlowFarneback(from, to, flow, f.PyrScale, f.Levels, f.WinSize, f.Iterations, f.PolyN, f.PolySigma, f.Flags);
                break;
            case FlowMethod.SparseToDense:
                var s = SparseToDense;
                CvOptFlow.CalcOpticalFlowSparseToDense(from, to, flow, s.GridStep, s.K, s.Sigma, s.UsePostProcessing, s.FgsLambda, s.FgsSigma);
                break;
            default:
                _tvl1!.Calc(from, to, flow);
                break;
        }

        if (flow.Type() != MatType.CV_32FC2 || flow.Size() != from.Size())
        {
            throw new InvalidOperationException($"OpenCV returned a {flow.Width}x{flow.Height} {flow.Type()} flow for {from.Width}x{from.Height} frames");
        }
    }
}
