using System.Globalization;

namespace SegFuse.Server.Storage;

/// <summary>
/// Where the server keeps its state under the data folder. Every name below it is chosen by the server:
/// nothing a competitor sends becomes part of a path.
/// </summary>
/// <remarks>
/// <code>
/// segfuse.db                          SQLite: competitions, teams (hashed tokens), submissions, scores
/// server.lock                         held by the one server that serves this folder
/// competitions/{id}/gt-{hash}/        hidden ground truth, one PNG per frame (000000.png ...)
/// competitions/{id}/instances-{hash}/ instance maps for iIoU (Cityscapes GT only)
/// submissions/{id}/submission.zip     the upload as received (submission.video for a video)
/// submissions/{id}/work/              frames being scored; deleted when scoring ends
/// incoming/                           uploads being received; emptied at start-up
/// </code>
/// </remarks>
internal sealed class DataFolder
{
    public DataFolder(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string DatabasePath => Path.Combine(Root, "segfuse.db");

    public string LockPath => Path.Combine(Root, "server.lock");

    public string Incoming => Path.Combine(Root, "incoming");

    public string SubmissionsRoot => Path.Combine(Root, "submissions");

    public string CompetitionsRoot => Path.Combine(Root, "competitions");

    public string Competition(long id) => Path.Combine(CompetitionsRoot, id.ToString(CultureInfo.InvariantCulture));

    public string GroundTruth(long competitionId, string gtHash) => Path.Combine(Competition(competitionId), "gt-" + gtHash[..16]);

    public string Instances(long competitionId, string gtHash) => Path.Combine(Competition(competitionId), "instances-" + gtHash[..16]);

    public string Submission(long id) => Path.Combine(SubmissionsRoot, id.ToString(CultureInfo.InvariantCulture));

    public string SubmissionWork(long id) => Path.Combine(Submission(id), "work");

    /// <summary>Creates the folders the server writes into.</summary>
    public void EnsureCreated()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Incoming);
        Directory.CreateDirectory(SubmissionsRoot);
        Directory.CreateDirectory(CompetitionsRoot);
    }

    /// <summary>A fresh server-chosen name in <see cref="Incoming"/>.</summary>
    public string NewIncomingPath(string extension) => Path.Combine(Incoming, Guid.NewGuid().ToString("N") + extension);

    /// <summary>Deletes a file or folder (recursively) if it is there; what cannot be deleted now is left for the start-up clean-up.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
