using System.Collections.Concurrent;
using System.Threading.Channels;
using OpenCvSharp;
using SegFuse.IO;

namespace SegFuse.Timeline.Flow;

/// <summary>How <see cref="FlowPipeline"/> computes and stores flow.</summary>
public sealed record FlowPipelineOptions
{
    /// <summary>The flow method.</summary>
    public FlowMethod Method { get; init; } = FlowMethod.Farneback;

    /// <summary>Backward (frame t into t − 1, frames 1..N−1) or forward (t into t + 1, frames 0..N−2).</summary>
    public FlowDirection Direction { get; init; } = FlowDirection.Backward;

    /// <summary>Compute at 1/Downscale of the frame size, then scale the field back up.</summary>
    public int Downscale { get; init; } = 1;

    /// <summary>The file format of the outputs.</summary>
    public FlowFormat Format { get; init; } = FlowFormat.Flo;

    /// <summary>Threads that compute flow (each with its own <see cref="FlowEstimator"/>); default: the processor count.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Memory for computed fields waiting to be written (at least two per worker, at most 64 fields): 64 MB holds
    /// 35 fields of 640×360 or 8 of 1280×720.
    /// </summary>
    public long WriteQueueBytes { get; init; } = 64L << 20;

    /// <summary>Test hook: replaces the file write (path, field) on the writer thread.</summary>
    internal Action<string, FlowField>? WriteOverride { get; init; }

    /// <summary>Test hook: called on a worker after each field is computed, with the frame index.</summary>
    internal Action<int>? Computed { get; init; }
}

/// <summary>
/// Computes flow for a stream of frames and writes one file per frame (<c>000123.flo</c>, named by the frame the field
/// belongs to) into a folder, in three stages that overlap: the caller's thread decodes and converts to grey, the
/// workers compute pairs in parallel, and a writer thread stores the fields. Queues between the stages are bounded,
/// so memory does not grow with the video, and a slow disk does not hold up the workers until the queue is full.
/// </summary>
/// <remarks>
/// Outputs are written into a hidden staging folder inside the output folder and moved into place only when every
/// frame is done, so a failed or cancelled run leaves nothing behind.
/// </remarks>
public static class FlowPipeline
{
    /// <summary>
    /// Runs the pipeline over <paramref name="frames"/> (8-bit BGR, BGRA or grey, each borrowed only until the next
    /// item is requested) and writes the fields into <paramref name="outputDir"/>.
    /// </summary>
    /// <param name="frames">Decoded frames in order.</param>
    /// <param name="outputDir">Created if missing; existing files of the same names are replaced at the end.</param>
    /// <param name="options">Method, direction, downscale, format, workers.</param>
    /// <param name="progress">Receives the number of fields written so far (from the writer thread).</param>
    /// <param name="cancellationToken">Stops all stages; nothing is kept.</param>
    /// <returns>The number of frames read and of fields written.</returns>
    public static (int Frames, int Fields) Run(
        IEnumerable<Mat> frames,
        string outputDir,
        FlowPipelineOptions options,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(outputDir);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Downscale, 1);

        Directory.CreateDirectory(outputDir);
        string staging = Path.Combine(outputDir, $".segfuse-flow-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var result = RunStages(frames, staging, options, progress, cancellationToken);
            foreach (var file in Directory.EnumerateFiles(staging))
            {
                File.Move(file, Path.Combine(outputDir, Path.GetFileName(file)), overwrite: true);
            }

            return result;
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: nothing useful is left in it.
            }
        }
    }

    private static (int Frames, int Fields) RunStages(
        IEnumerable<Mat> frames, string dir, FlowPipelineOptions options, IProgress<long>? progress, CancellationToken outer)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var ct = cts.Token;
        int workers = options.Workers;

        // The first frame gives the field size, and so how many computed fields the writer's queue may hold.
        using var frameEnumerator = frames.GetEnumerator();
        bool hasFrame = frameEnumerator.MoveNext();
        long fieldBytes = hasFrame ? 8L * frameEnumerator.Current.Width * frameEnumerator.Current.Height : 1;
        int writeQueue = (int)Math.Clamp(options.WriteQueueBytes / Math.Max(fieldBytes, 1), 2 * workers, 64);

        // Decoded pairs wait for a worker (a short queue); computed fields wait for the writer in a queue of up to
        // WriteQueueBytes, so that the disk's stalls (page-cache writeback throttles a writer for a moment now and
        // then) are absorbed instead of stopping the workers. Both are bounded: memory does not grow with the video.
        var jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(2 * workers) { SingleWriter = true });
        var done = Channel.CreateBounded<(int Index, FlowField Field)>(new BoundedChannelOptions(writeQueue) { SingleReader = true });
        var fieldPool = new ConcurrentBag<FlowField>();
        using var greyPool = new GreyPool();
        string ext = FlowFile.ExtensionOf(options.Format);
        var errors = new ConcurrentQueue<Exception>();

        void Fail(Exception e)
        {
            errors.Enqueue(e);
            cts.Cancel();
        }

        var computeTasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            computeTasks[w] = Task.Factory.StartNew(
                () =>
                {
                    try
                    {
                        using var estimator = new FlowEstimator(options.Method, options.Downscale);
                        while (jobs.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
                        {
                            while (jobs.Reader.TryRead(out var job))
                            {
                                try
                                {
                                    if (!fieldPool.TryTake(out var field) || field.Width != job.From.Mat.Width || field.Height != job.From.Mat.Height)
                                    {
                                        field = new FlowField(job.From.Mat.Width, job.From.Mat.Height);
                                    }

                                    estimator.Compute(job.From.Mat, job.To.Mat, field);
                                    options.Computed?.Invoke(job.Index);
                                    done.Writer.WriteAsync((job.Index, field), ct).AsTask().GetAwaiter().GetResult();
                                }
                                finally
                                {
                                    job.From.Release();
                                    job.To.Release();
                                }
                            }
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Fail(e);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        int written = 0;
        var writer = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    while (done.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
                    {
                        while (done.Reader.TryRead(out var item))
                        {
                            string path = Path.Combine(dir, FrameFiles.NameOf(item.Index, ext));
                            if (options.WriteOverride is { } write)
                            {
                                write(path, item.Field);
                            }
                            else
                            {
                                FlowFile.WriteStaged(path, item.Field);
                            }

                            fieldPool.Add(item.Field);
                            long count = Interlocked.Increment(ref written);
                            progress?.Report(count);
                        }
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Fail(e);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        int frameCount = 0;
        GreyFrame? previous = null;
        bool fedAll = false;
        try
        {
            for (bool more = hasFrame; more; more = frameEnumerator.MoveNext())
            {
                var frame = frameEnumerator.Current;
                ct.ThrowIfCancellationRequested();
                var grey = greyPool.Convert(frame);
                if (previous is not null && (grey.Mat.Width != previous.Mat.Width || grey.Mat.Height != previous.Mat.Height))
                {
                    grey.Release();
                    throw new InvalidDataException($"frame {frameCount} is {frame.Width}x{frame.Height}, frame {frameCount - 1} was {previous.Mat.Width}x{previous.Mat.Height}");
                }

                if (previous is not null)
                {
                    // Backward flow belongs to the later frame (t → t − 1), forward to the earlier (t → t + 1).
                    var job = options.Direction == FlowDirection.Backward
                        ? new Job(frameCount, grey.Retain(), previous.Retain())
                        : new Job(frameCount - 1, previous.Retain(), grey.Retain());
                    if (!TryQueue(jobs.Writer, job, ct))
                    {
                        job.From.Release();
                        job.To.Release();
                        break;
                    }
                }

                previous?.Release();
                previous = grey;
                frameCount++;
            }

            fedAll = !ct.IsCancellationRequested;
        }
        finally
        {
            // On any way out: stop feeding, stop everything if the feed did not finish, and wait for every stage.
            previous?.Release();
            jobs.Writer.TryComplete();
            if (!fedAll)
            {
                cts.Cancel();
            }

            Task.WaitAll(computeTasks, CancellationToken.None);
            done.Writer.TryComplete();
            writer.Wait(CancellationToken.None);
            while (jobs.Reader.TryRead(out var left))
            {
                left.From.Release();
                left.To.Release();
            }
        }

        if (errors.TryDequeue(out var error))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        outer.ThrowIfCancellationRequested();
        return (frameCount, written);
    }

    private static bool TryQueue(ChannelWriter<Job> writer, Job job, CancellationToken ct)
    {
        try
        {
            writer.WriteAsync(job, ct).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private readonly record struct Job(int Index, GreyFrame From, GreyFrame To);

    /// <summary>Grey frames for the pipeline, their matrices reused once both pairs that use a frame are done.</summary>
    private sealed class GreyPool : IDisposable
    {
        private readonly ConcurrentBag<Mat> _free = [];

        /// <summary>Converts an 8-bit BGR, BGRA or grey frame into a pooled grey matrix.</summary>
        public GreyFrame Convert(Mat frame)
        {
            if (frame.Depth() != MatType.CV_8U)
            {
                throw new ArgumentException("frames must be 8-bit images", nameof(frame));
            }

            if (!_free.TryTake(out var grey))
            {
                grey = new Mat();
            }

            switch (frame.Channels())
            {
                case 1:
                    frame.CopyTo(grey);
                    break;
                case 3:
                    Cv2.CvtColor(frame, grey, ColorConversionCodes.BGR2GRAY);
                    break;
                case 4:
                    Cv2.CvtColor(frame, grey, ColorConversionCodes.BGRA2GRAY);
                    break;
                default:
                    _free.Add(grey);
                    throw new ArgumentException($"frames with {frame.Channels()} channels are not supported", nameof(frame));
            }

            return new GreyFrame(grey, this);
        }

        public void Return(Mat mat) => _free.Add(mat);

        public void Dispose()
        {
            while (_free.TryTake(out var m))
            {
                m.Dispose();
            }
        }
    }

    /// <summary>A grey frame shared by the two pairs it belongs to; back to the pool when the last holder releases it.</summary>
    private sealed class GreyFrame(Mat mat, GreyPool pool)
    {
        private int _refs = 1;

        public Mat Mat { get; } = mat;

        public GreyFrame Retain()
        {
            Interlocked.Increment(ref _refs);
            return this;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _refs) == 0)
            {
                pool.Return(Mat);
            }
        }
    }
}
