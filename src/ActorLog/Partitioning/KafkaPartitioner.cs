using System.Text;

namespace ActorLog.Partitioning;

// Same placement as Kafka's DefaultPartitioner / BuiltInPartitioner.partitionForKey
// (toPositive(murmur2(key)) % numPartitions), so a keyed record lands on the partition a
// Java Kafka producer would choose. Note: Confluent.Kafka (librdkafka) defaults to a
// CRC32-based partitioner (consistent_random); its users must set
// Partitioner = Partitioner.Murmur2Random to agree with this placement.
public static class KafkaPartitioner
{
    public static int ToPositive(int h) => h & 0x7fffffff;

    public static int PartitionForKey(ReadOnlySpan<byte> keyBytes, int numPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numPartitions, 1);
        return ToPositive(Murmur2.Hash(keyBytes)) % numPartitions;
    }

    public static int PartitionForKey(string key, int numPartitions)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(numPartitions, 1);
        return PartitionForKey(Encoding.UTF8.GetBytes(key), numPartitions);
    }
}
