using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using SegFuse.Inference.Onnx;
using SegFuse.Inference.Segment;
using SegFuse.Inference.Tests;
using SegFuse.Inference.Tiny;
using SegFuse.Synthetic;

namespace SegFuse.Benchmarks.Inference;

/// <summary>
/// <c>segfuse segment</c> with the tiny model on a 1280×720 H.264 street-scene video of 24 frames. The baseline is the bare
/// model: 24 <c>InferenceSession.Run</c> calls at 1280×720 on a pre-filled input with pre-allocated output and
/// the same session settings, nothing else. The full run (decode, resize/normalise, Run, argmax, PNG write,
/// on three threads) divided by it is the Ratio column; 1 − 1/Ratio is the share of the wall-clock time the
/// pipeline spends outside <c>Run</c>. The pipeline's own timers are printed at the end as well.
/// </summary>
/// <remarks>
/// Both benchmarks run once per iteration (the segmenter is opened in the iteration setup, outside the timing) so
/// that they share one job and the Ratio column compares them. In-process: each iteration takes seconds, so the
/// separate benchmark process buys nothing, and building it hit BenchmarkDotNet's 2-minute build timeout on the
/// shared 2-core machine.
/// </remarks>
[InProcess]
[WarmupCount(1)]
[IterationCount(5)]
[InvocationCount(1)]
public class SegmentBenchmarks
{
    private const int Width = 1280, Height = 720, Frames = 24;
    private readonly List<SegmentSummary> _summaries = [];
    private TimeSpan _runOnlyCpu;
    private int _runOnlyFrames;
    private TimeSpan _segmentCpu;
    private int _segmentFrames;
    private string _dir = "";
    private string _video = "";
    private string _model = "";
    private InferenceSession? _session;
    private SessionOptions? _sessionOptions;
    private RunOptions? _runOptions;
    private OrtValue? _input;
    private OrtValue? _output;
    private VideoSegmenter? _segmenter;
    private string _out = "";

    /// <summary>ONNX Runtime intra-op threads (the machine has 2 cores; segment's other stages need one).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A 1280x720 street-scene sample (the project's synthetic generator) and the tiny model fitted on it.
        _dir = Path.Combine(Path.GetTempPath(), "segfuse-bench-segment");
        string sample = Path.Combine(_dir, "sample");
        _video = Path.Combine(sample, "video.mp4");
        if (!File.Exists(Path.Combine(sample, "split.csv")))
        {
            SyntheticSample.Write(sample, new SyntheticOptions { Width = Width, Height = Height, Frames = Frames, StartSeconds = 4 });
        }

        _model = Path.Combine(_dir, "tiny.onnx");
        if (!File.Exists(_model))
        {
            TinyModelJob.Open(sample, new TinyModelOptions()).Run(_model);
        }

        // The baseline's session: the settings ModelSession uses.
        _sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            IntraOpNumThreads = Threads,
        };
        _sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(_model, _sessionOptions);
        _runOptions = new RunOptions();
        var input = new float[3 * Width * Height];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = ((i * 7919) % 255 / 64f) - 2f;
        }

        _input = OrtValue.CreateTensorValueFromMemory(input, [1, 3, Height, Width]);
        _output = OrtValue.CreateTensorValueFromMemory(new float[19 * Width * Height], [1, 19, Height, Width]);
    }

    [Benchmark(Baseline = true, Description = "session.Run only, 24 frames 1280x720")]
    public void SessionRunOnly()
    {
        var cpu = CpuTime();
        for (int i = 0; i < Frames; i++)
        {
            _session!.Run(_runOptions, [TinyNet.InputName], [_input!], [TinyNet.OutputName], [_output!]);
        }

        _runOnlyCpu += CpuTime() - cpu;
        _runOnlyFrames += Frames;
    }

    [IterationSetup]
    public void OpenSegmenter()
    {
        _out = Path.Combine(_dir, $"labels-{Guid.NewGuid():N}");
        _segmenter = VideoSegmenter.Open(new SegmentOptions { VideoPath = _video, ModelPath = _model, OutputDirectory = _out, Threads = Threads });
    }

    [Benchmark(Description = "segment: decode, pre-process, Run, argmax, PNG write")]
    public void Segment()
    {
        var cpu = CpuTime();
        var summary = _segmenter!.Run();
        _segmentCpu += CpuTime() - cpu;
        _segmentFrames += summary.Frames;
        _summaries.Add(summary);
    }

    [IterationCleanup]
    public void CloseSegmenter()
    {
        _segmenter?.Dispose();
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_summaries.Count > 0)
        {
            double seconds = _summaries.Sum(s => s.Seconds), frames = _summaries.Sum(s => s.Frames);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"// segment pipeline, threads {Threads}, {_summaries.Count} runs: {frames / seconds:0.00} fps; wall time outside Run {1 - (_summaries.Sum(s => s.RunSeconds) / seconds):P1}; per frame: decode {Ms(s => s.DecodeSeconds)} ms, pre-process {Ms(s => s.PreprocessSeconds)} ms, Run {Ms(s => s.RunSeconds)} ms, post-process {Ms(s => s.PostprocessSeconds)} ms, write {Ms(s => s.WriteSeconds)} ms"));
        }

        if (_runOnlyFrames > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// CPU time, threads {Threads}: session.Run alone {_runOnlyCpu.TotalMilliseconds / _runOnlyFrames:0.0} ms/frame"));
        }

        if (_segmentFrames > 0)
        {
            double perFrame = _segmentCpu.TotalMilliseconds / _segmentFrames;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// CPU time, threads {Threads}: whole segment {perFrame:0.0} ms/frame"));
        }

        _input?.Dispose();
        _output?.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        _sessionOptions?.Dispose();
    }

    /// <summary>CPU time of the whole process (every thread), which the machine's other load does not inflate the way it does wall time.</summary>
    private static TimeSpan CpuTime()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private string Ms(Func<SegmentSummary, double> part) =>
        (1000 * _summaries.Sum(part) / _summaries.Sum(s => s.Frames)).ToString("0.0", CultureInfo.InvariantCulture);
}
