namespace ActorLog.Log;

/// <summary>
/// One replica's log of a partition, as record batches with gap-free offsets from 0. Pure storage: it
/// knows nothing of leaders, followers or acks (those rules live in Replication/). The actor persists a
/// batch first and then applies it here; recovery replays the same Apply calls.
/// </summary>
public sealed class PartitionLog
{
    private readonly List<RecordBatch> _batches = new();

    public LeaderEpochCache Epochs { get; } = new();

    /// <summary>The offset the next appended record gets.</summary>
    public long LogEndOffset { get; private set; }

    public long LogStartOffset => _batches.Count == 0 ? LogEndOffset : _batches[0].BaseOffset;

    public int BatchCount => _batches.Count;

    public long SizeInBytes { get; private set; }

    /// <summary>Appends a batch that must start exactly at the log-end offset.</summary>
    public void Append(RecordBatch batch)
    {
        if (batch.BaseOffset != LogEndOffset)
            throw new InvalidOperationException(
                $"Batch at offset {batch.BaseOffset} does not continue the log ending at {LogEndOffset}");
        if (batch.Count == 0) throw new ArgumentException("An appended batch holds at least one record", nameof(batch));
        Epochs.Assign(batch.LeaderEpoch, batch.BaseOffset);
        _batches.Add(batch);
        LogEndOffset = batch.NextOffset;
        SizeInBytes += batch.SizeInBytes;
    }

    /// <summary>Drops every record at or above <paramref name="offset"/>, splitting a batch that straddles it.</summary>
    public void TruncateTo(long offset)
    {
        if (offset >= LogEndOffset) return;
        if (offset < 0) offset = 0;
        while (_batches.Count > 0 && _batches[^1].BaseOffset >= offset)
        {
            SizeInBytes -= _batches[^1].SizeInBytes;
            _batches.RemoveAt(_batches.Count - 1);
        }
        if (_batches.Count > 0 && _batches[^1].NextOffset > offset)
        {
            var last = _batches[^1];
            var kept = last.Slice(last.BaseOffset, offset);
            SizeInBytes += kept.SizeInBytes - last.SizeInBytes;
            _batches[^1] = kept;
        }
        LogEndOffset = offset;
        Epochs.TruncateFrom(offset);
    }

    /// <summary>
    /// Batches holding offsets from <paramref name="offset"/> up to (not including) <paramref name="maxOffset"/>,
    /// at least one batch when there is data, then up to <paramref name="maxBytes"/>. The first batch may start
    /// below <paramref name="offset"/> (readers skip those records, as Kafka consumers do).
    /// </summary>
    public IReadOnlyList<RecordBatch> Read(long offset, long maxOffset, int maxBytes)
    {
        if (offset >= maxOffset || offset >= LogEndOffset) return Array.Empty<RecordBatch>();
        var index = IndexOf(offset);
        if (index < 0) return Array.Empty<RecordBatch>();
        var result = new List<RecordBatch>();
        var bytes = 0;
        for (var i = index; i < _batches.Count && _batches[i].BaseOffset < maxOffset; i++)
        {
            var batch = _batches[i];
            if (batch.NextOffset > maxOffset)
                batch = batch.Slice(batch.BaseOffset, maxOffset);
            var size = batch.SizeInBytes;
            if (result.Count > 0 && bytes + size > maxBytes) break;
            result.Add(batch);
            bytes += size;
        }
        return result;
    }

    /// <summary>The batch holding <paramref name="offset"/> by binary search over base offsets; -1 when absent.</summary>
    private int IndexOf(long offset)
    {
        int lo = 0, hi = _batches.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var b = _batches[mid];
            if (offset < b.BaseOffset) hi = mid - 1;
            else if (offset >= b.NextOffset) lo = mid + 1;
            else return mid;
        }
        return offset < LogStartOffset && _batches.Count > 0 ? 0 : -1;
    }
}
