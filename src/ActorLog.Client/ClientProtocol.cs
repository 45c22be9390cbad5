using Akka.Actor;
using ActorLog.Client.Produce;
using ActorLog.Common;
using ActorLog.Gateway;
using ActorLog.Log;

namespace ActorLog.Client;

/// <summary>Messages between the client API and its client actor (same process; never serialized).</summary>
internal static class ClientProtocol
{
    /// <summary>A record handed to the client actor (through its <see cref="ProduceIntake"/>), and whom to tell how it went.</summary>
    public sealed record ProduceRecord(string Topic, int? Partition, Record Record, Acks Acks, IDelivery Delivery, long DeadlineMs);

    /// <summary>Answers with a <see cref="Route"/>: where to send a request for the partition's leader.</summary>
    public sealed record GetRoute(TopicPartition Partition, bool Refresh);

    /// <summary>
    /// <paramref name="Target"/> is the leader's replica actor once the client knows it, else the leader's gateway
    /// (both answer partition requests); null with <paramref name="Error"/> when there is no reachable leader.
    /// </summary>
    public sealed record Route(IActorRef? Target, int PartitionCount, ErrorInfo? Error);

    /// <summary>Answers with the <see cref="GatewayProtocol.MetadataResult"/> after refreshing it.</summary>
    public sealed record RefreshMetadata;

    /// <summary>
    /// Answers with any live broker's gateway (for admin calls) other than those in <paramref name="Except"/> (gateways
    /// that refused the call as not up in the cluster); fails with BrokerNotAvailable when there is none.
    /// </summary>
    public sealed record GetAnyGateway(IReadOnlySet<IActorRef>? Except = null);

    /// <summary>A gateway did not answer in time: use another one and refresh the metadata.</summary>
    public sealed record GatewayFailed(IActorRef Gateway);

    /// <summary>Answers with a one-line description of the client's state, for diagnostics.</summary>
    public sealed record DescribeState;
}
