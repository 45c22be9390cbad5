namespace ActorLog.Groups.Assignment;

/// <summary>The built-in assignors, looked up by the name a group is configured with.</summary>
public static class Assignors
{
    public static readonly IPartitionAssignor Range = new RangeAssignor();
    public static readonly IPartitionAssignor RoundRobin = new RoundRobinAssignor();
    public static readonly IPartitionAssignor Sticky = new StickyAssignor();

    private static readonly IReadOnlyList<IPartitionAssignor> All = [Range, RoundRobin, Sticky];

    public static IReadOnlyList<string> Names { get; } = All.Select(a => a.Name).ToArray();

    /// <summary>The assignor called <paramref name="name"/> (case-insensitive, as Kafka's config values are typed by hand).</summary>
    /// <exception cref="ArgumentException">No assignor has that name; the message lists the valid ones.</exception>
    public static IPartitionAssignor ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(a => string.Equals(a.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"Unknown partition assignor [{name}]; valid names are: {string.Join(", ", Names)}", nameof(name));
    }
}
