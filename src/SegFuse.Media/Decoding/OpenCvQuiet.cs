using OpenCvSharp;

namespace SegFuse.Media.Decoding;

/// <summary>Keeps OpenCV's own log lines (e.g. "can't open file") off stderr: SegFuse reports errors as one line itself.</summary>
internal static class OpenCvQuiet
{
    private static int _done;

    public static void Ensure()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            Cv2.SetLogLevel(LogLevel.SILENT);
        }
    }
}
