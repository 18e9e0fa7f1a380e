using System.Diagnostics;

namespace SegFuse.Timeline.Tests;

/// <summary>
/// Runs a Python script against the system's OpenCV (Debian's python3-opencv, installed by build.sh), the reference
/// implementation of cv::readOpticalFlow / cv::writeOpticalFlow, which OpenCvSharp4 does not wrap.
/// </summary>
internal static class PythonOpenCv
{
    private const string Python = "/usr/bin/python3";

    public static string Run(string script, params string[] args)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: install python3-opencv (build.sh deps does)");
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"python3 (OpenCV) failed with {p.ExitCode}: {stderr}");
        return stdout;
    }
}
