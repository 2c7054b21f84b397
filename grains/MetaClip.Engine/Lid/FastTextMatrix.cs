namespace MetaClip.Engine.Lid;

/// <summary>
/// A fastText matrix (input embeddings or output weights), dense or product-quantized. The arithmetic is
/// fastText 0.9.2's, in float32 and in its order (no fused multiply-add, no reassociation), so that sums
/// come out bit for bit the same.
/// </summary>
public abstract class FastTextMatrix
{
    protected FastTextMatrix(long rows, long columns)
    {
        Rows = rows;
        Columns = columns;
    }

    public long Rows { get; }

    public long Columns { get; }

    /// <summary><c>x += row</c> (fastText <c>addRowToVector</c>).</summary>
    public abstract void AddRowTo(Span<float> x, int row);

    /// <summary><c>row · x</c>, summed left to right in float32 (fastText <c>dotRow</c>).</summary>
    public abstract float DotRow(ReadOnlySpan<float> x, int row);

    internal static FastTextMatrix Read(ref ModelReader reader, bool quantized, string what) =>
        quantized ? QuantizedMatrix.Read(ref reader, what) : DenseMatrix.Read(ref reader, what);

    internal static (long Rows, long Columns) ReadShape(ref ModelReader reader, string what)
    {
        long rows = reader.ReadInt64($"the row count of the {what}");
        long columns = reader.ReadInt64($"the column count of the {what}");
        if (rows < 0 || columns <= 0 || rows > int.MaxValue || columns > 1 << 20)
        {
            throw reader.Error($"the {what} claims {rows} × {columns} values: the file is not a fastText model");
        }

        return (rows, columns);
    }
}

/// <summary>A plain row-major float32 matrix (<c>.bin</c> models, and the output of most <c>.ftz</c> ones).</summary>
public sealed class DenseMatrix : FastTextMatrix
{
    private readonly float[] _values;
    private readonly int _columns;

    public DenseMatrix(long rows, long columns, float[] values)
        : base(rows, columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.LongLength != rows * columns)
        {
            throw new ArgumentException($"{values.Length} values for {rows} × {columns}", nameof(values));
        }

        _values = values;
        _columns = (int)columns;
    }

    /// <summary>The values, row after row.</summary>
    internal float[] Values => _values;

    public override void AddRowTo(Span<float> x, int row)
    {
        var values = _values.AsSpan(row * _columns, _columns);
        for (int j = 0; j < values.Length; j++)
        {
            x[j] += values[j];
        }
    }

    public override float DotRow(ReadOnlySpan<float> x, int row)
    {
        var values = _values.AsSpan(row * _columns, _columns);
        float d = 0;
        for (int j = 0; j < values.Length; j++)
        {
            d += values[j] * x[j];
        }

        return d;
    }

    internal static DenseMatrix Read(ref ModelReader reader, string what)
    {
        var (rows, columns) = ReadShape(ref reader, what);
        return new DenseMatrix(rows, columns, reader.ReadFloats(rows * columns, $"the values of the {what}"));
    }
}

/// <summary>
/// fastText's product quantizer: a vector of <see cref="Dim"/> floats is cut into <see cref="SubQuantizers"/>
/// pieces of <see cref="SubDim"/> floats (the last one <see cref="LastSubDim"/>), and each piece is one of 256
/// centroids, stored as a byte.
/// </summary>
public sealed class ProductQuantizer
{
    public const int Centroids = 256;
    private readonly float[] _centroids;

    public ProductQuantizer(int dim, int subQuantizers, int subDim, int lastSubDim, float[] centroids)
    {
        ArgumentNullException.ThrowIfNull(centroids);
        Dim = dim;
        SubQuantizers = subQuantizers;
        SubDim = subDim;
        LastSubDim = lastSubDim;
        _centroids = centroids;
    }

    public int Dim { get; }

    public int SubQuantizers { get; }

    public int SubDim { get; }

    public int LastSubDim { get; }

    /// <summary>The centroid <paramref name="code"/> of sub-quantizer <paramref name="m"/> (fastText <c>get_centroids</c>).</summary>
    public ReadOnlySpan<float> Centroid(int m, byte code) => m == SubQuantizers - 1
        ? _centroids.AsSpan((m * Centroids * SubDim) + (code * LastSubDim), LastSubDim)
        : _centroids.AsSpan(((m * Centroids) + code) * SubDim, SubDim);

    /// <summary><c>x += alpha · decode(codes)</c> (fastText <c>addcode</c>).</summary>
    public void AddCode(Span<float> x, ReadOnlySpan<byte> codes, float alpha)
    {
        for (int m = 0; m < SubQuantizers; m++)
        {
            var c = Centroid(m, codes[m]);
            var target = x.Slice(m * SubDim, c.Length);
            for (int n = 0; n < c.Length; n++)
            {
                target[n] += alpha * c[n];
            }
        }
    }

    /// <summary><c>(x · decode(codes)) · alpha</c>, summed in fastText's order (fastText <c>mulcode</c>).</summary>
    public float MulCode(ReadOnlySpan<float> x, ReadOnlySpan<byte> codes, float alpha)
    {
        float res = 0;
        for (int m = 0; m < SubQuantizers; m++)
        {
            var c = Centroid(m, codes[m]);
            var source = x.Slice(m * SubDim, c.Length);
            for (int n = 0; n < c.Length; n++)
            {
                res += source[n] * c[n];
            }
        }

        return res * alpha;
    }

    internal static ProductQuantizer Read(ref ModelReader reader, string what)
    {
        int dim = reader.ReadInt32($"the dimension of the {what}");
        int subQuantizers = reader.ReadInt32($"the sub-quantizer count of the {what}");
        int subDim = reader.ReadInt32($"the sub-dimension of the {what}");
        int lastSubDim = reader.ReadInt32($"the last sub-dimension of the {what}");
        if (dim <= 0 || dim > 1 << 16 || subQuantizers <= 0 || subDim <= 0 || lastSubDim <= 0 ||
            ((long)(subQuantizers - 1) * subDim) + lastSubDim != dim)
        {
            throw reader.Error($"the {what} has dim {dim}, {subQuantizers} sub-quantizers of {subDim} (last {lastSubDim}): these do not fit together");
        }

        return new ProductQuantizer(dim, subQuantizers, subDim, lastSubDim, reader.ReadFloats((long)dim * Centroids, $"the centroids of the {what}"));
    }
}

/// <summary>
/// A product-quantized matrix (<c>.ftz</c>): per row, one byte per sub-quantizer, and optionally a quantized
/// norm that scales the decoded row.
/// </summary>
public sealed class QuantizedMatrix : FastTextMatrix
{
    private readonly byte[] _codes;
    private readonly byte[]? _normCodes;
    private readonly ProductQuantizer _pq;
    private readonly ProductQuantizer? _normPq;
    private readonly int _subQuantizers;

    public QuantizedMatrix(long rows, long columns, byte[] codes, ProductQuantizer pq, byte[]? normCodes, ProductQuantizer? normPq)
        : base(rows, columns)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(pq);
        _codes = codes;
        _pq = pq;
        _normCodes = normCodes;
        _normPq = normPq;
        _subQuantizers = pq.SubQuantizers;
    }

    public bool HasNorms => _normCodes is not null;

    public ProductQuantizer Quantizer => _pq;

    /// <summary>The decoded row's scale: its quantized norm, or 1.</summary>
    public float Norm(int row) => _normCodes is null ? 1f : _normPq!.Centroid(0, _normCodes[row])[0];

    public override void AddRowTo(Span<float> x, int row) =>
        _pq.AddCode(x, _codes.AsSpan(row * _subQuantizers, _subQuantizers), Norm(row));

    /// <summary>
    /// Every row decoded, row after row: element j of row r is <c>norm(r) · centroid[j]</c>, the very float
    /// product <see cref="AddRowTo"/> adds, so that adding a decoded row gives the same bits.
    /// </summary>
    internal float[] Decode()
    {
        int columns = (int)Columns;
        var values = new float[Rows * columns];
        for (int row = 0; row < Rows; row++)
        {
            float alpha = Norm(row);
            var codes = _codes.AsSpan(row * _subQuantizers, _subQuantizers);
            var target = values.AsSpan(row * columns, columns);
            for (int m = 0; m < _subQuantizers; m++)
            {
                var c = _pq.Centroid(m, codes[m]);
                var part = target.Slice(m * _pq.SubDim, c.Length);
                for (int n = 0; n < c.Length; n++)
                {
                    part[n] = alpha * c[n];
                }
            }
        }

        return values;
    }

    public override float DotRow(ReadOnlySpan<float> x, int row) =>
        _pq.MulCode(x, _codes.AsSpan(row * _subQuantizers, _subQuantizers), Norm(row));

    internal static QuantizedMatrix Read(ref ModelReader reader, string what)
    {
        bool hasNorms = reader.ReadBool($"the norm flag of the {what}");
        var (rows, columns) = ReadShape(ref reader, what);
        int codeSize = reader.ReadInt32($"the code size of the {what}");
        var codes = reader.ReadBytes(codeSize, $"the codes of the {what}").ToArray();
        var pq = ProductQuantizer.Read(ref reader, $"quantizer of the {what}");
        if (pq.Dim != columns || (long)pq.SubQuantizers * rows != codeSize)
        {
            throw reader.Error($"the {what} has {rows} × {columns} values but {codeSize} codes for a {pq.Dim}-d quantizer of {pq.SubQuantizers} parts");
        }

        byte[]? normCodes = null;
        ProductQuantizer? normPq = null;
        if (hasNorms)
        {
            normCodes = reader.ReadBytes(rows, $"the norm codes of the {what}").ToArray();
            normPq = ProductQuantizer.Read(ref reader, $"norm quantizer of the {what}");
            if (normPq.Dim != 1)
            {
                throw reader.Error($"the norm quantizer of the {what} is {normPq.Dim}-d, not 1-d");
            }
        }

        return new QuantizedMatrix(rows, columns, codes, pq, normCodes, normPq);
    }
}
