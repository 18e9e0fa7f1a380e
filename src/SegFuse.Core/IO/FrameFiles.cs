using System.IO.Enumeration;

namespace SegFuse.IO;

/// <summary>
/// Per-frame folders: the frame index of a file is the last run of digits in its stem
/// (<c>000123.png</c>, <c>frame_123_pred.png</c>), and files that SegFuse writes are named by the
/// 6-digit zero-padded index.
/// </summary>
public static class FrameFiles
{
    /// <summary>The file name SegFuse gives frame <paramref name="index"/>: <c>000123.png</c>.</summary>
    public static string NameOf(int index, string extension) => $"{index:D6}{(extension.StartsWith('.') ? extension : "." + extension)}";

    /// <summary>The last run of digits in the stem of <paramref name="path"/>, or null when it has none.</summary>
    public static int? TryParseIndex(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path.AsSpan());
        int end = stem.Length - 1;
        while (end >= 0 && !char.IsAsciiDigit(stem[end]))
        {
            end--;
        }

        if (end < 0)
        {
            return null;
        }

        int start = end;
        while (start > 0 && char.IsAsciiDigit(stem[start - 1]))
        {
            start--;
        }

        return int.TryParse(stem[start..(end + 1)], out int value) ? value : null;
    }

    /// <summary>
    /// Lists the files of <paramref name="dir"/> with one of <paramref name="extensions"/> keyed by frame index, in index order.
    /// </summary>
    /// <exception cref="SegFuseInputException">The folder does not exist, a file has no index, or two files have one index.</exception>
    public static SortedDictionary<int, string> List(string dir, params string[] extensions)
    {
        if (!Directory.Exists(dir))
        {
            throw new SegFuseInputException(dir, "no such folder");
        }

        // Only the kept files' paths are allocated (a folder of 10 000 frames is listed without megabytes of garbage).
        var result = new SortedDictionary<int, string>();
        foreach (var file in Matching(dir, extensions, static (ref FileSystemEntry entry) => entry.ToFullPath()))
        {

            int index = TryParseIndex(file) ?? throw new SegFuseInputException(file, "the file name has no frame index (a run of digits)");
            if (!result.TryAdd(index, file))
            {
                throw new SegFuseInputException(file, $"frame index {index} is also the index of {Path.GetFileName(result[index])}");
            }
        }

        return result;
    }

    /// <summary>How many files <see cref="List"/> would look at: not hidden, with one of <paramref name="extensions"/>. Allocates nothing per file.</summary>
    /// <exception cref="SegFuseInputException">The folder does not exist.</exception>
    public static int Count(string dir, params string[] extensions)
    {
        if (!Directory.Exists(dir))
        {
            throw new SegFuseInputException(dir, "no such folder");
        }

        int count = 0;
        foreach (var unused in Matching(dir, extensions, static (ref FileSystemEntry _) => true))
        {
            count++;
        }

        return count;
    }

    private static FileSystemEnumerable<T> Matching<T>(string dir, string[] extensions, FileSystemEnumerable<T>.FindTransform transform) =>
        new(dir, transform)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && HasExtension(entry.FileName, extensions),
        };

    private static bool HasExtension(ReadOnlySpan<char> name, string[] extensions)
    {
        if (name.StartsWith('.'))
        {
            return false;
        }

        foreach (var e in extensions)
        {
            if (name.EndsWith(e, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
