using Akka.Actor;
using Akka.Event;
using ActorLog.Common;
using ActorLog.Groups.Offsets;
using ActorLog.Partition;
using static ActorLog.Groups.GroupProtocol;

namespace ActorLog.Groups.Coordinator;

/// <summary>The group requests, handled once this broker is known to lead the offsets partition and the offsets are loaded.</summary>
public sealed partial class GroupCoordinator
{
    private sealed record ResetComputed(IReadOnlyList<PartitionOffset>? Offsets, ErrorInfo? Error);

    private void Handle()
    {
        switch (_current!.Value.Request)
        {
            case ConsumerGroupHeartbeat hb: OnHeartbeat(hb); break;
            case OffsetCommit commit: OnCommit(commit); break;
            case OffsetFetch fetch: OnFetch(fetch); break;
            case DescribeGroup: Reply(Describe()); break;
            case ResetOffsets reset: OnReset(reset); break;
            case DeleteGroup delete: OnDelete(delete); break;
            default:
                Finish(new ErrorInfo(ErrorCode.InvalidRequest, $"Unknown group request {_current.Value.Request.GetType().Name}"));
                break;
        }
    }

    private ErrorInfo GroupNotFound() => new(ErrorCode.GroupIdNotFound, $"Group [{_groupId}] does not exist");

    private void OnHeartbeat(ConsumerGroupHeartbeat hb)
    {
        var joining = hb.MemberEpoch == JoinEpoch;
        if (joining && _settings.SessionTimeoutFor(hb.SessionTimeoutMs) is null)
        {
            Finish(new ErrorInfo(ErrorCode.InvalidSessionTimeout, $"Session timeout {hb.SessionTimeoutMs} ms is outside " +
                $"[{_settings.MinSessionTimeout.TotalMilliseconds}, {_settings.MaxSessionTimeout.TotalMilliseconds}] ms"));
            return;
        }
        // The group's first join writes that it exists, so listing finds groups that never committed.
        if (joining && !_offsets.GroupRecorded)
        {
            var assignor = string.IsNullOrWhiteSpace(hb.Assignor) ? Assignment.Assignors.Sticky.Name : hb.Assignor.Trim().ToLowerInvariant();
            Write(new[] { new GroupRecord(_groupId, assignor) }, error =>
            {
                if (error is not null) Finish(error);
                else ApplyHeartbeat(hb);
            });
            return;
        }
        ApplyHeartbeat(hb);
    }

    private void ApplyHeartbeat(ConsumerGroupHeartbeat hb)
    {
        var timeout = _settings.SessionTimeoutFor(hb.SessionTimeoutMs) ?? _settings.DefaultSessionTimeout;
        var epochBefore = _group.GroupEpoch;
        var outcome = _group.Heartbeat(hb, timeout, NowMs, () => Guid.NewGuid().ToString("N"));
        if (outcome.Error?.Code == ErrorCode.FencedMemberEpoch) _log.Warning("{0}: {1}", Owner, outcome.Event);
        else if (outcome.Event is not null) _log.Info("{0}: {1}", Owner, outcome.Event);
        if (_group.GroupEpoch != epochBefore) _log.Info("{0}: target at group epoch {1}: {2}", Owner, _group.GroupEpoch, _group.Target);
        Reply(new HeartbeatResult(outcome.MemberId, outcome.MemberEpoch, outcome.Assignment,
            (int)_settings.HeartbeatInterval.TotalMilliseconds, outcome.Error));
    }

    private void OnCommit(OffsetCommit commit)
    {
        if (_group.Members.Count == 0 && _offsets.IsEmpty)
        {
            Finish(GroupNotFound());
            return;
        }
        var results = new List<PartitionError>();
        var records = new List<OffsetsRecord>();
        ErrorInfo? whole = null;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var o in commit.Offsets)
        {
            var error = o.Offset < 0
                ? new ErrorInfo(ErrorCode.InvalidRequest, $"Offset {o.Offset} of {o.Partition} is negative")
                : _group.ValidateCommit(commit.MemberId, commit.MemberEpoch, o.Partition);
            // Unknown member and stale epoch concern the whole request: a fenced member commits nothing.
            if (error?.Code is ErrorCode.UnknownMemberId or ErrorCode.StaleMemberEpoch) whole = error;
            results.Add(new PartitionError(o.Partition, error));
            if (error is null) records.Add(new OffsetCommitRecord(_groupId, o.Partition, new OffsetValue(o.Offset, o.Metadata, commit.MemberEpoch, now)));
        }
        if (whole is not null)
        {
            if (whole.Code == ErrorCode.StaleMemberEpoch) _log.Warning("{0}: FENCED commit: {1}", Owner, whole.Message);
            Reply(new OffsetCommitResult(commit.Offsets.Select(o => new PartitionError(o.Partition, whole)).ToArray(), whole));
            return;
        }
        if (records.Count == 0)
        {
            Reply(new OffsetCommitResult(results, null));
            return;
        }
        Write(records, error => Reply(new OffsetCommitResult(
            error is null ? results : results.Select(r => r with { Error = r.Error ?? error }).ToArray(), null)));
    }

    private void OnFetch(OffsetFetch fetch)
    {
        if (_group.Members.Count == 0 && _offsets.IsEmpty)
        {
            Finish(GroupNotFound());
            PassivateIfEmpty();
            return;
        }
        var offsets = fetch.Partitions is null
            ? _offsets.Offsets.Select(kv => new PartitionOffset(kv.Key, kv.Value.Offset, kv.Value.Metadata)).ToArray()
            : fetch.Partitions.Select(tp => _offsets.Find(tp) is { } v ? new PartitionOffset(tp, v.Offset, v.Metadata) : new PartitionOffset(tp, -1, "")).ToArray();
        Reply(new OffsetFetchResult(_groupId, offsets, null));
    }

    private GroupDescription Describe()
    {
        var members = _group.Members.Values.Select(m => new MemberDescription(m.MemberId, m.MemberEpoch, m.SubscribedTopics,
            m.Owned.ToArray(), _group.Target.Of(m.MemberId).ToArray())).ToArray();
        var offsets = _offsets.Offsets.Select(kv => new PartitionOffset(kv.Key, kv.Value.Offset, kv.Value.Metadata)).ToArray();
        var exists = members.Length > 0 || !_offsets.IsEmpty;
        if (!exists) PassivateIfEmpty();
        return new GroupDescription(_groupId, exists ? _group.State : "Dead", _group.GroupEpoch, _group.Assignor?.Name ?? "",
            members, offsets, exists ? null : GroupNotFound());
    }

    private void OnReset(ResetOffsets reset)
    {
        if (RefuseWhileMembers("reset its offsets") || RefuseUnknown()) return;
        if (!_metadata.Topics.TryGetValue(reset.Topic, out var topic))
        {
            Finish(new ErrorInfo(ErrorCode.UnknownTopicOrPartition, $"Unknown topic '{reset.Topic}'"));
            return;
        }
        if (reset.To == ResetTarget.Offset && reset.Offset < 0)
        {
            Finish(new ErrorInfo(ErrorCode.InvalidRequest, $"Cannot reset to offset {reset.Offset}"));
            return;
        }
        var partitions = Enumerable.Range(0, topic.Partitions.Count).Select(p => new TopicPartition(topic.Name, p)).ToArray();
        if (reset.To == ResetTarget.Offset)
        {
            WriteReset(partitions.Select(tp => new PartitionOffset(tp, reset.Offset, "")).ToArray());
            return;
        }
        // "earliest" is each leader's log start (retention moves it up), "latest" each high watermark.
        LeaderOffsets(partitions, _partitionRegion, reset.To == ResetTarget.Earliest).PipeTo(Self);
        Become(AwaitingLeaderOffsets);
    }

    private void AwaitingLeaderOffsets()
    {
        Receive<ResetComputed>(r =>
        {
            if (r.Error is not null) Finish(r.Error);
            else WriteReset(r.Offsets!);
        });
        ReceiveMetadata();
        ReceiveAny(_ => Stash.Stash());
    }

    private static async Task<ResetComputed> LeaderOffsets(IReadOnlyList<TopicPartition> partitions, IActorRef region, bool logStart)
    {
        try
        {
            var states = await Task.WhenAll(partitions.Select(tp =>
                region.Ask<PartitionProtocol.PartitionState>(new PartitionProtocol.GetPartitionState(tp), TimeSpan.FromSeconds(5))));
            var failed = states.FirstOrDefault(s => s.Error is not null);
            return failed is not null
                ? new ResetComputed(null, failed.Error)
                : new ResetComputed(states.Select(s => new PartitionOffset(s.Partition, logStart ? s.LogStartOffset : s.HighWatermark, "")).ToArray(), null);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return new ResetComputed(null, new ErrorInfo(ErrorCode.RequestTimedOut, "A partition leader did not say its offsets in time"));
        }
    }

    private void WriteReset(IReadOnlyList<PartitionOffset> offsets)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Write(offsets.Select(o => (OffsetsRecord)new OffsetCommitRecord(_groupId, o.Partition, new OffsetValue(o.Offset, o.Metadata, -1, now))).ToArray(),
            error =>
            {
                if (error is not null) Finish(error);
                else Reply(new ResetOffsetsResult(_groupId, offsets, null));
            });
    }

    private void OnDelete(DeleteGroup delete)
    {
        if (RefuseWhileMembers("delete it") || RefuseUnknown()) return;
        Write(_offsets.DeletionRecords(), error =>
        {
            if (error is not null)
            {
                Finish(error);
                return;
            }
            _log.Info("{0}: deleted", Owner);
            Reply(new DeleteGroupResult(delete.GroupId, null));
            PassivateIfEmpty();
        });
    }

    private bool RefuseWhileMembers(string what)
    {
        if (_group.Members.Count == 0) return false;
        Finish(new ErrorInfo(ErrorCode.NonEmptyGroup,
            $"Group [{_groupId}] has {_group.Members.Count} member(s) [{string.Join(",", _group.Members.Keys)}]: stop them before you {what}"));
        return true;
    }

    private bool RefuseUnknown()
    {
        if (!_offsets.IsEmpty) return false;
        Finish(GroupNotFound());
        PassivateIfEmpty();
        return true;
    }
}
