using ActorLog.Log;

namespace ActorLog.Client;

/// <summary>Where an acknowledged record was written. Offset is -1 for acks=0 (nobody answers).</summary>
public readonly record struct DeliveryResult(string Topic, int Partition, long Offset);

/// <summary>A record as a consumer reads it.</summary>
public sealed record ConsumedRecord(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, long Timestamp,
    IReadOnlyList<RecordHeader> Headers);

/// <summary>Records of one fetch, and the partition's high watermark at the time.</summary>
public sealed record FetchedRecords(string Topic, int Partition, long HighWatermark, IReadOnlyList<ConsumedRecord> Records);

/// <summary>Kafka's acks setting.</summary>
public enum Acks : short
{
    None = 0,
    Leader = 1,
    All = -1,
}
