using Akka.Actor;

namespace ActorLog.Broker;

/// <summary>
/// Tracks since when each member that should have seen this node's latest gossip has not. A member that is Up
/// and reachable (its heartbeats answer) takes in this node's gossip within a round or two (500 ms each) and
/// marks it seen, unless it does not know this incarnation: it then ignores the gossip ("Ignoring received
/// gossip from unknown") for good. Pure, so the join watchdog's timing is unit-tested without a cluster.
/// </summary>
public sealed class UnseenMembers
{
    private readonly Dictionary<Address, TimeSpan> _since = new();

    /// <summary>
    /// One look at the view at <paramref name="now"/> (any monotonic clock): <paramref name="expected"/> are the
    /// members that should have seen the gossip, <paramref name="seenBy"/> those that have. Returns the expected
    /// members missing from every look for at least <paramref name="timeout"/>. A member seen once, or no longer
    /// expected (unreachable, leaving), starts from zero when it is missing again.
    /// </summary>
    public IReadOnlyList<Address> Look(IEnumerable<Address> expected, IReadOnlySet<Address> seenBy, TimeSpan now, TimeSpan timeout)
    {
        var missing = expected.Where(a => !seenBy.Contains(a)).ToHashSet();
        foreach (var gone in _since.Keys.Where(a => !missing.Contains(a)).ToList()) _since.Remove(gone);
        foreach (var address in missing) _since.TryAdd(address, now);
        return _since.Where(e => now - e.Value >= timeout).Select(e => e.Key).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
    }
}

/// <summary>
/// The other half of the race decision 37 is about, as seen from a broker that made it to Up in a view of its own:
/// when the restarted broker's welcomer dies, the restarted one may go on alone (session 16 saw it become Up and
/// remove the others, which it can only have done with the third downed in its view), while the third, which
/// never knew the new incarnation, also goes on alone. Two clusters, each with a minority of the brokers, so
/// neither has a controller (decision 19), and neither ever hears of the other. The way out is that one of them
/// starts again and joins the other: the broker whose view holds less than a majority of the seeds, while a
/// seed earlier in the list is alive (its port takes connections) but not a member of its view. Only the later
/// one restarts, so two sides never both do; a genuine minority (the others dead or cut off) has no live
/// absent seed and stays as it is.
/// </summary>
public static class SplitView
{
    /// <summary>
    /// The seeds to probe: those before this node's own address in <paramref name="seeds"/> that are not among
    /// <paramref name="members"/> (the addresses of the view's members that are not down or leaving), provided
    /// fewer than a majority of the seeds are members. Empty when there is nothing to suspect.
    /// </summary>
    public static IReadOnlyList<Address> EarlierAbsentSeeds(IReadOnlyList<Address> seeds, Address self, IReadOnlySet<Address> members)
    {
        var distinct = seeds.Distinct().ToList();
        var present = distinct.Count(members.Contains);
        if (present >= distinct.Count / 2 + 1) return [];
        var own = distinct.IndexOf(self);
        return distinct.Take(own < 0 ? distinct.Count : own).Where(s => !members.Contains(s)).ToList();
    }
}
