using Akka.Actor;
using ActorLog.Common;
using ActorLog.Gateway;

namespace ActorLog.Client;

/// <summary>
/// Produce batches and fetches go straight to the leader's replica actor once the client knows where it is: through
/// the gateway they took two more actor hops on the leader's broker (gateway, replica manager), and every request of
/// the broker queued behind one gateway actor. The client asks the leader's gateway once per (partition, leader) and
/// watches the replica it is told about; until the answer comes, or when that broker holds no live replica, requests
/// go through the gateway as before. A replica that stops (restart after a journal failure, topic deleted, broker
/// gone) ends in Terminated: its route is dropped and batches waiting on it are resent, same producer id and
/// sequence, so nothing is lost or written twice. A fetch waiting on it is not resent: like one parked on a replica
/// reached through the gateway, it ends at its deadline and the caller asks again (reads are safe to repeat).
/// </summary>
internal sealed partial class ClientActor
{
    /// <summary>Where a partition's produce batches and fetches go: the replica on the leader's broker, or null while unknown.</summary>
    private sealed record ReplicaRoute(int Broker, IActorRef? Replica, long AskedAtMs);

    private sealed record ReplicaResolved(TopicPartition Partition, int Broker, GatewayProtocol.ReplicaLocation? Location);

    /// <summary>How long a route that could not be found waits before it is asked again.</summary>
    private const long ReplicaRouteRetryMs = 1000;

    private readonly Dictionary<TopicPartition, ReplicaRoute> _replicaRoutes = new();

    /// <summary>The leader's replica when known; otherwise its gateway, asking (at most once a second) where the replica is.</summary>
    private IActorRef LeaderTarget(TopicPartition tp, int leader, IActorRef gateway)
    {
        if (_replicaRoutes.TryGetValue(tp, out var route) && route.Broker == leader)
        {
            if (route.Replica is { } replica) return replica;
            if (NowMs - route.AskedAtMs < ReplicaRouteRetryMs) return gateway;
        }
        _replicaRoutes[tp] = new ReplicaRoute(leader, null, NowMs);
        gateway.Ask<GatewayProtocol.ReplicaLocation>(new GatewayProtocol.ResolveReplica(tp), _settings.RequestTimeout)
            .PipeTo(Self, success: l => new ReplicaResolved(tp, leader, l), failure: _ => new ReplicaResolved(tp, leader, null));
        return gateway;
    }

    private void OnReplicaResolved(ReplicaResolved resolved)
    {
        // Only for the question still open: the leader may have moved on meanwhile.
        if (!_replicaRoutes.TryGetValue(resolved.Partition, out var route) || route.Broker != resolved.Broker || route.Replica is not null) return;
        if (resolved.Location?.ReplicaPath is not { } path) return; // through the gateway; asked again after ReplicaRouteRetryMs
        var replica = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(path);
        if (replica is null || replica.IsNobody()) return;
        Context.Watch(replica);
        _replicaRoutes[resolved.Partition] = route with { Replica = replica };
    }

    private void OnReplicaTerminated(Terminated terminated)
    {
        var stopped = terminated.ActorRef;
        foreach (var tp in _replicaRoutes.Where(r => stopped.Equals(r.Value.Replica)).Select(r => r.Key).ToList()) _replicaRoutes.Remove(tp);
        var touched = ResendWhere(b => stopped.Equals(b.Via), (key, b) => new ErrorInfo(ErrorCode.NotLeaderOrFollower,
            $"the replica of {key.Partition} on broker {b.SentTo.Broker} stopped before it answered"));
        foreach (var key in touched) TrySend(key);
    }

    private string DescribeRoutes() => string.Join(", ", _replicaRoutes.OrderBy(r => r.Key.ToString()).Select(r =>
        $"{r.Key} → broker {r.Value.Broker} {(r.Value.Replica is { } replica ? replica.Path.ToStringWithUid() : "via gateway")}"));
}
