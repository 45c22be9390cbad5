using System.Runtime.InteropServices;

namespace ActorLog.Log;

/// <summary>
/// What the log remembers of one record batch whether or not the batch itself is cached: its offsets, epoch
/// and size, the producer that wrote it, and the journal sequence number of the event that holds it (the
/// latest one: after a truncation and a re-append, an offset lives in a newer event). A batch cut by a
/// truncation keeps its sequence number; the journal still holds it whole, so a read slices it again.
/// AppendTimeMs is the batch's (retention.ms ages batches by it). 48 bytes a batch (auto layout packs the longs
/// first; sequential would pad to 56), so the index of a log stays far smaller than the log.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct BatchIndexEntry(
    long BaseOffset, int Count, int LeaderEpoch, int SizeInBytes, long SequenceNr, long ProducerId, int BaseSequence, long AppendTimeMs = 0)
{
    public long NextOffset => BaseOffset + Count;

    public static BatchIndexEntry For(RecordBatch batch, long sequenceNr) =>
        new(batch.BaseOffset, batch.Count, batch.LeaderEpoch, batch.SizeInBytes, sequenceNr, batch.ProducerId, batch.BaseSequence, batch.AppendTimeMs);

    /// <summary>
    /// The entry cut to offsets below <paramref name="to"/>. Without the batch at hand the size is an estimate in
    /// proportion to the records kept; it only budgets reads (a read measures the sliced batch itself).
    /// </summary>
    public BatchIndexEntry Clip(long to)
    {
        if (to >= NextOffset) return this;
        var count = (int)Math.Max(0, to - BaseOffset);
        var payload = (long)(SizeInBytes - RecordBatch.HeaderBytes) * count / Count;
        return this with { Count = count, SizeInBytes = RecordBatch.HeaderBytes + (int)payload };
    }
}
