namespace ActorLog.Log;

/// <summary>
/// What <see cref="PartitionLog.Read"/> found: the batches themselves when they are in the tail cache, or which
/// journal events hold them when they are older. The journal is the log on disk; the cache only spares it reads.
/// </summary>
public abstract record LogRead
{
    private LogRead() { }

    public static readonly InMemory Nothing = new(Array.Empty<RecordBatch>());

    /// <summary>The batches, from the tail cache (already cut at the read's max offset).</summary>
    public sealed record InMemory(IReadOnlyList<RecordBatch> Batches) : LogRead;

    /// <summary>
    /// The batches are the journal events named by <see cref="Entries"/>, all within sequence numbers
    /// <see cref="FromSequenceNr"/>..<see cref="ToSequenceNr"/> (inclusive). Other events in that range (truncation
    /// markers, batches a truncation superseded) are not part of the log; each entry also says where its batch ends
    /// (a truncation or the read's max offset may cut it).
    /// </summary>
    public sealed record FromJournal(long FromSequenceNr, long ToSequenceNr, IReadOnlyList<BatchIndexEntry> Entries) : LogRead
    {
        /// <summary>
        /// The batches of <see cref="Entries"/> from the events read, in offset order, each cut to its entry.
        /// Throws <see cref="InvalidDataException"/> when the journal does not hold what the index says.
        /// </summary>
        public IReadOnlyList<RecordBatch> Select(IEnumerable<(long SequenceNr, object Event)> events)
        {
            var wanted = new Dictionary<long, BatchIndexEntry>(Entries.Count);
            foreach (var e in Entries) wanted[e.SequenceNr] = e;
            var batches = new List<RecordBatch>(Entries.Count);
            foreach (var (sequenceNr, @event) in events)
            {
                // Not named: a truncation marker, or a batch whose offsets a later truncation gave to newer events.
                if (!wanted.TryGetValue(sequenceNr, out var entry)) continue;
                if (@event is not RecordBatch batch || batch.BaseOffset != entry.BaseOffset || batch.NextOffset < entry.NextOffset)
                    throw new InvalidDataException(
                        $"Journal event {sequenceNr} is not the batch at offsets {entry.BaseOffset}..{entry.NextOffset - 1} the index names: {@event}");
                batches.Add(batch.Slice(entry.BaseOffset, entry.NextOffset));
            }
            if (batches.Count != Entries.Count)
                throw new InvalidDataException(
                    $"Journal events {FromSequenceNr}..{ToSequenceNr} hold {batches.Count} of the {Entries.Count} batches the index names");
            return batches;
        }
    }
}
