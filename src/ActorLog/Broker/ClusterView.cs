using Akka.Actor;
using Akka.Cluster;

namespace ActorLog.Broker;

/// <summary>
/// Membership and reachability as seen through the cluster events an actor received. Deciding from
/// <c>Cluster.State</c> inside an event handler is racy: that snapshot is updated by another actor and may
/// not show the event being handled yet (a broker reported unreachable still looked reachable there).
/// </summary>
public sealed class ClusterView
{
    private readonly Dictionary<UniqueAddress, (MemberStatus Status, int? BrokerId)> _members = new();
    private readonly Dictionary<UniqueAddress, long> _unreachableSince = new();

    public static readonly Type[] Events = { typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent) };

    public void Apply(ClusterEvent.IClusterDomainEvent e)
    {
        switch (e)
        {
            case ClusterEvent.MemberRemoved r:
                MemberRemoved(r.Member.UniqueAddress);
                break;
            case ClusterEvent.IMemberEvent m:
                MemberChanged(m.Member.UniqueAddress, m.Member.Status, BrokerDirectory.BrokerIdOf(m.Member));
                break;
            case ClusterEvent.UnreachableMember u:
                SetReachable(u.Member.UniqueAddress, false, Environment.TickCount64);
                break;
            case ClusterEvent.ReachableMember r:
                SetReachable(r.Member.UniqueAddress, true);
                break;
        }
    }

    public void MemberChanged(UniqueAddress node, MemberStatus status, int? brokerId) => _members[node] = (status, brokerId);

    public void MemberRemoved(UniqueAddress node)
    {
        _members.Remove(node);
        _unreachableSince.Remove(node);
    }

    public void SetReachable(UniqueAddress node, bool reachable, long nowMs = 0)
    {
        if (reachable) _unreachableSince.Remove(node);
        else _unreachableSince.TryAdd(node, nowMs);
    }

    /// <summary>The incarnation (UniqueAddress uid) of the member that is broker <paramref name="brokerId"/> and Up, if any.</summary>
    public long? IncarnationOf(int brokerId)
    {
        foreach (var (node, (status, id)) in _members)
            if (id == brokerId && status is MemberStatus.Up or MemberStatus.WeaklyUp) return node.Uid;
        return null;
    }

    /// <summary>Brokers that are Up (or WeaklyUp) and reachable: candidates for replicas and leadership.</summary>
    public IReadOnlyDictionary<int, Address> LiveBrokers() => LiveBrokers(0, TimeSpan.Zero);

    /// <summary>As <see cref="LiveBrokers()"/>, but a broker unreachable for less than <paramref name="grace"/> still counts.</summary>
    public IReadOnlyDictionary<int, Address> LiveBrokers(long nowMs, TimeSpan grace)
    {
        var result = new Dictionary<int, Address>();
        foreach (var (node, (status, brokerId)) in _members)
        {
            if (status is not (MemberStatus.Up or MemberStatus.WeaklyUp) || brokerId is not { } id) continue;
            if (_unreachableSince.TryGetValue(node, out var since) && nowMs - since >= grace.TotalMilliseconds) continue;
            result[id] = node.Address;
        }
        return result;
    }
}
