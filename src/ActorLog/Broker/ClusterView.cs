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
    private readonly Dictionary<UniqueAddress, Member> _members = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();

    public void Apply(ClusterEvent.IClusterDomainEvent e)
    {
        switch (e)
        {
            case ClusterEvent.MemberRemoved r:
                _members.Remove(r.Member.UniqueAddress);
                _unreachable.Remove(r.Member.UniqueAddress);
                break;
            case ClusterEvent.IMemberEvent m:
                _members[m.Member.UniqueAddress] = m.Member;
                break;
            case ClusterEvent.UnreachableMember u:
                _unreachable.Add(u.Member.UniqueAddress);
                break;
            case ClusterEvent.ReachableMember r:
                _unreachable.Remove(r.Member.UniqueAddress);
                break;
        }
    }

    /// <summary>Brokers that are Up (or WeaklyUp) and reachable: candidates for replicas and leadership.</summary>
    public IReadOnlyDictionary<int, Address> LiveBrokers()
    {
        var result = new Dictionary<int, Address>();
        foreach (var m in _members.Values)
            if (m.Status is MemberStatus.Up or MemberStatus.WeaklyUp && !_unreachable.Contains(m.UniqueAddress)
                && BrokerDirectory.BrokerIdOf(m) is { } id)
                result[id] = m.Address;
        return result;
    }

    public static readonly Type[] Events = { typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent) };
}
