using ActorLog.Serialization;

namespace ActorLog.Log;

/// <summary>
/// The unit of the log: what the leader persists as ONE journal event, pushes to followers as one message
/// and hands to consumers. Records take the offsets BaseOffset .. BaseOffset + Count - 1.
/// The records travel encoded (<see cref="Payload"/>, see <see cref="RecordCodec"/>): brokers copy the bytes
/// from the producer's request to the journal, to followers and to consumers without decoding a record;
/// only clients (and the rare trim of a batch) decode them. ProducerId/BaseSequence identify an idempotent
/// producer's batch (-1 when not idempotent). AppendTimeMs is when the leader placed the batch in its log (Unix ms;
/// 0 before it is placed, and in journals written before it existed): followers keep the leader's, so every
/// replica ages a batch alike for retention.ms.
/// </summary>
public sealed class RecordBatch : IActorLogMessage
{
    private IReadOnlyList<Record>? _records;

    public RecordBatch(long baseOffset, int leaderEpoch, long producerId, int baseSequence, int count, ReadOnlyMemory<byte> payload,
        long appendTimeMs = 0)
    {
        BaseOffset = baseOffset;
        AppendTimeMs = appendTimeMs;
        LeaderEpoch = leaderEpoch;
        ProducerId = producerId;
        BaseSequence = baseSequence;
        Count = count;
        Payload = payload;
    }

    public RecordBatch(long baseOffset, int leaderEpoch, long producerId, int baseSequence, IReadOnlyList<Record> records,
        long appendTimeMs = 0)
        : this(baseOffset, leaderEpoch, producerId, baseSequence, records.Count, RecordCodec.Encode(records), appendTimeMs)
    {
        _records = records;
    }

    public long BaseOffset { get; }
    public int LeaderEpoch { get; }
    public long ProducerId { get; }
    public int BaseSequence { get; }
    public int Count { get; }

    /// <summary>When the leader appended the batch (Unix ms), 0 when unknown.</summary>
    public long AppendTimeMs { get; }

    /// <summary>The records, encoded by <see cref="RecordCodec"/>.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The decoded records (decoded once, on first use).</summary>
    public IReadOnlyList<Record> Records => _records ??= RecordCodec.Decode(Payload, Count);

    /// <summary>The offset after this batch's last record: the log-end offset once it is appended.</summary>
    public long NextOffset => BaseOffset + Count;

    public long LastOffset => NextOffset - 1;

    /// <summary>What a batch's fixed fields count for in <see cref="SizeInBytes"/>.</summary>
    public const int HeaderBytes = 40;

    /// <summary>Bytes on the wire and in the journal: the header and the encoded records.</summary>
    public int SizeInBytes => HeaderBytes + Payload.Length;

    /// <summary>The same records at other offsets and epoch, appended at <paramref name="appendTimeMs"/> (the leader places a producer's batch in its log).</summary>
    public RecordBatch Place(long baseOffset, int leaderEpoch, long appendTimeMs) =>
        new(baseOffset, leaderEpoch, ProducerId, BaseSequence, Count, Payload, appendTimeMs) { _records = _records };

    /// <summary>The same records under another producer id and sequence.</summary>
    public RecordBatch WithProducer(long producerId, int baseSequence) =>
        new(BaseOffset, LeaderEpoch, producerId, baseSequence, Count, Payload, AppendTimeMs) { _records = _records };

    /// <summary>The records with offsets in [from, to) as a batch of their own (decodes and re-encodes: rare).</summary>
    public RecordBatch Slice(long from, long to)
    {
        from = Math.Max(from, BaseOffset);
        to = Math.Min(to, NextOffset);
        if (from == BaseOffset && to == NextOffset) return this;
        var records = Records.Skip((int)(from - BaseOffset)).Take((int)(to - from)).ToArray();
        // A slice keeps the producer's sequence numbers of the records it keeps.
        var sequence = BaseSequence < 0 ? BaseSequence : BaseSequence + (int)(from - BaseOffset);
        return new RecordBatch(from, LeaderEpoch, ProducerId, sequence, records, AppendTimeMs);
    }

    public override string ToString() =>
        $"RecordBatch(offsets {BaseOffset}..{LastOffset}, epoch {LeaderEpoch}, producer {ProducerId}/{BaseSequence}, {Payload.Length} bytes, appended {AppendTimeMs})";

    public override bool Equals(object? obj) =>
        obj is RecordBatch b && b.BaseOffset == BaseOffset && b.LeaderEpoch == LeaderEpoch && b.ProducerId == ProducerId
        && b.BaseSequence == BaseSequence && b.Count == Count && b.AppendTimeMs == AppendTimeMs && b.Payload.Span.SequenceEqual(Payload.Span);

    public override int GetHashCode() => HashCode.Combine(BaseOffset, LeaderEpoch, ProducerId, BaseSequence, Count, Payload.Length);
}

/// <summary>
/// Journal marker: the log now starts at <see cref="Offset"/>. Retention writes it before it deletes the journal events
/// of the batches below (a batch boundary, never past the last batch); a follower whose whole log is older than the
/// leader's start writes it with an offset at or past its log end, and its log continues there, empty. Recovery
/// applies it, so a snapshot of the index saved before the events were deleted never brings them back.
/// </summary>
public sealed record LogStartAdvanced(long Offset) : IActorLogMessage;

/// <summary>
/// Journal marker: the log's tail from <see cref="Offset"/> on was dropped (a follower's tail that the
/// new leader does not have). The journal stays append-only; recovery applies the marker.
/// </summary>
public sealed record LogTruncated(long Offset, int LeaderEpoch) : IActorLogMessage;
