using SegFuse.Inference.Segment;
using SegFuse.Inference.Tiny;
using Xunit.Abstractions;

namespace SegFuse.Inference.Tests;

public class TinyModelJobTests(ITestOutputHelper output)
{
    private static readonly TinyModelOptions Quick = new() { Samples = 6000, Steps = 300 };

    [Fact]
    public void Fits_on_the_train_split_reports_held_out_miou_and_writes_a_model_segment_reads()
    {
        using var dir = new TempDir();
        string sample = dir.File("sample");
        SyntheticScene.WriteSample(sample, 96, 64, 16);
        var job = TinyModelJob.Open(sample, Quick);
        Assert.Equal(12, job.TrainFrames);
        var progress = new Last();
        string model = dir.File("tiny.onnx");
        var report = job.Run(model, progress);
        output.WriteLine($"train {report.TrainFrames} frames, {report.Samples} pixels; held-out {report.HeldOutSplits} {report.HeldOutFrames} frames: mIoU {report.HeldOutMeanIoU:P1}, pixel accuracy {report.HeldOutPixelAccuracy:P1}; train mIoU {report.TrainMeanIoU:P1}; {report.ModelBytes} bytes in {report.Seconds:0.0} s");
        Assert.Equal(4, report.HeldOutFrames);
        Assert.Equal("test", report.HeldOutSplits);
        Assert.True(report.HeldOutMeanIoU > 0.6);
        Assert.Equal(job.Work, progress.Value);
        Assert.True(File.Exists(model));

        using var seg = VideoSegmenter.Open(new SegmentOptions { VideoPath = Path.Combine(sample, "video.mp4"), ModelPath = model, OutputDirectory = dir.File("labels") });
        Assert.Empty(seg.Warnings);
        Assert.Equal("cityscapes-trainids", seg.LabelSet.Name);
        Assert.Equal(16, seg.Run().Frames);
    }

    [Fact]
    public void Without_split_csv_every_frame_with_ground_truth_is_used()
    {
        using var dir = new TempDir();
        SyntheticScene.WriteSample(dir.Path, 48, 32, 5, withSplit: false);
        var job = TinyModelJob.Open(dir.Path, Quick with { Steps = 20 });
        Assert.Equal(5, job.TrainFrames);
        var report = job.Run(dir.File("m.onnx"));
        Assert.Null(report.HeldOutMeanIoU);
        Assert.Equal(0, report.HeldOutFrames);
    }

    [Fact]
    public void Folders_that_are_not_samples_are_refused_with_the_reason()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<SegFuseInputException>(() => TinyModelJob.Open(dir.Path, Quick));
        Assert.Contains("video.mp4", e.Reason, StringComparison.Ordinal);

        SyntheticScene.WriteSample(dir.Path, 48, 32, 3);
        File.WriteAllText(dir.File("split.csv"), "frame,split\n0,test\n1,test\n2,val\n");
        e = Assert.Throws<SegFuseInputException>(() => TinyModelJob.Open(dir.Path, Quick));
        Assert.Contains("train split", e.Reason, StringComparison.Ordinal);

        File.WriteAllText(dir.File("split.csv"), "frame,split\n0,train\nx;y\n");
        e = Assert.Throws<SegFuseInputException>(() => TinyModelJob.Open(dir.Path, Quick));
        Assert.EndsWith("split.csv:3", e.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void Ground_truth_beyond_the_end_of_the_video_is_named()
    {
        using var dir = new TempDir();
        SyntheticScene.WriteSample(dir.Path, 48, 32, 3, withSplit: false);
        File.Copy(dir.File("gt/000002.png"), dir.File("gt/000009.png"));
        var e = Assert.Throws<SegFuseInputException>(() => TinyModelJob.Open(dir.Path, Quick with { Steps = 5 }).Run(dir.File("m.onnx")));
        Assert.Contains("000009.png", e.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("m.onnx")));
    }

    private sealed class Last : IProgress<long>
    {
        public long Value { get; private set; }

        public void Report(long value) => Value = value;
    }
}
