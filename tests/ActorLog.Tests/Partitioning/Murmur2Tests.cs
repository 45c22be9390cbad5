using System.Text;
using ActorLog.Partitioning;
using Xunit;

namespace ActorLog.Tests.Partitioning;

public class Murmur2Tests
{
    // Apache Kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
    public static TheoryData<byte[], int> KafkaUtilsTestVectors => new()
    {
        { Encoding.ASCII.GetBytes("21"), -973932308 },
        { Encoding.ASCII.GetBytes("foobar"), -790332482 },
        { Encoding.ASCII.GetBytes("a-little-bit-long-string"), -985981536 },
        { Encoding.ASCII.GetBytes("a-little-bit-longer-string"), -1486304829 },
        { Encoding.ASCII.GetBytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971 },
        { new[] { (byte)'a', (byte)'b', (byte)'c' }, 479470107 },
    };

    // librdkafka src/rdmurmur2.c, unittest_murmur2 ("java_murmur2_results"); covers every tail length.
    public static TheoryData<string, uint> LibrdkafkaVectors => new()
    {
        { "kafka", 0xd067cf64 },
        { "giberish123456789", 0x8f552b0c },
        { "1234", 0x9fc97b14 },
        { "234", 0xe7c009ca },
        { "34", 0x873930da },
        { "4", 0x5a4b5ca1 },
        { "PreAmbleWillBeRemoved,ThePrePartThatIs", 0x78424f1c },
        { "reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62b377 },
        { "eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4e09e },
        { "AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8b43f },
        { "", 0x106e08d9 },
    };

    private const int EmptyKeyHash = 275646681; // 0x106e08d9

    [Theory]
    [MemberData(nameof(KafkaUtilsTestVectors))]
    public void Hash_matches_Kafka_UtilsTest_vectors(byte[] data, int expected)
    {
        Assert.Equal(expected, Murmur2.Hash(data));
    }

    [Theory]
    [MemberData(nameof(LibrdkafkaVectors))]
    public void Hash_matches_librdkafka_java_compat_vectors(string key, uint expected)
    {
        Assert.Equal(unchecked((int)expected), Murmur2.Hash(Encoding.ASCII.GetBytes(key)));
    }

    [Theory]
    [MemberData(nameof(KafkaUtilsTestVectors))]
    public void PartitionForKey_is_positive_hash_mod_partition_count(byte[] data, int expectedHash)
    {
        for (int n = 1; n <= 64; n++)
        {
            int expected = (expectedHash & 0x7fffffff) % n;
            Assert.Equal(expected, KafkaPartitioner.PartitionForKey(data, n));
            Assert.Equal(expected, KafkaPartitioner.PartitionForKey(Encoding.UTF8.GetString(data), n));
        }
    }

    [Fact]
    public void PartitionForKey_examples()
    {
        // foobar: -790332482 & 0x7fffffff = 1357151166.
        Assert.Equal(1357151166, KafkaPartitioner.ToPositive(-790332482));
        Assert.Equal(16, KafkaPartitioner.PartitionForKey("foobar", 50));
        Assert.Equal(6, KafkaPartitioner.PartitionForKey("foobar", 10));
        // 21: -973932308 & 0x7fffffff = 1173551340.
        Assert.Equal(0, KafkaPartitioner.PartitionForKey("21", 4));
        Assert.Equal(0, KafkaPartitioner.PartitionForKey("21", 3));
        Assert.Equal(1173551340 % 7, KafkaPartitioner.PartitionForKey("21", 7));
        // abc: 479470107 is already positive.
        Assert.Equal(479470107 % 12, KafkaPartitioner.PartitionForKey("abc", 12));
        Assert.Equal(0, KafkaPartitioner.PartitionForKey("anything", 1));
    }

    [Fact]
    public void ToPositive_clears_only_the_sign_bit()
    {
        Assert.Equal(0, KafkaPartitioner.ToPositive(int.MinValue));
        Assert.Equal(int.MaxValue, KafkaPartitioner.ToPositive(-1));
        Assert.Equal(int.MaxValue, KafkaPartitioner.ToPositive(int.MaxValue));
        Assert.Equal(0, KafkaPartitioner.ToPositive(0));
        Assert.Equal(5, KafkaPartitioner.ToPositive(5));
    }

    [Fact]
    public void PartitionForKey_string_overload_uses_utf8_bytes()
    {
        const string key = "clé-ключ-键";
        byte[] utf8 = Encoding.UTF8.GetBytes(key);
        for (int n = 1; n <= 32; n++)
            Assert.Equal(KafkaPartitioner.PartitionForKey(utf8, n), KafkaPartitioner.PartitionForKey(key, n));
        Assert.Equal(NaiveMurmur2(utf8), Murmur2.Hash(utf8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void PartitionForKey_rejects_non_positive_partition_counts(int numPartitions)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KafkaPartitioner.PartitionForKey(new byte[] { 1, 2, 3 }, numPartitions));
        Assert.Throws<ArgumentOutOfRangeException>(() => KafkaPartitioner.PartitionForKey("key", numPartitions));
    }

    [Fact]
    public void Empty_key_hashes_deterministically()
    {
        Assert.Equal(EmptyKeyHash, Murmur2.Hash(ReadOnlySpan<byte>.Empty));
        Assert.Equal(EmptyKeyHash, Murmur2.Hash(Array.Empty<byte>()));
        Assert.Equal(EmptyKeyHash, Murmur2.Hash(new byte[] { 9, 9, 9 }.AsSpan(3)));
        Assert.Equal(EmptyKeyHash, NaiveMurmur2(Array.Empty<byte>()));
        for (int n = 1; n <= 16; n++)
        {
            Assert.Equal(EmptyKeyHash % n, KafkaPartitioner.PartitionForKey(string.Empty, n));
            Assert.Equal(EmptyKeyHash % n, KafkaPartitioner.PartitionForKey(ReadOnlySpan<byte>.Empty, n));
        }
    }

    [Fact]
    public void Hash_agrees_with_naive_reimplementation_on_random_inputs()
    {
        var random = new Random(20240531);
        for (int i = 0; i < 1000; i++)
        {
            int length = random.Next(0, 65);
            // Hash a slice at a random offset so unaligned spans are exercised too.
            int offset = random.Next(0, 4);
            var buffer = new byte[offset + length];
            random.NextBytes(buffer);
            byte[] data = buffer[offset..];

            int expected = NaiveMurmur2(data);
            Assert.Equal(expected, Murmur2.Hash(buffer.AsSpan(offset, length)));

            int n = random.Next(1, 1001);
            Assert.Equal((expected & 0x7fffffff) % n, KafkaPartitioner.PartitionForKey(data, n));
        }
    }

    [Theory]
    [MemberData(nameof(KafkaUtilsTestVectors))]
    public void Naive_reimplementation_itself_matches_Kafka_vectors(byte[] data, int expected)
    {
        Assert.Equal(expected, NaiveMurmur2(data));
    }

    // Deliberately different shape from the production code: 64-bit arithmetic masked to 32 bits,
    // keys assembled byte by byte, tail handled with independent ifs instead of a fallthrough switch.
    private static int NaiveMurmur2(byte[] data)
    {
        const ulong mask = 0xFFFFFFFFUL;
        const ulong m = 0x5bd1e995UL;
        ulong h = (0x9747b28cUL ^ (ulong)data.Length) & mask;
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            ulong k = data[i] | ((ulong)data[i + 1] << 8) | ((ulong)data[i + 2] << 16) | ((ulong)data[i + 3] << 24);
            k = (k * m) & mask;
            k ^= k >> 24;
            k = (k * m) & mask;
            h = (h * m) & mask;
            h ^= k;
        }

        int rest = data.Length - i;
        if (rest >= 3) h ^= (ulong)data[i + 2] << 16;
        if (rest >= 2) h ^= (ulong)data[i + 1] << 8;
        if (rest >= 1)
        {
            h ^= data[i];
            h = (h * m) & mask;
        }

        h ^= h >> 13;
        h = (h * m) & mask;
        h ^= h >> 15;
        return unchecked((int)(uint)h);
    }
}
