using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;
using SegFuse.IO;
using SegFuse.Labels;
using SegFuse.Media.Decoding;

namespace SegFuse.Inference.Segment;

/// <summary>
/// Segments a video with an ONNX model, frame by frame, into label maps <c>000123.png</c> (and optionally
/// per-class scores <c>000123.npy</c>).
/// </summary>
/// <remarks>
/// <para><see cref="Open"/> checks everything that can be wrong with the input (model, video, label set,
/// sizes, normalisation, device) before any file is written, and runs the model once on a blank input to
/// learn its output shape; <see cref="Run"/> then streams the video through three stages on their own
/// threads: decode and pre-process into the input tensor; <c>InferenceSession.Run</c>; upsample, argmax and
/// write. A small ring of pre-allocated slots (input and output tensors over pinned managed arrays, created
/// once as <see cref="OrtValue"/>s) passes between the stages, so no tensor is allocated per frame and the
/// stages overlap.</para>
/// <para>Files are written into hidden staging folders and moved into place only when every frame is done.</para>
/// </remarks>
public sealed class VideoSegmenter : IDisposable
{
    private const int SlotCount = 3;
    private readonly SegmentOptions _options;
    private readonly ModelSession _model;
    private readonly VideoFrameSource _reader;
    private readonly Preprocess _preprocess;
    private readonly Postprocess _postprocess;
    private readonly Slot[] _slots;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _batch;
    private readonly long[] _outputShape;
    private bool _ran;
    private bool _disposed;

    private VideoSegmenter(SegmentOptions options, ModelSession model, VideoFrameSource reader, Setup setup)
    {
        _options = options;
        _model = model;
        _reader = reader;
        _batch = setup.Batch;
        _inputNames = [model.InputName];
        _outputNames = [model.OutputName];
        _preprocess = new Preprocess(setup.InputWidth, setup.InputHeight, setup.Normalization, setup.Channels);
        _outputShape = setup.OutputShape;
        _postprocess = new Postprocess(setup.OutputWidth, setup.OutputHeight, reader.Info.Width, reader.Info.Height, setup.IdOfClass, model.Path, degree: 1);
        _slots = setup.Slots;
        LabelSet = setup.LabelSet;
        Warnings = setup.Warnings;
        Description = setup.Description;
    }

    /// <summary>The video's frame count as its container states it (for progress; may be approximate, 0 when unknown).</summary>
    public int FrameCountHint => _reader.Info.ClaimedFrameCount ?? 0;

    /// <summary>The label set the written maps use.</summary>
    public LabelSet LabelSet { get; }

    /// <summary>One line on what will run: model input and output, sizes, labels, normalisation, device.</summary>
    public string Description { get; }

    /// <summary>Things worth telling the user that do not stop the run (e.g. defaults taken).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Checks the inputs and prepares the model, the video and the buffers; writes nothing.</summary>
    /// <exception cref="SegFuseInputException">Anything about the inputs that does not fit (one line naming the file or option).</exception>
    public static VideoSegmenter Open(SegmentOptions options)
    {
        if (options.Batch is < 1)
        {
            throw new SegFuseInputException("--batch", "must be at least 1");
        }

        if (options.Threads < 0)
        {
            throw new SegFuseInputException("--threads", "must be 0 (ONNX Runtime decides) or more");
        }

        if (options.InputSize is { } size && (size.Width < 1 || size.Height < 1))
        {
            throw new SegFuseInputException("--input-size", "width and height must be positive");
        }

        foreach (string? dir in new[] { options.OutputDirectory, options.ScoresDirectory })
        {
            if (dir is not null && File.Exists(dir))
            {
                throw new SegFuseInputException(dir, "is a file; an output folder is expected");
            }
        }

        var model = ModelSession.Open(options.ModelPath, options.Device, options.EffectiveThreads);
        VideoFrameSource? reader = null;
        Setup? setup = null;
        try
        {
            reader = VideoFrameSource.Open(options.VideoPath);
            setup = Plan(options, model, reader);
            return new VideoSegmenter(options, model, reader, setup);
        }
        catch
        {
            if (setup is not null)
            {
                foreach (var slot in setup.Slots)
                {
                    slot.Dispose();
                }
            }

            reader?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>Segments every frame and moves the outputs into place.</summary>
    /// <param name="progress">Receives the number of frames written so far.</param>
    /// <param name="cancellationToken">Stops decoding and terminates a running <c>Run</c>; nothing is kept.</param>
    public SegmentSummary Run(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ran)
        {
            throw new InvalidOperationException("a VideoSegmenter runs once");
        }

        _ran = true;
        using var labelsFolder = new StagedFolder(_options.OutputDirectory);
        using var scoresFolder = _options.ScoresDirectory is null ? null : new StagedFolder(_options.ScoresDirectory);
        var stats = new Stats();
        long start = Stopwatch.GetTimestamp();
        using (var pipeline = new Pipeline(this, labelsFolder.StagingPath, scoresFolder?.StagingPath, stats, progress, cancellationToken))
        {
            pipeline.Execute();
        }

        if (stats.Frames == 0)
        {
            throw new SegFuseInputException(_options.VideoPath, "the video has no decodable frames");
        }

        labelsFolder.Commit();
        scoresFolder?.Commit();
        return new SegmentSummary
        {
            Frames = stats.Frames,
            Seconds = Stopwatch.GetElapsedTime(start).TotalSeconds,
            RunSeconds = Seconds(stats.RunTicks),
            DecodeSeconds = Seconds(stats.DecodeTicks),
            PreprocessSeconds = Seconds(stats.PreprocessTicks),
            PostprocessSeconds = Seconds(stats.PostprocessTicks),
            WriteSeconds = Seconds(stats.WriteTicks),
        };
    }

    /// <summary>Releases the session, the video and the tensors.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var slot in _slots)
        {
            slot.Dispose();
        }

        _preprocess.Dispose();
        _reader.Dispose();
        _model.Dispose();
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    private static Setup Plan(SegmentOptions options, ModelSession model, VideoFrameSource reader)
    {
        var warnings = new List<string>();
        var meta = model.Metadata;
        if (options.ScoresDirectory is not null && model.OutputsLabels)
        {
            throw new SegFuseInputException("--scores", $"the model outputs labels ({model.OutputType}), not per-class scores");
        }

        // Label set: the option, else the model's metadata, else Cityscapes train ids.
        string labelsName = options.Labels ?? meta.GetValueOrDefault(ModelMetadataKeys.Labels) ?? "cityscapes-trainids";
        LabelSet labelSet;
        try
        {
            labelSet = LabelSet.Load(labelsName);
        }
        catch (SegFuseInputException) when (options.Labels is null)
        {
            throw new SegFuseInputException(model.Path, $"its metadata names label set '{labelsName}', which is not known here; pass --labels");
        }

        // Normalisation and channel order: options, else metadata, else ImageNet / RGB.
        Normalization normalization;
        if (options.Mean is not null || options.Std is not null)
        {
            if (options.Mean is null || options.Std is null)
            {
                throw new SegFuseInputException(options.Mean is null ? "--mean" : "--std", "--mean and --std go together");
            }

            normalization = Normalization.Create(options.Mean, options.Std, "--mean/--std", "command line");
        }
        else if (meta.TryGetValue(ModelMetadataKeys.Mean, out string? mean) && meta.TryGetValue(ModelMetadataKeys.Std, out string? std))
        {
            string subject = $"{model.Path} ({ModelMetadataKeys.Mean}/{ModelMetadataKeys.Std})";
            normalization = Normalization.Create(SegmentOptions.ParseRgb(mean, subject), SegmentOptions.ParseRgb(std, subject), subject, "model metadata");
        }
        else
        {
            normalization = Normalization.ImageNet;
            warnings.Add($"{model.Path}: no normalisation in the model's metadata; using ImageNet mean/std (pass --mean and --std to change)");
        }

        ChannelOrder channels = options.Channels ?? (meta.GetValueOrDefault(ModelMetadataKeys.Channels)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "rgb" => ChannelOrder.Rgb,
            "bgr" => ChannelOrder.Bgr,
            var other => throw new SegFuseInputException(model.Path, $"metadata {ModelMetadataKeys.Channels} is '{other}'; rgb or bgr expected"),
        });

        // Input size and batch: fixed model dimensions win; dynamic ones take the options, else the frame size / 1.
        var dims = model.InputDims;
        int width = Dimension(dims[3], options.InputSize?.Width, reader.Info.Width, "width");
        int height = Dimension(dims[2], options.InputSize?.Height, reader.Info.Height, "height");
        int batch;
        if (dims[0] > 0)
        {
            if (options.Batch is { } b && b != dims[0])
            {
                throw new SegFuseInputException("--batch", $"the model's batch size is fixed at {dims[0]}");
            }

            batch = dims[0];
        }
        else
        {
            batch = options.Batch ?? 1;
        }

        // Slots with input tensors; the first one probes the model for its output shape.
        var slots = new List<Slot>();
        try
        {
            long[] inputShape = [batch, 3, height, width];
            for (int i = 0; i < SlotCount; i++)
            {
                slots.Add(new Slot(inputShape, batch));
            }

            long[] outputShape = Probe(model, slots[0], width, height);
            int classes;
            int outH, outW;
            if (model.OutputsLabels)
            {
                (outH, outW) = outputShape.Length == 3 ? ((int)outputShape[1], (int)outputShape[2]) : ((int)outputShape[2], (int)outputShape[3]);
                classes = labelSet.Evaluated.Count;
            }
            else
            {
                classes = (int)outputShape[1];
                (outH, outW) = ((int)outputShape[2], (int)outputShape[3]);
            }

            if (outputShape[0] != batch || outH < 1 || outW < 1)
            {
                throw new SegFuseInputException(model.Path, $"on an input of {ModelSession.Shape(inputShape.Select(v => (int)v))} the output is {ModelSession.Shape(outputShape.Select(v => (int)v))}, not one map per image");
            }

            var idOfClass = ClassMapping.IdsOfClasses(labelSet, classes, options.Labels is null ? model.Path : "--labels");

            if (ClassMapping.ParseNames(meta.GetValueOrDefault(ModelMetadataKeys.ClassNames)) is { } names && !model.OutputsLabels)
            {
                if (names.Length != classes)
                {
                    warnings.Add($"{model.Path}: metadata lists {names.Length} class names for {classes} outputs");
                }
                else
                {
                    var differ = Enumerable.Range(0, classes).Where(c => !string.Equals(names[c], labelSet[idOfClass[c]].Name, StringComparison.OrdinalIgnoreCase)).Take(3).ToArray();
                    if (differ.Length > 0)
                    {
                        warnings.Add($"{model.Path}: class names differ from label set '{labelSet.Name}': {string.Join(", ", differ.Select(c => $"output {c} is '{names[c]}', the set says '{labelSet[idOfClass[c]].Name}'"))}");
                    }
                }
            }

            foreach (var slot in slots)
            {
                slot.AllocateOutput(model.OutputType, outputShape);
            }

            string description = string.Create(
                CultureInfo.InvariantCulture,
                $"input '{model.InputName}' {ModelSession.Shape(dims)} fed {width}x{height} batch {batch} ({channels.ToString().ToUpperInvariant()}, {normalization}); output '{model.OutputName}' {(model.OutputsLabels ? "labels" : $"{classes} class scores")} at {outW}x{outH} → {reader.Info.Width}x{reader.Info.Height}; labels {labelSet.Name}; device {options.Device.ToString().ToLowerInvariant()}, {(options.EffectiveThreads == 0 ? "ONNX Runtime's default" : options.EffectiveThreads.ToString(CultureInfo.InvariantCulture))} intra-op threads");
            return new Setup
            {
                LabelSet = labelSet,
                Normalization = normalization,
                Channels = channels,
                InputWidth = width,
                InputHeight = height,
                Batch = batch,
                OutputShape = outputShape,
                OutputWidth = outW,
                OutputHeight = outH,
                IdOfClass = idOfClass,
                Slots = [.. slots],
                Warnings = warnings,
                Description = description,
            };
        }
        catch
        {
            foreach (var slot in slots)
            {
                slot.Dispose();
            }

            throw;
        }
    }

    private static int Dimension(int modelDim, int? requested, int frame, string what)
    {
        if (modelDim > 0)
        {
            if (requested is { } r && r != modelDim)
            {
                throw new SegFuseInputException("--input-size", $"the model's input {what} is fixed at {modelDim}");
            }

            return modelDim;
        }

        return requested ?? frame;
    }

    /// <summary>One run on a blank input: the output's real shape (dynamic dimensions resolved), and a check that the model runs at this size.</summary>
    private static long[] Probe(ModelSession model, Slot slot, int width, int height)
    {
        using var runOptions = new RunOptions();
        try
        {
            using var results = model.Session.Run(runOptions, [model.InputName], [slot.InputValue], [model.OutputName]);
            var shape = results[0].GetTensorTypeAndShape().Shape;
            int[] dims = [.. shape.Select(v => (int)v)];
            if (model.OutputsLabels ? !(shape.Length == 3 || (shape.Length == 4 && shape[1] == 1)) : shape.Length != 4)
            {
                throw new SegFuseInputException(model.Path, $"output '{model.OutputName}' came out as {ModelSession.Shape(dims)}");
            }

            return shape;
        }
        catch (OnnxRuntimeException e)
        {
            throw new SegFuseInputException(model.Path, $"the model fails on a {width}x{height} input: {e.Message.Split('\n')[0]}", e);
        }
    }

    /// <summary>Choices made by <see cref="Plan"/>.</summary>
    private sealed class Setup
    {
        public required LabelSet LabelSet { get; init; }

        public required Normalization Normalization { get; init; }

        public required ChannelOrder Channels { get; init; }

        public required int InputWidth { get; init; }

        public required int InputHeight { get; init; }

        public required int Batch { get; init; }

        public required long[] OutputShape { get; init; }

        public required int OutputWidth { get; init; }

        public required int OutputHeight { get; init; }

        public required ushort[] IdOfClass { get; init; }

        public required Slot[] Slots { get; init; }

        public required List<string> Warnings { get; init; }

        public required string Description { get; init; }
    }

    /// <summary>Tick counters, each written by one stage's thread only.</summary>
    private sealed class Stats
    {
        public long DecodeTicks;
        public long PreprocessTicks;
        public long RunTicks;
        public long PostprocessTicks;
        public long WriteTicks;
        public int Frames;
    }

    /// <summary>
    /// A batch's worth of buffers: the input tensor and the output tensor, each an <see cref="OrtValue"/> over a
    /// managed array (pinned while the value lives), and the frame indices the batch holds.
    /// </summary>
    private sealed class Slot : IDisposable
    {
        public Slot(long[] inputShape, int batch)
        {
            Input = new float[checked((int)inputShape.Aggregate(1L, (a, d) => a * d))];
            InputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(Input), inputShape);
            InputValues = [InputValue];
            FrameIndex = new int[batch];
            InputPerImage = Input.Length / batch;
        }

        public float[] Input { get; }

        public int InputPerImage { get; }

        public OrtValue InputValue { get; }

        public OrtValue[] InputValues { get; }

        public float[]? Logits { get; private set; }

        public long[]? Labels64 { get; private set; }

        public int[]? Labels32 { get; private set; }

        public int OutputPerImage { get; private set; }

        public OrtValue[] OutputValues { get; private set; } = [];

        public int[] FrameIndex { get; }

        public int Count { get; set; }

        public void AllocateOutput(TensorElementType type, long[] shape)
        {
            int length = checked((int)shape.Aggregate(1L, (a, d) => a * d));
            OutputPerImage = length / (int)shape[0];
            var info = OrtMemoryInfo.DefaultInstance;
            OutputValues = type switch
            {
                TensorElementType.Float => [OrtValue.CreateTensorValueFromMemory(info, new Memory<float>(Logits = new float[length]), shape)],
                TensorElementType.Int64 => [OrtValue.CreateTensorValueFromMemory(info, new Memory<long>(Labels64 = new long[length]), shape)],
                TensorElementType.Int32 => [OrtValue.CreateTensorValueFromMemory(info, new Memory<int>(Labels32 = new int[length]), shape)],
                _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported output type"),
            };
        }

        public void Dispose()
        {
            InputValue.Dispose();
            foreach (var v in OutputValues)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>The three stages of one run and the queues between them.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly VideoSegmenter _owner;
        private readonly string _labelsDir;
        private readonly string? _scoresDir;
        private readonly Stats _stats;
        private readonly IProgress<long>? _progress;
        private readonly CancellationToken _userToken;
        private readonly CancellationTokenSource _stop;
        private readonly BlockingCollection<Slot> _free = new();
        private readonly BlockingCollection<Slot> _toRun = new();
        private readonly BlockingCollection<Slot> _toWrite = new();
        private readonly RunOptions _runOptions = new();
        private readonly Lock _failureLock = new();
        private Exception? _failure;

        public Pipeline(VideoSegmenter owner, string labelsDir, string? scoresDir, Stats stats, IProgress<long>? progress, CancellationToken cancellationToken)
        {
            _owner = owner;
            _labelsDir = labelsDir;
            _scoresDir = scoresDir;
            _stats = stats;
            _progress = progress;
            _userToken = cancellationToken;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            foreach (var slot in owner._slots)
            {
                _free.Add(slot, CancellationToken.None);
            }
        }

        public void Execute()
        {
            // Ctrl-C or a failed stage also stops a Run in progress.
            using var registration = _stop.Token.Register(() => _runOptions.Terminate = true);
            var read = Task.Factory.StartNew(() => Stage(ReadStage, _toRun), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var write = Task.Factory.StartNew(() => Stage(WriteStage, null), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Stage(RunStage, _toWrite);
            Task.WaitAll(read, write);

            if (_failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
            }

            _userToken.ThrowIfCancellationRequested();
        }

        public void Dispose()
        {
            _stop.Dispose();
            _runOptions.Dispose();
            _free.Dispose();
            _toRun.Dispose();
            _toWrite.Dispose();
        }

        private void Stage(Action<CancellationToken> body, BlockingCollection<Slot>? output)
        {
            try
            {
                body(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Another stage failed or the user cancelled; the cause is reported once, below.
            }
#pragma warning disable CA1031 // Any failure of a stage stops the others and is rethrown on the caller's thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                lock (_failureLock)
                {
                    _failure ??= e;
                }

                _stop.Cancel();
            }
            finally
            {
                output?.CompleteAdding();
            }
        }

        private void ReadStage(CancellationToken token)
        {
            var owner = _owner;
            var info = owner._reader.Info;
            Slot? slot = null;
            while (true)
            {
                token.ThrowIfCancellationRequested();
                long t0 = Stopwatch.GetTimestamp();
                bool more = owner._reader.TryRead(out var decoded);
                _stats.DecodeTicks += Stopwatch.GetTimestamp() - t0;
                if (!more)
                {
                    break;
                }

                // The source's buffer: valid until the next TryRead, which this thread only calls after pre-processing it.
                Mat frame = decoded.Image;
                int index = decoded.Index;
                if (frame.Width != info.Width || frame.Height != info.Height)
                {
                    throw new SegFuseInputException(info.Path, $"frame {index} is {frame.Width}x{frame.Height} where the video is {info.Width}x{info.Height}");
                }

                if (slot is null)
                {
                    // Waiting for a free slot (the other stages are behind) is not pre-processing time.
                    slot = _free.Take(token);
                    slot.Count = 0;
                }

                long t2 = Stopwatch.GetTimestamp();
                owner._preprocess.Run(frame, slot.Input, slot.Count * slot.InputPerImage);
                slot.FrameIndex[slot.Count++] = index;
                _stats.PreprocessTicks += Stopwatch.GetTimestamp() - t2;
                if (slot.Count == owner._batch)
                {
                    _toRun.Add(slot, token);
                    slot = null;
                }
            }

            if (slot is not null)
            {
                _toRun.Add(slot, token);
            }
        }

        private void RunStage(CancellationToken token)
        {
            var session = _owner._model.Session;
            foreach (var slot in _toRun.GetConsumingEnumerable(token))
            {
                long t0 = Stopwatch.GetTimestamp();
                try
                {
                    session.Run(_runOptions, _owner._inputNames, slot.InputValues, _owner._outputNames, slot.OutputValues);
                }
                catch (OnnxRuntimeException) when (token.IsCancellationRequested)
                {
                    throw new OperationCanceledException(token);
                }

                _stats.RunTicks += Stopwatch.GetTimestamp() - t0;
                _toWrite.Add(slot, token);
            }
        }

        private void WriteStage(CancellationToken token)
        {
            var owner = _owner;
            var post = owner._postprocess;
            var map = new LabelMap(post.FrameWidth, post.FrameHeight);
            Half[]? scores = _scoresDir is null || owner._model.OutputsLabels ? null : new Half[checked(post.Classes * post.FrameWidth * post.FrameHeight)];
            foreach (var slot in _toWrite.GetConsumingEnumerable(token))
            {
                for (int i = 0; i < slot.Count; i++)
                {
                    token.ThrowIfCancellationRequested();
                    long t0 = Stopwatch.GetTimestamp();
                    int offset = i * slot.OutputPerImage;
                    if (slot.Logits is not null)
                    {
                        post.FromLogits(slot.Logits, offset, map, scores);
                    }
                    else if (slot.Labels64 is not null)
                    {
                        post.FromLabels(slot.Labels64, offset, map);
                    }
                    else
                    {
                        post.FromLabels(slot.Labels32!, offset, map);
                    }

                    long t1 = Stopwatch.GetTimestamp();
                    LabelPng.Write(Path.Combine(_labelsDir, FrameFiles.NameOf(slot.FrameIndex[i], ".png")), map);
                    if (scores is not null)
                    {
                        NpyWriter.WriteFloat16(Path.Combine(_scoresDir!, FrameFiles.NameOf(slot.FrameIndex[i], ".npy")), scores, post.Classes, post.FrameHeight, post.FrameWidth);
                    }

                    _stats.PostprocessTicks += t1 - t0;
                    _stats.WriteTicks += Stopwatch.GetTimestamp() - t1;
                    _stats.Frames++;
                    _progress?.Report(_stats.Frames);
                }

                _free.Add(slot, token);
            }
        }
    }
}
