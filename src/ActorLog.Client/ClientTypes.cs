using ActorLog.Common;
using ActorLog.Log;

namespace ActorLog.Client;

/// <summary>Where an acknowledged record was written. Offset is -1 for acks=0 (nobody answers).</summary>
public readonly record struct DeliveryResult(string Topic, int Partition, long Offset);

/// <summary>
/// What a <c>Produce</c> delivery handler is told: where the record was written, or why it failed for good
/// (then Partition and Offset are -1 when it never reached a partition).
/// </summary>
public readonly record struct DeliveryReport(string Topic, int Partition, long Offset, ActorLogException? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>A record as a consumer reads it.</summary>
public sealed record ConsumedRecord(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, long Timestamp,
    IReadOnlyList<RecordHeader> Headers);

/// <summary>Records of one fetch, and the partition's high watermark (and log start) at the time.</summary>
public sealed record FetchedRecords(string Topic, int Partition, long HighWatermark, IReadOnlyList<ConsumedRecord> Records)
{
    public long LogStartOffset { get; init; }
}

/// <summary>A partition's readable range: from LogStartOffset (the oldest record retention kept) up to HighWatermark (exclusive).</summary>
public readonly record struct PartitionOffsets(long LogStartOffset, long HighWatermark);

/// <summary>Kafka's acks setting.</summary>
public enum Acks : short
{
    None = 0,
    Leader = 1,
    All = -1,
}
