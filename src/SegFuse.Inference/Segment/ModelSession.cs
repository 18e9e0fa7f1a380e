using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SegFuse.Inference.Segment;

/// <summary>
/// An ONNX Runtime session on a segmentation model, with its one image input and its first output checked
/// for what <c>segment</c> can feed and read: input float NCHW with 3 channels (any dimension but the
/// channels may be dynamic), output float logits [N, C, h, w] or integer labels [N, h, w] / [N, 1, h, w].
/// </summary>
/// <remarks>Holds the native session and its options, so it is disposable; dispose it after the last Run.</remarks>
internal sealed class ModelSession : IDisposable
{
    private readonly SessionOptions _sessionOptions;
    private bool _disposed;

    private ModelSession(string path, SessionOptions sessionOptions, InferenceSession session)
    {
        Path = path;
        _sessionOptions = sessionOptions;
        Session = session;
        var (inputName, input) = session.InputMetadata.First();
        InputName = inputName;
        InputDims = input.Dimensions;
        OutputName = session.OutputNames[0];
        var output = session.OutputMetadata[OutputName];
        OutputDims = output.Dimensions;
        OutputType = output.ElementDataType;
        Metadata = session.ModelMetadata.CustomMetadataMap;
        ProducerName = session.ModelMetadata.ProducerName;
    }

    public string Path { get; }

    public InferenceSession Session { get; }

    public string InputName { get; }

    /// <summary>The input's shape as the model declares it: −1 for a dynamic dimension.</summary>
    public IReadOnlyList<int> InputDims { get; }

    public string OutputName { get; }

    /// <summary>The output's declared shape, −1 for dynamic dimensions.</summary>
    public IReadOnlyList<int> OutputDims { get; }

    public TensorElementType OutputType { get; }

    /// <summary>Whether the output holds class labels (integers) rather than per-class scores.</summary>
    public bool OutputsLabels => OutputType is TensorElementType.Int64 or TensorElementType.Int32;

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string ProducerName { get; }

    /// <summary>The message for <c>--device cuda</c> on a build without the CUDA execution provider.</summary>
    public static string CpuBuildMessage =>
#if ORT_GPU
        "CUDA was requested but ONNX Runtime has no CUDA execution provider here (is the Microsoft.ML.OnnxRuntime.Gpu native library for this platform present?)";
#else
        "CUDA was requested but this is a CPU build of SegFuse (package Microsoft.ML.OnnxRuntime); rebuild with `dotnet build -c Release -p:OrtGpu=true` (Microsoft.ML.OnnxRuntime.Gpu, needs CUDA 12 and cuDNN 9) or use --device cpu";
#endif

    /// <summary>Opens and checks the model.</summary>
    /// <exception cref="SegFuseInputException">Missing file, not an ONNX model, CUDA on a CPU build, or inputs/outputs that segment cannot use.</exception>
    public static ModelSession Open(string path, InferenceDevice device, int threads)
    {
        if (device == InferenceDevice.Cuda && !OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
        {
            throw new SegFuseInputException("--device", CpuBuildMessage);
        }

        if (!File.Exists(path))
        {
            throw new SegFuseInputException(path, "no such file");
        }

        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (threads > 0)
            {
                options.IntraOpNumThreads = threads;
            }

            // Idle intra-op threads sleep instead of spinning: the pipeline's other stages need those cycles.
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");

            if (device == InferenceDevice.Cuda)
            {
                try
                {
                    options.AppendExecutionProvider_CUDA(0);
                }
                catch (OnnxRuntimeException e)
                {
                    throw new SegFuseInputException("--device", $"CUDA could not be initialised: {FirstLine(e.Message)}", e);
                }
            }

            InferenceSession session;
            try
            {
                session = new InferenceSession(path, options);
            }
            catch (OnnxRuntimeException e)
            {
                string reason = e.Message.Contains("Protobuf parsing failed", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("InvalidProtobuf", StringComparison.Ordinal)
                    ? "not an ONNX model (the file does not parse as an ONNX protobuf)"
                    : $"ONNX Runtime cannot load the model: {FirstLine(e.Message)}";
                throw new SegFuseInputException(path, reason, e);
            }

            try
            {
                Check(path, session);
                return new ModelSession(path, options, session);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Session.Dispose();
        _sessionOptions.Dispose();
    }

    private static void Check(string path, InferenceSession session)
    {
        if (session.InputMetadata.Count != 1)
        {
            throw new SegFuseInputException(path, $"the model has {session.InputMetadata.Count} inputs ({string.Join(", ", session.InputMetadata.Keys)}); segment feeds one image input");
        }

        var (name, input) = session.InputMetadata.First();
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
        {
            throw new SegFuseInputException(path, $"input '{name}' is {Describe(input)}; segment feeds a float32 NCHW image tensor");
        }

        int[] d = input.Dimensions;
        if (d.Length != 4)
        {
            throw new SegFuseInputException(path, $"input '{name}' has rank {d.Length} {Shape(d)}; segment feeds NCHW images (rank 4: batch, 3, height, width)");
        }

        if (d[1] != 3 && d[3] == 3)
        {
            throw new SegFuseInputException(path, $"input '{name}' {Shape(d)} looks channels-last (NHWC); segment feeds NCHW images [batch, 3, height, width]");
        }

        if (d[1] != 3 && d[1] != -1)
        {
            throw new SegFuseInputException(path, $"input '{name}' {Shape(d)} has {d[1]} channels where segment feeds 3 (RGB or BGR)");
        }

        string outputName = session.OutputNames[0];
        var output = session.OutputMetadata[outputName];
        if (!output.IsTensor)
        {
            throw new SegFuseInputException(path, $"output '{outputName}' is not a tensor");
        }

        int[] o = output.Dimensions;
        switch (output.ElementDataType)
        {
            case TensorElementType.Float when o.Length != 4:
                throw new SegFuseInputException(path, $"output '{outputName}' has rank {o.Length} {Shape(o)}; segment reads per-class scores [batch, classes, height, width]");
            case TensorElementType.Int64 or TensorElementType.Int32 when o.Length != 3 && !(o.Length == 4 && o[1] is 1 or -1):
                throw new SegFuseInputException(path, $"output '{outputName}' holds labels of shape {Shape(o)}; segment reads labels as [batch, height, width] or [batch, 1, height, width]");
            case TensorElementType.Float or TensorElementType.Int64 or TensorElementType.Int32:
                break;
            default:
                throw new SegFuseInputException(path, $"output '{outputName}' is {Describe(output)}; segment reads float32 scores or int64/int32 labels");
        }
    }

    internal static string Shape(IEnumerable<int> dims) => $"[{string.Join(", ", dims.Select(v => v < 0 ? "?" : v.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";

    private static string Describe(NodeMetadata m) => m.IsTensor ? $"a {m.ElementDataType} tensor {Shape(m.Dimensions)}" : $"a {m.OnnxValueType} value";

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
