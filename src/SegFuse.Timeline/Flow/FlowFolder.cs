using SegFuse.IO;

namespace SegFuse.Timeline.Flow;

/// <summary>
/// A folder of per-frame flow fields, looked up by frame index. The index of a file is the last run of digits in its
/// stem (<c>000123.flo</c>, <c>frame_123.flo</c>) and names the frame the field belongs to: frame t's backward field
/// points into t − 1, its forward field into t + 1 (<see cref="FlowDirection"/>), so a complete backward folder holds
/// frames 1..N−1 and a complete forward folder 0..N−2.
/// </summary>
/// <remarks>
/// One format per folder: when a folder holds several, <c>.flo</c> is used if present, else <c>.npy</c>, else KITTI
/// <c>.png</c> (so flow visualisations saved as PNG beside <c>.flo</c> files are left alone). Only file names are kept in
/// memory; fields are read one at a time by <see cref="Read(int, int, int, FlowScale)"/>.
/// </remarks>
public sealed class FlowFolder
{
    private readonly SortedDictionary<int, string> _files;

    private FlowFolder(string directory, FlowDirection direction, FlowFormat format, SortedDictionary<int, string> files)
    {
        Directory = directory;
        Direction = direction;
        Format = format;
        _files = files;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>Which neighbour the fields point to.</summary>
    public FlowDirection Direction { get; }

    /// <summary>The format of the files used.</summary>
    public FlowFormat Format { get; }

    /// <summary>How many flow files the folder holds.</summary>
    public int Count => _files.Count;

    /// <summary>The frame indices that have a file, ascending.</summary>
    public IEnumerable<int> Frames => _files.Keys;

    /// <summary>Lists <paramref name="directory"/>.</summary>
    /// <exception cref="SegFuseInputException">No such folder, no flow files in it, a file without an index, two files with one index.</exception>
    public static FlowFolder Open(string directory, FlowDirection direction)
    {
        foreach (var format in new[] { FlowFormat.Flo, FlowFormat.Npy, FlowFormat.Kitti })
        {
            var files = FrameFiles.List(directory, FlowFile.ExtensionOf(format));
            if (files.Count > 0)
            {
                return new FlowFolder(directory, direction, format, files);
            }
        }

        throw new SegFuseInputException(directory, "holds no flow files (.flo, .npy or KITTI .png)");
    }

    /// <summary>The file of frame <paramref name="frame"/>, or null when the folder has none.</summary>
    public string? PathOf(int frame) => _files.TryGetValue(frame, out var path) ? path : null;

    /// <summary>The frames of a video of <paramref name="frameCount"/> frames that should have a field here and have none, ascending.</summary>
    public IReadOnlyList<int> Missing(int frameCount)
    {
        var (first, last) = Direction.FramesWithFlow(frameCount);
        var missing = new List<int>();
        for (int i = first; i <= last; i++)
        {
            if (!_files.ContainsKey(i))
            {
                missing.Add(i);
            }
        }

        return missing;
    }

    /// <summary>Throws unless every frame of a video of <paramref name="frameCount"/> frames that should have a field has one.</summary>
    /// <exception cref="SegFuseInputException">Names the first missing frame index.</exception>
    public void EnsureComplete(int frameCount)
    {
        var missing = Missing(frameCount);
        if (missing.Count > 0)
        {
            throw MissingError(missing[0], missing.Count, frameCount);
        }
    }

    /// <summary>
    /// The error for a missing field of <paramref name="frame"/>, naming it as the first missing index; the total and the
    /// video's frame count are added when known.
    /// </summary>
    public SegFuseInputException MissingError(int frame, int? missingCount = null, int? frameCount = null)
    {
        string more = missingCount > 1 ? $" ({missingCount} frames missing in all)" : string.Empty;
        string range;
        if (frameCount is int n)
        {
            var (first, last) = Direction.FramesWithFlow(n);
            range = $"; frames {first}..{last} need one";
        }
        else
        {
            range = Direction == FlowDirection.Backward ? "; every frame after the first needs one" : "; every frame before the last needs one";
        }

        return new SegFuseInputException(Directory,
            $"no {Direction.Name()} flow for frame {frame}, the first missing index{more}{range} (--allow-missing goes on without)");
    }

    /// <summary>
    /// Reads the field of <paramref name="frame"/> and brings it to the frame size as <paramref name="scale"/> allows.
    /// </summary>
    /// <returns>The field at <paramref name="frameWidth"/> × <paramref name="frameHeight"/>, or null when the folder has no file for the frame.</returns>
    /// <exception cref="SegFuseInputException">Corrupt file, or a size that <paramref name="scale"/> does not allow.</exception>
    public FlowField? Read(int frame, int frameWidth, int frameHeight, FlowScale scale) => Read(frame, frameWidth, frameHeight, scale, null);

    /// <summary>
    /// As <see cref="Read(int, int, int, FlowScale)"/>, reading into <paramref name="reuse"/> when the file is a
    /// <c>.flo</c> or <c>.npy</c> field of its size (<see cref="FlowFile.Read(string, FlowField?)"/>); a field that is
    /// resized to the frame size is always a new one.
    /// </summary>
    /// <remarks>Does not take ownership of <paramref name="reuse"/>; it may be overwritten.</remarks>
    /// <exception cref="SegFuseInputException">Corrupt file, or a size that <paramref name="scale"/> does not allow.</exception>
    public FlowField? Read(int frame, int frameWidth, int frameHeight, FlowScale scale, FlowField? reuse)
    {
        string? path = PathOf(frame);
        if (path is null)
        {
            return null;
        }

        var field = FlowFile.Read(path, reuse);
        return scale.CheckSize(path, field.Width, field.Height, frameWidth, frameHeight) ? field.Resize(frameWidth, frameHeight) : field;
    }
}
