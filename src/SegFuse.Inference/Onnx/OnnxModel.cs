using System.Runtime.InteropServices;

namespace SegFuse.Inference.Onnx;

/// <summary>Element types of ONNX tensors (the <c>TensorProto.DataType</c> values of onnx.proto) that SegFuse writes.</summary>
internal enum OnnxElementType
{
    Float = 1,
    UInt8 = 2,
    Int32 = 6,
    Int64 = 7,
    Float16 = 10,
}

/// <summary>One dimension of a value's shape: a fixed size, or a named dynamic size (<c>dim_param</c>).</summary>
internal readonly record struct OnnxDim(long Value, string? Param)
{
    public static OnnxDim Fixed(long value) => new(value, null);

    public static OnnxDim Dynamic(string name) => new(0, name);

    public static implicit operator OnnxDim(long value) => Fixed(value);

    public static implicit operator OnnxDim(string name) => Dynamic(name);
}

/// <summary>A graph input or output: name, element type and shape (<c>ValueInfoProto</c> with a tensor <c>TypeProto</c>).</summary>
internal sealed record OnnxValueInfo(string Name, OnnxElementType ElementType, IReadOnlyList<OnnxDim> Shape);

/// <summary>A constant tensor stored in the graph (<c>TensorProto</c> with <c>raw_data</c>, little-endian).</summary>
internal sealed record OnnxTensor(string Name, OnnxElementType ElementType, IReadOnlyList<long> Dims, byte[] RawData)
{
    public static OnnxTensor Floats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        CheckCount(name, values.Length, dims);
        return new OnnxTensor(name, OnnxElementType.Float, dims, ToLittleEndian(values));
    }

    public static OnnxTensor Int64s(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        CheckCount(name, values.Length, dims);
        return new OnnxTensor(name, OnnxElementType.Int64, dims, ToLittleEndian(values));
    }

    /// <summary>A rank-0 float tensor.</summary>
    public static OnnxTensor Scalar(string name, float value) => Floats(name, [value]);

    /// <summary>A rank-0 int64 tensor.</summary>
    public static OnnxTensor Scalar(string name, long value) => Int64s(name, [value]);

    private static void CheckCount(string name, int count, long[] dims)
    {
        long expected = 1;
        foreach (long d in dims)
        {
            expected *= d;
        }

        if (expected != count)
        {
            throw new ArgumentException($"tensor {name}: {count} values do not fill the shape [{string.Join(',', dims)}]");
        }
    }

    private static byte[] ToLittleEndian<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the ONNX writer assumes a little-endian machine");
        }

        return MemoryMarshal.AsBytes(values).ToArray();
    }
}

/// <summary>The kinds of node attribute SegFuse writes (<c>AttributeProto.AttributeType</c>).</summary>
internal enum OnnxAttributeType
{
    Float = 1,
    Int = 2,
    String = 3,
    Floats = 6,
    Ints = 7,
}

/// <summary>A node attribute; exactly one of the value fields is used, as <see cref="Type"/> says.</summary>
internal sealed record OnnxAttribute(string Name, OnnxAttributeType Type)
{
    public float FloatValue { get; init; }

    public long IntValue { get; init; }

    public string? StringValue { get; init; }

    public IReadOnlyList<float> FloatValues { get; init; } = [];

    public IReadOnlyList<long> IntValues { get; init; } = [];

    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeType.Float) { FloatValue = value };

    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeType.Int) { IntValue = value };

    public static OnnxAttribute String(string name, string value) => new(name, OnnxAttributeType.String) { StringValue = value };

    public static OnnxAttribute Ints(string name, params long[] values) => new(name, OnnxAttributeType.Ints) { IntValues = values };

    public static OnnxAttribute Floats(string name, params float[] values) => new(name, OnnxAttributeType.Floats) { FloatValues = values };
}

/// <summary>One operator application (<c>NodeProto</c>) of the default ONNX domain.</summary>
internal sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs)
{
    public string? Name { get; init; }

    public IReadOnlyList<OnnxAttribute> Attributes { get; init; } = [];
}

/// <summary>A computation graph (<c>GraphProto</c>): nodes in topological order, constants, inputs and outputs.</summary>
internal sealed class OnnxGraph(string name)
{
    public string Name { get; } = name;

    public List<OnnxNode> Nodes { get; } = [];

    public List<OnnxTensor> Initializers { get; } = [];

    public List<OnnxValueInfo> Inputs { get; } = [];

    public List<OnnxValueInfo> Outputs { get; } = [];

    /// <summary>Adds a node and returns the name of its (first) output, so graphs read as a chain of calls.</summary>
    public string Add(string opType, string[] inputs, string output, params OnnxAttribute[] attributes)
    {
        Nodes.Add(new OnnxNode(opType, inputs, [output]) { Name = $"{opType}_{Nodes.Count}", Attributes = attributes });
        return output;
    }

    /// <summary>Adds a constant and returns its name.</summary>
    public string Constant(OnnxTensor tensor)
    {
        Initializers.Add(tensor);
        return tensor.Name;
    }
}

/// <summary>
/// An ONNX model (<c>ModelProto</c>): IR version, the operator set it imports, who produced it, the graph
/// and string metadata. <see cref="OnnxWriter"/> turns it into the protobuf bytes of a <c>.onnx</c> file.
/// </summary>
internal sealed class OnnxModel(OnnxGraph graph)
{
    /// <summary>IR version 8 (ONNX 1.10), understood by every ONNX Runtime since 1.10.</summary>
    public long IrVersion { get; init; } = 8;

    /// <summary>Version of the default (<c>ai.onnx</c>) operator set.</summary>
    public long OpsetVersion { get; init; } = 17;

    public string ProducerName { get; init; } = "segfuse";

    public string ProducerVersion { get; init; } = "1";

    public string? DocString { get; init; }

    public OnnxGraph Graph { get; } = graph;

    /// <summary>Key/value metadata (<c>metadata_props</c>), written in insertion order.</summary>
    public List<KeyValuePair<string, string>> Metadata { get; } = [];
}
