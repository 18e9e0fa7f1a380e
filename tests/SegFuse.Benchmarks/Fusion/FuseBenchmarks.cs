using BenchmarkDotNet.Attributes;
using SegFuse.Fusion;
using SegFuse.Fusion.IO;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Timeline.Flow;

namespace SegFuse.Benchmarks.Fusion;

/// <summary>
/// <c>segfuse fuse</c> at 1280×720 with given flow (exact, both directions, read from <c>.flo</c> files) on every
/// core of the machine, against a bare loop that only reads the same <c>.flo</c> files and label PNGs — the I/O
/// any fusion pays. Times are per frame (OperationsPerInvoke), so frames per second = 1 / mean; the Ratio column is
/// fusion's cost in units of that bare read. The fused run also decodes the video (photometric check), converts
/// frames to grey and writes one PNG per frame.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class FuseBenchmarks
{
    private const int Frames = 90;
    private static readonly LabelSet Labels = LabelSet.Load("cityscapes-trainids");
    private string _dir = "";
    private string _out = "";

    [GlobalSetup]
    public void Setup()
    {
        _dir = FusionDataset.Ensure(1280, 720, Frames);
        _out = Path.Combine(Path.GetTempPath(), $"segfuse-bench-fused-{Environment.ProcessId}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "read .flo (both directions) + label PNG")]
    public long ReadOnly()
    {
        long sum = 0;
        for (int t = 0; t < Frames; t++)
        {
            string name = FrameFiles.NameOf(t, ".flo");
            string bw = Path.Combine(_dir, "flow_bw", name), fw = Path.Combine(_dir, "flow_fw", name);
            sum += File.Exists(bw) ? FlowFile.Read(bw).Width : 0;
            sum += File.Exists(fw) ? FlowFile.Read(fw).Width : 0;
            sum += LabelPng.Read(Path.Combine(_dir, "pred", FrameFiles.NameOf(t, ".png")), Labels).Width;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "fuse offline (video + .flo both ways)")]
    public int FuseOffline() => Run(FusionMethod.Offline);

    [Benchmark(OperationsPerInvoke = Frames, Description = "fuse causal (video + .flo both ways)")]
    public int FuseCausal() => Run(FusionMethod.Causal);

    private int Run(FusionMethod method)
    {
        var inputs = new FuseInputs
        {
            Video = Path.Combine(_dir, "video.mp4"),
            Predictions = Path.Combine(_dir, "pred"),
            Labels = Labels,
            Flow = Path.Combine(_dir, "flow_bw"),
            FlowDirection = FlowDirection.Backward,
            FlowOther = Path.Combine(_dir, "flow_fw"),
        };
        return Fuser.Run(inputs, new FusionParameters { Method = method }, new FuseOutput { Directory = _out }).Written;
    }
}
