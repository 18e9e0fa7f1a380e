using System.Runtime.InteropServices;
using OpenCvSharp;

namespace SegFuse.Timeline.Flow;

/// <summary>
/// Dual TV-L1 from OpenCV's superres module (<c>createOptFlow_DualTVL1</c>), called through OpenCvSharp4's native
/// library with the object pointer cast correctly.
/// </summary>
/// <remarks>
/// OpenCvSharp4 4.13's <c>DenseOpticalFlowExt.Calc</c> passes the <c>superres::DualTVL1OpticalFlow*</c> to a native
/// function that takes a <c>superres::DenseOpticalFlowExt*</c>. The latter is a <em>virtual</em> base of the former, so
/// the two pointers differ and the call crashes (segmentation fault; the same happens with superres Farnebäck). This
/// class performs the derived-to-virtual-base conversion that a C++ compiler would: under the Itanium C++ ABI (Linux,
/// macOS; OpenCvSharp's native runtime here is linux-x64) the offset of a class's only virtual base is stored in its
/// vtable three slots before the address point. It then calls the same native entry point
/// <c>superres_DenseOpticalFlowExt_calc</c> with that pointer.
/// </remarks>
internal sealed partial class SuperresTvL1 : IDisposable
{
    private readonly DenseOpticalFlowExt _algorithm;
    private readonly nint _base;

    public SuperresTvL1()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("TV-L1 through OpenCvSharp's superres module is supported on Linux and macOS only");
        }

        _algorithm = DenseOpticalFlowExt.CreateDualTVL1();
        nint derived = _algorithm.RawPtr;
        nint vtable = Marshal.ReadIntPtr(derived);
        nint virtualBaseOffset = Marshal.ReadIntPtr(vtable - (3 * IntPtr.Size));
        _base = derived + virtualBaseOffset;
    }

    /// <summary>Computes the flow from <paramref name="from"/> to <paramref name="to"/> (8-bit grey) into <paramref name="flow"/> (CV_32FC2).</summary>
    public void Calc(Mat from, Mat to, Mat flow)
    {
        using var in0 = InputArray.Create(from);
        using var in1 = InputArray.Create(to);
        using var out1 = OutputArray.Create(flow);
        int status = NativeCalc(_base, in0.CvPtr, in1.CvPtr, out1.CvPtr, 0);
        GC.KeepAlive(_algorithm);
        if (status != 0)
        {
            throw new InvalidOperationException($"OpenCV's TV-L1 failed (exception status {status})");
        }

        out1.Fix();
    }

    public void Dispose() => _algorithm.Dispose();

    [LibraryImport("OpenCvSharpExtern", EntryPoint = "superres_DenseOpticalFlowExt_calc")]
    private static partial int NativeCalc(nint algorithm, nint frame0, nint frame1, nint flow1, nint flow2);
}
