using System.Globalization;
using OpenCvSharp;
using SegFuse.Inference.Onnx;
using SegFuse.Labels;

namespace SegFuse.Inference.Tiny;

/// <summary>
/// The tiny per-pixel classifier: a 3×3 convolution over normalised RGB plus a linear term in the pixel's
/// row and column position, ReLU, and a 1×1 convolution to one logit per class.
/// <code>
/// hidden[k] = relu(Σ W1[k,c,dy,dx]·rgb[c, y+dy−1, x+dx−1] + b1[k] + wy[k]·(y+½)/H + wx[k]·(x+½)/W)
/// logit[j]  = Σ W2[j,k]·hidden[k] + b2[j]
/// </code>
/// Pixels outside the image count as 0 after normalisation (the Conv's zero padding). This class holds the
/// weights, writes them as an ONNX model whose graph computes exactly that, and evaluates the same formula
/// itself (<see cref="Forward"/>) so that the two can be compared.
/// </summary>
internal sealed class TinyNet
{
    /// <summary>Inputs of the hidden layer per pixel: 3 channels × 3×3 neighbourhood, then row and column position.</summary>
    public const int Features = 29;

    public const string InputName = "image";
    public const string OutputName = "logits";

    public required int Hidden { get; init; }

    public required int Classes { get; init; }

    /// <summary>[Hidden, 3, 3, 3]: output unit, input channel (R, G, B), kernel row, kernel column.</summary>
    public required float[] ConvWeights { get; init; }

    /// <summary>[Hidden].</summary>
    public required float[] ConvBias { get; init; }

    /// <summary>[Hidden]: weight of the row position (y + ½) / H.</summary>
    public required float[] RowWeights { get; init; }

    /// <summary>[Hidden]: weight of the column position (x + ½) / W.</summary>
    public required float[] ColumnWeights { get; init; }

    /// <summary>[Classes, Hidden].</summary>
    public required float[] OutWeights { get; init; }

    /// <summary>[Classes].</summary>
    public required float[] OutBias { get; init; }

    /// <summary>Per-channel mean in R, G, B order, in 0..255 pixel units.</summary>
    public required float[] Mean { get; init; }

    /// <summary>Per-channel standard deviation in R, G, B order, in 0..255 pixel units.</summary>
    public required float[] Std { get; init; }

    /// <summary>The label set whose evaluated classes are the outputs, in order (e.g. <c>cityscapes-trainids</c>).</summary>
    public required string LabelSetName { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Label id of each output class.</summary>
    public required ushort[] IdOfClass { get; init; }

    /// <summary>
    /// The network as an ONNX graph: input <c>image</c> float [batch, 3, height, width] (all but the channels
    /// dynamic), output <c>logits</c> float [batch, classes, height, width]. The position terms are built in
    /// the graph from the input's shape (Shape → Gather → Range → Div → Reshape), so any size works.
    /// </summary>
    public OnnxModel ToOnnx()
    {
        var g = new OnnxGraph("segfuse-tiny");
        g.Inputs.Add(new OnnxValueInfo(InputName, OnnxElementType.Float, ["batch", 3, "height", "width"]));

        string w1 = g.Constant(OnnxTensor.Floats("conv1.weight", ConvWeights, Hidden, 3, 3, 3));
        string b1 = g.Constant(OnnxTensor.Floats("conv1.bias", ConvBias, Hidden));
        string wy = g.Constant(OnnxTensor.Floats("row.weight", RowWeights, 1, Hidden, 1, 1));
        string wx = g.Constant(OnnxTensor.Floats("column.weight", ColumnWeights, 1, Hidden, 1, 1));
        string w2 = g.Constant(OnnxTensor.Floats("conv2.weight", OutWeights, Classes, Hidden, 1, 1));
        string b2 = g.Constant(OnnxTensor.Floats("conv2.bias", OutBias, Classes));
        string half = g.Constant(OnnxTensor.Scalar("half", 0.5f));
        string one = g.Constant(OnnxTensor.Scalar("one", 1f));
        string axisH = g.Constant(OnnxTensor.Scalar("axis_h", 2L));
        string axisW = g.Constant(OnnxTensor.Scalar("axis_w", 3L));
        string rowShape = g.Constant(OnnxTensor.Int64s("row_shape", [1, 1, -1, 1], 4));
        string columnShape = g.Constant(OnnxTensor.Int64s("column_shape", [1, 1, 1, -1], 4));

        string conv = g.Add("Conv", [InputName, w1, b1], "conv1", OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("pads", 1, 1, 1, 1));

        // Position channels from the input's own shape: (i + 0.5) / size as [1,1,H,1] and [1,1,1,W].
        string shape = g.Add("Shape", [InputName], "shape");
        string h = g.Add("Cast", [g.Add("Gather", [shape, axisH], "h_int", OnnxAttribute.Int("axis", 0))], "h", OnnxAttribute.Int("to", (long)OnnxElementType.Float));
        string w = g.Add("Cast", [g.Add("Gather", [shape, axisW], "w_int", OnnxAttribute.Int("axis", 0))], "w", OnnxAttribute.Int("to", (long)OnnxElementType.Float));
        string rows = g.Add("Reshape", [g.Add("Div", [g.Add("Range", [half, h, one], "row_centres"), h], "row_pos"), rowShape], "row_pos4");
        string columns = g.Add("Reshape", [g.Add("Div", [g.Add("Range", [half, w, one], "column_centres"), w], "column_pos"), columnShape], "column_pos4");

        string withRows = g.Add("Add", [conv, g.Add("Mul", [rows, wy], "row_term")], "pre1");
        string pre = g.Add("Add", [withRows, g.Add("Mul", [columns, wx], "column_term")], "pre2");
        string hidden = g.Add("Relu", [pre], "hidden");
        g.Add("Conv", [hidden, w2, b2], OutputName, OnnxAttribute.Ints("kernel_shape", 1, 1));
        g.Outputs.Add(new OnnxValueInfo(OutputName, OnnxElementType.Float, ["batch", Classes, "height", "width"]));

        var model = new OnnxModel(g) { DocString = "SegFuse tiny per-pixel classifier fitted by `segfuse model-tiny`." };
        model.Metadata.Add(new(ModelMetadataKeys.Mean, Join(Mean)));
        model.Metadata.Add(new(ModelMetadataKeys.Std, Join(Std)));
        model.Metadata.Add(new(ModelMetadataKeys.Channels, "rgb"));
        model.Metadata.Add(new(ModelMetadataKeys.Labels, LabelSetName));
        model.Metadata.Add(new(ModelMetadataKeys.ClassNames, string.Join(',', ClassNames)));
        return model;
    }

    /// <summary>
    /// The fitting code's own pre-processing: a BGR frame to normalised R, G, B planes (3 × H × W), computed
    /// in double and rounded once, independently of the segment pipeline's lookup tables.
    /// </summary>
    public static float[] Normalize(Mat bgr, ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        int width = bgr.Width, height = bgr.Height, plane = width * height;
        var planes = new float[3 * plane];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var px = bgr.At<Vec3b>(y, x);
                int i = (y * width) + x;
                planes[i] = (float)((px.Item2 - (double)mean[0]) / std[0]);
                planes[plane + i] = (float)((px.Item1 - (double)mean[1]) / std[1]);
                planes[(2 * plane) + i] = (float)((px.Item0 - (double)mean[2]) / std[2]);
            }
        }

        return planes;
    }

    /// <summary>The 29 hidden-layer inputs of pixel (x, y) of normalised planes, in the order of <see cref="Features"/>.</summary>
    public static void PixelFeatures(ReadOnlySpan<float> planes, int width, int height, int x, int y, Span<float> features)
    {
        int plane = width * height, f = 0;
        for (int c = 0; c < 3; c++)
        {
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    int yy = y + dy, xx = x + dx;
                    features[f++] = (uint)yy < (uint)height && (uint)xx < (uint)width ? planes[(c * plane) + (yy * width) + xx] : 0f;
                }
            }
        }

        features[f++] = (y + 0.5f) / height;
        features[f] = (x + 0.5f) / width;
    }

    /// <summary>Logits of every pixel (classes × H × W) of normalised planes, by the formula in the summary.</summary>
    public float[] Forward(ReadOnlySpan<float> planes, int width, int height)
    {
        int plane = width * height;
        var logits = new float[Classes * plane];
        Span<float> features = stackalloc float[Features];
        var hidden = new float[Hidden];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                PixelFeatures(planes, width, height, x, y, features);
                for (int k = 0; k < Hidden; k++)
                {
                    float s = ConvBias[k];
                    for (int f = 0; f < 27; f++)
                    {
                        s += ConvWeights[(k * 27) + f] * features[f];
                    }

                    s += (RowWeights[k] * features[27]) + (ColumnWeights[k] * features[28]);
                    hidden[k] = Math.Max(s, 0f);
                }

                for (int j = 0; j < Classes; j++)
                {
                    float s = OutBias[j];
                    for (int k = 0; k < Hidden; k++)
                    {
                        s += OutWeights[(j * Hidden) + k] * hidden[k];
                    }

                    logits[(j * plane) + (y * width) + x] = s;
                }
            }
        }

        return logits;
    }

    /// <summary>The label id of the class with the largest logit (the first on ties) at every pixel of a BGR frame: the fitting code's own evaluation.</summary>
    public LabelMap Predict(Mat bgr) => Predict(bgr, out _);

    /// <summary>As <see cref="Predict(Mat)"/>, also giving the logits (classes × H × W).</summary>
    public LabelMap Predict(Mat bgr, out float[] logits)
    {
        int width = bgr.Width, height = bgr.Height, plane = width * height;
        logits = Forward(Normalize(bgr, Mean, Std), width, height);
        var map = new LabelMap(width, height);
        var labels = map.Span;
        for (int i = 0; i < plane; i++)
        {
            int best = 0;
            float bestValue = logits[i];
            for (int j = 1; j < Classes; j++)
            {
                float v = logits[(j * plane) + i];
                if (v > bestValue)
                {
                    bestValue = v;
                    best = j;
                }
            }

            labels[i] = IdOfClass[best];
        }

        return map;
    }

    private static string Join(float[] values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
