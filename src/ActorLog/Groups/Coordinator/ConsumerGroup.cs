using System.Collections.Immutable;
using ActorLog.Common;
using ActorLog.Groups.Assignment;

namespace ActorLog.Groups.Coordinator;

/// <summary>
/// A consumer group's membership and assignment (KIP-848, on the server), as a pure state machine: no actors,
/// no clock of its own (callers pass now), no I/O. The group epoch grows with every change of members,
/// subscriptions or partition counts; each change recomputes the target with the group's assignor, and members
/// move towards it by <see cref="Reconciliation"/> steps, one per heartbeat, so a partition reaches its new owner
/// only after the old owner has acknowledged revoking it.
/// </summary>
public sealed class ConsumerGroup(string groupId)
{
    public const string StateEmpty = "Empty";
    public const string StateReconciling = "Reconciling";
    public const string StateStable = "Stable";

    private readonly SortedDictionary<string, MemberState> _members = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, int> _partitionCounts = ImmutableDictionary<string, int>.Empty;

    public string GroupId { get; } = groupId;

    public int GroupEpoch { get; private set; }

    /// <summary>Chosen by the member that created the group; every later member must ask for the same one.</summary>
    public IPartitionAssignor? Assignor { get; private set; }

    public GroupAssignment Target { get; private set; } = GroupAssignment.Empty;

    public IReadOnlyDictionary<string, MemberState> Members => _members;

    public string State => _members.Count == 0 ? StateEmpty
        : _members.Values.All(m => m.Owned.SetEquals(Target.Of(m.MemberId)) && m.Given.SetEquals(m.Owned)) ? StateStable
        : StateReconciling;

    /// <summary>Topics some member subscribes to.</summary>
    public IReadOnlySet<string> SubscribedTopics => _members.Values.SelectMany(m => m.SubscribedTopics).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// One heartbeat of a member (join with epoch 0, leave with -1, otherwise its current epoch).
    /// </summary>
    /// <param name="sessionTimeout">Already validated by the caller against the broker's bounds.</param>
    public HeartbeatOutcome Heartbeat(GroupProtocol.ConsumerGroupHeartbeat hb, TimeSpan sessionTimeout, long nowMs, Func<string> newMemberId)
    {
        if (hb.MemberEpoch == GroupProtocol.LeaveEpoch) return Leave(hb.MemberId);
        if (hb.MemberEpoch < GroupProtocol.LeaveEpoch)
            return HeartbeatOutcome.Failed(hb.MemberId, hb.MemberEpoch, new ErrorInfo(ErrorCode.InvalidRequest,
                $"Member epoch {hb.MemberEpoch} is invalid: 0 joins, -1 leaves, otherwise the epoch the coordinator gave"));

        string? logLine = null;
        MemberState member;
        if (hb.MemberEpoch == GroupProtocol.JoinEpoch)
        {
            var (refused, joined) = Join(hb, sessionTimeout, nowMs, newMemberId);
            if (refused is not null) return refused;
            member = joined!;
            logLine = $"member {member.MemberId} joined; group epoch {GroupEpoch}";
        }
        else
        {
            if (!_members.TryGetValue(hb.MemberId, out var known))
                return HeartbeatOutcome.Failed(hb.MemberId, hb.MemberEpoch, new ErrorInfo(ErrorCode.UnknownMemberId,
                    $"Member [{hb.MemberId}] is not in group [{GroupId}] (its session expired, it left, or the coordinator moved): rejoin with epoch 0"));
            if (hb.MemberEpoch != known.MemberEpoch && !LostLastAnswer(hb, known))
                return HeartbeatOutcome.Failed(hb.MemberId, hb.MemberEpoch, new ErrorInfo(ErrorCode.FencedMemberEpoch,
                        $"Member [{hb.MemberId}] of group [{GroupId}] sent epoch {hb.MemberEpoch}, its epoch is {known.MemberEpoch}: rejoin with epoch 0"),
                    $"FENCED member {hb.MemberId}: stale member epoch [{hb.MemberEpoch}] != [{known.MemberEpoch}]");
            member = known;
            if (!member.SubscribedTopics.ToHashSet(StringComparer.Ordinal).SetEquals(hb.SubscribedTopics))
            {
                member = member with { SubscribedTopics = Distinct(hb.SubscribedTopics) };
                _members[member.MemberId] = member;
                RecomputeTarget();
                logLine = $"member {member.MemberId} changed its subscription to [{string.Join(",", member.SubscribedTopics)}]; group epoch {GroupEpoch}";
            }
            // What it no longer lists it has revoked; it cannot claim what it was never given.
            if (hb.OwnedPartitions is not null) member = member with { Owned = member.Owned.Intersect(hb.OwnedPartitions) };
        }

        member = Step(member with { LastHeartbeatMs = nowMs });
        _members[member.MemberId] = member;
        return new HeartbeatOutcome(member.MemberId, member.MemberEpoch, member.Given.ToArray(), null, logLine);
    }

    /// <summary>
    /// KIP-848's tolerance of a lost heartbeat answer: the member still sends the epoch before the last change. It
    /// is told its current epoch and assignment again instead of being fenced (which would take all its partitions
    /// away for a dropped packet) as long as it claims nothing beyond what it owns here: its partitions, including
    /// those it was told to revoke and has not acknowledged, are given to nobody else until it does. (Kafka checks
    /// against the assignment without the pending revocations, so a lost revocation fences there.)
    /// </summary>
    private static bool LostLastAnswer(GroupProtocol.ConsumerGroupHeartbeat hb, MemberState known) =>
        hb.MemberEpoch == known.PreviousMemberEpoch && hb.OwnedPartitions is not null && hb.OwnedPartitions.All(known.Owned.Contains);

    private (HeartbeatOutcome? Refused, MemberState? Joined) Join(GroupProtocol.ConsumerGroupHeartbeat hb, TimeSpan sessionTimeout, long nowMs, Func<string> newMemberId)
    {
        IPartitionAssignor assignor;
        try
        {
            assignor = Assignors.ByName(string.IsNullOrWhiteSpace(hb.Assignor) ? Assignors.Sticky.Name : hb.Assignor);
        }
        catch (ArgumentException e)
        {
            return (HeartbeatOutcome.Failed(hb.MemberId, hb.MemberEpoch, new ErrorInfo(ErrorCode.UnsupportedAssignor, e.Message)), null);
        }
        if (_members.Count > 0 && Assignor is not null && Assignor.Name != assignor.Name)
            return (HeartbeatOutcome.Failed(hb.MemberId, hb.MemberEpoch, new ErrorInfo(ErrorCode.InconsistentGroupProtocol,
                $"Group [{GroupId}] uses the {Assignor.Name} assignor; member asked for {assignor.Name}")), null);
        if (hb.SubscribedTopics.Count == 0)
            return (HeartbeatOutcome.Failed(hb.MemberId, hb.MemberEpoch,
                new ErrorInfo(ErrorCode.InvalidRequest, "A joining member subscribes to at least one topic")), null);
        Assignor = assignor;
        // A member rejoining under its old id starts over: what it owned is free again.
        var memberId = hb.MemberId.Length > 0 ? hb.MemberId : newMemberId();
        var member = new MemberState(memberId, 0, Distinct(hb.SubscribedTopics), sessionTimeout, nowMs, MemberState.None, MemberState.None);
        _members[memberId] = member;
        RecomputeTarget();
        return (null, member);
    }

    private HeartbeatOutcome Leave(string memberId)
    {
        if (!_members.Remove(memberId))
            return HeartbeatOutcome.Failed(memberId, GroupProtocol.LeaveEpoch,
                new ErrorInfo(ErrorCode.UnknownMemberId, $"Member [{memberId}] is not in group [{GroupId}]"));
        RecomputeTarget();
        return new HeartbeatOutcome(memberId, GroupProtocol.LeaveEpoch, Array.Empty<TopicPartition>(), null,
            $"member {memberId} left; group epoch {GroupEpoch}");
    }

    /// <summary>Removes members silent for their session timeout; their partitions are free at once.</summary>
    public IReadOnlyList<string> ExpireSessions(long nowMs)
    {
        var expired = _members.Values.Where(m => m.IsExpired(nowMs)).Select(m => m.MemberId).ToList();
        if (expired.Count == 0) return expired;
        foreach (var id in expired) _members.Remove(id);
        RecomputeTarget();
        return expired;
    }

    /// <summary>New partition counts (from the cluster metadata); recomputes the target when a subscribed topic changed.</summary>
    public bool UpdatePartitionCounts(IReadOnlyDictionary<string, int> counts)
    {
        var subscribed = SubscribedTopics;
        var changed = subscribed.Any(t => _partitionCounts.GetValueOrDefault(t) != counts.GetValueOrDefault(t));
        _partitionCounts = counts;
        if (changed && _members.Count > 0) RecomputeTarget();
        return changed && _members.Count > 0;
    }

    /// <summary>Null when the member may commit this partition now: it is in the group, at its current epoch, and owns it.</summary>
    public ErrorInfo? ValidateCommit(string memberId, int memberEpoch, TopicPartition partition)
    {
        if (!_members.TryGetValue(memberId, out var member))
            return new ErrorInfo(ErrorCode.UnknownMemberId, $"Member [{memberId}] is not in group [{GroupId}]");
        if (memberEpoch != member.MemberEpoch)
            return new ErrorInfo(ErrorCode.StaleMemberEpoch,
                $"Member [{memberId}] of group [{GroupId}] committed at epoch {memberEpoch}; its epoch is {member.MemberEpoch}");
        if (!member.Owned.Contains(partition))
            return new ErrorInfo(ErrorCode.PartitionNotOwned,
                $"Member [{memberId}] of group [{GroupId}] does not own {partition} (it owns [{string.Join(", ", member.Owned)}])");
        return null;
    }

    /// <summary>Forgets every member (the coordinator moved or reloaded): they get UnknownMemberId and rejoin.</summary>
    public void ClearMembers()
    {
        _members.Clear();
        Target = GroupAssignment.Empty;
    }

    /// <summary>Moves a member one reconciliation step: it gains partitions nobody owns any more and is told to drop the others.</summary>
    private MemberState Step(MemberState member)
    {
        var owned = GroupAssignment.From(_members.Values.Where(m => m.MemberId != member.MemberId)
            .Select(m => KeyValuePair.Create(m.MemberId, m.Owned)).Append(KeyValuePair.Create(member.MemberId, member.Owned)));
        var plan = Reconciliation.Plan(owned, Target)[member.MemberId];
        var given = plan.Allowed;
        var next = member with { Owned = member.Owned.Union(plan.Assign), Given = given };
        // Its epoch becomes the group epoch whenever what it is told changes: an older incarnation or a member that
        // missed a rebalance carries a smaller epoch and is fenced. (Partitions released to it within one group epoch
        // keep the epoch; commits are checked against what it owns anyway.)
        if (member.MemberEpoch == 0 || !given.SetEquals(member.Given))
            next = next with { MemberEpoch = GroupEpoch, PreviousMemberEpoch = member.MemberEpoch == 0 ? -1 : member.MemberEpoch };
        return next;
    }

    private void RecomputeTarget()
    {
        GroupEpoch++;
        if (_members.Count == 0 || Assignor is null)
        {
            Target = GroupAssignment.Empty;
            return;
        }
        var members = _members.Values.Select(m => new GroupMember(m.MemberId, m.SubscribedTopics)).ToList();
        var counts = SubscribedTopics.Where(_partitionCounts.ContainsKey).ToDictionary(t => t, t => _partitionCounts[t], StringComparer.Ordinal);
        Target = Assignor.Assign(new AssignmentInput(members, counts, Target));
    }

    private static string[] Distinct(IReadOnlyList<string> topics) => topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
