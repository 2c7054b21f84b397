using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text;

namespace MetaClip.Engine.Curation;

/// <summary>
/// The counter-based random draw (docs/curation-spec.md §5.2): a pure function of (seed, epoch, uuid, k), so a
/// distributed run decides exactly as a single process does, in any order, any number of times.
/// </summary>
public static class CounterDraw
{
    /// <summary>k for the choice of the text.</summary>
    public const int ChooseText = 0;

    /// <summary>k for the keep decision.</summary>
    public const int Decide = 1;

    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    /// <summary>SplitMix64's finaliser.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>XXH64 (seed 0) of the uuid's UTF-8 bytes.</summary>
    public static ulong Key64(string uuid)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        int max = Encoding.UTF8.GetMaxByteCount(uuid.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(uuid, buffer);
        return XxHash64.HashToUInt64(buffer[..n], 0);
    }

    /// <summary>u(seed, epoch, uuid, k) in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, ulong epoch, ulong uuidKey, int k)
    {
        ulong counter = unchecked((2 * epoch) + (ulong)k + 1);
        ulong z = unchecked((seed ^ uuidKey) + (counter * Golden));
        return (Mix64(z) >> 11) * TwoToMinus53;
    }

    /// <summary>u(seed, epoch, uuid, k) from the uuid string.</summary>
    public static double Uniform(ulong seed, ulong epoch, string uuid, int k) => Uniform(seed, epoch, Key64(uuid), k);
}
