using Google.Protobuf;
using SegFuse.IO;

namespace SegFuse.Inference.Onnx;

/// <summary>
/// Writes an <see cref="OnnxModel"/> in the protobuf wire format of the published <c>onnx.proto</c>
/// (proto2; field numbers below are that file's). Only the fields SegFuse needs are written.
/// </summary>
/// <remarks>
/// Nested messages are length-delimited, so each one is first encoded into its own buffer and then written
/// as bytes. Repeated scalars are written unpacked, as proto2 declares them (except where onnx.proto asks
/// for packed, which no field written here does).
/// </remarks>
internal static class OnnxWriter
{
    // ModelProto
    private const int ModelIrVersion = 1;
    private const int ModelProducerName = 2;
    private const int ModelProducerVersion = 3;
    private const int ModelDocString = 6;
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;
    private const int ModelMetadataProps = 14;

    // OperatorSetIdProto
    private const int OpsetDomain = 1;
    private const int OpsetVersion = 2;

    // StringStringEntryProto
    private const int EntryKey = 1;
    private const int EntryValue = 2;

    // GraphProto
    private const int GraphNode = 1;
    private const int GraphName = 2;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;

    // NodeProto
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;

    // AttributeProto
    private const int AttrName = 1;
    private const int AttrF = 2;
    private const int AttrI = 3;
    private const int AttrS = 4;
    private const int AttrFloats = 7;
    private const int AttrInts = 8;
    private const int AttrType = 20;

    // TensorProto
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorName = 8;
    private const int TensorRawData = 9;

    // ValueInfoProto
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;

    // TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int TypeTensorType = 1;
    private const int TensorTypeElemType = 1;
    private const int TensorTypeShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;

    /// <summary>The model as the bytes of a <c>.onnx</c> file.</summary>
    public static byte[] ToBytes(OnnxModel model) => Encode(o => WriteModel(o, model));

    /// <summary>Writes the model to <paramref name="path"/> atomically.</summary>
    public static void Save(OnnxModel model, string path)
    {
        byte[] bytes = ToBytes(model);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    private static void WriteModel(CodedOutputStream o, OnnxModel model)
    {
        WriteInt64(o, ModelIrVersion, model.IrVersion);
        WriteString(o, ModelProducerName, model.ProducerName);
        WriteString(o, ModelProducerVersion, model.ProducerVersion);
        if (model.DocString is not null)
        {
            WriteString(o, ModelDocString, model.DocString);
        }

        WriteMessage(o, ModelGraph, g => WriteGraph(g, model.Graph));
        WriteMessage(o, ModelOpsetImport, s =>
        {
            WriteString(s, OpsetDomain, string.Empty);
            WriteInt64(s, OpsetVersion, model.OpsetVersion);
        });
        foreach (var (key, value) in model.Metadata)
        {
            WriteMessage(o, ModelMetadataProps, e =>
            {
                WriteString(e, EntryKey, key);
                WriteString(e, EntryValue, value);
            });
        }
    }

    private static void WriteGraph(CodedOutputStream o, OnnxGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            WriteMessage(o, GraphNode, n => WriteNode(n, node));
        }

        WriteString(o, GraphName, graph.Name);
        foreach (var tensor in graph.Initializers)
        {
            WriteMessage(o, GraphInitializer, t => WriteTensor(t, tensor));
        }

        foreach (var input in graph.Inputs)
        {
            WriteMessage(o, GraphInput, v => WriteValueInfo(v, input));
        }

        foreach (var output in graph.Outputs)
        {
            WriteMessage(o, GraphOutput, v => WriteValueInfo(v, output));
        }
    }

    private static void WriteNode(CodedOutputStream o, OnnxNode node)
    {
        foreach (string input in node.Inputs)
        {
            WriteString(o, NodeInput, input);
        }

        foreach (string output in node.Outputs)
        {
            WriteString(o, NodeOutput, output);
        }

        if (node.Name is not null)
        {
            WriteString(o, NodeName, node.Name);
        }

        WriteString(o, NodeOpType, node.OpType);
        foreach (var attribute in node.Attributes)
        {
            WriteMessage(o, NodeAttribute, a => WriteAttribute(a, attribute));
        }
    }

    private static void WriteAttribute(CodedOutputStream o, OnnxAttribute a)
    {
        WriteString(o, AttrName, a.Name);
        o.WriteTag(AttrType, WireFormat.WireType.Varint);
        o.WriteEnum((int)a.Type);
        switch (a.Type)
        {
            case OnnxAttributeType.Float:
                o.WriteTag(AttrF, WireFormat.WireType.Fixed32);
                o.WriteFloat(a.FloatValue);
                break;
            case OnnxAttributeType.Int:
                WriteInt64(o, AttrI, a.IntValue);
                break;
            case OnnxAttributeType.String:
                o.WriteTag(AttrS, WireFormat.WireType.LengthDelimited);
                o.WriteBytes(ByteString.CopyFromUtf8(a.StringValue ?? string.Empty));
                break;
            case OnnxAttributeType.Floats:
                foreach (float f in a.FloatValues)
                {
                    o.WriteTag(AttrFloats, WireFormat.WireType.Fixed32);
                    o.WriteFloat(f);
                }

                break;
            case OnnxAttributeType.Ints:
                foreach (long i in a.IntValues)
                {
                    WriteInt64(o, AttrInts, i);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(a), a.Type, "attribute type not supported by the writer");
        }
    }

    private static void WriteTensor(CodedOutputStream o, OnnxTensor tensor)
    {
        foreach (long d in tensor.Dims)
        {
            WriteInt64(o, TensorDims, d);
        }

        o.WriteTag(TensorDataType, WireFormat.WireType.Varint);
        o.WriteInt32((int)tensor.ElementType);
        WriteString(o, TensorName, tensor.Name);
        o.WriteTag(TensorRawData, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(tensor.RawData));
    }

    private static void WriteValueInfo(CodedOutputStream o, OnnxValueInfo info)
    {
        WriteString(o, ValueInfoName, info.Name);
        WriteMessage(o, ValueInfoType, type => WriteMessage(type, TypeTensorType, tensor =>
        {
            tensor.WriteTag(TensorTypeElemType, WireFormat.WireType.Varint);
            tensor.WriteInt32((int)info.ElementType);
            WriteMessage(tensor, TensorTypeShape, shape =>
            {
                foreach (var dim in info.Shape)
                {
                    WriteMessage(shape, ShapeDim, d =>
                    {
                        if (dim.Param is not null)
                        {
                            WriteString(d, DimParam, dim.Param);
                        }
                        else
                        {
                            WriteInt64(d, DimValue, dim.Value);
                        }
                    });
                }
            });
        }));
    }

    private static void WriteInt64(CodedOutputStream o, int field, long value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }

    private static void WriteString(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    /// <summary>Writes a length-delimited sub-message whose body <paramref name="body"/> writes.</summary>
    private static void WriteMessage(CodedOutputStream o, int field, Action<CodedOutputStream> body)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Encode(body)));
    }

    private static byte[] Encode(Action<CodedOutputStream> body)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            body(output);
            output.Flush();
        }

        return buffer.ToArray();
    }
}
