using System.Buffers.Binary;

namespace ActorLog.Partitioning;

public static class Murmur2
{
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    // Bit-for-bit equivalent of Kafka's Utils.murmur2; the result is Java's signed int.
    public static int Hash(ReadOnlySpan<byte> data)
    {
        unchecked
        {
            int length = data.Length;
            uint h = Seed ^ (uint)length;

            int blockBytes = length & ~3;
            for (int offset = 0; offset < blockBytes; offset += 4)
            {
                uint k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset, 4));
                k *= M;
                k ^= k >> R;
                k *= M;
                h *= M;
                h ^= k;
            }

            ReadOnlySpan<byte> tail = data[blockBytes..];
            switch (tail.Length)
            {
                case 3:
                    h ^= (uint)tail[2] << 16;
                    goto case 2;
                case 2:
                    h ^= (uint)tail[1] << 8;
                    goto case 1;
                case 1:
                    h ^= tail[0];
                    h *= M;
                    break;
            }

            h ^= h >> 13;
            h *= M;
            h ^= h >> 15;
            return (int)h;
        }
    }
}
