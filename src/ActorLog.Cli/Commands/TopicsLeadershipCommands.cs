using System.CommandLine;
using ActorLog.Metadata;

namespace ActorLog.Cli.Commands;

/// <summary>actorlog topics elect-leaders (preferred replicas).</summary>
internal static class TopicsLeadershipCommands
{
    public static Command ElectLeaders()
    {
        var name = new Argument<string?>("topic") { Description = "Only this topic (default: every topic)", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("elect-leaders", "Move leadership back to each partition's preferred replica where it is alive and in sync") { name };
        cmd.SetAction((r, ct) => CommonOptions.WithClient(r, ct, async client =>
        {
            var results = await client.ElectPreferredLeadersAsync(r.GetValue(name), ct);
            if (CommonOptions.Json(r))
            {
                Output.Json(results.Select(e => new
                {
                    topic = e.Topic, partition = e.Partition, leader = e.Leader, leaderEpoch = e.LeaderEpoch,
                    outcome = e.Outcome switch
                    {
                        PreferredOutcome.Elected => "elected",
                        PreferredOutcome.AlreadyPreferred => "already-preferred",
                        _ => "not-eligible",
                    },
                    reason = e.Reason,
                }));
                return 0;
            }
            Output.Table(new[] { "TOPIC", "PARTITION", "LEADER", "EPOCH", "RESULT" }, results.Select(e => (IReadOnlyList<string>)new[]
                { e.Topic, e.Partition.ToString(), e.Leader.ToString(), e.LeaderEpoch.ToString(), e.Reason }));
            var moved = results.Count(e => e.Outcome == PreferredOutcome.Elected);
            Console.Out.WriteLine($"{moved} partition(s) moved to their preferred leader.");
            return 0;
        }));
        return cmd;
    }
}
