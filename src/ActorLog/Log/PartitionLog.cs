namespace ActorLog.Log;

/// <summary>
/// One replica's log of a partition, as record batches with gap-free offsets from 0. Pure storage: it
/// knows nothing of leaders, followers or acks (those rules live in Replication/). The actor persists a
/// batch first and then applies it here with the journal sequence number of its event; recovery replays the
/// same Apply calls.
/// The journal is the log on disk. Memory holds an index entry for every batch (offsets, epoch, size, producer,
/// sequence number) and the batches themselves only for the tail, up to a byte budget (<see cref="TailCache"/>):
/// a read of older offsets says which journal events to read instead (<see cref="LogRead.FromJournal"/>).
/// </summary>
public sealed class PartitionLog(long cacheMaxBytes = long.MaxValue)
{
    private readonly List<BatchIndexEntry> _index = new();
    private readonly TailCache _cache = new(cacheMaxBytes);

    public LeaderEpochCache Epochs { get; } = new();

    /// <summary>The offset the next appended record gets.</summary>
    public long LogEndOffset { get; private set; }

    public long LogStartOffset => _index.Count == 0 ? LogEndOffset : _index[0].BaseOffset;

    public int BatchCount => _index.Count;

    /// <summary>Bytes of the whole log (a batch cut by a truncation while not cached counts an estimate).</summary>
    public long SizeInBytes { get; private set; }

    /// <summary>Every batch of the log, in offset order.</summary>
    public IReadOnlyList<BatchIndexEntry> Index => _index;

    public long CacheMaxBytes => _cache.MaxBytes;

    public int CachedBatchCount => _cache.Count;

    public long CachedBytes => _cache.Bytes;

    /// <summary>The first offset whose batch is in memory; the log-end offset when none is.</summary>
    public long CacheStartOffset => _cache.Count == 0 ? LogEndOffset : _index[FirstCached].BaseOffset;

    /// <summary>The index position of the oldest cached batch (the cache is a suffix of the index).</summary>
    private int FirstCached => _index.Count - _cache.Count;

    /// <summary>
    /// Appends a batch that must start exactly at the log-end offset, held by journal event
    /// <paramref name="sequenceNr"/> (later than every event the log already names).
    /// </summary>
    public void Append(RecordBatch batch, long sequenceNr)
    {
        if (batch.BaseOffset != LogEndOffset)
            throw new InvalidOperationException(
                $"Batch at offset {batch.BaseOffset} does not continue the log ending at {LogEndOffset}");
        if (batch.Count == 0) throw new ArgumentException("An appended batch holds at least one record", nameof(batch));
        if (_index.Count > 0 && sequenceNr <= _index[^1].SequenceNr)
            // Reads rely on it: the events of the current batches ascend with their offsets.
            throw new InvalidOperationException(
                $"Batch at offset {batch.BaseOffset} comes from journal event {sequenceNr}, not after event {_index[^1].SequenceNr}");
        Epochs.Assign(batch.LeaderEpoch, batch.BaseOffset);
        _index.Add(BatchIndexEntry.For(batch, sequenceNr));
        _cache.Add(batch);
        LogEndOffset = batch.NextOffset;
        SizeInBytes += batch.SizeInBytes;
    }

    /// <summary>
    /// Drops the batches wholly below <paramref name="offset"/> from the front of the log (retention; a batch holding
    /// the offset stays whole, so the log then starts at its base). An offset past the log end empties the log and
    /// continues it there (a follower whose whole log is older than its leader's start). Returns the journal event
    /// of the last batch dropped, -1 when none was: the events up to it are no longer part of the log.
    /// </summary>
    public long AdvanceStart(long offset)
    {
        var dropped = 0;
        var lastSequenceNr = -1L;
        while (dropped < _index.Count && _index[dropped].NextOffset <= offset)
        {
            lastSequenceNr = _index[dropped].SequenceNr;
            SizeInBytes -= _index[dropped].SizeInBytes;
            dropped++;
        }
        // The cache is a suffix of the index: the dropped batches it holds are its oldest.
        for (var i = Math.Max(0, dropped - FirstCached); i > 0; i--) _cache.RemoveFirst();
        _index.RemoveRange(0, dropped);
        if (offset > LogEndOffset) LogEndOffset = offset;
        if (_index.Count == 0) Epochs.Clear();
        else Epochs.TruncateBefore(_index[0].BaseOffset);
        return lastSequenceNr;
    }

    /// <summary>The index as it is now, for a snapshot (the entries are copied: the log goes on changing).</summary>
    public LogIndexSnapshot ToSnapshot() => new(LogEndOffset, _index.ToArray());

    /// <summary>
    /// Recovery from a snapshot: an empty log takes the snapshot's index (its batches are in the journal, none in
    /// memory) and rebuilds the leader epochs and size from it; the events after the snapshot are appended next.
    /// </summary>
    public void Restore(LogIndexSnapshot snapshot)
    {
        if (_index.Count > 0 || LogEndOffset != 0) throw new InvalidOperationException("Only an empty log is restored from a snapshot");
        if (Check(snapshot) is { } problem) throw new InvalidDataException(problem);
        _index.AddRange(snapshot.Entries);
        foreach (var e in snapshot.Entries)
        {
            Epochs.Assign(e.LeaderEpoch, e.BaseOffset);
            SizeInBytes += e.SizeInBytes;
        }
        LogEndOffset = snapshot.LogEndOffset;
    }

    /// <summary>What makes a snapshot unusable (null: nothing): it must be a gap-free run of batches (from the log's
    /// start: 0, or later once retention dropped older ones) with ascending journal events, ending at its log-end
    /// offset; an empty index may name any log-end offset (a log emptied by <see cref="AdvanceStart"/>).</summary>
    public static string? Check(LogIndexSnapshot snapshot)
    {
        var entries = snapshot.Entries;
        if (snapshot.LogEndOffset < 0) return $"it names log-end offset {snapshot.LogEndOffset}";
        for (var i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            var continues = i == 0 ? e.BaseOffset >= 0 : e.BaseOffset == entries[i - 1].NextOffset && e.SequenceNr > entries[i - 1].SequenceNr;
            if (e.Count <= 0 || !continues)
                return $"entry {i} (offset {e.BaseOffset}, {e.Count} records, event {e.SequenceNr}) does not continue the one before it";
        }
        if (entries.Length == 0 || snapshot.LogEndOffset == entries[^1].NextOffset) return null;
        return $"its batches end at offset {entries[^1].NextOffset} but it names log-end offset {snapshot.LogEndOffset}";
    }

    /// <summary>
    /// Drops every record at or above <paramref name="offset"/>, cutting a batch that straddles it (in the index;
    /// in the cache too when it is cached). Offsets appended afterwards map to the newer journal events.
    /// </summary>
    public void TruncateTo(long offset)
    {
        if (offset >= LogEndOffset) return;
        if (offset < 0) offset = 0;
        while (_index.Count > 0 && _index[^1].BaseOffset >= offset)
        {
            SizeInBytes -= _index[^1].SizeInBytes;
            if (_cache.Count > 0) _cache.RemoveLast();
            _index.RemoveAt(_index.Count - 1);
        }
        if (_index.Count > 0 && _index[^1].NextOffset > offset)
        {
            var last = _index[^1];
            BatchIndexEntry kept;
            if (_cache.Count > 0)
            {
                var cut = _cache.Last.Slice(last.BaseOffset, offset);
                _cache.ReplaceLast(cut);
                kept = last with { Count = cut.Count, SizeInBytes = cut.SizeInBytes };
            }
            else kept = last.Clip(offset);
            SizeInBytes += kept.SizeInBytes - last.SizeInBytes;
            _index[^1] = kept;
        }
        LogEndOffset = offset;
        Epochs.TruncateFrom(offset);
    }

    /// <summary>
    /// Batches holding offsets from <paramref name="offset"/> up to (not including) <paramref name="maxOffset"/>,
    /// at least one batch when there is data, then up to <paramref name="maxBytes"/>. The first batch may start
    /// below <paramref name="offset"/> (readers skip those records, as Kafka consumers do).
    /// From the cache when the batch holding <paramref name="offset"/> is cached; otherwise the journal events of the
    /// uncached batches from there (stopping where the cache starts: the next read finds the rest in memory).
    /// </summary>
    public LogRead Read(long offset, long maxOffset, int maxBytes)
    {
        if (offset >= maxOffset || offset >= LogEndOffset) return LogRead.Nothing;
        var index = IndexOf(offset);
        if (index < 0) return LogRead.Nothing;
        var firstCached = FirstCached;
        return index >= firstCached
            ? ReadCache(index - firstCached, maxOffset, maxBytes)
            : PlanJournalRead(index, firstCached, maxOffset, maxBytes);
    }

    private LogRead.InMemory ReadCache(int from, long maxOffset, int maxBytes)
    {
        var result = new List<RecordBatch>();
        var bytes = 0L;
        for (var i = from; i < _cache.Count && _cache[i].BaseOffset < maxOffset; i++)
        {
            var batch = _cache[i];
            if (batch.NextOffset > maxOffset)
                batch = batch.Slice(batch.BaseOffset, maxOffset);
            var size = batch.SizeInBytes;
            if (result.Count > 0 && bytes + size > maxBytes) break;
            result.Add(batch);
            bytes += size;
        }
        return new LogRead.InMemory(result);
    }

    private LogRead.FromJournal PlanJournalRead(int from, int firstCached, long maxOffset, int maxBytes)
    {
        var entries = new List<BatchIndexEntry>();
        var bytes = 0L;
        for (var i = from; i < firstCached && _index[i].BaseOffset < maxOffset; i++)
        {
            var entry = _index[i].Clip(maxOffset);
            if (entries.Count > 0 && bytes + entry.SizeInBytes > maxBytes) break;
            entries.Add(entry);
            bytes += entry.SizeInBytes;
        }
        return new LogRead.FromJournal(entries[0].SequenceNr, entries[^1].SequenceNr, entries);
    }

    /// <summary>The batch holding <paramref name="offset"/> by binary search over base offsets; -1 when absent.</summary>
    private int IndexOf(long offset)
    {
        int lo = 0, hi = _index.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var b = _index[mid];
            if (offset < b.BaseOffset) hi = mid - 1;
            else if (offset >= b.NextOffset) lo = mid + 1;
            else return mid;
        }
        return offset < LogStartOffset && _index.Count > 0 ? 0 : -1;
    }
}
