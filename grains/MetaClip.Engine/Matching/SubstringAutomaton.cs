using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaClip.Engine.Matching;

/// <summary>
/// An Aho–Corasick automaton over UTF-16 code units, stored as a double array: every state is a slot
/// of one flat array of 16-byte records (<c>base</c>, <c>check</c>, <c>fail</c>, <c>output</c>), so there is
/// no object per node, a transition is one addition and one comparison, and it touches one cache line. Built once per pattern list;
/// immutable afterwards, so any number of threads may call <c>FindAll</c> at once.
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
    private readonly State[] _states;    // slot -> base, check, fail, output: one 16-byte record a step reads
    private readonly int[] _outPattern;  // output node -> pattern id
    private readonly int[] _outNext;     // output node -> next output node (dictionary suffix link), -1 end

    private SubstringAutomaton(ushort[] codeOf, State[] states,
        int[] outPattern, int[] outNext, int patternCount, int stateCount, int alphabetSize)
    {
        _codeOf = codeOf;
        _states = states;
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
        ((long)_codeOf.Length * sizeof(ushort)) + ((long)_states.Length * 16) +
        ((long)(+_outPattern.Length + _outNext.Length) * sizeof(int));

    /// <summary>Writes the automaton's arrays and sizes.</summary>
    internal void Write(CompiledWriter writer)
    {
        writer.WriteInt(PatternCount);
        writer.WriteInt(StateCount);
        writer.WriteInt(AlphabetSize);
        writer.WriteArray<ushort>(_codeOf);
        writer.WriteArray<State>(_states);
        writer.WriteArray<int>(_outPattern);
        writer.WriteArray<int>(_outNext);
    }

    /// <summary>
    /// Reads an automaton written by <see cref="Write"/>. Checks every index a walk follows (transitions stay
    /// inside the array, failure links, output chains, pattern ids), so a damaged automaton fails here, not in
    /// a walk that reads without bounds checks.
    /// </summary>
    internal static SubstringAutomaton Read(CompiledReader reader)
    {
        int patternCount = reader.ReadInt(), stateCount = reader.ReadInt(), alphabet = reader.ReadInt();
        var codeOf = reader.ReadArray<ushort>("automaton alphabet");
        var states = reader.ReadArray<State>("automaton states");
        var outPattern = reader.ReadArray<int>("automaton outputs");
        var outNext = reader.ReadArray<int>("automaton output chains");
        if (codeOf.Length != 65536 || alphabet < 0 || alphabet >= ushort.MaxValue || patternCount < 0 || stateCount < 1 ||
            states.Length <= alphabet || outPattern.Length != outNext.Length)
        {
            throw reader.Invalid("automaton: inconsistent sizes");
        }

        foreach (ushort code in codeOf)
        {
            if (code > alphabet)
            {
                throw reader.Invalid("automaton: a character code outside the alphabet");
            }
        }

        int outputs = outPattern.Length;
        foreach (var state in states)
        {
            if (state.Base < 0 || state.Base + alphabet >= states.Length || (uint)state.Fail >= (uint)states.Length ||
                state.Output < -1 || state.Output >= outputs)
            {
                throw reader.Invalid("automaton: a state points outside the array");
            }
        }

        // An output chain only links to earlier outputs (so it ends).
        for (int o = 0; o < outputs; o++)
        {
            if ((uint)outPattern[o] >= (uint)patternCount || outNext[o] < -1 || outNext[o] >= o)
            {
                throw reader.Invalid("automaton: an output points outside the patterns");
            }
        }

        return new SubstringAutomaton(codeOf, states, outPattern, outNext, patternCount, stateCount, alphabet);
    }

    /// <summary>
    /// Builds the automaton for <paramref name="patterns"/>; pattern <c>i</c> reports id <c>i</c>.
    /// Patterns must be non-empty. Equal patterns are allowed and each reports its own id.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per list: skip tier-0 code
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
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        StringSorter.Sort(patterns, order);

        var trie = new TemporaryTrie((int)Math.Min(int.MaxValue - 1, (totalChars / 2) + 1));
        int longest = 0;
        for (int i = 0; i < n; i++)
        {
            longest = Math.Max(longest, patterns[i].Length);
        }

        var path = new int[longest + 1];
        string previous = string.Empty;
        for (int k = 0; k < n; k++)
        {
            string key = patterns[order[k]];
            int common = CommonPrefixLength(previous, key);
            for (int d = common; d < key.Length; d++)
            {
                // Keys come in order, so a new child is always the last one: at depth `common` its previous
                // sibling is the previous key's node there; deeper, the parent is new and has no children yet.
                int sibling = d == common && previous.Length > common ? path[d + 1] : -1;
                path[d + 1] = trie.AppendChild(path[d], sibling, codeOf[key[d]]);
            }

            trie.AddTerminal(path[key.Length], order[k]);
            previous = key;
        }

        // 3. Place the trie into the double array. The shallow levels, which nearly every text walks through,
        //    go first and breadth first, into a compact hot region of about 1 MiB that stays in cache. Below it,
        //    placement is depth first: a node's children go to the first free slots after it, so the long
        //    single-child chains of a word's tail occupy consecutive slots and are read sequentially.
        var builder = new DoubleArrayBuilder(trie.Count + (trie.Count / 4) + alphabet + 2, alphabet);
        var slotOf = new int[trie.Count];
        slotOf[0] = Root;
        builder.Occupy(Root, Free);
        int hotDepth = HotDepth(trie, HotRegionStates);
        var codesBuffer = new int[Math.Max(alphabet, 1)];
        var stack = new Stack<int>();
        var hot = new Queue<(int Node, int Depth)>();
        hot.Enqueue((0, 0));
        var deep = new List<int>();
        while (hot.Count > 0)
        {
            var (node, depth) = hot.Dequeue();
            if (depth >= hotDepth)
            {
                deep.Add(node);
                continue;
            }

            PlaceChildren(trie, builder, slotOf, node, codesBuffer, near: 0);
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                hot.Enqueue((child, depth + 1));
            }
        }

        for (int i = deep.Count - 1; i >= 0; i--)
        {
            stack.Push(deep[i]);
        }

        while (stack.Count > 0)
        {
            int node = stack.Pop();
            int pushed = PlaceChildren(trie, builder, slotOf, node, codesBuffer, near: slotOf[node] + 1);
            for (int i = pushed - 1; i >= 0; i--)
            {
                stack.Push(codesBuffer[i]);
            }
        }

        // 4. Failure links and output chains, breadth first (a failure target is always shallower).
        var nodes = builder.Nodes;
        var outPattern = new List<int>(n);
        var outNext = new List<int>(n);
        var queue = new int[trie.Count];
        int head = 0, tail = 0;
        queue[tail++] = 0;
        nodes[Root].Fail = Root;
        while (head < tail)
        {
            int node = queue[head++];
            int state = slotOf[node];
            int chain = state == Root ? -1 : nodes[nodes[state].Fail].Output;
            for (int t = trie.TerminalHead[node]; t >= 0; t = trie.TerminalNext[t])
            {
                outPattern.Add(trie.TerminalPattern[t]);
                outNext.Add(chain);
                chain = outPattern.Count - 1;
            }

            nodes[state].Output = chain;
            for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
            {
                queue[tail++] = child;
                int code = trie.Code[child];
                int target = Root;
                if (state != Root)
                {
                    for (int f = nodes[state].Fail; ; f = nodes[f].Fail)
                    {
                        int t = nodes[f].Base + code;
                        if (nodes[t].Check == f)
                        {
                            target = t;
                            break;
                        }

                        if (f == Root)
                        {
                            break;
                        }
                    }
                }

                nodes[slotOf[child]].Fail = target;
            }
        }

        // Every base + code stays inside the array, so lookups need no bounds test.
        int length = builder.UsedLength + alphabet + 1;
        builder.EnsureCapacity(length);
        var states = builder.Nodes;
        Array.Resize(ref states, length);
        return new SubstringAutomaton(codeOf, states, [.. outPattern], [.. outNext], n, trie.Count, alphabet);
    }

    /// <summary>
    /// Appends to <paramref name="matches"/> the id of every pattern occurrence in <paramref name="text"/>,
    /// once per occurrence (the caller de-duplicates). Thread-safe.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FindAll(ReadOnlySpan<char> text, ref MatchList matches)
    {
        ref ushort codeOf = ref MemoryMarshal.GetArrayDataReference(_codeOf);
        ref State states = ref MemoryMarshal.GetArrayDataReference(_states);
        int[] outPattern = _outPattern, outNext = _outNext;
        int state = Root;
        foreach (char ch in text)
        {
            state = Step(ref codeOf, ref states, outPattern, outNext, state, ch, ref matches);
        }
    }

    /// <summary>
    /// <see cref="FindAll(ReadOnlySpan{char}, ref MatchList)"/> for two texts at once. The two walks are
    /// independent, so the processor overlaps their memory loads: on a large automaton this is faster than
    /// two calls. Thread-safe.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FindAll(ReadOnlySpan<char> first, ReadOnlySpan<char> second, ref MatchList firstMatches, ref MatchList secondMatches)
    {
        ref ushort codeOf = ref MemoryMarshal.GetArrayDataReference(_codeOf);
        ref State states = ref MemoryMarshal.GetArrayDataReference(_states);
        int[] outPattern = _outPattern, outNext = _outNext;
        int a = Root, b = Root;
        int common = Math.Min(first.Length, second.Length);
        for (int i = 0; i < common; i++)
        {
            a = Step(ref codeOf, ref states, outPattern, outNext, a, first[i], ref firstMatches);
            b = Step(ref codeOf, ref states, outPattern, outNext, b, second[i], ref secondMatches);
        }

        for (int i = common; i < first.Length; i++)
        {
            a = Step(ref codeOf, ref states, outPattern, outNext, a, first[i], ref firstMatches);
        }

        for (int i = common; i < second.Length; i++)
        {
            b = Step(ref codeOf, ref states, outPattern, outNext, b, second[i], ref secondMatches);
        }
    }

    /// <summary>One character: follow failure links until a transition exists (or the root), then report outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Step(ref ushort codeOf, ref State states, int[] outPattern, int[] outNext, int state, char ch, ref MatchList matches)
    {
        int code = Unsafe.Add(ref codeOf, ch);
        if (code == 0)
        {
            return Root;
        }

        while (true)
        {
            int next = Unsafe.Add(ref states, state).Base + code;
            if (Unsafe.Add(ref states, next).Check == state)
            {
                state = next;
                break;
            }

            if (state == Root)
            {
                break;
            }

            state = Unsafe.Add(ref states, state).Fail;
        }

        for (int o = Unsafe.Add(ref states, state).Output; o >= 0; o = outNext[o])
        {
            matches.Add(outPattern[o]);
        }

        return state;
    }

    /// <summary>About 1 MiB of 16-byte states: the shallow levels that stay in the L2 cache.</summary>
    private const int HotRegionStates = 1 << 16;

    /// <summary>The number of levels (below the root) whose nodes, all together, fit in <paramref name="budget"/> states.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int HotDepth(TemporaryTrie trie, int budget)
    {
        int depth = 0, total = 1;
        var level = new List<int> { 0 };
        while (level.Count > 0)
        {
            var next = new List<int>();
            foreach (int node in level)
            {
                for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
                {
                    next.Add(child);
                }
            }

            total += next.Count;
            if (total > budget || next.Count == 0)
            {
                return depth;
            }

            depth++;
            level = next;
        }

        return depth;
    }

    /// <summary>Places the children of <paramref name="node"/>; leaves their trie ids in <paramref name="buffer"/> and returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PlaceChildren(TemporaryTrie trie, DoubleArrayBuilder builder, int[] slotOf, int node, int[] buffer, int near)
    {
        int state = slotOf[node];
        int count = 0;
        for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
        {
            buffer[count++] = trie.Code[child];
        }

        if (count == 0)
        {
            return 0;
        }

        int @base = builder.FindBase(buffer.AsSpan(0, count), near);
        builder.Nodes[state].Base = @base;
        count = 0;
        for (int child = trie.FirstChild[node]; child >= 0; child = trie.NextSibling[child])
        {
            int slot = @base + trie.Code[child];
            builder.Occupy(slot, state);
            slotOf[child] = slot;
            buffer[count++] = child;
        }

        return count;
    }

    private static int CommonPrefixLength(string a, string b) => a.AsSpan().CommonPrefixLength(b);

    /// <summary>Growable arrays of the trie built before placement (first child / next sibling, in key order).</summary>
    private sealed class TemporaryTrie
    {
        public int[] FirstChild;
        public int[] NextSibling;
        public ushort[] Code;
        public int[] TerminalHead;
        public readonly List<int> TerminalPattern = [];
        public readonly List<int> TerminalNext = [];

        public TemporaryTrie(int capacity)
        {
            capacity = Math.Max(capacity, 16);
            FirstChild = new int[capacity];
            NextSibling = new int[capacity];
            Code = new ushort[capacity];
            TerminalHead = new int[capacity];
            Count = 1;
            FirstChild[0] = NextSibling[0] = TerminalHead[0] = -1;
        }

        public int Count { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int AppendChild(int parent, int previousSibling, ushort code)
        {
            if (Count == FirstChild.Length)
            {
                int size = checked(FirstChild.Length + (FirstChild.Length / 2));
                Array.Resize(ref FirstChild, size);
                Array.Resize(ref NextSibling, size);
                Array.Resize(ref Code, size);
                Array.Resize(ref TerminalHead, size);
            }

            int node = Count++;
            FirstChild[node] = NextSibling[node] = TerminalHead[node] = -1;
            Code[node] = code;
            if (previousSibling < 0)
            {
                FirstChild[parent] = node;
            }
            else
            {
                NextSibling[previousSibling] = node;
            }

            return node;
        }

        public void AddTerminal(int node, int pattern)
        {
            TerminalPattern.Add(pattern);
            TerminalNext.Add(TerminalHead[node]);
            TerminalHead[node] = TerminalPattern.Count - 1;
        }
    }

    /// <summary>One slot of the double array.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct State
    {
        public int Base;    // children of this state are at Base + code
        public int Check;   // the parent state of this slot, Free when unused
        public int Fail;    // the failure state
        public int Output;  // head of the output chain, -1 none
    }

    /// <summary>The double array under construction, with a free-slot search.</summary>
    private sealed class DoubleArrayBuilder
    {
        public State[] Nodes;
        private bool[] _used;
        private int _firstFree;
        private readonly int _alphabet;

        public DoubleArrayBuilder(int capacity, int alphabet)
        {
            _alphabet = alphabet;
            capacity = Math.Max(capacity, alphabet + 16);
            Nodes = new State[capacity];
            _used = new bool[capacity];
            Nodes.AsSpan().Fill(new State { Check = Free, Output = -1 });
        }

        public int UsedLength { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Occupy(int slot, int parent)
        {
            EnsureCapacity(slot + 1);
            _used[slot] = true;
            Nodes[slot].Check = parent;
            if (slot >= UsedLength)
            {
                UsedLength = slot + 1;
            }

            while (_firstFree < _used.Length && _used[_firstFree])
            {
                _firstFree++;
            }
        }

        /// <summary>
        /// A base whose slots for <paramref name="codes"/> are all free. A single child goes to the first free
        /// slot at or after <paramref name="near"/> (found within a short scan), so chains stay contiguous;
        /// several children go to the first place that fits them, which also fills the holes left behind.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int FindBase(ReadOnlySpan<int> codes, int near)
        {
            int first = codes[0];
            if (codes.Length == 1 && near > 0)
            {
                for (int pos = Math.Max(near, first), limit = pos + 64; pos < limit; pos++)
                {
                    EnsureCapacity(pos + _alphabet + 1);
                    if (!_used[pos])
                    {
                        return pos - first;
                    }
                }
            }

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
            if (needed <= Nodes.Length)
            {
                return;
            }

            int size = Math.Max(needed, checked(Nodes.Length + (Nodes.Length / 2)));
            int old = Nodes.Length;
            Array.Resize(ref Nodes, size);
            Array.Resize(ref _used, size);
            Nodes.AsSpan(old).Fill(new State { Check = Free, Output = -1 });
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

    /// <summary>Replaces each item from <paramref name="start"/> on by <c>map[item]</c>.</summary>
    public readonly void MapFrom(int start, int[] map)
    {
        ArgumentNullException.ThrowIfNull(map);
        for (int i = start; i < Count; i++)
        {
            _items[i] = map[_items[i]];
        }
    }

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
