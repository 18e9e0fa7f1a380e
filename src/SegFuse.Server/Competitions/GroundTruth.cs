using System.Security.Cryptography;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Scoring;
using SegFuse.Server.Intake;

namespace SegFuse.Server.Competitions;

/// <summary>One ground-truth frame to import: its index in the test video, its key, its label PNG and instance PNG.</summary>
internal sealed record GroundTruthFrame(int Index, string Key, string LabelFile, string? InstanceFile);

/// <summary>
/// A ground-truth folder read for import: every frame has the same size and only ids of the label set
/// (checked by scoring the ground truth against itself with the CLI's scorer, so scoring can never fail on it).
/// </summary>
internal sealed class GroundTruth
{
    private const string GtSuffix = "_gtFine_labelIds.png";
    private const string InstanceSuffix = "_gtFine_instanceIds.png";

    private GroundTruth(IReadOnlyList<GroundTruthFrame> frames, int width, int height, bool instances)
    {
        Frames = frames;
        Width = width;
        Height = height;
        HasInstances = instances;
    }

    public IReadOnlyList<GroundTruthFrame> Frames { get; }

    public int Width { get; }

    public int Height { get; }

    public bool HasInstances { get; }

    /// <summary>Reads <paramref name="dir"/> in <paramref name="layout"/>.</summary>
    /// <param name="dir">The ground-truth folder.</param>
    /// <param name="layout">Frames: one PNG per frame named by its index in the test video. Cityscapes: <c>&lt;city&gt;/&lt;city&gt;_&lt;seq&gt;_&lt;frame&gt;_gtFine_labelIds.png</c>, frame i = the i-th key in order.</param>
    /// <param name="set">The label set of the ground truth (ids).</param>
    /// <param name="instances">Import <c>_gtFine_instanceIds.png</c> for iIoU (Cityscapes layout only).</param>
    /// <param name="cancellationToken">Stops the check between frames.</param>
    /// <exception cref="SegFuseInputException">Empty folder, mixed sizes, a non-PNG, an id outside the set, a missing instance file.</exception>
    public static GroundTruth Read(string dir, DatasetLayout layout, LabelSet set, bool instances, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(dir))
        {
            throw new SegFuseInputException(dir, "no such folder (--gt)");
        }

        var frames = new List<GroundTruthFrame>();
        if (layout == DatasetLayout.Frames)
        {
            instances = false;
            foreach (var (index, file) in FrameFiles.List(dir, ".png"))
            {
                frames.Add(new GroundTruthFrame(index, FrameFiles.NameOf(index, ".png")[..^4], file, null));
            }
        }
        else
        {
            var files = Directory.EnumerateFiles(dir, "*" + GtSuffix, SearchOption.AllDirectories)
                .Select(f => (Key: Path.GetFileName(f)[..^GtSuffix.Length], File: f))
                .OrderBy(f => f.Key, StringComparer.Ordinal)
                .ToList();
            for (int i = 0; i < files.Count; i++)
            {
                if (i > 0 && files[i].Key == files[i - 1].Key)
                {
                    throw new SegFuseInputException(files[i].File, $"frame {files[i].Key} appears twice in the ground truth");
                }

                string? inst = null;
                if (instances)
                {
                    inst = Path.Combine(Path.GetDirectoryName(files[i].File)!, files[i].Key + InstanceSuffix);
                    if (!File.Exists(inst))
                    {
                        throw new SegFuseInputException(inst, "instance file missing (it is needed for iIoU; use --no-instances to import without it)");
                    }
                }

                frames.Add(new GroundTruthFrame(i, files[i].Key, files[i].File, inst));
            }
        }

        if (frames.Count == 0)
        {
            throw new SegFuseInputException(dir, layout == DatasetLayout.Frames
                ? "no ground-truth PNGs found (expected one PNG per frame named by its index, e.g. 000000.png)"
                : $"no ground truth found (expected <city>/<city>_<seq>_<frame>{GtSuffix}; use --layout frames for per-frame folders)");
        }

        int width = 0, height = 0;
        foreach (var f in frames)
        {
            var header = PngHeader.TryRead(f.LabelFile) ?? throw new SegFuseInputException(f.LabelFile, "not a PNG file");
            if (width == 0)
            {
                (width, height) = (header.Width, header.Height);
            }
            else if (header.Width != width || header.Height != height)
            {
                throw new SegFuseInputException(f.LabelFile, $"size {header.Width}x{header.Height} differs from the other ground-truth frames ({width}x{height}); a competition's frames share one size");
            }
        }

        // The scorer itself checks every id and size: the ground truth scored against itself.
        var pairs = frames.Select(f => new FramePair(f.Key, f.LabelFile, f.LabelFile, f.InstanceFile)).ToList();
        DatasetScorer.Score(pairs, set, LabelEncoding.Ids, null, cancellationToken, instanceStats: instances);
        return new GroundTruth(frames, width, height, instances);
    }

    /// <summary>
    /// Copies the frames into <paramref name="labelDir"/> (and <paramref name="instanceDir"/>) as <c>000123.png</c>, byte for byte,
    /// and returns the ground-truth hash: SHA-256 over the label set and every frame's index and file contents.
    /// </summary>
    public string CopyTo(string labelDir, string? instanceDir, LabelSet set)
    {
        Directory.CreateDirectory(labelDir);
        if (HasInstances && instanceDir is not null)
        {
            Directory.CreateDirectory(instanceDir);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(set.ToJson()));
        foreach (var f in Frames)
        {
            hash.AppendData(BitConverter.GetBytes(f.Index));
            CopyHashed(f.LabelFile, Path.Combine(labelDir, FrameFiles.NameOf(f.Index, ".png")), hash);
            if (HasInstances && instanceDir is not null && f.InstanceFile is not null)
            {
                CopyHashed(f.InstanceFile, Path.Combine(instanceDir, FrameFiles.NameOf(f.Index, ".png")), hash);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void CopyHashed(string from, string to, IncrementalHash hash)
    {
        byte[] bytes = File.ReadAllBytes(from);
        hash.AppendData(BitConverter.GetBytes(bytes.LongLength));
        hash.AppendData(bytes);
        File.WriteAllBytes(to, bytes);
    }
}
