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

        var result = new SortedDictionary<int, string>();
        foreach (var file in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith('.') || !extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            int index = TryParseIndex(file) ?? throw new SegFuseInputException(file, "the file name has no frame index (a run of digits)");
            if (!result.TryAdd(index, file))
            {
                throw new SegFuseInputException(file, $"frame index {index} is also the index of {Path.GetFileName(result[index])}");
            }
        }

        return result;
    }
}
