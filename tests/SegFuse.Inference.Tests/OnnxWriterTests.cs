using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SegFuse.Inference.Onnx;

namespace SegFuse.Inference.Tests;

public class OnnxWriterTests
{
    [Fact]
    public void A_written_model_loads_in_onnx_runtime_with_its_names_shapes_and_metadata()
    {
        var graph = new OnnxGraph("affine");
        graph.Inputs.Add(new OnnxValueInfo("x", OnnxElementType.Float, ["batch", 2, "height", "width"]));
        string w = graph.Constant(OnnxTensor.Floats("w", [1f, 2f, 3f, 4f, 5f, 6f], 3, 2, 1, 1));
        string b = graph.Constant(OnnxTensor.Floats("b", [0.5f, -1f, 10f], 3));
        graph.Add("Conv", ["x", w, b], "y", OnnxAttribute.Ints("kernel_shape", 1, 1));
        graph.Outputs.Add(new OnnxValueInfo("y", OnnxElementType.Float, ["batch", 3, "height", "width"]));
        var model = new OnnxModel(graph) { ProducerName = "segfuse-test" };
        model.Metadata.Add(new("segfuse.mean", "1,2,3"));
        model.Metadata.Add(new("note", "ünïcode ok"));

        using var session = new InferenceSession(OnnxWriter.ToBytes(model));

        Assert.Equal(["x"], session.InputNames);
        var input = session.InputMetadata["x"];
        Assert.Equal(TensorElementType.Float, input.ElementDataType);
        Assert.Equal([-1, 2, -1, -1], input.Dimensions);
        Assert.Equal(["batch", "", "height", "width"], input.SymbolicDimensions);
        Assert.Equal(["y"], session.OutputNames);
        Assert.Equal([-1, 3, -1, -1], session.OutputMetadata["y"].Dimensions);
        Assert.Equal("segfuse-test", session.ModelMetadata.ProducerName);
        Assert.Equal("affine", session.ModelMetadata.GraphName);
        Assert.Equal("1,2,3", session.ModelMetadata.CustomMetadataMap["segfuse.mean"]);
        Assert.Equal("ünïcode ok", session.ModelMetadata.CustomMetadataMap["note"]);

        // Two pixels (1x2 image), channels (a, b) = (1, 2) and (3, -1).
        float[] x = [1f, 3f, 2f, -1f];
        using var inValue = OrtValue.CreateTensorValueFromMemory(x, [1, 2, 1, 2]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [inValue], ["y"]);
        var y = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([1, 3, 1, 2], results[0].GetTensorTypeAndShape().Shape);
        // y[c] = w[c,0]*a + w[c,1]*b + bias[c]
        Assert.Equal(new float[] { (1 * 1) + (2 * 2) + 0.5f, (1 * 3) + (2 * -1) + 0.5f, (3 * 1) + (4 * 2) - 1, (3 * 3) + (4 * -1) - 1, (5 * 1) + (6 * 2) + 10, (5 * 3) + (6 * -1) + 10 }, y);
    }

    [Fact]
    public void Float_int_and_string_attributes_reach_the_operators()
    {
        var graph = new OnnxGraph("attrs");
        graph.Inputs.Add(new OnnxValueInfo("x", OnnxElementType.Float, [1, 1, 2, 2]));
        string lrelu = graph.Add("LeakyRelu", ["x"], "l", OnnxAttribute.Float("alpha", 0.25f));
        string pooled = graph.Add("AveragePool", [lrelu], "p", OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.String("auto_pad", "VALID"));
        graph.Add("ArgMax", [lrelu], "a", OnnxAttribute.Int("axis", 3), OnnxAttribute.Int("keepdims", 0));
        graph.Outputs.Add(new OnnxValueInfo(pooled, OnnxElementType.Float, [1, 1, 1, 1]));
        graph.Outputs.Add(new OnnxValueInfo("a", OnnxElementType.Int64, [1, 1, 2]));

        using var session = new InferenceSession(OnnxWriter.ToBytes(new OnnxModel(graph)));
        float[] x = [-4f, 2f, 8f, -8f];
        using var inValue = OrtValue.CreateTensorValueFromMemory(x, [1, 1, 2, 2]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [inValue], ["p", "a"]);
        Assert.Equal((-1f + 2f + 8f - 2f) / 4f, results[0].GetTensorDataAsSpan<float>()[0]);
        Assert.Equal([1L, 0L], results[1].GetTensorDataAsSpan<long>().ToArray());
    }

    [Fact]
    public void Writing_is_deterministic()
    {
        static byte[] Build()
        {
            var graph = new OnnxGraph("g");
            graph.Inputs.Add(new OnnxValueInfo("x", OnnxElementType.Float, ["n"]));
            graph.Add("Relu", ["x"], "y");
            graph.Outputs.Add(new OnnxValueInfo("y", OnnxElementType.Float, ["n"]));
            var model = new OnnxModel(graph);
            model.Metadata.Add(new("k", "v"));
            return OnnxWriter.ToBytes(model);
        }

        Assert.Equal(Build(), Build());
    }
}
