using Akka.Actor;
using Akka.Cluster;
using ActorLog.Metadata;

namespace ActorLog.Broker;

/// <summary>
/// Broker ids are carried as a cluster role ("broker-id-3"), so every member's id and address is known
/// from cluster membership alone: no registration protocol, and a restarted broker keeps its id.
/// </summary>
public static class BrokerDirectory
{
    public const string BrokerRole = "broker";
    public const string IdRolePrefix = "broker-id-";

    public static string IdRole(int brokerId) => IdRolePrefix + brokerId;

    public static int? BrokerIdOf(Member member)
    {
        foreach (var role in member.Roles)
            if (role.StartsWith(IdRolePrefix, StringComparison.Ordinal) && int.TryParse(role.AsSpan(IdRolePrefix.Length), out var id))
                return id;
        return null;
    }

    public static Address? AddressOf(Cluster cluster, int brokerId)
    {
        foreach (var m in cluster.State.Members)
            if (BrokerIdOf(m) == brokerId && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Leaving)
                return m.Address;
        return null;
    }

    public static IReadOnlyList<BrokerInfo> Describe(Cluster cluster)
    {
        var state = cluster.State;
        var list = new List<BrokerInfo>();
        foreach (var m in state.Members)
        {
            if (BrokerIdOf(m) is not { } id) continue;
            var status = state.Unreachable.Contains(m) ? "unreachable" : m.Status.ToString().ToLowerInvariant();
            list.Add(new BrokerInfo(id, m.Address.Host ?? "", m.Address.Port ?? 0, status));
        }
        return list.OrderBy(b => b.Id).ToList();
    }

    /// <summary>The broker where the controller singleton runs: the oldest Up broker.</summary>
    public static int ControllerBrokerId(Cluster cluster)
    {
        var oldest = cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(BrokerRole))
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault();
        return oldest is null ? -1 : BrokerIdOf(oldest) ?? -1;
    }

    public static ActorPath ReplicaManagerPath(Address address) => new RootActorPath(address) / "user" / "replica-manager";
}
