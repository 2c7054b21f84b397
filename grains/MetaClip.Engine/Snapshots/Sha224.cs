using System.Buffers.Binary;
using System.Numerics;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// SHA-224 (FIPS 180-4: SHA-256's compression with its own initial values, truncated to 224 bits).
/// .NET has no SHA-224, and docs/curation-spec.md §6 derives uuids from it.
/// </summary>
public static class Sha224
{
    private static readonly uint[] InitialHash =
    [
        0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
    ];

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The 28-byte digest of <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        Span<uint> h = stackalloc uint[8];
        InitialHash.CopyTo(h);
        Span<uint> w = stackalloc uint[64];

        int full = data.Length / 64;
        for (int b = 0; b < full; b++)
        {
            Compress(h, w, data.Slice(b * 64, 64));
        }

        // Padding: 0x80, zeros, then the message length in bits, big-endian, to a multiple of 64 bytes.
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        int rest = data.Length - (full * 64);
        data[(full * 64)..].CopyTo(tail);
        tail[rest] = 0x80;
        int tailLength = rest + 1 + 8 <= 64 ? 64 : 128;
        BinaryPrimitives.WriteUInt64BigEndian(tail.Slice(tailLength - 8, 8), (ulong)data.Length * 8);
        for (int offset = 0; offset < tailLength; offset += 64)
        {
            Compress(h, w, tail.Slice(offset, 64));
        }

        var digest = new byte[28];
        for (int i = 0; i < 7; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4, 4), h[i]);
        }

        return digest;
    }

    private static void Compress(Span<uint> h, Span<uint> w, ReadOnlySpan<byte> block)
    {
        for (int t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(t * 4, 4));
        }

        for (int t = 16; t < 64; t++)
        {
            uint s0 = BitOperations.RotateRight(w[t - 15], 7) ^ BitOperations.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint s1 = BitOperations.RotateRight(w[t - 2], 17) ^ BitOperations.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = unchecked(w[t - 16] + s0 + w[t - 7] + s1);
        }

        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++)
        {
            uint sum1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            uint choose = (e & f) ^ (~e & g);
            uint temp1 = unchecked(hh + sum1 + choose + RoundConstants[t] + w[t]);
            uint sum0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            uint majority = (a & b) ^ (a & c) ^ (b & c);
            uint temp2 = unchecked(sum0 + majority);
            hh = g;
            g = f;
            f = e;
            e = unchecked(d + temp1);
            d = c;
            c = b;
            b = a;
            a = unchecked(temp1 + temp2);
        }

        h[0] = unchecked(h[0] + a);
        h[1] = unchecked(h[1] + b);
        h[2] = unchecked(h[2] + c);
        h[3] = unchecked(h[3] + d);
        h[4] = unchecked(h[4] + e);
        h[5] = unchecked(h[5] + f);
        h[6] = unchecked(h[6] + g);
        h[7] = unchecked(h[7] + hh);
    }
}
