namespace MetaClip.Training;

/// <summary>
/// The shape of a CLIP model: a ViT image tower and a causal transformer text tower projected into one embedding
/// space. <see cref="Preset"/> gives the published shapes and tiny ones that train on a CPU in minutes.
/// </summary>
public sealed record ClipConfig(
    string Name,
    int ImageSize,
    int PatchSize,
    int VisionWidth,
    int VisionLayers,
    int VisionHeads,
    int TextWidth,
    int TextLayers,
    int TextHeads,
    int ContextLength,
    int EmbedDim)
{
    /// <summary>Input channels of the image tower (RGB).</summary>
    public int ImageChannels { get; init; } = 3;

    /// <summary>Patches along one side of the image.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>The named presets.</summary>
    public static IReadOnlyList<ClipConfig> Presets { get; } =
    [
        // Tiny shapes for tests, CPU runs and the small-scale experiment.
        new("tiny", 32, 8, 64, 2, 4, 64, 2, 4, 32, 64),
        new("small", 64, 8, 192, 4, 4, 192, 4, 4, 48, 128),

        // The published shapes (OpenAI CLIP / OpenCLIP; MetaCLIP 2's worldwide ViT-H/14 has the XLM-V text tower of
        // width 1024 and 24 layers).
        new("ViT-B-32", 224, 32, 768, 12, 12, 512, 12, 8, 77, 512),
        new("ViT-B-16", 224, 16, 768, 12, 12, 512, 12, 8, 77, 512),
        new("ViT-L-14", 224, 14, 1024, 24, 16, 768, 12, 12, 77, 768),
        new("ViT-H-14", 224, 14, 1280, 32, 16, 1024, 24, 16, 77, 1024),
        new("ViT-H-14-worldwide", 224, 14, 1280, 32, 16, 1024, 24, 16, 77, 1024),
    ];

    /// <summary>A preset by name (case-insensitive); the error lists the names.</summary>
    public static ClipConfig Preset(string name) =>
        Presets.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown model preset '{name}'; presets: {string.Join(", ", Presets.Select(p => p.Name))}", nameof(name));

    /// <summary>Checks that the shape is buildable; the message names the field.</summary>
    public void Validate()
    {
        if (ImageSize <= 0 || PatchSize <= 0 || ImageSize % PatchSize != 0)
        {
            throw new ArgumentException($"model {Name}: image size {ImageSize} is not a multiple of the patch size {PatchSize}");
        }

        if (VisionWidth % VisionHeads != 0 || TextWidth % TextHeads != 0)
        {
            throw new ArgumentException($"model {Name}: a tower's width is not a multiple of its heads");
        }

        if (ContextLength < 3)
        {
            throw new ArgumentException($"model {Name}: context length {ContextLength} leaves no room for a token between start and end of text");
        }
    }
}
