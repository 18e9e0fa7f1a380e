using System.Globalization;
using SegFuse.IO;

namespace SegFuse.Inference.Tiny;

/// <summary>
/// A folder in the sample layout: <c>video.mp4</c>, <c>gt/NNNNNN.png</c> (Cityscapes train ids, named by
/// frame index) and optionally <c>split.csv</c> (<c>frame,split</c>, one row per frame).
/// </summary>
internal sealed class SampleFolder
{
    private SampleFolder(string root, string video, SortedDictionary<int, string> truth, Dictionary<int, string>? split)
    {
        Root = root;
        VideoPath = video;
        Truth = truth;
        Split = split;
    }

    public string Root { get; }

    public string VideoPath { get; }

    /// <summary>Ground-truth PNG of each frame index that has one.</summary>
    public SortedDictionary<int, string> Truth { get; }

    /// <summary>Split name of each frame listed in <c>split.csv</c>; null without the file.</summary>
    public Dictionary<int, string>? Split { get; }

    /// <summary>Frames to fit on: those with ground truth and split <c>train</c>, or every frame with ground truth when there is no split.csv.</summary>
    public IReadOnlyList<int> TrainFrames => Split is null
        ? [.. Truth.Keys]
        : [.. Truth.Keys.Where(i => Split.GetValueOrDefault(i) == "train")];

    /// <summary>Frames with ground truth in another split than train, by split name (e.g. test, val).</summary>
    public IReadOnlyDictionary<string, int[]> HeldOut => Split is null
        ? new Dictionary<string, int[]>()
        : Truth.Keys.Where(i => Split.TryGetValue(i, out var s) && s != "train").GroupBy(i => Split[i]).ToDictionary(g => g.Key, g => g.ToArray());

    /// <exception cref="SegFuseInputException">Missing folder, video or gt/, a malformed split.csv, or no frame to fit on.</exception>
    public static SampleFolder Open(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new SegFuseInputException(root, "no such folder");
        }

        string video = Path.Combine(root, "video.mp4");
        if (!File.Exists(video))
        {
            throw new SegFuseInputException(root, "has no video.mp4 (the sample layout is video.mp4, gt/NNNNNN.png and optionally split.csv)");
        }

        string gt = Path.Combine(root, "gt");
        if (!Directory.Exists(gt))
        {
            throw new SegFuseInputException(root, "has no gt/ folder of ground-truth PNGs");
        }

        var truth = FrameFiles.List(gt, ".png");
        if (truth.Count == 0)
        {
            throw new SegFuseInputException(gt, "holds no ground-truth PNG");
        }

        string splitPath = Path.Combine(root, "split.csv");
        var split = File.Exists(splitPath) ? ReadSplit(splitPath) : null;
        var folder = new SampleFolder(root, video, truth, split);
        if (folder.TrainFrames.Count == 0)
        {
            throw new SegFuseInputException(splitPath, "no frame with ground truth is in the train split");
        }

        return folder;
    }

    private static Dictionary<int, string> ReadSplit(string path)
    {
        var split = new Dictionary<int, string>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int frame))
            {
                if (lineNumber == 1)
                {
                    continue; // header, e.g. "frame,split"
                }

                throw new SegFuseInputException($"{path}:{lineNumber}", $"expected 'frame,split', got '{line}'");
            }

            if (!split.TryAdd(frame, parts[1].ToLowerInvariant()))
            {
                throw new SegFuseInputException($"{path}:{lineNumber}", $"frame {frame} is listed twice");
            }
        }

        return split;
    }
}
