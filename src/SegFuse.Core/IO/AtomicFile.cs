namespace SegFuse.IO;

/// <summary>
/// Writes a file under a temporary name beside its destination and renames it into place on
/// <see cref="Commit"/>, so that a failed or cancelled run leaves no half-written output.
/// Disposing without committing deletes the temporary file.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private bool _committed;
    private bool _disposed;

    /// <summary>Prepares to write <paramref name="path"/>; nothing exists under that name until <see cref="Commit"/>.</summary>
    public AtomicFile(string path)
    {
        FinalPath = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(FinalPath)!;
        TempPath = Path.Combine(dir, $".{Path.GetFileName(FinalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp{Path.GetExtension(FinalPath)}");
    }

    /// <summary>Where the file ends up.</summary>
    public string FinalPath { get; }

    /// <summary>Where to write until <see cref="Commit"/>; it keeps the final extension, so tools that pick a format by extension still work.</summary>
    public string TempPath { get; }

    /// <summary>Opens the temporary file for writing.</summary>
    public FileStream OpenWrite() => new(TempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

    /// <summary>Moves the written file into place, replacing an earlier output of the same name.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Deletes the temporary file unless it was committed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_committed)
        {
            try
            {
                File.Delete(TempPath);
            }
            catch (IOException)
            {
                // Best effort: the file may never have been created.
            }
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        using var file = new AtomicFile(path);
        File.WriteAllText(file.TempPath, text);
        file.Commit();
    }

    /// <summary>Writes what <paramref name="write"/> produces to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var file = new AtomicFile(path);
        using (var stream = file.OpenWrite())
        {
            write(stream);
        }

        file.Commit();
    }
}
