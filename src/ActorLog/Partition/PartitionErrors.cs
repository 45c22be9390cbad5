using Akka.Actor;
using ActorLog.Common;
using ActorLog.Log;

namespace ActorLog.Partition;

/// <summary>Answers a partition request with an error, in the answer type the request expects.</summary>
internal static class PartitionErrors
{
    /// <returns>false when the message expects no answer of ours (the caller decides what to do with it).</returns>
    public static bool TryReply(object msg, IActorRef replyTo, ErrorInfo error, int leaderHint = -1, int epochHint = -1)
    {
        switch (msg)
        {
            case PartitionProtocol.Produce p:
                if (p.Acks != 0) replyTo.Tell(p.Answer(-1, error, leaderHint, epochHint));
                return true;
            case PartitionProtocol.Fetch f:
                replyTo.Tell(new PartitionProtocol.FetchResult(f.Partition, -1, -1, Array.Empty<RecordBatch>(), error, leaderHint, epochHint));
                return true;
            case PartitionProtocol.GetPartitionState s:
                replyTo.Tell(new PartitionProtocol.PartitionState(s.Partition, "none", epochHint, -1, -1, Array.Empty<int>(), error));
                return true;
            case ReplicationProtocol.FollowerFetch ff:
                replyTo.Tell(new ReplicationProtocol.FollowerFetchResult(ff.Partition, epochHint, -1, -1, error));
                return true;
            case ReplicationProtocol.FollowerAck:
                return true;
            default:
                return false;
        }
    }
}
