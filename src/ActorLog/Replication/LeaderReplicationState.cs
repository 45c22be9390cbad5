namespace ActorLog.Replication;

/// <summary>
/// The replication rules of a partition leader, free of actors and I/O: follower progress, the in-sync
/// replicas and the high watermark. High watermark = the smallest persisted log-end offset over the in-sync
/// replicas (the leader included); it never moves backwards. The in-sync set used here is Kafka's
/// "maximal" ISR: a follower is counted as soon as it catches up, but it is only dropped once the
/// controller has recorded the smaller set, so an election never picks a replica that misses an acked record.
/// </summary>
public sealed class LeaderReplicationState
{
    private readonly Dictionary<int, FollowerProgress> _followers = new();

    /// <summary>The maximal ISR: what the controller recorded plus caught-up followers not yet recorded.</summary>
    private readonly SortedSet<int> _isr;

    /// <summary>The ISR as the controller last recorded it.</summary>
    private readonly SortedSet<int> _committedIsr;

    public LeaderReplicationState(int leaderBrokerId, int leaderEpoch, long epochStartOffset,
        IEnumerable<int> replicas, IEnumerable<int> isr, long logEndOffset, long highWatermark, long nowMs)
    {
        LeaderBrokerId = leaderBrokerId;
        LeaderEpoch = leaderEpoch;
        EpochStartOffset = epochStartOffset;
        LogEndOffset = logEndOffset;
        HighWatermark = Math.Min(highWatermark, logEndOffset);
        _isr = new SortedSet<int>(isr) { leaderBrokerId };
        foreach (var id in replicas.Where(r => r != leaderBrokerId))
            _followers[id] = new FollowerProgress(id) { LastCaughtUpMs = nowMs, LastAckMs = nowMs };
        _isr.IntersectWith(_followers.Keys.Append(leaderBrokerId));
        _committedIsr = new SortedSet<int>(_isr);
        // A leader alone in the ISR commits its whole log at once: waiting for the next append would leave
        // acknowledged records (written under the previous leader) invisible to consumers until then.
        AdvanceHighWatermark();
    }

    public int LeaderBrokerId { get; }
    public int LeaderEpoch { get; }

    /// <summary>Where this leader's epoch began: a follower joins the ISR only once it has reached it.</summary>
    public long EpochStartOffset { get; }

    /// <summary>The leader's own persisted log-end offset.</summary>
    public long LogEndOffset { get; private set; }

    public long HighWatermark { get; private set; }

    public IReadOnlySet<int> InSyncReplicas => _isr;

    public IReadOnlyDictionary<int, FollowerProgress> Followers => _followers;

    /// <summary>An ISR change sent to the controller and not yet confirmed; at most one at a time.</summary>
    public IReadOnlyList<int>? PendingIsr { get; private set; }

    /// <summary>
    /// A follower subscribed from <paramref name="fetchOffset"/>, its log end: pushes go to
    /// <paramref name="subscriber"/> from there. Returns true when the high watermark moved.
    /// </summary>
    public bool Subscribe(int brokerId, object subscriber, long fetchOffset, long nowMs)
    {
        if (!_followers.TryGetValue(brokerId, out var f)) return false;
        f.Subscriber = subscriber;
        f.Gone = false;
        f.NextOffsetToSend = fetchOffset;
        // Its log may have been truncated: what it has now is what it says, not the larger value acked before.
        f.LogEndOffset = fetchOffset;
        return OnFollowerAck(brokerId, fetchOffset, nowMs);
    }

    /// <summary>The leader persisted up to <paramref name="logEndOffset"/>. Returns true when the high watermark moved.</summary>
    public bool OnLocalAppend(long logEndOffset)
    {
        LogEndOffset = logEndOffset;
        return AdvanceHighWatermark();
    }

    /// <summary>
    /// A follower acknowledged its persisted log-end offset. Returns true when the high watermark moved.
    /// Caught-up tracking follows Kafka: reaching the leader's end as of the previous ack counts as caught up then.
    /// </summary>
    public bool OnFollowerAck(int brokerId, long followerLogEndOffset, long nowMs)
    {
        if (!_followers.TryGetValue(brokerId, out var f)) return false;
        f.LogEndOffset = Math.Max(f.LogEndOffset, followerLogEndOffset);
        if (f.LogEndOffset >= LogEndOffset) f.LastCaughtUpMs = nowMs;
        else if (f.LeaderEndAtLastAck >= 0 && f.LogEndOffset >= f.LeaderEndAtLastAck) f.LastCaughtUpMs = Math.Max(f.LastCaughtUpMs, f.LastAckMs);
        f.LeaderEndAtLastAck = LogEndOffset;
        f.LastAckMs = nowMs;
        return AdvanceHighWatermark();
    }

    /// <summary>
    /// Followers outside the ISR that have caught up far enough to join it (Kafka: LEO ≥ HW and ≥ epoch start).
    /// Only subscribed followers count: a gone follower's last offset says nothing of what it has now.
    /// </summary>
    public IReadOnlyList<int> ExpandCandidates() => _followers.Values
        .Where(f => f.Subscriber is not null && !_isr.Contains(f.BrokerId) && f.LogEndOffset >= HighWatermark && f.LogEndOffset >= EpochStartOffset)
        .Select(f => f.BrokerId).ToList();

    /// <summary>The follower's broker left: it stops receiving pushes until it subscribes again.</summary>
    public void OnFollowerGone(int brokerId)
    {
        if (!_followers.TryGetValue(brokerId, out var f)) return;
        f.Subscriber = null;
        f.Gone = true;
        f.NextOffsetToSend = -1;
    }

    /// <summary>In-sync followers whose broker went down, or that have not been caught up for longer than <paramref name="maxLagMs"/>.</summary>
    public IReadOnlyList<int> ShrinkCandidates(long nowMs, long maxLagMs)
    {
        var result = new List<int>();
        foreach (var id in _isr)
        {
            if (id == LeaderBrokerId) continue;
            var f = _followers[id];
            if (f.Gone) { result.Add(id); continue; }
            // An idle partition pushes nothing, so a follower at the leader's end is caught up now.
            if (f.LogEndOffset >= LogEndOffset) { f.LastCaughtUpMs = nowMs; continue; }
            if (nowMs - f.LastCaughtUpMs > maxLagMs) result.Add(id);
        }
        return result;
    }

    /// <summary>Adds caught-up followers at once (maximal ISR) and returns the set to record, or null when unchanged.</summary>
    public IReadOnlyList<int>? ProposeIsr(IReadOnlyCollection<int> add, IReadOnlyCollection<int> remove)
    {
        if (PendingIsr is not null || (add.Count == 0 && remove.Count == 0)) return null;
        foreach (var id in add) _isr.Add(id);
        var proposed = _isr.Where(id => !remove.Contains(id)).ToList();
        PendingIsr = proposed;
        AdvanceHighWatermark();
        return proposed;
    }

    /// <summary>The controller recorded <paramref name="isr"/>: followers outside it stop holding the high watermark back.</summary>
    public bool OnIsrCommitted(IReadOnlyCollection<int> isr)
    {
        PendingIsr = null;
        _committedIsr.Clear();
        foreach (var id in isr) _committedIsr.Add(id);
        _committedIsr.Add(LeaderBrokerId);
        _isr.Clear();
        _isr.UnionWith(_committedIsr);
        return AdvanceHighWatermark();
    }

    /// <summary>The controller refused the change (stale epoch or a newer state): forget it and try again later.</summary>
    public void OnIsrRejected()
    {
        PendingIsr = null;
        // Additions the controller did not record are proposed again by the next check.
        _isr.Clear();
        _isr.UnionWith(_committedIsr);
    }

    private bool AdvanceHighWatermark()
    {
        var hw = LogEndOffset;
        foreach (var id in _isr)
            if (id != LeaderBrokerId) hw = Math.Min(hw, _followers[id].LogEndOffset);
        if (hw <= HighWatermark) return false;
        HighWatermark = hw;
        return true;
    }
}
