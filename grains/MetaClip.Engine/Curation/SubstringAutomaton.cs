using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaClip.Curation;

/// <summary>
/// An Aho–Corasick automaton over UTF-16 code units, stored as a double array: every state is a slot
/// of four flat <see cref="int"/> arrays (<c>base</c>, <c>check</c>, <c>fail</c>, <c>output</c>), so there is
/// no object per node and a transition is one addition and one comparison. Built once per pattern list;
/// immutable afterwards, so any number of threads may call <see cref="FindAll"/> at once.
/// </summary>
/// <remarks>
/// <para>Characters are renumbered densely by descending frequency in the patterns (code 0 = a character
/// no pattern holds, which always returns the automaton to the root).</para>
/// <para>Matching UTF-16 units equals matching code points for the padded patterns of this project: a
/// padded pattern never starts with a lone low surrogate nor ends with a lone high surrogate (those are
/// not CJK-or-similar, so they get a padding space), hence a match can never split a surrogate pair.</para>
/// </remarks>
public sealed class SubstringAutomaton
{
    private const int Root = 0;
    private const int Free = -1;

    private readonly ushort[] _codeOf;   // char -> dense code, 0 = absent
    private readonly int[] _base;        // state -> base offset of its children
    private readonly int[] _check;       // slot -> parent state, Free when unused
    private readonly int[] _fail;        // state -> failure state
    private readonly int[] _output;      // state -> head of its output chain in _outPattern/_outNext, -1 none
    private readonly int[] _outPattern;  // output node -> pattern id
    private readonly int[] _outNext;     // output node -> next output node (dictionary suffix link), -1 end

    private SubstringAutomaton(ushort[] codeOf, int[] @base, int[] check, int[] fail, int[] output,
        int[] outPattern, int[] outNext, int patternCount, int stateCount, int alphabetSize)
    {
        _codeOf = codeOf;
        _base = @base;
        _check = check;
        _fail = fail;
        _output = output;
        _outPattern = outPattern;
        _outNext = outNext;
        PatternCount = patternCount;
        StateCount = stateCount;
        AlphabetSize = alphabetSize;
    }

    /// <summary>Number of patterns (ids are 0 … PatternCount − 1).</summary>
    public int PatternCount { get; }

    /// <summary>Number of trie states, the root included.</summary>
    public int StateCount { get; }

    /// <summary>Number of distinct UTF-16 units in the patterns.</summary>
    public int AlphabetSize { get; }

    /// <summary>Bytes held by the automaton's arrays.</summary>
    public long SizeInBytes =>
        ((long)_codeOf.Length * sizeof(ushort)) +
        ((long)(_base.Length + _check.Length + _fail.Length + _output.Length + _outPattern.Length + _outNext.Length) * sizeof(int));

    /// <summary>
    /// Builds the automaton for <paramref name="patterns"/>; pattern <c>i</c> reports id <c>i</c>.
    /// Patterns must be non-empty. Equal patterns are allowed and each reports its own id.
    /// </summary>
    public static SubstringAutomaton Build(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        int n = patterns.Count;

        // 1. Dense character codes by descending frequency (ties by code unit) so hot transitions sit close.
        var frequency = new long[65536];
        long totalChars = 0;
        for (int i = 0; i < n; i++)
        {
            string p = patterns[i] ?? throw new ArgumentException($"Pattern {i} is null.", nameof(patterns));
            if (p.Length == 0)
            {
                throw new ArgumentException($"Pattern {i} is empty.", nameof(patterns));
            }

            foreach (char c in p)
            {
                frequency[c]++;
            }

            totalChars += p.Length;
        }

        var present = new List<int>();
        for (int c = 0; c < frequency.Length; c++)
        {
            if (frequency[c] > 0)
            {
                present.Add(c);
            }
        }

        if (present.Count >= ushort.MaxValue)
        {
            throw new ArgumentException("The patterns use more distinct UTF-16 units than the automaton supports.", nameof(patterns));
        }

        present.Sort((a, b) => frequency[a] != frequency[b] ? frequency[b].CompareTo(frequency[a]) : a.CompareTo(b));
        var codeOf = new ushort[65536];
        for (int i = 0; i < present.Count; i++)
        {
            codeOf[present[i]] = (ushort)(i + 1);
        }

        int alphabet = present.Count;

        // 2. A temporary first-child/next-sibling trie, built from the patterns in ordinal order so that
        //    each new node extends the current path (no hashing, no per-node objects).
        var order = new int[n];
        var keys = new string[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
            keys[i] = patterns[i];
        }

        Array.Sort(keys, order, StringComparer.Ordinal);

        int maxNodes = checked((int)Math.Min(int.MaxValue - 1, totalChars + 1));
        var trie = new TemporaryTrie(Math.Min(maxNodes, (int)Math.Min(totalChars + 1, 1 << 20)));
        var path = new int[keys.Length == 0 ? 1 : keys.Max(k => k.Length) + 1];
        path[0] = 0;
        string previous = string.Empty;
        for (int k = 0; k < keys.Length; k++)
        {
            string key = keys[k];
            int common = CommonPrefixLength(previous, key);
            for (int d = common; d < key.Length; d++)
            {
                path[d + 1] = trie.AppendChild(path[d], codeOf[key[d]]);
            }

            trie.AddTerminal(path[key.Length], order[k]);
            previous = key;
        }

        // 3. Place the trie into the double array breadth first, computing failure links and output
        //    chains on the way (a failure target is always shallower, so it is already placed).
        var builder = new DoubleArrayBuilder(trie.Count + alphabet + 2, alphabet);
        var slotOf = new int[trie.Count];
        var queue = new int[trie.Count];
        int head = 0, tail = 0;
        queue[tail++] = 0;
        slotOf[0] = Root;
        builder.Occupy(Root, Free);
        builder.Fail[Root] = Root;

        var outPattern = new List<int>(n);
        var outNext = new List<int>(n);
        int[] codesBuffer = new int[Math.Max(alphabet, 1)];

        while (head < tail)
        {
            int node = queue[head++];
            int state = slotOf[node];

            // Output chain: this state's own patterns, then those of its failure state.
            int chain = state == Root ? -1 : builder.Output[builder.Fail[state]];
            for (int t = trie.TerminalHead[node]; t >= 0; t = trie.TerminalNext[t])
            {
                outPattern.Add(trie.TerminalPattern[t]);
                outNext.Add(chain);
                chain = outPattern.Count - 1;
            }

            builder.Output[state] = chain;

            int childCount = 0;
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                codesBuffer[childCount++] = trie.Code[child];
            }

            if (childCount == 0)
            {
                continue;
            }

            int @base = builder.FindBase(codesBuffer.AsSpan(0, childCount));
            builder.Base[state] = @base;
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                int code = trie.Code[child];
                int slot = @base + code;
                builder.Occupy(slot, state);
                slotOf[child] = slot;
                queue[tail++] = child;
            }

            // Failure links of the children.
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                int code = trie.Code[child];
                int slot = @base + code;
                int target = Root;
                if (state != Root)
                {
                    int f = builder.Fail[state];
                    while (true)
                    {
                        int t = builder.Base[f] + code;
                        if (t < builder.Capacity && builder.Check[t] == f)
                        {
                            target = t;
                            break;
                        }

                        if (f == Root)
                        {
                            break;
                        }

                        f = builder.Fail[f];
                    }
                }

                builder.Fail[slot] = target;
            }
        }

        // Every base + code stays inside the arrays, so lookups need no bounds test.
        int length = builder.UsedLength + alphabet + 1;
        builder.EnsureCapacity(length);
        return new SubstringAutomaton(codeOf,
            builder.Base.AsSpan(0, length).ToArray(), builder.Check.AsSpan(0, length).ToArray(),
            builder.Fail.AsSpan(0, length).ToArray(), builder.Output.AsSpan(0, length).ToArray(),
            [.. outPattern], [.. outNext], n, trie.Count, alphabet);
    }

    /// <summary>
    /// Appends to <paramref name="matches"/> the id of every pattern occurrence in <paramref name="text"/>,
    /// once per occurrence (the caller de-duplicates). Thread-safe.
    /// </summary>
    public void FindAll(ReadOnlySpan<char> text, ref MatchList matches)
    {
        ref ushort codeOf = ref MemoryMarshal.GetArrayDataReference(_codeOf);
        ref int baseRef = ref MemoryMarshal.GetArrayDataReference(_base);
        ref int checkRef = ref MemoryMarshal.GetArrayDataReference(_check);
        ref int failRef = ref MemoryMarshal.GetArrayDataReference(_fail);
        ref int outputRef = ref MemoryMarshal.GetArrayDataReference(_output);
        int[] outPattern = _outPattern;
        int[] outNext = _outNext;

        int state = Root;
        foreach (char ch in text)
        {
            int code = Unsafe.Add(ref codeOf, ch);
            if (code == 0)
            {
                state = Root;
                continue;
            }

            while (true)
            {
                int next = Unsafe.Add(ref baseRef, state) + code;
                if (Unsafe.Add(ref checkRef, next) == state)
                {
                    state = next;
                    break;
                }

                if (state == Root)
                {
                    break;
                }

                state = Unsafe.Add(ref failRef, state);
            }

            for (int o = Unsafe.Add(ref outputRef, state); o >= 0; o = outNext[o])
            {
                matches.Add(outPattern[o]);
            }
        }
    }

    private static int CommonPrefixLength(string a, string b) => a.AsSpan().CommonPrefixLength(b);

    /// <summary>Growable arrays of the trie built before placement.</summary>
    private sealed class TemporaryTrie
    {
        public int[] FirstChild;
        public int[] NextSibling;
        public int[] LastChild;
        public ushort[] Code;
        public int[] TerminalHead;
        public readonly List<int> TerminalPattern = [];
        public readonly List<int> TerminalNext = [];

        public TemporaryTrie(int capacity)
        {
            capacity = Math.Max(capacity, 16);
            FirstChild = new int[capacity];
            NextSibling = new int[capacity];
            LastChild = new int[capacity];
            Code = new ushort[capacity];
            TerminalHead = new int[capacity];
            Count = 1;
            FirstChild[0] = NextSibling[0] = LastChild[0] = TerminalHead[0] = -1;
        }

        public int Count { get; private set; }

        public int AppendChild(int parent, ushort code)
        {
            if (Count == FirstChild.Length)
            {
                int size = checked(FirstChild.Length * 2);
                Array.Resize(ref FirstChild, size);
                Array.Resize(ref NextSibling, size);
                Array.Resize(ref LastChild, size);
                Array.Resize(ref Code, size);
                Array.Resize(ref TerminalHead, size);
            }

            int node = Count++;
            FirstChild[node] = NextSibling[node] = LastChild[node] = TerminalHead[node] = -1;
            Code[node] = code;
            if (LastChild[parent] < 0)
            {
                FirstChild[parent] = node;
            }
            else
            {
                NextSibling[LastChild[parent]] = node;
            }

            LastChild[parent] = node;
            return node;
        }

        public void AddTerminal(int node, int pattern)
        {
            TerminalPattern.Add(pattern);
            TerminalNext.Add(TerminalHead[node]);
            TerminalHead[node] = TerminalPattern.Count - 1;
        }
    }

    /// <summary>The double array under construction, with a free-slot search.</summary>
    private sealed class DoubleArrayBuilder
    {
        public int[] Base;
        public int[] Check;
        public int[] Fail;
        public int[] Output;
        private bool[] _used;
        private int _firstFree;
        private readonly int _alphabet;

        public DoubleArrayBuilder(int capacity, int alphabet)
        {
            _alphabet = alphabet;
            capacity = Math.Max(capacity, alphabet + 16);
            Base = new int[capacity];
            Check = new int[capacity];
            Fail = new int[capacity];
            Output = new int[capacity];
            _used = new bool[capacity];
            Array.Fill(Check, Free);
            Array.Fill(Output, -1);
        }

        public int Capacity => Check.Length;

        public int UsedLength { get; private set; }

        public void Occupy(int slot, int parent)
        {
            EnsureCapacity(slot + 1);
            _used[slot] = true;
            Check[slot] = parent;
            if (slot >= UsedLength)
            {
                UsedLength = slot + 1;
            }

            while (_firstFree < _used.Length && _used[_firstFree])
            {
                _firstFree++;
            }
        }

        /// <summary>The smallest base ≥ 0 whose slots for <paramref name="codes"/> (ascending by trie order) are all free.</summary>
        public int FindBase(ReadOnlySpan<int> codes)
        {
            int first = codes[0];
            for (int pos = Math.Max(_firstFree, first); ; pos++)
            {
                EnsureCapacity(pos + _alphabet + 1);
                if (_used[pos])
                {
                    continue;
                }

                int @base = pos - first;
                bool fits = true;
                for (int i = 1; i < codes.Length; i++)
                {
                    if (_used[@base + codes[i]])
                    {
                        fits = false;
                        break;
                    }
                }

                if (fits)
                {
                    return @base;
                }
            }
        }

        public void EnsureCapacity(int needed)
        {
            if (needed <= Check.Length)
            {
                return;
            }

            int size = Math.Max(needed, checked(Check.Length + (Check.Length / 2)));
            int old = Check.Length;
            Array.Resize(ref Base, size);
            Array.Resize(ref Check, size);
            Array.Resize(ref Fail, size);
            Array.Resize(ref Output, size);
            Array.Resize(ref _used, size);
            Check.AsSpan(old).Fill(Free);
            Output.AsSpan(old).Fill(-1);
        }
    }
}

/// <summary>
/// A growable list of pattern ids that a caller reuses across texts (no allocation once warm).
/// </summary>
public struct MatchList
{
    private int[] _items;

    public MatchList(int capacity) => _items = new int[Math.Max(capacity, 4)];

    public int Count { get; private set; }

    public readonly ReadOnlySpan<int> Items => _items.AsSpan(0, Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int id)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = id;
    }

    public void Clear() => Count = 0;

    /// <summary>Sorts ascending and removes repeats, so the list is the matched set.</summary>
    public void SortDistinct()
    {
        if (Count < 2)
        {
            return;
        }

        var span = _items.AsSpan(0, Count);
        span.Sort();
        int w = 1;
        for (int r = 1; r < span.Length; r++)
        {
            if (span[r] != span[w - 1])
            {
                span[w++] = span[r];
            }
        }

        Count = w;
    }
}
