using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MetaClip.Training;

// Module fields are named as OpenCLIP names them: TorchSharp takes a registered field's name as the parameter's
// name in the state dict (visual.conv1.weight, text.token_embedding.weight, logit_scale, ...).
#pragma warning disable IDE1006

/// <summary>CLIP's GELU approximation, <c>x · σ(1.702 x)</c>, which the published checkpoints were trained with.</summary>
internal sealed class QuickGelu() : nn.Module<Tensor, Tensor>("QuickGelu")
{
    public override Tensor forward(Tensor input)
    {
        using var gate = torch.sigmoid(input.mul(Scalars.QuickGeluFactor));
        return input.mul(gate);
    }
}

/// <summary>A pre-norm transformer block: attention (causal in the text tower) and a 4× MLP, each residual.</summary>
internal sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly bool _causal;
    private readonly LayerNorm ln_1;
    private readonly Linear in_proj;
    private readonly Linear out_proj;
    private readonly LayerNorm ln_2;
    private readonly Linear c_fc;
    private readonly QuickGelu gelu;
    private readonly Linear c_proj;

    public ResidualAttentionBlock(int width, int heads, bool causal) : base("ResidualAttentionBlock")
    {
        _heads = heads;
        _causal = causal;
        ln_1 = nn.LayerNorm(width);
        in_proj = nn.Linear(width, 3 * width);
        out_proj = nn.Linear(width, width);
        ln_2 = nn.LayerNorm(width);
        c_fc = nn.Linear(width, 4 * width);
        gelu = new QuickGelu();
        c_proj = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        long batch = input.shape[0], length = input.shape[1], width = input.shape[2];
        var qkv = in_proj.forward(ln_1.forward(input)).view(batch, length, 3, _heads, width / _heads).permute(2, 0, 3, 1, 4);
        var attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: _causal);
        var x = input.add(out_proj.forward(attended.transpose(1, 2).reshape(batch, length, width)), Scalars.One);
        x = x.add(c_proj.forward(gelu.forward(c_fc.forward(ln_2.forward(x)))), Scalars.One);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s over <c>(batch, tokens, width)</c>.</summary>
internal sealed class Transformer : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks = new();

    public Transformer(int width, int layers, int heads, bool causal) : base("Transformer")
    {
        for (int i = 0; i < layers; i++)
        {
            resblocks.Add(new ResidualAttentionBlock(width, heads, causal));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var block in resblocks)
        {
            var next = block.forward(x);
            if (!ReferenceEquals(x, input))
            {
                x.Dispose();
            }

            x = next;
        }

        return x;
    }
}

/// <summary>The ViT image tower: patch embedding, class token, positions, transformer, projection of the class token.</summary>
internal sealed class VisionTower : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Parameter class_embedding;
    private readonly Parameter positional_embedding;
    private readonly LayerNorm ln_pre;
    private readonly Transformer transformer;
    private readonly LayerNorm ln_post;
    private readonly Parameter proj;

    public VisionTower(ClipConfig config) : base("VisionTower")
    {
        int width = config.VisionWidth;
        double scale = Math.Pow(width, -0.5);
        conv1 = nn.Conv2d(config.ImageChannels, width, config.PatchSize, stride: config.PatchSize, bias: false);
        using Scalar s = scale;
        class_embedding = nn.Parameter(torch.randn(width).mul_(s));
        positional_embedding = nn.Parameter(torch.randn((config.GridSize * config.GridSize) + 1, width).mul_(s));
        ln_pre = nn.LayerNorm(width);
        transformer = new Transformer(width, config.VisionLayers, config.VisionHeads, causal: false);
        ln_post = nn.LayerNorm(width);
        proj = nn.Parameter(torch.randn(width, config.EmbedDim).mul_(s));
        RegisterComponents();
    }

    /// <param name="input">Normalised images, <c>(batch, channels, size, size)</c>.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var patches = conv1.forward(input).flatten(2).transpose(1, 2); // (batch, grid², width)
        var cls = class_embedding.to(patches.dtype).expand(patches.shape[0], 1, -1);
        var x = torch.cat([cls, patches], dim: 1).add(positional_embedding.to(patches.dtype), Scalars.One);
        x = transformer.forward(ln_pre.forward(x));
        var pooled = ln_post.forward(x[.., 0, ..]);
        return pooled.matmul(proj.to(pooled.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>The text tower: token and position embeddings, a causal transformer, projection of the end-of-text token.</summary>
internal sealed class TextTower : nn.Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Parameter positional_embedding;
    private readonly Transformer transformer;
    private readonly LayerNorm ln_final;
    private readonly Parameter text_projection;

    public TextTower(ClipConfig config, int vocabularySize) : base("TextTower")
    {
        int width = config.TextWidth;
        token_embedding = nn.Embedding(vocabularySize, width);
        nn.init.normal_(token_embedding.weight!, std: 0.02);
        using (Scalar positions = 0.01)
        {
            positional_embedding = nn.Parameter(torch.randn(config.ContextLength, width).mul_(positions));
        }

        transformer = new Transformer(width, config.TextLayers, config.TextHeads, causal: true);
        ln_final = nn.LayerNorm(width);
        using Scalar projection = Math.Pow(width, -0.5);
        text_projection = nn.Parameter(torch.randn(width, config.EmbedDim).mul_(projection));
        RegisterComponents();
    }

    /// <summary>0, 1, …, n − 1 as int64 (built from an array: <c>torch.arange</c> would take its bounds as transient <see cref="Scalar"/>s).</summary>
    internal static Tensor Rows(long n, Device device)
    {
        var rows = new long[n];
        for (long i = 0; i < n; i++)
        {
            rows[i] = i;
        }

        return torch.tensor(rows, device: device);
    }

    /// <param name="input">Token ids, <c>(batch, context)</c>: start, text, end of text, then padding (id 0).</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = token_embedding.forward(input).add(positional_embedding, Scalars.One);
        x = ln_final.forward(transformer.forward(x));

        // Pool at the end-of-text token: the last non-padding position of each row.
        var end = input.ne(Scalars.Pad).sum(1).sub(Scalars.One);
        var pooled = x[Rows(input.shape[0], input.device), end];
        return pooled.matmul(text_projection.to(pooled.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// CLIP: an image tower, a text tower and a learnable temperature (<c>logit_scale</c>, initialised to ln(1/0.07)
/// and clamped at 100 when used). Parameter names follow OpenCLIP's (<c>visual.conv1.weight</c>, <c>logit_scale</c>, …).
/// </summary>
public sealed class ClipModel : nn.Module<Tensor, Tensor, (Tensor Images, Tensor Texts, Tensor LogitScale)>
{
    private readonly VisionTower visual;
    private readonly TextTower text;
    private readonly Parameter logit_scale;

    private static readonly Lock InitialWeights = new();

    private ClipModel(ClipConfig config, int vocabularySize) : base("ClipModel")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        VocabularySize = vocabularySize;
        visual = new VisionTower(config);
        text = new TextTower(config, vocabularySize);
        logit_scale = nn.Parameter(torch.tensor(Math.Log(1 / 0.07), ScalarType.Float32));
        RegisterComponents();
    }

    /// <summary>
    /// A model whose initial weights are a function of <paramref name="seed"/> alone: layers draw their initial weights
    /// from libtorch's process-wide generator, so construction is serialised and seeded here (two runs in one process,
    /// or a checkpoint being read beside a run, never interleave their draws).
    /// </summary>
    public static ClipModel Create(ClipConfig config, int vocabularySize, long seed)
    {
        lock (InitialWeights)
        {
            torch.manual_seed(seed);
            return new ClipModel(config, vocabularySize);
        }
    }

    public ClipConfig Config { get; }

    public int VocabularySize { get; }

    /// <summary>L2-normalised image embeddings.</summary>
    public Tensor EncodeImages(Tensor images) => F.normalize(visual.forward(images), dim: -1);

    /// <summary>L2-normalised text embeddings.</summary>
    public Tensor EncodeTexts(Tensor tokens) => F.normalize(text.forward(tokens), dim: -1);

    /// <summary>Normalised image and text embeddings and the temperature <c>exp(logit_scale)</c> (at most 100).</summary>
    public override (Tensor Images, Tensor Texts, Tensor LogitScale) forward(Tensor images, Tensor tokens) =>
        (EncodeImages(images), EncodeTexts(tokens), logit_scale.exp().clamp_max(Scalars.MaxLogitScale));

    /// <summary>
    /// Parameters that get weight decay (matrices, convolution kernels, embedding tables, projections) and those that
    /// do not: gains and biases (every 1-D tensor, the layer norms) and <c>logit_scale</c>.
    /// </summary>
    public (List<Parameter> Decay, List<Parameter> NoDecay) WeightDecayGroups()
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, parameter) in named_parameters())
        {
            bool exempt = parameter.dim() < 2 || name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("ln_", StringComparison.Ordinal) || name == "logit_scale";
            (exempt ? noDecay : decay).Add(parameter);
        }

        return (decay, noDecay);
    }

    /// <summary>CLIP's symmetric contrastive loss: cross-entropy of image→text and text→image logits, averaged.</summary>
    public static Tensor ContrastiveLoss(Tensor images, Tensor texts, Tensor logitScale)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var logits = logitScale.mul(images.matmul(texts.t()));
        var labels = TextTower.Rows(images.shape[0], images.device);
        var loss = F.cross_entropy(logits, labels).add(F.cross_entropy(logits.t(), labels), Scalars.One).mul(Scalars.Half);
        return loss.MoveToOuterDisposeScope();
    }
}
