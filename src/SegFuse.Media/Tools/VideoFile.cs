namespace SegFuse.Media.Tools;

/// <summary>The checks every video reader makes on its path before it starts a decoder.</summary>
internal static class VideoFile
{
    /// <summary>Throws unless <paramref name="path"/> is an existing, non-empty file.</summary>
    /// <exception cref="SegFuseInputException">A folder, a missing file, or an empty file.</exception>
    public static void RequireNonEmpty(string path)
    {
        if (Directory.Exists(path))
        {
            throw new SegFuseInputException(path, "is a folder, not a video file");
        }

        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new SegFuseInputException(path, "is empty (0 bytes), not a video");
        }
    }
}
