using ActorLog.Common;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Client.Consumer;

/// <summary>The consumer's membership: heartbeats, reconciling to the coordinator's assignment, and commits.</summary>
public sealed partial class ActorLogConsumer
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        var intervalMs = 1000;
        while (!ct.IsCancellationRequested)
        {
            string member;
            int epoch;
            List<TopicPartition> owned;
            lock (_gate) (member, epoch, owned) = (_memberId, _memberEpoch, _positions.Keys.ToList());
            HeartbeatResult result;
            try
            {
                result = await _client.GroupHeartbeatAsync(new ConsumerGroupHeartbeat(_group, member, epoch, _topics, _options.Assignor,
                    (int)_options.SessionTimeout.TotalMilliseconds, owned), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // No coordinator reachable now: keep trying; the session timeout decides whether we are still a member.
                await Task.Delay(RetryDelay, ct);
                continue;
            }
            if (result.Error is { } error)
            {
                if (error.Code is ErrorCode.UnknownMemberId or ErrorCode.FencedMemberEpoch)
                {
                    // Expired or fenced (or the coordinator moved and lost its members): what we owned is someone
                    // else's now, so drop it without committing and join again.
                    await LosePartitionsAsync();
                    lock (_gate) (_memberId, _memberEpoch) = ("", 0);
                    continue;
                }
                if (!error.Code.IsRetriable())
                {
                    _failure = new ActorLogException(error);
                    return;
                }
                await Task.Delay(RetryDelay, ct);
                continue;
            }
            lock (_gate) (_memberId, _memberEpoch) = (result.MemberId, result.MemberEpoch);
            if (result.HeartbeatIntervalMs > 0) intervalMs = result.HeartbeatIntervalMs;
            bool changed;
            try
            {
                changed = await ReconcileAsync(result.Assignment.ToHashSet(), ct);
            }
            catch (ActorLogException e)
            {
                _failure = e;
                return;
            }
            // What we own changed: say so at once (KIP-848's acknowledging heartbeat). A revocation acknowledged
            // only at the next interval would hold the partition back from its new owner for a whole interval.
            if (!changed) await Task.Delay(intervalMs, ct);
        }
    }

    /// <summary>Gives up what the coordinator took away (committing it first), then starts what it added.</summary>
    /// <returns>Whether anything was revoked or added.</returns>
    private async Task<bool> ReconcileAsync(HashSet<TopicPartition> assignment, CancellationToken ct)
    {
        List<TopicPartition> revoked, added;
        lock (_gate)
        {
            revoked = _positions.Keys.Where(tp => !assignment.Contains(tp)).ToList();
            added = assignment.Where(tp => !_positions.ContainsKey(tp)).ToList();
        }
        // Partitions taken away, or none at all: maybe a subscribed topic was deleted (a clear error, not silence).
        if (revoked.Count > 0 || assignment.Count == 0) await ThrowIfTopicsGoneAsync(ct);
        if (revoked.Count > 0)
        {
            // Stop reading them first, then commit where reading stopped: committing first would let records
            // fetched meanwhile be returned here and again by the next owner, which starts at the commit.
            var final = TakePositions(revoked);
            if (_options.AutoCommit) await CommitPositionsAsync(final, ct);
            if (_options.OnRevoked is { } onRevoked) await onRevoked(revoked);
        }
        if (added.Count == 0) return revoked.Count > 0;
        var committed = (await _client.FetchOffsetsAsync(_group, added, ct)).ToDictionary(o => o.Partition, o => o.Offset);
        var starts = new Dictionary<TopicPartition, long>();
        foreach (var tp in added)
        {
            if (committed.TryGetValue(tp, out var offset) && offset >= 0) starts[tp] = offset;
            else starts[tp] = await ResetPositionAsync(tp, ErrorCode.NoCommittedOffset, $"Group [{_group}] has no committed offset for {tp}", ct);
        }
        if (_options.OnAssigned is { } onAssigned) await onAssigned(added);
        lock (_gate)
            foreach (var (tp, start) in starts)
            {
                _positions[tp] = start;
                _committed[tp] = committed.GetValueOrDefault(tp, -1);
            }
        return true;
    }

    private async Task LosePartitionsAsync()
    {
        List<TopicPartition> lost;
        lock (_gate)
        {
            lost = _positions.Keys.ToList();
            _positions.Clear();
        }
        if (lost.Count > 0 && _options.OnRevoked is { } onRevoked) await onRevoked(lost);
    }

    private async Task AutoCommitLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(_options.AutoCommitInterval, ct);
            try
            {
                await CommitOwnedAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next interval tries again; a fenced member rejoins through its heartbeats.
            }
        }
    }

    /// <summary>Commits the positions of every owned partition that moved since its last commit.</summary>
    private async Task<OffsetCommitResult?> CommitOwnedAsync(CancellationToken ct)
    {
        Dictionary<TopicPartition, long> positions;
        lock (_gate) positions = new Dictionary<TopicPartition, long>(_positions);
        return await CommitPositionsAsync(positions, ct);
    }

    /// <summary>Removes partitions from what is read (no record of them is returned after this) and gives their positions.</summary>
    private Dictionary<TopicPartition, long> TakePositions(IReadOnlyCollection<TopicPartition> partitions)
    {
        lock (_gate)
        {
            var taken = _positions.Where(p => partitions.Contains(p.Key)).ToDictionary();
            foreach (var tp in partitions) _positions.Remove(tp);
            return taken;
        }
    }

    /// <summary>Commits those of <paramref name="positions"/> that are known (not -1) and moved since their last commit.</summary>
    private async Task<OffsetCommitResult?> CommitPositionsAsync(IReadOnlyDictionary<TopicPartition, long> positions, CancellationToken ct)
    {
        string member;
        int epoch;
        List<PartitionOffset> offsets;
        lock (_gate)
        {
            (member, epoch) = (_memberId, _memberEpoch);
            offsets = positions
                .Where(p => p.Value >= 0 && _committed.GetValueOrDefault(p.Key, -1) != p.Value)
                .Select(p => new PartitionOffset(p.Key, p.Value, ""))
                .ToList();
        }
        if (member.Length == 0 || offsets.Count == 0) return null;
        var result = await _client.CommitOffsetsAsync(_group, member, epoch, offsets, ct);
        if (result.Error is null)
            lock (_gate)
                foreach (var o in offsets.Where(o => result.Partitions.All(p => p.Partition != o.Partition || p.Error is null)))
                    _committed[o.Partition] = o.Offset;
        return result;
    }
}
