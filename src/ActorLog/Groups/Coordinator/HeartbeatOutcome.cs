using ActorLog.Common;

namespace ActorLog.Groups.Coordinator;

/// <summary>What a heartbeat did to the group: the answer, and a line for the log when something notable happened.</summary>
public sealed record HeartbeatOutcome(string MemberId, int MemberEpoch, IReadOnlyList<TopicPartition> Assignment, ErrorInfo? Error, string? Event)
{
    public static HeartbeatOutcome Failed(string memberId, int memberEpoch, ErrorInfo error, string? logLine = null) =>
        new(memberId, memberEpoch, Array.Empty<TopicPartition>(), error, logLine);
}
