using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SegFuse.Labels;

/// <summary>How a label set's challenge computes its figures.</summary>
public enum ScoringRules
{
    /// <summary>cityscapesScripts' evalPixelLevelSemanticLabeling: classes with no pixels anywhere are NaN and skipped in the mean.</summary>
    Cityscapes,

    /// <summary>The ADE20K scene-parsing devkit: a class with union 0 counts as IoU 0, the mean runs over all evaluated classes, and score = (pixel accuracy + mIoU) / 2.</summary>
    Ade20k,
}

/// <summary>
/// A table of labels: ids, names, colours, categories, which ids are ignored. Built-in sets are data
/// (embedded JSON), a user's set is a JSON file of the same shape:
/// <c>{"name": "...", "ignore": [255], "classes": [{"id": 0, "name": "road", "color": [128,64,128], "category": "flat"}]}</c>.
/// </summary>
public sealed class LabelSet
{
    private static readonly string[] BuiltInNames = ["cityscapes", "cityscapes-trainids", "ade20k", "voc"];
    private readonly int[] _idToIndex;
    private readonly FrozenDictionary<int, int> _colorToId;

    private LabelSet(string name, IReadOnlyList<LabelClass> classes, ScoringRules rules)
    {
        Name = name;
        Classes = classes;
        Rules = rules;
        MaxId = classes.Max(c => c.Id);
        _idToIndex = new int[MaxId + 1];
        Array.Fill(_idToIndex, -1);
        for (int i = 0; i < classes.Count; i++)
        {
            _idToIndex[classes[i].Id] = i;
        }

        // Several ids may share a colour (Cityscapes: ids 0..4 are black, polegroup looks like pole).
        // A colour decodes to the first evaluated id that has it, else the first id.
        var colorToId = new Dictionary<int, int>();
        foreach (var c in classes.OrderBy(c => c.IgnoreInEval).ThenBy(c => c.Id))
        {
            colorToId.TryAdd(c.Color.Packed, c.Id);
        }

        _colorToId = colorToId.ToFrozenDictionary();
        Evaluated = classes.Where(c => !c.IgnoreInEval).ToArray();
    }

    /// <summary>The names accepted by <see cref="Load"/> besides a JSON file path.</summary>
    public static IReadOnlyList<string> BuiltIn => BuiltInNames;

    /// <summary>The set's name, e.g. <c>cityscapes</c>.</summary>
    public string Name { get; }

    /// <summary>Every label of the set, in id order.</summary>
    public IReadOnlyList<LabelClass> Classes { get; }

    /// <summary>The labels that are scored (not <see cref="LabelClass.IgnoreInEval"/>), in id order.</summary>
    public IReadOnlyList<LabelClass> Evaluated { get; }

    /// <summary>The largest id of the set; label maps hold ids 0..MaxId.</summary>
    public int MaxId { get; }

    /// <summary>Which challenge's rules score this set.</summary>
    public ScoringRules Rules { get; }

    /// <summary>Whether any label has instance-level ground truth (and so iIoU can be computed).</summary>
    public bool HasInstanceClasses => Classes.Any(c => c.HasInstances && !c.IgnoreInEval && c.AvgInstanceSize is not null);

    /// <summary>Whether <paramref name="id"/> is a label of this set.</summary>
    public bool Contains(int id) => (uint)id < (uint)_idToIndex.Length && _idToIndex[id] >= 0;

    /// <summary>The label with <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">The set has no such id.</exception>
    public LabelClass this[int id] => Contains(id) ? Classes[_idToIndex[id]] : throw new KeyNotFoundException($"label set {Name} has no id {id}");

    /// <summary>Finds the id whose palette colour is exactly <paramref name="color"/>.</summary>
    public bool TryGetIdByColor(Rgb color, out int id) => _colorToId.TryGetValue(color.Packed, out id);

    /// <summary>A lookup table id → index in <see cref="Classes"/>, -1 for ids that are not in the set. Length MaxId + 1.</summary>
    internal ReadOnlySpan<int> IdToIndex => _idToIndex;

    /// <summary>
    /// Maps a stored Cityscapes train id (0..255) to the set's id, -1 where none; train id 255 (ignore) maps to
    /// the set's first ignored id (Cityscapes: 0, unlabeled). Null when the set has no train ids (then train ids are its ids).
    /// </summary>
    internal int[]? TrainIdLookup()
    {
        if (!Classes.Any(c => c.TrainId is >= 0 and < 255))
        {
            return null;
        }

        var lut = new int[256];
        Array.Fill(lut, -1);
        foreach (var c in Classes)
        {
            if (c.TrainId is int t and >= 0 and < 255 && lut[t] < 0)
            {
                lut[t] = c.Id;
            }
        }

        if (Classes.FirstOrDefault(c => c.IgnoreInEval) is { } ignored)
        {
            lut[255] = ignored.Id;
        }

        return lut;
    }

    /// <summary>Writes the set as JSON in the format <see cref="Parse"/> reads.</summary>
    public string ToJson()
    {
        var classes = new JsonArray();
        foreach (var c in Classes)
        {
            var o = new JsonObject
            {
                ["id"] = c.Id,
                ["name"] = c.Name,
                ["color"] = new JsonArray(c.Color.R, c.Color.G, c.Color.B),
            };
            if (c.Category is not null)
            {
                o["category"] = c.Category;
            }

            if (c.TrainId is not null)
            {
                o["trainId"] = c.TrainId;
            }

            if (c.HasInstances)
            {
                o["hasInstances"] = true;
            }

            if (c.IgnoreInEval)
            {
                o["ignoreInEval"] = true;
            }

            if (c.AvgInstanceSize is not null)
            {
                o["avgInstanceSize"] = c.AvgInstanceSize;
            }

            classes.Add(o);
        }

        var root = new JsonObject
        {
            ["name"] = Name,
            ["scoring"] = Rules == ScoringRules.Ade20k ? "ade20k" : "cityscapes",
            ["classes"] = classes,
        };
        return root.ToJsonString();
    }

    /// <summary>
    /// Loads a built-in set by name (<c>cityscapes</c>, <c>cityscapes-trainids</c>, <c>ade20k</c>, <c>voc</c>) or a user's JSON file.
    /// </summary>
    /// <exception cref="SegFuseInputException">Unknown name, unreadable or malformed file.</exception>
    public static LabelSet Load(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        if (BuiltInNames.Contains(nameOrPath, StringComparer.OrdinalIgnoreCase))
        {
            string resource = $"SegFuse.Labels.{nameOrPath.ToLowerInvariant()}.json";
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"built-in label set {resource} is missing from the assembly");
            return Parse(stream, nameOrPath);
        }

        if (!nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !File.Exists(nameOrPath))
        {
            throw new SegFuseInputException("--labels", $"unknown label set '{nameOrPath}': use one of {string.Join(", ", BuiltInNames)} or a path to a JSON file");
        }

        try
        {
            using var stream = File.OpenRead(nameOrPath);
            return Parse(stream, nameOrPath);
        }
        catch (IOException e)
        {
            throw new SegFuseInputException(nameOrPath, $"cannot read the label set: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SegFuseInputException(nameOrPath, $"cannot read the label set: {e.Message}", e);
        }
    }

    /// <summary>Parses a label set from JSON; <paramref name="source"/> names it in errors.</summary>
    public static LabelSet Parse(Stream json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SegFuseInputException(source, $"not valid JSON: {e.Message}", e);
        }

        if (root is not JsonObject obj)
        {
            throw new SegFuseInputException(source, "a label set is a JSON object with 'name' and 'classes'");
        }

        string name = obj["name"]?.GetValue<string>() ?? Path.GetFileNameWithoutExtension(source);
        var ignore = new HashSet<int>();
        switch (obj["ignore"])
        {
            case null:
                break;
            case JsonArray arr:
                foreach (var n in arr)
                {
                    ignore.Add(ReadInt(n, source, "ignore"));
                }

                break;
            case JsonNode n:
                ignore.Add(ReadInt(n, source, "ignore"));
                break;
        }

        var rules = (obj["scoring"]?.GetValue<string>() ?? "cityscapes") switch
        {
            "cityscapes" => ScoringRules.Cityscapes,
            "ade20k" => ScoringRules.Ade20k,
            var other => throw new SegFuseInputException(source, $"unknown scoring rules '{other}' (cityscapes or ade20k)"),
        };

        if (obj["classes"] is not JsonArray classes || classes.Count == 0)
        {
            throw new SegFuseInputException(source, "'classes' must be a non-empty array");
        }

        var list = new List<LabelClass>(classes.Count);
        var seen = new HashSet<int>();
        foreach (var node in classes)
        {
            if (node is not JsonObject c)
            {
                throw new SegFuseInputException(source, "each class is an object with id, name and color");
            }

            int id = ReadInt(c["id"], source, "id");
            if (id is < 0 or > ushort.MaxValue)
            {
                throw new SegFuseInputException(source, $"class id {id} is outside 0..65535");
            }

            if (!seen.Add(id))
            {
                throw new SegFuseInputException(source, $"class id {id} appears twice");
            }

            string className = c["name"]?.GetValue<string>() ?? throw new SegFuseInputException(source, $"class {id} has no name");
            list.Add(new LabelClass
            {
                Id = id,
                Name = className,
                Color = ReadColor(c["color"], source, id),
                Category = c["category"]?.GetValue<string>(),
                TrainId = c["trainId"] is { } t ? ReadInt(t, source, "trainId") : null,
                HasInstances = c["hasInstances"]?.GetValue<bool>() ?? false,
                IgnoreInEval = ignore.Contains(id) || (c["ignoreInEval"]?.GetValue<bool>() ?? false),
                AvgInstanceSize = c["avgInstanceSize"]?.GetValue<double>(),
            });
        }

        list.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new LabelSet(name, list, rules);
    }

    private static int ReadInt(JsonNode? node, string source, string what)
    {
        try
        {
            return node?.GetValue<int>() ?? throw new SegFuseInputException(source, $"'{what}' is missing");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new SegFuseInputException(source, $"'{what}' must be an integer", e);
        }
    }

    private static Rgb ReadColor(JsonNode? node, string source, int id)
    {
        if (node is JsonArray { Count: 3 } a)
        {
            int r = ReadInt(a[0], source, "color"), g = ReadInt(a[1], source, "color"), b = ReadInt(a[2], source, "color");
            if (r is >= 0 and <= 255 && g is >= 0 and <= 255 && b is >= 0 and <= 255)
            {
                return new Rgb((byte)r, (byte)g, (byte)b);
            }
        }

        throw new SegFuseInputException(source, $"class {id}: 'color' must be [r, g, b] with values 0..255");
    }
}
