namespace SegFuse.Inference.Segment;

/// <summary>
/// An output folder filled under a hidden temporary name and moved into place on <see cref="Commit"/>, so a
/// run that fails or is cancelled half-way leaves none of its files behind. When the destination already
/// exists its other files are kept and same-named ones replaced.
/// </summary>
internal sealed class StagedFolder : IDisposable
{
    private bool _committed;
    private bool _disposed;

    public StagedFolder(string destination)
    {
        Destination = Path.GetFullPath(destination);
        if (File.Exists(Destination))
        {
            throw new SegFuseInputException(destination, "is a file; an output folder is expected");
        }

        // The staging folder sits in the nearest existing ancestor, on the same file system as the destination.
        string? parent = Path.GetDirectoryName(Destination);
        while (parent is not null && !Directory.Exists(parent))
        {
            parent = Path.GetDirectoryName(parent);
        }

        parent ??= Directory.GetCurrentDirectory();
        StagingPath = Path.Combine(parent, $".{Path.GetFileName(Destination)}.segfuse-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(StagingPath);
    }

    /// <summary>Where the files end up.</summary>
    public string Destination { get; }

    /// <summary>Where to write them until <see cref="Commit"/>.</summary>
    public string StagingPath { get; }

    /// <summary>Moves the staged files into <see cref="Destination"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Directory.Exists(Destination))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
            Directory.Move(StagingPath, Destination);
        }
        else
        {
            foreach (string file in Directory.EnumerateFiles(StagingPath))
            {
                File.Move(file, Path.Combine(Destination, Path.GetFileName(file)), overwrite: true);
            }

            Directory.Delete(StagingPath, recursive: true);
        }

        _committed = true;
    }

    /// <summary>Deletes the staged files unless they were committed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_committed && Directory.Exists(StagingPath))
        {
            try
            {
                Directory.Delete(StagingPath, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a file may still be open elsewhere.
            }
        }
    }
}
