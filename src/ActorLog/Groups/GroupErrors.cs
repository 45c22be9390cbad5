using Akka.Actor;
using ActorLog.Common;

namespace ActorLog.Groups;

/// <summary>Answers a group request with an error, in the answer type the request expects.</summary>
public static class GroupErrors
{
    public static object ReplyFor(IGroupMessage request, ErrorInfo error) => request switch
    {
        GroupProtocol.ConsumerGroupHeartbeat h => new GroupProtocol.HeartbeatResult(h.MemberId, h.MemberEpoch, Array.Empty<TopicPartition>(), 0, error),
        GroupProtocol.OffsetCommit c => new GroupProtocol.OffsetCommitResult(
            c.Offsets.Select(o => new GroupProtocol.PartitionError(o.Partition, error)).ToArray(), error),
        GroupProtocol.OffsetFetch f => new GroupProtocol.OffsetFetchResult(f.GroupId, Array.Empty<GroupProtocol.PartitionOffset>(), error),
        GroupProtocol.DescribeGroup d => new GroupProtocol.GroupDescription(d.GroupId, "Dead", -1, "",
            Array.Empty<GroupProtocol.MemberDescription>(), Array.Empty<GroupProtocol.PartitionOffset>(), error),
        GroupProtocol.ResetOffsets r => new GroupProtocol.ResetOffsetsResult(r.GroupId, Array.Empty<GroupProtocol.PartitionOffset>(), error),
        GroupProtocol.DeleteGroup d => new GroupProtocol.DeleteGroupResult(d.GroupId, error),
        _ => throw new ArgumentException($"Not a group request: {request.GetType().Name}", nameof(request)),
    };

    public static void Reply(IGroupMessage request, IActorRef replyTo, ErrorInfo error) => replyTo.Tell(ReplyFor(request, error));

    /// <summary>The group id is missing: sharding could not even route it.</summary>
    public static ErrorInfo? ValidateGroupId(string? groupId) =>
        string.IsNullOrWhiteSpace(groupId) ? new ErrorInfo(ErrorCode.InvalidGroupId, "The group id is empty") : null;
}
