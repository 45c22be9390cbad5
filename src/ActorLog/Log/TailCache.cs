namespace ActorLog.Log;

/// <summary>
/// The most recent record batches of a log, oldest first, within a byte budget: always a suffix of the log's
/// index. The newest batch stays even when it alone is over the budget, so the batch just written can be pushed
/// to followers and long-polling consumers without a journal read. Eviction is from the front, truncation from
/// the back; the front is a moving head over a list (compacted when half of it is dead), so both are O(1) amortised. Retention
/// drops batches from the front too.
/// </summary>
internal sealed class TailCache(long maxBytes)
{
    private readonly List<RecordBatch?> _batches = new();
    private int _head;

    public long MaxBytes { get; } = maxBytes;

    public int Count => _batches.Count - _head;

    /// <summary>Sum of the cached batches' <see cref="RecordBatch.SizeInBytes"/>.</summary>
    public long Bytes { get; private set; }

    /// <summary>The <paramref name="i"/>-th cached batch, 0 the oldest.</summary>
    public RecordBatch this[int i] => _batches[_head + i]!;

    public RecordBatch Last => _batches[^1]!;

    /// <summary>Adds the newest batch, then drops the oldest ones while over the budget.</summary>
    public void Add(RecordBatch batch)
    {
        _batches.Add(batch);
        Bytes += batch.SizeInBytes;
        while (Count > 1 && Bytes > MaxBytes)
        {
            Bytes -= _batches[_head]!.SizeInBytes;
            _batches[_head++] = null;
        }
        if (_head > 16 && _head * 2 >= _batches.Count)
        {
            _batches.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>Drops the oldest batch (retention dropped it from the log).</summary>
    public void RemoveFirst()
    {
        Bytes -= _batches[_head]!.SizeInBytes;
        _batches[_head++] = null;
        if (Count == 0)
        {
            _batches.Clear();
            _head = 0;
        }
    }

    public void RemoveLast()
    {
        Bytes -= Last.SizeInBytes;
        _batches.RemoveAt(_batches.Count - 1);
        if (Count == 0)
        {
            _batches.Clear();
            _head = 0;
        }
    }

    public void ReplaceLast(RecordBatch batch)
    {
        Bytes += batch.SizeInBytes - Last.SizeInBytes;
        _batches[^1] = batch;
    }
}
