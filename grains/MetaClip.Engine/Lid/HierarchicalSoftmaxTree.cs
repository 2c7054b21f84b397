namespace MetaClip.Engine.Lid;

/// <summary>
/// The Huffman tree of a hierarchical-softmax model, built from the label counts exactly as fastText 0.9.2
/// <c>HierarchicalSoftmaxLoss::buildTree</c> does: leaves 0…n-1 are the labels (counts sorted descending by
/// the dictionary), inner nodes n…2n-2 are made by repeatedly joining the two smallest, the root is 2n-2, and
/// inner node <c>i</c> scores with output row <c>i - n</c>.
/// </summary>
public sealed class HierarchicalSoftmaxTree
{
    private readonly int[] _left;
    private readonly int[] _right;

    public HierarchicalSoftmaxTree(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int n = counts.Count;
        Leaves = n;
        int nodes = Math.Max(1, (2 * n) - 1);
        _left = new int[nodes];
        _right = new int[nodes];
        var count = new long[nodes];
        Array.Fill(_left, -1);
        Array.Fill(_right, -1);
        Array.Fill(count, (long)1e15);
        for (int i = 0; i < n; i++)
        {
            count[i] = counts[i];
        }

        int leaf = n - 1;
        int node = n;
        Span<int> mini = stackalloc int[2];
        for (int i = n; i < (2 * n) - 1; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                mini[j] = leaf >= 0 && count[leaf] < count[node] ? leaf-- : node++;
            }

            _left[i] = mini[0];
            _right[i] = mini[1];
            count[i] = count[mini[0]] + count[mini[1]];
        }
    }

    /// <summary>The number of labels (leaves).</summary>
    public int Leaves { get; }

    public int Root => (2 * Leaves) - 2;

    public int Left(int node) => _left[node];

    public int Right(int node) => _right[node];

    public bool IsLeaf(int node) => _left[node] == -1 && _right[node] == -1;
}
