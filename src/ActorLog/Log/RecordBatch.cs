using ActorLog.Serialization;

namespace ActorLog.Log;

/// <summary>
/// The unit of the log: what the leader persists as ONE journal event, pushes to followers as one message
/// and hands to consumers. Records take the offsets BaseOffset .. BaseOffset + Count - 1.
/// The records travel encoded (<see cref="Payload"/>, see <see cref="RecordCodec"/>): brokers copy the bytes
/// from the producer's request to the journal, to followers and to consumers without decoding a record;
/// only clients (and the rare trim of a batch) decode them. ProducerId/BaseSequence identify an idempotent
/// producer's batch (-1 when not idempotent).
/// </summary>
public sealed class RecordBatch : IActorLogMessage
{
    private IReadOnlyList<Record>? _records;

    public RecordBatch(long baseOffset, int leaderEpoch, long producerId, int baseSequence, int count, ReadOnlyMemory<byte> payload)
    {
        BaseOffset = baseOffset;
        LeaderEpoch = leaderEpoch;
        ProducerId = producerId;
        BaseSequence = baseSequence;
        Count = count;
        Payload = payload;
    }

    public RecordBatch(long baseOffset, int leaderEpoch, long producerId, int baseSequence, IReadOnlyList<Record> records)
        : this(baseOffset, leaderEpoch, producerId, baseSequence, records.Count, RecordCodec.Encode(records))
    {
        _records = records;
    }

    public long BaseOffset { get; }
    public int LeaderEpoch { get; }
    public long ProducerId { get; }
    public int BaseSequence { get; }
    public int Count { get; }

    /// <summary>The records, encoded by <see cref="RecordCodec"/>.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The decoded records (decoded once, on first use).</summary>
    public IReadOnlyList<Record> Records => _records ??= RecordCodec.Decode(Payload, Count);

    /// <summary>The offset after this batch's last record: the log-end offset once it is appended.</summary>
    public long NextOffset => BaseOffset + Count;

    public long LastOffset => NextOffset - 1;

    /// <summary>What a batch's fixed fields count for in <see cref="SizeInBytes"/>.</summary>
    public const int HeaderBytes = 32;

    /// <summary>Bytes on the wire and in the journal: the header and the encoded records.</summary>
    public int SizeInBytes => HeaderBytes + Payload.Length;

    /// <summary>The same records at other offsets and epoch (the leader places a producer's batch in its log).</summary>
    public RecordBatch Place(long baseOffset, int leaderEpoch) =>
        new(baseOffset, leaderEpoch, ProducerId, BaseSequence, Count, Payload) { _records = _records };

    /// <summary>The same records under another producer id and sequence.</summary>
    public RecordBatch WithProducer(long producerId, int baseSequence) =>
        new(BaseOffset, LeaderEpoch, producerId, baseSequence, Count, Payload) { _records = _records };

    /// <summary>The records with offsets in [from, to) as a batch of their own (decodes and re-encodes: rare).</summary>
    public RecordBatch Slice(long from, long to)
    {
        from = Math.Max(from, BaseOffset);
        to = Math.Min(to, NextOffset);
        if (from == BaseOffset && to == NextOffset) return this;
        var records = Records.Skip((int)(from - BaseOffset)).Take((int)(to - from)).ToArray();
        // A slice keeps the producer's sequence numbers of the records it keeps.
        var sequence = BaseSequence < 0 ? BaseSequence : BaseSequence + (int)(from - BaseOffset);
        return new RecordBatch(from, LeaderEpoch, ProducerId, sequence, records);
    }

    public override string ToString() =>
        $"RecordBatch(offsets {BaseOffset}..{LastOffset}, epoch {LeaderEpoch}, producer {ProducerId}/{BaseSequence}, {Payload.Length} bytes)";

    public override bool Equals(object? obj) =>
        obj is RecordBatch b && b.BaseOffset == BaseOffset && b.LeaderEpoch == LeaderEpoch && b.ProducerId == ProducerId
        && b.BaseSequence == BaseSequence && b.Count == Count && b.Payload.Span.SequenceEqual(Payload.Span);

    public override int GetHashCode() => HashCode.Combine(BaseOffset, LeaderEpoch, ProducerId, BaseSequence, Count, Payload.Length);
}

/// <summary>
/// Journal marker: the log's tail from <see cref="Offset"/> on was dropped (a follower's tail that the
/// new leader does not have). The journal stays append-only; recovery applies the marker.
/// </summary>
public sealed record LogTruncated(long Offset, int LeaderEpoch) : IActorLogMessage;
