using OpenCvSharp;
using SegFuse.Timeline.Flow;
using SegFuse.Timeline.Tests.Synthetic;

namespace SegFuse.Timeline.Tests.Flow;

public sealed class FlowPipelineTests : IDisposable
{
    private const double Fps = 30;
    private readonly TempDir _dir = new();
    private readonly PanSequence _seq = new(128, 72, Fps);

    public void Dispose()
    {
        _seq.Dispose();
        _dir.Dispose();
    }

    private IEnumerable<Mat> Frames(int n, int throwAt = -1)
    {
        for (int i = 0; i < n; i++)
        {
            if (i == throwAt)
            {
                throw new InvalidDataException($"decode failed at frame {i}");
            }

            using var frame = _seq.Render(i / Fps);
            yield return frame;
        }
    }

    [Theory]
    [InlineData(FlowDirection.Backward, FlowFormat.Flo, 1)]
    [InlineData(FlowDirection.Forward, FlowFormat.Npy, 1)]
    [InlineData(FlowDirection.Backward, FlowFormat.Kitti, 2)]
    public void Writes_one_field_per_frame_pair_named_by_the_frame_it_belongs_to(FlowDirection direction, FlowFormat format, int workers)
    {
        string output = _dir.Sub("out");
        long lastProgress = 0;
        var progress = new Progress<long>(v => Interlocked.Exchange(ref lastProgress, v));
        var (frames, fields) = FlowPipeline.Run(Frames(8), output, new FlowPipelineOptions { Direction = direction, Format = format, Workers = workers }, progress);
        Assert.Equal(8, frames);
        Assert.Equal(7, fields);
        string ext = FlowFile.ExtensionOf(format);
        var expected = Enumerable.Range(direction == FlowDirection.Backward ? 1 : 0, 7).Select(i => $"out/{i:D6}{ext}").ToArray();
        Assert.Equal(expected, _dir.Files());

        var folder = FlowFolder.Open(output, direction);
        folder.EnsureComplete(8);
        foreach (int t in folder.Frames)
        {
            var field = FlowFile.Read(folder.PathOf(t)!);
            double epe = PanSequence.EndpointError(field, t / Fps, direction.TargetOf(t) / Fps, margin: 12);
            Assert.InRange(epe, 0, 0.15);
        }
    }

    [Fact]
    public void A_slow_writer_does_not_hold_up_the_workers()
    {
        // The writer's first file waits until the workers have computed 4 more fields. Were writing in line with
        // computing, the workers could not get past the first field and the wait would time out.
        int computed = 0;
        using var enough = new ManualResetEventSlim();
        bool waitedLongEnough = true;
        var options = new FlowPipelineOptions
        {
            Workers = 2,
            Computed = _ =>
            {
                if (Interlocked.Increment(ref computed) >= 5)
                {
                    enough.Set();
                }
            },
            WriteOverride = (path, field) =>
            {
                if (!enough.IsSet)
                {
                    waitedLongEnough &= enough.Wait(TimeSpan.FromSeconds(30));
                }

                FlowFile.Write(path, field);
            },
        };
        var (_, fields) = FlowPipeline.Run(Frames(12), _dir.Sub("out"), options);
        Assert.True(waitedLongEnough, "the workers stopped while the writer was busy");
        Assert.Equal(11, fields);
    }

    [Fact]
    public void A_decode_failure_leaves_no_output()
    {
        string output = _dir.Sub("out");
        Assert.Throws<InvalidDataException>(() => FlowPipeline.Run(Frames(10, throwAt: 6), output, new FlowPipelineOptions()));
        Assert.Empty(_dir.Files());
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public void Cancellation_leaves_no_output()
    {
        string output = _dir.Sub("out");
        using var cts = new CancellationTokenSource();
        IEnumerable<Mat> CancelAfterThree()
        {
            int i = 0;
            foreach (var f in Frames(10))
            {
                if (++i == 4)
                {
                    cts.Cancel();
                }

                yield return f;
            }
        }

        Assert.ThrowsAny<OperationCanceledException>(() => FlowPipeline.Run(CancelAfterThree(), output, new FlowPipelineOptions(), cancellationToken: cts.Token));
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    [Fact]
    public void An_output_path_that_is_a_file_fails_before_any_work()
    {
        // An output folder whose staging folder cannot be written: a file stands where the folder should be.
        string output = _dir.File("occupied");
        File.WriteAllText(output, "not a folder");
        Assert.ThrowsAny<IOException>(() => FlowPipeline.Run(Frames(4), output, new FlowPipelineOptions()));
    }
}
