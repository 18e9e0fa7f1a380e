using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using SegFuse.Fusion.Engine;
using SegFuse.IO;
using SegFuse.Labels;

namespace SegFuse.Fusion.IO;

/// <summary>Where and how much a fusion run writes.</summary>
public sealed record FuseOutput
{
    /// <summary>Output folder; fused maps keep the prediction files' names and encoding.</summary>
    public required string Directory { get; init; }

    /// <summary>Only frames START..END−1 (<c>--range START:END</c>); the context frames around the slice are read but not written. Null: every frame.</summary>
    public FrameRange? Range { get; init; }

    /// <summary>Skip frames whose output already exists and is a readable PNG of the frame size (<c>--resume</c>).</summary>
    public bool Resume { get; init; }

    /// <summary>Threads for the per-row kernels.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;
}

/// <summary>A half-open range of frame indices, <c>START:END</c>.</summary>
/// <param name="Start">First frame.</param>
/// <param name="End">One past the last frame; null = to the end.</param>
public readonly record struct FrameRange(int Start, int? End)
{
    /// <summary>Parses <c>START:END</c>, <c>START:</c> or <c>:END</c>.</summary>
    /// <exception cref="SegFuseInputException">Not of that form, or END ≤ START.</exception>
    public static FrameRange Parse(string text, string subject = "--range")
    {
        var parts = text.Split(':');
        if (parts.Length == 2
            && (parts[0].Length == 0 || int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            && (parts[1].Length == 0 || int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            int start = parts[0].Length == 0 ? 0 : int.Parse(parts[0], CultureInfo.InvariantCulture);
            int? end = parts[1].Length == 0 ? null : int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (end <= start)
            {
                throw new SegFuseInputException(subject, $"'{text}': END must be greater than START");
            }

            return new FrameRange(start, end);
        }

        throw new SegFuseInputException(subject, $"'{text}' is not START:END (frame indices, END exclusive, e.g. 0:300)");
    }

    /// <summary>The range within a video of <paramref name="frames"/> frames.</summary>
    /// <exception cref="SegFuseInputException">The range starts at or past the end.</exception>
    public (int Start, int End) Resolve(int frames, string subject = "--range")
    {
        if (Start >= frames)
        {
            throw new SegFuseInputException(subject, $"starts at frame {Start} but the video has {frames} frames (0..{frames - 1})");
        }

        return (Start, Math.Min(End ?? frames, frames));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Start}:{End}";
}

/// <summary>What a fusion run did.</summary>
public sealed record FuseSummary
{
    /// <summary>Frames in the video.</summary>
    public required int VideoFrames { get; init; }

    /// <summary>Frames read and fused (including context frames around a slice).</summary>
    public required int FramesProcessed { get; init; }

    /// <summary>Fused label maps written.</summary>
    public required int Written { get; init; }

    /// <summary>Frames skipped because their output already existed (<c>--resume</c>).</summary>
    public required int Skipped { get; init; }

    /// <summary>Frames treated as cuts.</summary>
    public required int Cuts { get; init; }

    /// <summary>Frames whose own labels were down-weighted as failed predictions.</summary>
    public required int DownWeighted { get; init; }

    /// <summary>Mean fraction of pixels into which evidence was carried.</summary>
    public required double CarriedFraction { get; init; }

    /// <summary>Wall-clock seconds.</summary>
    public required double Seconds { get; init; }

    /// <summary>The parameters used.</summary>
    public required FusionParameters Parameters { get; init; }
}

/// <summary>
/// Runs temporal fusion from files to files: reads the inputs (<see cref="FusionInputSet"/>), fuses on the calling
/// thread (rows in parallel), writes each fused map on a writer thread as soon as it is final. Every output goes
/// through a temporary name, so an error or cancellation leaves only complete frames, which <c>--resume</c> keeps.
/// </summary>
public static class Fuser
{
    /// <summary>Fuses <paramref name="inputs"/> into <paramref name="output"/>.</summary>
    /// <param name="inputs">What to read.</param>
    /// <param name="parameters">Method and parameters.</param>
    /// <param name="output">Where to write, which frames.</param>
    /// <param name="progress">Receives the number of frames written or skipped so far; <paramref name="onTotal"/> gets the total first.</param>
    /// <param name="onTotal">Called once with the number of frames the run will write or skip.</param>
    /// <param name="cancellationToken">Stops between frames.</param>
    /// <exception cref="SegFuseInputException">Bad input, before anything is written or (for content errors) at the frame that has it.</exception>
    public static FuseSummary Run(FuseInputs inputs, FusionParameters parameters, FuseOutput output, IProgress<long>? progress = null, Action<long>? onTotal = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(output);
        parameters.Validate();
        var clock = Stopwatch.StartNew();
        var set = FusionInputSet.Open(inputs);
        int n = set.FrameCount;
        var (start, end) = (output.Range ?? new FrameRange(0, null)).Resolve(n);
        string outDir = Path.GetFullPath(output.Directory);
        if (string.Equals(outDir.TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(inputs.Predictions).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new SegFuseInputException("--out", "is the prediction folder; fused maps would overwrite the predictions");
        }

        try
        {
            Directory.CreateDirectory(outDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegFuseInputException(output.Directory, $"cannot create the output folder: {e.Message}", e);
        }

        string OutPath(int t) => Path.Combine(outDir, Path.GetFileName(set.Predictions[t]));
        var wanted = new bool[n];
        int skipped = 0;
        for (int t = start; t < end; t++)
        {
            if (output.Resume && IsComplete(OutPath(t), set.Width, set.Height))
            {
                skipped++;
                continue;
            }

            wanted[t] = true;
        }

        onTotal?.Invoke(end - start);
        progress?.Report(skipped);
        int firstWanted = Array.IndexOf(wanted, true);
        if (firstWanted < 0)
        {
            return Summary(0, 0, null);
        }

        int lastWanted = Array.LastIndexOf(wanted, true);
        var (first, last) = parameters.ContextOf(firstWanted, lastWanted + 1, n);

        var writer = new LabelOutput(inputs.Labels, inputs.PredictionEncoding);
        var maps = new LabelMapPool(set.Width, set.Height);
        using var queue = new BlockingCollection<(int Index, LabelMap Map)>(4);
        Exception? writeFailure = null;
        int written = 0;
        var writerThread = new Thread(() =>
        {
            try
            {
                foreach (var (index, map) in queue.GetConsumingEnumerable())
                {
                    writer.Write(OutPath(index), map);
                    maps.Return(map);
                    written++;
                    progress?.Report(skipped + written);
                }
            }
#pragma warning disable CA1031 // Handed to the fusing thread, which rethrows it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                writeFailure = e;
                while (queue.TryTake(out _))
                {
                    // Drain so that the producer is not blocked.
                }
            }
        })
        {
            IsBackground = true,
            Name = "fusion writer",
        };
        writerThread.Start();

        FusionEngine? engine = null;
        try
        {
            engine = new FusionEngine(set.Width, set.Height, set.Classes, parameters, output.Workers, (index, map) =>
            {
                if (writeFailure is not null)
                {
                    throw new IOException($"writing the fused labels failed: {writeFailure.Message}", writeFailure);
                }

                queue.Add((index, map), cancellationToken);
            }, maps);
            foreach (var frame in set.Read(first, last, t => wanted[t], cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                engine.Push(frame);
            }

            engine.Complete();
        }
        finally
        {
            queue.CompleteAdding();
            writerThread.Join();
        }

        if (writeFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(writeFailure).Throw();
        }

        return Summary(last - first + 1, written, engine.Stats);

        FuseSummary Summary(int processed, int count, FusionStats? stats) => new()
        {
            VideoFrames = n,
            FramesProcessed = processed,
            Written = count,
            Skipped = skipped,
            Cuts = stats?.Cuts ?? 0,
            DownWeighted = stats?.DownWeighted ?? 0,
            CarriedFraction = stats is { Frames: > 0 } ? stats.CarriedFractionSum / stats.Frames : 0,
            Seconds = clock.Elapsed.TotalSeconds,
            Parameters = parameters,
        };
    }

    /// <summary>Whether <paramref name="path"/> is a complete fused map: a PNG OpenCV decodes, of the frame size.</summary>
    internal static bool IsComplete(string path, int width, int height)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            using var mat = Cv2.ImRead(path, ImreadModes.Unchanged);
            return !mat.Empty() && mat.Width == width && mat.Height == height;
        }
        catch (OpenCVException)
        {
            return false;
        }
    }
}
