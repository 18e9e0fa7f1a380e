using SegFuse.Labels;

namespace SegFuse.Inference.Segment;

/// <summary>Which label id each of a model's output classes stands for.</summary>
internal static class ClassMapping
{
    /// <summary>
    /// A model with as many outputs as the set has evaluated classes predicts those classes in train-id order
    /// when the set has train ids 0..n−1 (Cityscapes), else in id order (ADE20K 1..150, VOC 0..20). A model with
    /// as many outputs as the set has ids predicts every id in order.
    /// </summary>
    /// <exception cref="SegFuseInputException">The class count fits neither.</exception>
    public static ushort[] IdsOfClasses(LabelSet set, int classes, string subject)
    {
        var evaluated = set.Evaluated;
        if (classes == evaluated.Count)
        {
            bool trainIds = evaluated.All(c => c.TrainId is not null)
                && evaluated.Select(c => c.TrainId!.Value).Order().SequenceEqual(Enumerable.Range(0, classes));
            var ordered = trainIds ? evaluated.OrderBy(c => c.TrainId) : evaluated.AsEnumerable();
            return ordered.Select(c => (ushort)c.Id).ToArray();
        }

        if (classes == set.Classes.Count)
        {
            return set.Classes.Select(c => (ushort)c.Id).ToArray();
        }

        throw new SegFuseInputException(subject, $"the model outputs {classes} classes but label set '{set.Name}' has {evaluated.Count} evaluated classes ({set.Classes.Count} ids)");
    }

    /// <summary>Class names from the model's metadata: a JSON array of strings or a comma-separated list.</summary>
    public static string[]? ParseNames(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text.StartsWith('['))
        {
            try
            {
                return System.Text.Json.JsonSerializer.Deserialize<string[]>(text);
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

        return text.Split(',', StringSplitOptions.TrimEntries);
    }
}
