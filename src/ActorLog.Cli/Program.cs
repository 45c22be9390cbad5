using System.CommandLine;
using ActorLog.Cli.Commands;

namespace ActorLog.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("ActorLog: a replicated, partitioned commit log (Kafka's model) on Akka.NET");
        root.Options.Add(CommonOptions.Bootstrap);
        root.Options.Add(CommonOptions.Output);
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(DevCommand.Create());
        root.Subcommands.Add(TopicsCommand.Create());
        root.Subcommands.Add(ProduceCommand.Create());
        root.Subcommands.Add(ConsumeCommand.Create());
        root.Subcommands.Add(GroupsCommand.Create());
        root.Subcommands.Add(ClusterCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ChaosCommand.Create());
        // Long enough for `dev` to stop its brokers one by one and for `node` to leave the cluster.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(90) });
    }
}
