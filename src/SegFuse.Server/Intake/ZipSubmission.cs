using System.Globalization;
using System.IO.Compression;
using SegFuse.IO;

namespace SegFuse.Server.Intake;

/// <summary>
/// A zip of label PNGs checked against a competition's rules. Entry names are only ever used to find a frame
/// index (or Cityscapes key); files are written under server-chosen names (<c>000123.png</c>), and entries with
/// unsafe names (<c>..</c>, absolute paths, backslashes) are refused outright.
/// </summary>
public sealed class ZipSubmission
{
    private ZipSubmission(string path, IReadOnlyDictionary<int, string> entries, int ignored)
    {
        Path = path;
        Entries = entries;
        IgnoredEntries = ignored;
    }

    /// <summary>The zip file.</summary>
    public string Path { get; }

    /// <summary>Scored frame index → entry name.</summary>
    public IReadOnlyDictionary<int, string> Entries { get; }

    /// <summary>PNG entries of frames without ground truth (valid, but not scored).</summary>
    public int IgnoredEntries { get; }

    /// <summary>Whether the file starts like a zip archive.</summary>
    public static bool LooksLikeZip(string path)
    {
        using var s = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return s.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual("PK\u0003\u0004"u8);
    }

    /// <summary>Checks the archive's structure without decoding images: names, PNG headers, sizes, one PNG per scored frame.</summary>
    /// <param name="path">The zip file.</param>
    /// <param name="displayName">Names the file in errors (never a server path).</param>
    /// <param name="rules">The competition's rules.</param>
    /// <param name="encoding">How the PNGs store labels.</param>
    /// <exception cref="SegFuseInputException">Any rule broken; the message names the entry.</exception>
    public static ZipSubmission Inspect(string path, string displayName, SubmissionRules rules, LabelEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(rules);
        long size = new FileInfo(path).Length;
        if (size > rules.MaxUploadBytes)
        {
            throw new SegFuseInputException(displayName, $"is {size} bytes, over the competition's limit of {rules.MaxUploadBytes} bytes");
        }

        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new SegFuseInputException(displayName, $"not a readable zip archive ({e.Message})", e);
        }

        using (zip)
        {
            int maxEntries = (2 * rules.VideoFrames) + 16;
            if (zip.Entries.Count > maxEntries)
            {
                throw new SegFuseInputException(displayName, $"has {zip.Entries.Count} entries; a submission holds at most one PNG per frame ({rules.VideoFrames} frames)");
            }

            long perEntryLimit = ((long)rules.Width * rules.Height * 8) + (1 << 20);
            var scored = new Dictionary<int, int>();
            for (int i = 0; i < rules.ScoredFrames.Count; i++)
            {
                scored[rules.ScoredFrames[i]] = i;
            }

            var byKey = rules.KeyedByName ? rules.FrameKeys.Select((k, i) => (k, rules.ScoredFrames[i])).ToList() : null;
            var seen = new Dictionary<int, string>();
            var entries = new Dictionary<int, string>();
            int ignored = 0;
            foreach (var entry in zip.Entries)
            {
                string name = entry.FullName;
                CheckName(name, displayName);
                if (name.EndsWith('/'))
                {
                    continue;
                }

                string where = $"{displayName}: entry '{name}'";
                if (!name.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                {
                    throw new SegFuseInputException(where, "is not a PNG; a submission zip holds only label PNGs, one per frame");
                }

                if (entry.Length > perEntryLimit)
                {
                    throw new SegFuseInputException(where, $"unpacks to {entry.Length} bytes, far more than a {rules.Width}x{rules.Height} label PNG can need");
                }

                PngHeader? header;
                try
                {
                    using var s = entry.Open();
                    header = PngHeader.TryRead(s);
                }
                catch (InvalidDataException e)
                {
                    throw new SegFuseInputException(where, $"cannot be unpacked ({e.Message})", e);
                }

                if (header is not { } h)
                {
                    throw new SegFuseInputException(where, "is not a PNG file (its content does not start with the PNG signature)");
                }

                if (h.Width != rules.Width || h.Height != rules.Height)
                {
                    throw new SegFuseInputException(where, $"is {h.Width}x{h.Height}; the competition's frames are {rules.Width}x{rules.Height}");
                }

                bool color = encoding == LabelEncoding.Color;
                if (color ? !h.IsColor : !h.IsSingleChannel)
                {
                    throw new SegFuseInputException(where, color
                        ? "is not an RGB PNG (encoding color expects the label set's palette colours)"
                        : "is not a single-channel PNG of label ids (send colour PNGs with encoding color)");
                }

                int index = FrameOf(name, byKey) ?? throw new SegFuseInputException(where, "the file name has no frame index (a run of digits, e.g. 000123.png)");
                if (index < 0 || index >= rules.VideoFrames)
                {
                    throw new SegFuseInputException(where, $"frame index {index} is outside the test video's frames 0..{rules.VideoFrames - 1}");
                }

                if (!seen.TryAdd(index, name))
                {
                    throw new SegFuseInputException(where, $"frame {index} is also entry '{seen[index]}'");
                }

                if (scored.ContainsKey(index))
                {
                    entries[index] = name;
                }
                else
                {
                    ignored++;
                }
            }

            var missing = rules.ScoredFrames.Where(f => !entries.ContainsKey(f)).ToList();
            if (missing.Count > 0)
            {
                string list = string.Join(", ", missing.Take(5).Select(f => rules.KeyedByName ? $"{f} ({rules.FrameKeys[scored[f]]})" : f.ToString(CultureInfo.InvariantCulture)));
                throw new SegFuseInputException(displayName, $"has no PNG for {missing.Count} of the {rules.ScoredFrames.Count} scored frames: {list}{(missing.Count > 5 ? ", ..." : string.Empty)}");
            }

            return new ZipSubmission(path, entries, ignored);
        }
    }

    /// <summary>Writes the scored frames into <paramref name="dir"/> as <c>000123.png</c> and returns frame index → file.</summary>
    /// <exception cref="SegFuseInputException">An entry is corrupt or unpacks to more than it declared.</exception>
    public IReadOnlyDictionary<int, string> ExtractTo(string dir, string displayName, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dir);
        var files = new Dictionary<int, string>();
        using var zip = ZipFile.OpenRead(Path);
        var byName = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName, StringComparer.Ordinal);
        long done = 0;
        foreach (var (index, name) in Entries.OrderBy(e => e.Key))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = byName[name];
            string target = System.IO.Path.Combine(dir, FrameFiles.NameOf(index, ".png"));
            try
            {
                using var from = entry.Open();
                using var to = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                CopyAtMost(from, to, entry.Length);
            }
            catch (InvalidDataException e)
            {
                throw new SegFuseInputException($"{displayName}: entry '{name}'", $"cannot be unpacked ({e.Message})", e);
            }

            files[index] = target;
            progress?.Report(++done);
        }

        return files;
    }

    /// <summary>Refuses names that could point outside a folder if anyone ever used them as paths.</summary>
    private static void CheckName(string name, string displayName)
    {
        bool unsafeName = name.Length == 0
            || name.Contains('\\', StringComparison.Ordinal)
            || name.StartsWith('/')
            || (name.Length >= 2 && name[1] == ':')
            || name.Split('/').Any(part => part is ".." or ".")
            || name.Any(char.IsControl);
        if (unsafeName)
        {
            throw new SegFuseInputException($"{displayName}: entry '{Printable(name)}'", "has an unsafe name (absolute, '..', '.' or backslash parts are not allowed)");
        }
    }

    private static string Printable(string s) => new(s.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());

    private static int? FrameOf(string entryName, List<(string Key, int Index)>? byKey)
    {
        string file = entryName[(entryName.LastIndexOf('/') + 1)..];
        if (byKey is not null)
        {
            var matches = byKey.Where(k => file.Contains(k.Key, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1)
            {
                return matches[0].Index;
            }
        }

        return FrameFiles.TryParseIndex(file);
    }

    private static void CopyAtMost(Stream from, Stream to, long declared)
    {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = from.Read(buffer)) > 0)
        {
            total += n;
            if (total > declared)
            {
                throw new InvalidDataException($"unpacks to more than the {declared} bytes it declares");
            }

            to.Write(buffer, 0, n);
        }
    }
}
