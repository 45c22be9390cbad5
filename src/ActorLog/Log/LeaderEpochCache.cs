namespace ActorLog.Log;

/// <summary>
/// Where each leader epoch began in the log (Kafka's KIP-101 leader-epoch checkpoint). A follower asks
/// the leader for the end offset of its last epoch and truncates there, so divergent tails are found by
/// epoch, not guessed from high watermarks.
/// </summary>
public sealed class LeaderEpochCache
{
    private readonly List<(int Epoch, long StartOffset)> _entries = new();

    public IReadOnlyList<(int Epoch, long StartOffset)> Entries => _entries;

    public int LatestEpoch => _entries.Count == 0 ? -1 : _entries[^1].Epoch;

    /// <summary>Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/>; older epochs are ignored.</summary>
    public void Assign(int epoch, long startOffset)
    {
        if (_entries.Count > 0 && epoch <= _entries[^1].Epoch) return;
        _entries.Add((epoch, startOffset));
    }

    /// <summary>
    /// The largest epoch not above <paramref name="epoch"/> and the offset where the log left it
    /// (the next epoch's start, or the log-end offset). (-1, -1) when the log has no such epoch.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int epoch, long logEndOffset)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Epoch > epoch) continue;
            var end = i + 1 < _entries.Count ? _entries[i + 1].StartOffset : logEndOffset;
            return (_entries[i].Epoch, end);
        }
        return (-1, -1);
    }

    /// <summary>
    /// The log now starts at <paramref name="offset"/> (retention): epochs that ended before it are forgotten, and the
    /// one in force there starts there, as Kafka truncates its epoch cache from the start.
    /// </summary>
    public void TruncateBefore(long offset)
    {
        while (_entries.Count > 1 && _entries[1].StartOffset <= offset) _entries.RemoveAt(0);
        if (_entries.Count > 0 && _entries[0].StartOffset < offset) _entries[0] = (_entries[0].Epoch, offset);
    }

    /// <summary>The log is empty (a follower's log reset to its leader's start): no epoch is known yet.</summary>
    public void Clear() => _entries.Clear();

    /// <summary>Forgets epochs that start at or after a truncation point.</summary>
    public void TruncateFrom(long offset)
    {
        while (_entries.Count > 0 && _entries[^1].StartOffset >= offset) _entries.RemoveAt(_entries.Count - 1);
    }
}
