using SegFuse.IO;

namespace SegFuse.Scoring;

/// <summary>One frame to score: its key, ground truth, prediction and (optionally) instance file.</summary>
/// <param name="Key">The frame's key: <c>city_seq_frame</c> in the Cityscapes layout, the frame index in the per-frame layout.</param>
/// <param name="GroundTruth">Ground-truth label ids PNG.</param>
/// <param name="Prediction">Prediction PNG.</param>
/// <param name="Instances">Instance ids PNG, or null.</param>
public sealed record FramePair(string Key, string GroundTruth, string Prediction, string? Instances);

/// <summary>How ground truth and predictions are laid out.</summary>
public enum DatasetLayout
{
    /// <summary>cityscapesScripts' layout: <c>&lt;city&gt;/&lt;city&gt;_&lt;seq&gt;_&lt;frame&gt;_gtFine_labelIds.png</c>, the prediction being the one file whose name contains <c>&lt;city&gt;_&lt;seq&gt;_&lt;frame&gt;</c>.</summary>
    Cityscapes,

    /// <summary>Per-frame folders paired by frame index (the last run of digits in each file name).</summary>
    Frames,
}

/// <summary>Pairs ground-truth files with prediction files.</summary>
public static class DatasetPairing
{
    private const string GtSuffix = "_gtFine_labelIds.png";
    private const string InstanceSuffix = "_gtFine_instanceIds.png";

    /// <summary>Pairs by <paramref name="layout"/>; errors name the file and the reason.</summary>
    /// <exception cref="SegFuseInputException">Empty ground truth, a prediction missing or matched twice, a missing instance file.</exception>
    public static IReadOnlyList<FramePair> Pair(DatasetLayout layout, string gtDir, string predDir, bool instances) =>
        layout == DatasetLayout.Cityscapes ? Cityscapes(gtDir, predDir, instances) : Frames(gtDir, predDir);

    /// <summary>The Cityscapes layout, searched recursively under both folders; pairs are sorted by key.</summary>
    public static IReadOnlyList<FramePair> Cityscapes(string gtDir, string predDir, bool instances)
    {
        RequireDir(gtDir, "--gt");
        RequireDir(predDir, "--pred");
        var gtFiles = Directory.EnumerateFiles(gtDir, "*" + GtSuffix, SearchOption.AllDirectories).ToList();
        if (gtFiles.Count == 0)
        {
            throw new SegFuseInputException(gtDir, $"no ground truth found (expected <city>/<city>_<seq>_<frame>{GtSuffix}; use --layout frames for per-frame folders)");
        }

        // Index predictions by every "<digits>_<digits>" in their names, then confirm with the full key.
        var byTail = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(predDir, "*.png", SearchOption.AllDirectories))
        {
            foreach (string tail in DigitPairs(Path.GetFileName(file)))
            {
                if (!byTail.TryGetValue(tail, out var list))
                {
                    byTail[tail] = list = [];
                }

                list.Add(file);
            }
        }

        var pairs = new List<FramePair>(gtFiles.Count);
        var used = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var gt in gtFiles)
        {
            string name = Path.GetFileName(gt);
            string key = name[..^GtSuffix.Length];
            var tail = DigitPairs(key).LastOrDefault() ?? key;
            var matches = byTail.TryGetValue(tail, out var candidates)
                ? candidates.Where(f => Path.GetFileName(f).Contains(key, StringComparison.Ordinal)).Distinct().ToList()
                : [];
            if (matches.Count == 0)
            {
                throw new SegFuseInputException(predDir, $"no prediction for {key} (expected one file whose name contains '{key}')");
            }

            if (matches.Count > 1)
            {
                throw new SegFuseInputException(predDir, $"{matches.Count} predictions match {key}: {string.Join(", ", matches.Select(Path.GetFileName))}");
            }

            if (used.TryGetValue(matches[0], out var other))
            {
                throw new SegFuseInputException(matches[0], $"matched by two ground-truth frames, {other} and {key}");
            }

            used[matches[0]] = key;
            string? inst = null;
            if (instances)
            {
                inst = Path.Combine(Path.GetDirectoryName(gt)!, key + InstanceSuffix);
                if (!File.Exists(inst))
                {
                    throw new SegFuseInputException(inst, "instance file missing (it is needed for iIoU; use --no-instances to score without it)");
                }
            }

            pairs.Add(new FramePair(key, gt, matches[0], inst));
        }

        pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return pairs;
    }

    /// <summary>Per-frame folders paired by frame index; every ground-truth frame needs a prediction.</summary>
    public static IReadOnlyList<FramePair> Frames(string gtDir, string predDir)
    {
        RequireDir(gtDir, "--gt");
        RequireDir(predDir, "--pred");
        var gt = FrameFiles.List(gtDir, ".png");
        if (gt.Count == 0)
        {
            throw new SegFuseInputException(gtDir, "no ground-truth PNGs found");
        }

        var pred = FrameFiles.List(predDir, ".png");
        var pairs = new List<FramePair>(gt.Count);
        foreach (var (index, gtFile) in gt)
        {
            if (!pred.TryGetValue(index, out var predFile))
            {
                throw new SegFuseInputException(predDir, $"no prediction for frame {index} ({Path.GetFileName(gtFile)})");
            }

            pairs.Add(new FramePair(index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture), gtFile, predFile, null));
        }

        return pairs;
    }

    private static void RequireDir(string dir, string option)
    {
        if (!Directory.Exists(dir))
        {
            throw new SegFuseInputException(dir, $"no such folder ({option})");
        }
    }

    /// <summary>Every "digits_digits" formed by two neighbouring all-digit parts of a name (parts split at _ . -).</summary>
    private static IEnumerable<string> DigitPairs(string name)
    {
        var parts = name.Split('_', '.', '-');
        for (int i = 0; i + 1 < parts.Length; i++)
        {
            if (IsDigits(parts[i]) && IsDigits(parts[i + 1]))
            {
                yield return parts[i] + "_" + parts[i + 1];
            }
        }

        static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);
    }
}
