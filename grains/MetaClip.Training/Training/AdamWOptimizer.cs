using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaClip.Training;

/// <summary>
/// AdamW (decoupled weight decay, Loshchilov &amp; Hutter), the update PyTorch's <c>torch.optim.AdamW</c> makes:
/// <c>p ← p·(1 − lr·wd)</c>, <c>m ← β1·m + (1−β1)·g</c>, <c>v ← β2·v + (1−β2)·g²</c>,
/// <c>p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)</c>. Written here rather than taken from TorchSharp so that
/// every <see cref="Scalar"/> an update uses stays referenced until its native call returns (see <see cref="Scalars"/>),
/// and so that its state (step, m, v per parameter) is saved and restored exactly.
/// </summary>
internal sealed class AdamWOptimizer : IDisposable
{
    private readonly (Parameter Parameter, double WeightDecay)[] _parameters;
    private readonly Tensor[] _m;
    private readonly Tensor[] _v;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;

    public AdamWOptimizer(IEnumerable<(IEnumerable<Parameter> Parameters, double WeightDecay)> groups, double beta1, double beta2, double epsilon)
    {
        _parameters = [.. groups.SelectMany(g => g.Parameters.Select(p => (p, g.WeightDecay)))];
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        using var noGrad = no_grad();
        _m = [.. _parameters.Select(p => zeros_like(p.Parameter))];
        _v = [.. _parameters.Select(p => zeros_like(p.Parameter))];
    }

    /// <summary>Updates done.</summary>
    public long Steps { get; private set; }

    /// <summary>Scales the gradients so that their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before.</summary>
    public double ClipGradients(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var squares = new List<Tensor>(_parameters.Length);
        foreach (var (parameter, _) in _parameters)
        {
            if (parameter.grad is Tensor g)
            {
                squares.Add(g.mul(g).sum());
            }
        }

        if (squares.Count == 0)
        {
            return 0;
        }

        double norm = Math.Sqrt(stack(squares).sum().item<float>());
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
        {
            using Scalar scale = coefficient;
            foreach (var (parameter, _) in _parameters)
            {
                parameter.grad?.mul_(scale);
            }
        }

        return norm;
    }

    /// <summary>One update of every parameter with a gradient, at learning rate <paramref name="learningRate"/>.</summary>
    public void Step(double learningRate)
    {
        Steps++;
        double bias1 = 1 - Math.Pow(_beta1, Steps), bias2 = 1 - Math.Pow(_beta2, Steps);
        using Scalar beta1 = _beta1, oneMinusBeta1 = 1 - _beta1, beta2 = _beta2, oneMinusBeta2 = 1 - _beta2;
        using Scalar epsilon = _epsilon, bias2Root = 1 / Math.Sqrt(bias2), stepSize = -learningRate / bias1;
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var (parameter, weightDecay) = _parameters[i];
            if (parameter.grad is not Tensor g)
            {
                continue;
            }

            using var scope = NewDisposeScope();
            if (weightDecay != 0)
            {
                using Scalar decay = 1 - (learningRate * weightDecay);
                parameter.mul_(decay);
            }

            _m[i].mul_(beta1).add_(g, oneMinusBeta1);
            _v[i].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            var denominator = _v[i].sqrt().mul_(bias2Root).add_(epsilon, Scalars.One);
            parameter.addcdiv_(_m[i], denominator, stepSize);
        }
    }

    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Steps);
        writer.Write(_parameters.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            WriteTensor(writer, _m[i]);
            WriteTensor(writer, _v[i]);
        }
    }

    public void Load(BinaryReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long steps = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (count != _parameters.Length)
        {
            throw new InvalidDataException($"checkpoint {source}: optimiser state for {count} parameters, the model has {_parameters.Length}");
        }

        for (int i = 0; i < count; i++)
        {
            ReadTensor(reader, _m[i], source);
            ReadTensor(reader, _v[i], source);
        }

        Steps = steps;
    }

    private static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        float[] values = tensor.data<float>().ToArray();
        writer.Write(values.Length);
        foreach (float value in values)
        {
            writer.Write(value);
        }
    }

    private static void ReadTensor(BinaryReader reader, Tensor into, string source)
    {
        int length = reader.ReadInt32();
        if (length != into.numel())
        {
            throw new InvalidDataException($"checkpoint {source}: optimiser state of {length} values for a parameter of {into.numel()}");
        }

        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = reader.ReadSingle();
        }

        using var noGrad = no_grad();
        using var loaded = tensor(values, into.shape);
        into.copy_(loaded, false);
    }

    public void Dispose()
    {
        foreach (var t in _m.Concat(_v))
        {
            t.Dispose();
        }
    }
}
