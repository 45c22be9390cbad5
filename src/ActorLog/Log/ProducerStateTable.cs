namespace ActorLog.Log;

/// <summary>
/// Kafka's idempotent-producer bookkeeping for one partition: per producer id, the last sequence number in
/// the log and where its most recent batches went. Batches carry (ProducerId, BaseSequence), so every
/// replica rebuilds this from its own log: a newly elected leader knows what its predecessor appended.
/// A retried batch is recognised and answered with its original offset; a batch that arrives before an
/// earlier one of the same producer is refused, so retries never duplicate or reorder records.
/// </summary>
public sealed class ProducerStateTable
{
    /// <summary>Kafka keeps the last 5 batches per producer: as many as a producer may have in flight.</summary>
    public const int RecentBatches = 5;

    public enum Verdict
    {
        /// <summary>The next batch of this producer (or not idempotent): append it.</summary>
        Append,

        /// <summary>Already in the log at <see cref="Check.BaseOffset"/>: answer that, append nothing.</summary>
        Duplicate,

        /// <summary>An earlier batch of this producer is missing: refuse (the producer retries in order).</summary>
        OutOfOrder,

        /// <summary>The log has no batch of this producer at all, and this is not its first (Kafka's UNKNOWN_PRODUCER_ID).</summary>
        UnknownProducer,
    }

    public readonly record struct Check(Verdict Verdict, long BaseOffset, long NextOffset, int ExpectedSequence);

    private sealed class Entry
    {
        public int LastSequence = -1;
        public readonly Queue<(int BaseSequence, int LastSequence, long BaseOffset, long NextOffset)> Recent = new();
    }

    private readonly Dictionary<long, Entry> _producers = new();

    public int Count => _producers.Count;

    public Check Validate(long producerId, int baseSequence, int count)
    {
        if (producerId < 0 || baseSequence < 0) return new Check(Verdict.Append, -1, -1, -1);
        if (!_producers.TryGetValue(producerId, out var entry))
            // A producer we have never seen starts at 0; anything else means its first batches are not in this log.
            return baseSequence == 0 ? new Check(Verdict.Append, -1, -1, 0) : new Check(Verdict.UnknownProducer, -1, -1, 0);
        if (baseSequence == entry.LastSequence + 1) return new Check(Verdict.Append, -1, -1, baseSequence);
        if (baseSequence <= entry.LastSequence)
        {
            foreach (var b in entry.Recent)
                if (b.BaseSequence == baseSequence && b.LastSequence == baseSequence + count - 1)
                    return new Check(Verdict.Duplicate, b.BaseOffset, b.NextOffset, entry.LastSequence + 1);
        }
        return new Check(Verdict.OutOfOrder, -1, -1, entry.LastSequence + 1);
    }

    /// <summary>Notes a batch appended (or about to be) to the log.</summary>
    public void Record(RecordBatch batch) => Record(batch.ProducerId, batch.BaseSequence, batch.Count, batch.BaseOffset);

    private void Record(long producerId, int baseSequence, int count, long baseOffset)
    {
        if (producerId < 0 || baseSequence < 0) return;
        if (!_producers.TryGetValue(producerId, out var entry)) _producers[producerId] = entry = new Entry();
        var last = baseSequence + count - 1;
        entry.LastSequence = Math.Max(entry.LastSequence, last);
        entry.Recent.Enqueue((baseSequence, last, baseOffset, baseOffset + count));
        while (entry.Recent.Count > RecentBatches) entry.Recent.Dequeue();
    }

    /// <summary>
    /// Rebuilds the table from a log (after truncation dropped batches it had noted). The log's index carries each
    /// batch's producer and sequence, so this needs no batch in memory and no journal read.
    /// </summary>
    public void Rebuild(PartitionLog log)
    {
        _producers.Clear();
        foreach (var e in log.Index) Record(e.ProducerId, e.BaseSequence, e.Count, e.BaseOffset);
    }
}
